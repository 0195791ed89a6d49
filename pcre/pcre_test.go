package pcre

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		pattern string
		flags   Flags
		code    ErrorCode
		offset  int
	}{
		{`(a`, 0, ErrSyntax, 2},
		{`a)`, 0, ErrSyntax, 1},
		{`[a`, 0, ErrSyntax, 2},
		{`*a`, 0, ErrSyntax, 0},
		{`a**`, 0, ErrSyntax, 2},
		{`x{3,2}`, 0, ErrSyntax, 5},
		{`x{65536}`, 0, ErrSyntax, 2},
		{`\`, 0, ErrSyntax, 1},
		{`\i`, 0, ErrSyntax, 1},
		{`[z-a]`, 0, ErrSyntax, 3},
		{`\2(a)`, 0, ErrSyntax, 1},
		{`\k<nope>`, 0, ErrSyntax, 3},
		{`\81`, 0, ErrSyntax, 2},
		{`(?<n>a)(?<n>b)`, 0, ErrSyntax, 12},
		{`(?<=a+)b`, 0, ErrSyntax, 0},
		{`\x{100}`, 0, ErrSyntax, 6},
		{"\xff", UTF, ErrUnsupported, 0},
		{`\x{d800}`, UTF, ErrSyntax, 7},
		{strings.Repeat("(", 251) + strings.Repeat(")", 251), 0, ErrSyntax, 251},
		{`(?R)`, 0, ErrUnsupported, 0},
		{`(?1)(a)`, 0, ErrUnsupported, 0},
		{`(?(1)a|b)`, 0, ErrUnsupported, 0},
		{`(*FAIL)`, 0, ErrUnsupported, 0},
		{`a\Kb`, 0, ErrUnsupported, 1},
		{`\p{L}`, 0, ErrUnsupported, 0},
		{`\X`, 0, ErrUnsupported, 0},
		{`(?|a)`, 0, ErrUnsupported, 0},
		{`\g<1>(a)`, 0, ErrUnsupported, 0},
		{`(?J)(?<n>a)`, 0, ErrUnsupported, 0},
		{`((a|b){1000}){1000}`, 0, ErrTooLarge, 0},
	}
	for _, tt := range tests {
		_, err := Compile(tt.pattern, tt.flags)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Compile(%.30q): err = %v, want *Error", tt.pattern, err)
			continue
		}
		if e.Code != tt.code || e.Offset != tt.offset {
			t.Errorf("Compile(%.30q) = %v (code %v, offset %d), want code %v offset %d", tt.pattern, e, e.Code, e.Offset, tt.code, tt.offset)
		}
	}
	if _, err := Compile(strings.Repeat("(", 250)+strings.Repeat(")", 250), 0); err != nil {
		t.Errorf("250 nested parentheses: %v", err)
	}
}

func TestExec(t *testing.T) {
	tests := []struct {
		pattern string
		flags   Flags
		subject string
		want    []int
	}{
		{`(a|b)*c`, 0, "xxababc", []int{2, 7, 5, 6}},
		{`(?:(a)|b)+`, 0, "ab", []int{0, 2, 0, 1}},
		{`(a)|(b)`, 0, "b", []int{0, 1, -1, -1, 0, 1}},
		{`(a)?(b)`, 0, "b", []int{0, 1, -1, -1, 0, 1}},
		{`(\d+?)(\d*)`, 0, "123", []int{0, 3, 0, 1, 1, 3}},
		{`abc$`, 0, "abc\n", []int{0, 3}},
		{`abc\z`, 0, "abc\n", nil},
		{`(?<=ab)c`, 0, "abc", []int{2, 3}},
		{`(?<!a)b`, 0, "ab cb", []int{4, 5}},
		{`(?>a+)ab`, 0, "aaab", nil},
		{`a++b`, 0, "aaab", []int{0, 4}},
		{`HELLO`, Caseless, "say hello", []int{4, 9}},
		{`k`, Caseless | UTF, "\u212a", []int{0, 3}},
		{`k`, Caseless, "\u212a", nil},
		{`é`, Caseless, "É", nil},
		{`é`, Caseless | UTF, "É", []int{0, 2}},
		{`\w`, UTF, "é", nil},
		{`(?i)a(?-i)b`, 0, "AB Ab", []int{3, 5}},
		{`(a)(?:x\1)+`, 0, "axaxa", []int{0, 5, 0, 1}},
		{`(?<y>\d\d)-\k<y>`, 0, "12-12", []int{0, 5, 0, 2}},
		{`(a*)*b`, 0, "b", []int{0, 1, 0, 0}},
		{`(?m)^b`, 0, "a\nb", []int{2, 3}},
		{`^b`, 0, "a\nb", nil},
		{`\bfoo\b`, 0, "a foo.", []int{2, 5}},
		{`[[:^alpha:]]+`, 0, "ab12cd", []int{2, 4}},
		{`.`, UTF, "€", []int{0, 3}},
		{`.`, 0, "€", []int{0, 1}},
	}
	for _, tt := range tests {
		re, err := Compile(tt.pattern, tt.flags)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.pattern, err)
			continue
		}
		got, err := re.Exec(tt.subject, nil)
		if err != nil {
			t.Errorf("%q on %q: %v", tt.pattern, tt.subject, err)
			continue
		}
		if !cmp.Equal(got, tt.want) {
			t.Errorf("%q (%v) on %q = %v, want %v", tt.pattern, tt.flags, tt.subject, got, tt.want)
		}
		if m := re.MatchString(tt.subject); m != (tt.want != nil) {
			t.Errorf("%q on %q: MatchString = %v", tt.pattern, tt.subject, m)
		}
	}
}

// TestInvalidUTF8 pins the documented behaviour for invalid UTF-8 subjects
// in UTF mode: ErrBadUTF by default, as pcre2_match; with NoUTFCheck
// (undefined in PCRE2) the decoding of the package doc.
func TestInvalidUTF8(t *testing.T) {
	tests := []struct {
		pattern, subject string
		want             []int
	}{
		{`^.$`, "\xff", []int{0, 1}},            // a lone byte is a character
		{`^.$`, "\xc3", []int{0, 1}},            // truncated sequence: the lead byte alone
		{`^.$`, "\xc3\x28", []int{0, 2}},        // the lead byte takes the next byte, whatever it is
		{`^..$`, "\xc0\x80", []int{0, 2}},       // overlong: the lead byte alone
		{`^[\x{e8}]$`, "\xc3\x28", []int{0, 2}}, // value (0xc3&0x1f)<<6 | 0x28&0x3f
		{`^\x{e8}$`, "\xc3\x28", nil},           // a literal compares bytes, as PCRE2 does
		{`a`, "\x80a", []int{1, 2}},
		{`(?<=[\x{80}])a`, "\x80a", []int{1, 2}},
		{`[^a]+`, "\xe2\x82", []int{0, 2}},
	}
	for _, tt := range tests {
		re := MustCompile(tt.pattern, UTF|NoUTFCheck)
		got, _ := re.Exec(tt.subject, nil)
		if !cmp.Equal(got, tt.want) {
			t.Errorf("%q on %q = %v, want %v", tt.pattern, tt.subject, got, tt.want)
		}
		// Checked (PCRE2's default, and OSSEC's): no match, ErrBadUTF
		// (or no error when the prefilter already rules the subject out).
		checked := MustCompile(tt.pattern, UTF)
		if ov, err := checked.Exec(tt.subject, nil); ov != nil || err != nil && !errors.Is(err, ErrBadUTF) {
			t.Errorf("%q on %q with the UTF check = %v, %v; want nil, ErrBadUTF", tt.pattern, tt.subject, ov, err)
		}
		if checked.MatchString(tt.subject) {
			t.Errorf("%q on %q with the UTF check: MatchString is true", tt.pattern, tt.subject)
		}
	}
	if _, err := MustCompile(`.`, UTF).Exec("a\xff", nil); !errors.Is(err, ErrBadUTF) {
		t.Errorf("err = %v, want ErrBadUTF", err)
	}
}

func TestMatchLimit(t *testing.T) {
	re := MustCompile(`(a+)+$`, 0)
	re.SetMatchLimit(100000)
	subject := strings.Repeat("a", 40) + "b"
	ov, err := re.Exec(subject, nil)
	if ov != nil || !errors.Is(err, ErrMatchLimit) {
		t.Fatalf("Exec = %v, %v; want nil, ErrMatchLimit", ov, err)
	}
	if re.MatchString(subject) {
		t.Fatal("MatchString is true after the match limit")
	}
	// The limit is per start position: a subject that needs little work
	// at each position matches even when the positions add up.
	re2 := MustCompile(`a.*b.*c`, 0)
	re2.SetMatchLimit(200)
	if ov, err := re2.Exec(strings.Repeat("ab", 200)+"c", nil); err != nil || ov == nil {
		t.Fatalf("Exec = %v, %v", ov, err)
	}
}

func TestMatcherAndConcurrency(t *testing.T) {
	re := MustCompile(`(\w+)@(\w+)`, Caseless)
	m := re.Matcher()
	ov, err := m.Exec("mail bob@example now")
	if err != nil || !cmp.Equal(ov, []int{5, 16, 5, 8, 9, 16}) {
		t.Fatalf("Matcher.Exec = %v, %v", ov, err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if ov, _ := re.Exec("x a@b y", nil); !cmp.Equal(ov, []int{2, 5, 2, 3, 4, 5}) {
					t.Errorf("concurrent Exec = %v", ov)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestInfo(t *testing.T) {
	re := MustCompile(`(a)(?<x>b)(?:c)(?P<y>d)`, 0)
	if re.NumCaptures() != 3 {
		t.Errorf("NumCaptures = %d", re.NumCaptures())
	}
	if got := re.GroupNames(); !cmp.Equal(got, map[string]int{"x": 2, "y": 3}) {
		t.Errorf("GroupNames = %v", got)
	}
}
