package osregex

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConvertRegex(t *testing.T) {
	tests := []struct{ in, want string }{
		{`abc`, `abc`},
		{`\d+`, `[0-9]+`},                      // last quantifier stays greedy
		{`\d+ `, `[0-9]+? `},                   // others are lazy
		{`\d*x\w+`, `[0-9]*?x[A-Za-z0-9@_-]+`}, // only the last one is greedy
		{`^(\S+) port`, `^([^ ]+?) port`},
		{`from (\S+)`, `from ([^ ]+)`}, // ')' before the end
		{`(\w+)$`, `([A-Za-z0-9@_-]+?)(?!\n)$`},
		{`a|b\d+|c`, `a|b[0-9]+|c`},
		{`(a\d+)|c`, `(a[0-9]+)|c`},
		{`\d+$`, `[0-9]+?(?!\n)$`},
		{`\.*`, `(?s:.)*`},
		{`\.+x`, `(?s:.)+?x`},
		{`\p*`, `[()*+,.:;\<=>?\[\]!"'#%&$|{}-]*`},
		{`\W\D\S\s`, `[^A-Za-z0-9@_-][^0-9][^ ][ ]`},
		{`a.b[c]{2}+?*`, `a\.b\[c\]\{2\}\+\?\*`},
		{`\t\$\(\)\{\}\[\]\\\|\<`, `\t\$\(\)\{\}\[\]\\\|\<`},
		{`$`, `(?!\n)$`},
		{`a$|b`, `a(?!\n)$|b`},
		{`\\+`, `\\+?`}, // '+' two bytes after a backslash is lazy; the fix-up skips "\+"
		{`x\`, `x\`},    // a trailing backslash is copied (PCRE2 then refuses it)
		{`(\d+)\d+x`, `([0-9]+?)[0-9]+?x`},
		{"\\d+\n", "[0-9]+\n"}, // '$' of the fix-up also matches before a final newline
		{`\S+)`, `[^ ]+)`},
		{`\w+ \d*|x`, `[A-Za-z0-9@_-]+? [0-9]*|x`},
	}
	for _, tt := range tests {
		got, err := Convert(KindRegex, tt.in)
		if err != nil {
			t.Errorf("Convert(regex, %q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Convert(regex, %q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestConvertRegexErrors(t *testing.T) {
	for _, tt := range []struct {
		in  string
		off int
	}{{`\z`, 0}, {`ab\>`, 2}, {`\d\x`, 2}, {`\+`, 0}, {`\?`, 0}, {`\^`, 0}} {
		_, err := Convert(KindRegex, tt.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Convert(regex, %q): err = %v, want *Error", tt.in, err)
			continue
		}
		if e.Offset != tt.off {
			t.Errorf("Convert(regex, %q): offset %d, want %d", tt.in, e.Offset, tt.off)
		}
		if _, err := Compile(KindRegex, tt.in, 0); err == nil {
			t.Errorf("Compile(regex, %q) succeeded", tt.in)
		}
	}
}

func TestConvertMatch(t *testing.T) {
	tests := []struct{ in, want string }{
		{`abc`, `abc`},
		{`a.b(c)[d]{e}+?*`, `a\.b\(c\)\[d\]\{e\}\+\?\*`},
		{`a\b`, `a\\b`},
		{`^a|b$`, `^a|b$`},
		{`\d`, `\\d`},
	}
	for _, tt := range tests {
		got, _ := Convert(KindMatch, tt.in)
		if got != tt.want {
			t.Errorf("Convert(match, %q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type execCase struct {
	kind    Kind
	pattern string
	flags   Flags
	subject string
	ok      bool
	end     int
	subs    []string
}

func TestExec(t *testing.T) {
	tests := []execCase{
		// OS_Regex fast paths: whole-string, prefix, suffix comparisons.
		{KindRegex, `^abc$`, 0, "abc", true, 3, nil},
		{KindRegex, `^abc$`, 0, "ABC", true, 3, nil},
		{KindRegex, `^abc$`, CaseSensitive, "ABC", false, 0, nil},
		{KindRegex, `^abc$`, 0, "abc\n", false, 0, nil}, // strcmp, where PCRE2's $ would allow the newline
		{KindRegex, `^abc`, 0, "ABCdef", true, 3, nil},
		{KindRegex, `^abc`, 0, "ab", false, 0, nil},
		{KindRegex, `abc$`, 0, "xxABC", true, 5, nil},
		{KindRegex, `abc$`, 0, "xxabcd", false, 0, nil},
		{KindRegex, `^`, 0, "anything", true, 0, nil},
		{KindRegex, `$`, 0, "anything", true, 8, nil},
		{KindRegex, `^$`, 0, "", true, 0, nil},
		{KindRegex, `^$`, 0, "x", false, 0, nil},
		{KindRegex, `^a b:c=d@e$`, 0, "A B:C=D@E", true, 9, nil},
		// Not a fast path: an unanchored literal goes to PCRE2.
		{KindRegex, `abc`, 0, "xABcx", true, 4, nil},
		// '.' is not in the fast-path alphabet: PCRE2, where it is literal.
		{KindRegex, `^a.c$`, 0, "a.c", true, 3, nil},
		{KindRegex, `^a.c$`, 0, "abc", false, 0, nil},
		{KindRegex, `^a.c$`, 0, "a.c\n", false, 0, nil}, // (?!\n)$
		// Captures, end offsets, lazy quantifiers.
		{KindRegex, `from (\S+)`, 0, "ssh from 1.2.3.4 port", true, 16, []string{"1.2.3.4"}},
		{KindRegex, `^(\S+) (\S+) `, 0, "a b c", true, 4, []string{"a", "b"}},
		{KindRegex, `(\d+).(\d+)`, 0, "v 12.345x", true, 8, []string{"12", "345"}},
		{KindRegex, `(\d+)\d+`, 0, "12345", true, 5, []string{"1"}},
		{KindRegex, `user (\w+)`, 0, "user jo-e@x_1 ok", true, 13, []string{"jo-e@x_1"}},
		{KindRegex, `a\.b`, 0, "a\nb", true, 3, nil},
		{KindRegex, `x\.`, 0, "xé", true, 3, nil}, // UTF: one character, two bytes
		{KindRegex, `\w+\s+\w+\d+\s$`, 0, "a aa11 ", true, 7, nil},
		{KindRegex, `abc$`, 0, "abc\x00def", true, 3, nil}, // a C string ends at NUL
		// pcre2_match checks UTF-8 subjects (OSSEC's NO_UTF_CHECK is
		// for the pattern only): invalid UTF-8 never matches on PCRE2, but
		// the string comparisons do not care.
		{KindRegex, `^(\S+) (\S+) (\S*)`, 0, "drop 172.16.0.\x87 192.168.1.1", false, 0, nil},
		{KindRegex, `^TNOP `, 0, "TNOP drop 172.16.0.\x87 192.168.1.1", true, 5, nil},
		{KindMatch, `drop`, 0, "drop \x87", false, 0, nil},
		{KindMatch, `^drop`, 0, "drop \x87", true, 4, nil},
		{KindPCRE2, `(\S+) (\S+)`, Caseless, "drop \x87", true, 6, []string{"drop", "\x87"}}, // not UTF
		// OS_Match.
		{KindMatch, ``, 0, "whatever", true, 0, nil},
		{KindMatch, `^a.c$`, 0, "A.C", true, 3, nil}, // fast path: '.' is literal
		{KindMatch, `^a.c$`, 0, "abc", false, 0, nil},
		{KindMatch, `^abc|^def`, 0, "DEFx", true, 3, nil},
		{KindMatch, `abc$`, 0, "xabc", true, 4, nil},
		{KindMatch, `a$b`, 0, "a$b", false, 0, nil},   // PCRE2: end of subject, then b
		{KindMatch, `a(b)`, 0, "xa(b)", true, 5, nil}, // parentheses are literal
		{KindMatch, `x|^y$`, 0, "y\n", true, 1, nil},  // PCRE2 $ before a final newline
		// OSPcre2: no UTF, caseless as analysisd compiles it.
		{KindPCRE2, `^abc$`, Caseless, "ABC", true, 3, nil},
		{KindPCRE2, `^abc$`, 0, "ABC", false, 0, nil},
		{KindPCRE2, `^abc`, Caseless, "ABCD", true, 3, nil},
		{KindPCRE2, `(a)|(b)`, Caseless, "B", true, 1, []string{"B"}},
		{KindPCRE2, `(?:(a)|b)+`, Caseless, "ab", true, 2, []string{"a"}},
		{KindPCRE2, `x.`, Caseless, "xé", true, 2, nil}, // not UTF: one byte
		{KindPCRE2, `user=(\S+)?,`, Caseless, "user=,", true, 6, nil},
		{KindPCRE2, `^(\d+)\.(\d+)$`, Caseless, "1.2\n", true, 3, []string{"1", "2"}},
	}
	for _, tt := range tests {
		p, err := Compile(tt.kind, tt.pattern, tt.flags)
		if err != nil {
			t.Errorf("Compile(%v, %q): %v", tt.kind, tt.pattern, err)
			continue
		}
		end, subs, ok := p.Exec(tt.subject, nil)
		if ok != tt.ok || end != tt.end || !cmp.Equal(subs, tt.subs, cmpEmpty) {
			t.Errorf("%v %q on %q: Exec = %v %d %q, want %v %d %q", tt.kind, tt.pattern, tt.subject, ok, end, subs, tt.ok, tt.end, tt.subs)
		}
		if m := p.Match(tt.subject); m != tt.ok {
			t.Errorf("%v %q on %q: Match = %v, want %v", tt.kind, tt.pattern, tt.subject, m, tt.ok)
		}
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
})

func TestExecMaxGroups(t *testing.T) {
	p, err := Compile(KindPCRE2, strings.Repeat("(a)", 70), Caseless)
	if err != nil {
		t.Fatal(err)
	}
	_, subs, ok := p.Exec(strings.Repeat("a", 70), nil)
	if !ok || len(subs) != MaxGroups {
		t.Fatalf("ok %v, %d substrings, want %d", ok, len(subs), MaxGroups)
	}
}

func TestExecAppends(t *testing.T) {
	p, _ := Compile(KindRegex, `(\d)(\d)`, 0)
	dst := []string{"keep"}
	_, subs, _ := p.Exec("12", dst)
	if want := []string{"keep", "1", "2"}; !cmp.Equal(subs, want) {
		t.Fatalf("subs = %q, want %q", subs, want)
	}
}

func TestFastPathChoice(t *testing.T) {
	tests := []struct {
		kind    Kind
		pattern string
		pcre2   bool
	}{
		{KindRegex, `^abc`, false},
		{KindRegex, `abc`, true}, // no anchor: PCRE2
		{KindRegex, `^a.c`, true},
		{KindRegex, `^a\sc`, true},
		{KindRegex, "^ab\u212ac", false}, // Kelvin sign: caseless UTF check accepts it as 'k'
		{KindMatch, `^a.c`, false},
		{KindMatch, `^a|b`, true},
		{KindMatch, `^a$b`, true},
		{KindMatch, `^(x)`, false},
		{KindPCRE2, `^abc$`, false},
		{KindPCRE2, "^ab\u212ac", true}, // the OSPcre2 check is case sensitive
		{KindPCRE2, `^a\d`, true},
		{KindPCRE2, `$`, false},
	}
	for _, tt := range tests {
		p, err := Compile(tt.kind, tt.pattern, Caseless)
		if err != nil {
			t.Errorf("Compile(%v, %q): %v", tt.kind, tt.pattern, err)
			continue
		}
		if _, got := p.PCRE2(); got != tt.pcre2 {
			t.Errorf("%v %q: runs on PCRE2 = %v, want %v", tt.kind, tt.pattern, got, tt.pcre2)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	long := strings.Repeat("a", PatternMaxSize+1)
	tests := []struct {
		kind        Kind
		pattern     string
		unsupported bool
	}{
		{KindPCRE2, ``, false},
		{KindRegex, ``, false},
		{KindRegex, long, false},
		{KindMatch, long, false},
		{KindPCRE2, `(a`, false},
		{KindRegex, `(a`, false},
		{KindRegex, `a\`, false},
		{KindPCRE2, `(?R)`, true},
		{KindPCRE2, `\p{L}`, true},
	}
	for _, tt := range tests {
		_, err := Compile(tt.kind, tt.pattern, Caseless)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Compile(%v, %.20q): err = %v, want *Error", tt.kind, tt.pattern, err)
			continue
		}
		if e.Unsupported != tt.unsupported {
			t.Errorf("Compile(%v, %q): Unsupported = %v, want %v (%v)", tt.kind, tt.pattern, e.Unsupported, tt.unsupported, e)
		}
	}
	if _, err := Compile(KindPCRE2, long, Caseless); err != nil {
		t.Errorf("a long pcre2 pattern is accepted by OSSEC: %v", err)
	}
	if _, err := Compile(KindRegex, strings.Repeat("a", PatternMaxSize), 0); err != nil {
		t.Errorf("a regex of exactly %d bytes is accepted: %v", PatternMaxSize, err)
	}
}

func TestWordMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"test", "this is a TEST", true},
		{"test", "thistestiswithoutspaces", true},
		{"test|not", "not", true},
		{"^test", "Test on start", true},
		{"^test", "starttest", false},
		{"-test", "this is a test", false},
		{"", "test", false},
		{"test", "", false},
		{"test|", "nothing", true}, // an empty alternative matches
		{"|x", "nothing", true},
		{"a||b", "nothing", true},
		{"^", "", true},
		{"^abc", "ab", false},
		{"é", "É", false}, // ASCII-only case folding
		{"abc", "xxab", false},
		{"abc", "ab\x00c", false},
	}
	for _, tt := range tests {
		if got := WordMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("WordMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestFirstBytes(t *testing.T) {
	tests := []struct {
		kind    Kind
		pattern string
		flags   Flags
		want    string // the bytes of the set; "-" for not ok
	}{
		{KindMatch, `^abc`, 0, "Aa"},
		{KindMatch, `^abc`, CaseSensitive, "a"},
		{KindMatch, `^abc$`, 0, "Aa"},
		{KindMatch, `^1`, 0, "1"},
		{KindMatch, `abc$`, 0, "-"},
		{KindMatch, `^`, 0, "-"},
		{KindMatch, ``, 0, "-"},
		{KindMatch, `abc`, 0, "-"},
		{KindPCRE2, `^\d{4}-`, Caseless, "0123456789"},
		{KindPCRE2, `^%PIX-|^%ASA-`, Caseless, "%"},
		{KindPCRE2, `^x|y`, Caseless, "-"},
		{KindPCRE2, `^a?b`, 0, "ab"},
		{KindPCRE2, `^a?`, 0, "-"}, // can match empty
		{KindPCRE2, `^(?:a|)b`, 0, "ab"},
		{KindPCRE2, `(?m)^a`, 0, "-"},
	}
	for _, tt := range tests {
		p, err := Compile(tt.kind, tt.pattern, tt.flags)
		if err != nil {
			t.Fatal(err)
		}
		set, ok := p.FirstBytes()
		got := "-"
		if ok {
			got = ""
			for b := 0; b < 256; b++ {
				if set[b] {
					got += string(rune(b))
				}
			}
		}
		if got != tt.want {
			t.Errorf("%v %q: FirstBytes = %q, want %q", tt.kind, tt.pattern, got, tt.want)
		}
	}
	// UTF caseless: 'k' also starts the Kelvin sign (0xE2 0x84 0xAA).
	pk, _ := Compile(KindRegex, `^k\w`, 0)
	if set, ok := pk.FirstBytes(); !ok || !set['k'] || !set['K'] || !set[0xe2] {
		t.Errorf("^k\\w: FirstBytes = %v, %v; want k, K and 0xE2", ok, set)
	}
	if !pk.Match("\u212aa") {
		t.Error("^k\\w does not match the Kelvin sign")
	}
}
