package pcre

import (
	"errors"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	for _, c := range handCases {
		for _, s := range c.Subjects {
			f.Add(c.Pattern, s, uint8(flagsOf(c)))
		}
	}
	f.Add(`(\S+ \S*) .* (\S+) \S*.* (\d{3})`, "a b c 123 d e f", uint8(Caseless))
	f.Add(`(?<=\x{80}|ab)c`, "\x80c\xff\xc3", uint8(UTF))
}

// checkOvector verifies the shape of an ovector for subject s.
func checkOvector(t *testing.T, re *Regexp, s string, ov []int) {
	t.Helper()
	if ov == nil {
		return
	}
	if len(ov) != 2*(re.NumCaptures()+1) {
		t.Fatalf("ovector of %d entries for %d groups", len(ov), re.NumCaptures())
	}
	if ov[0] < 0 || ov[0] > ov[1] || ov[1] > len(s) {
		t.Fatalf("match [%d, %d] outside the subject (%d bytes)", ov[0], ov[1], len(s))
	}
	for i := 2; i < len(ov); i += 2 {
		if ov[i] == -1 && ov[i+1] == -1 {
			continue
		}
		if ov[i] < 0 || ov[i] > ov[i+1] || ov[i+1] > len(s) {
			t.Fatalf("group %d [%d, %d] is not inside the subject (%d bytes)", i/2, ov[i], ov[i+1], len(s))
		}
	}
}

// FuzzCompile: no pattern panics the compiler, and whatever compiles runs.
func FuzzCompile(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, pattern, subject string, flags uint8) {
		re, err := Compile(pattern, Flags(flags)&(Caseless|UTF|Multiline|DotAll|Extended|NoUTFCheck))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if e.Offset < 0 || e.Offset > len(pattern) {
				t.Fatalf("error offset %d outside the pattern (%d bytes): %v", e.Offset, len(pattern), e)
			}
			return
		}
		re.SetMatchLimit(20000)
		ov, err := re.Exec(subject, nil)
		if err != nil && !errors.Is(err, ErrMatchLimit) && !errors.Is(err, ErrBadUTF) {
			t.Fatal(err)
		}
		checkOvector(t, re, subject, ov)
	})
}

// FuzzMatch: any subject on patterns of the kinds OSSEC uses; the match
// must agree with MatchString and be a match of the same pattern when the
// matched text alone is the subject... of at least a well-formed ovector.
func FuzzMatch(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, pattern, subject string, flags uint8) {
		re, err := Compile(pattern, Flags(flags)&(Caseless|UTF|NoUTFCheck))
		if err != nil {
			return
		}
		re.SetMatchLimit(20000)
		ov, err1 := re.Exec(subject, nil)
		checkOvector(t, re, subject, ov)
		m := re.MatchString(subject)
		if err1 == nil && m != (ov != nil) {
			t.Fatalf("MatchString = %v but Exec = %v", m, ov)
		}
	})
}
