package osregex

import (
	"errors"
	"strings"
	"testing"
)

// fuzzKind maps any byte to a dialect, each Kind to itself (the seeds
// name their dialect).
func fuzzKind(k uint8) Kind { return Kind((k-1)%3 + 1) }

// TestFuzzKind: a seed's Kind reaches Compile as itself, any other byte
// as some dialect.
func TestFuzzKind(t *testing.T) {
	for _, k := range []Kind{KindRegex, KindMatch, KindPCRE2} {
		if got := fuzzKind(uint8(k)); got != k {
			t.Errorf("fuzzKind(%d) = %v, want %v", k, got, k)
		}
	}
	for b := range 256 {
		if k := fuzzKind(uint8(b)); k < KindRegex || k > KindPCRE2 {
			t.Fatalf("fuzzKind(%d) = %d, not a dialect", b, k)
		}
	}
}

// FuzzCompile: no pattern of any dialect panics, errors are *Error, and
// whatever compiles runs on any subject with a sane result.
func FuzzCompile(f *testing.F) {
	for _, s := range osRegexCorpus {
		f.Add(s, "Failed password for root from 1.2.3.4 port 22", uint8(KindRegex), uint8(0))
	}
	f.Add(`^abc$`, "ABC", uint8(KindMatch), uint8(CaseSensitive))
	f.Add(`^(\S+)$|x`, "a b", uint8(KindPCRE2), uint8(Caseless))
	f.Add(`\p*\w+\.$`, "a\x00b", uint8(KindRegex), uint8(0))
	f.Fuzz(func(t *testing.T, pattern, subject string, kind, flags uint8) {
		k := fuzzKind(kind)
		p, err := Compile(k, pattern, Flags(flags)&(CaseSensitive|Caseless))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		end, subs, ok := p.Exec(subject, nil)
		if ok != p.Match(subject) && p.NumCaptures() < 30 {
			// Both give up the same way on the match limit, so they agree.
			t.Fatalf("Exec ok = %v, Match = %v", ok, p.Match(subject))
		}
		if !ok {
			return
		}
		if end < 0 || end > len(subject) {
			t.Fatalf("end %d outside the subject (%d bytes)", end, len(subject))
		}
		if len(subs) > MaxGroups {
			t.Fatalf("%d substrings", len(subs))
		}
		_ = WordMatch(pattern, subject)
	})
}

// asciiLower lowers ASCII letters only, as OSSEC's charmap does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerASCII(c)
	}
	return string(b)
}

// FuzzWordMatch compares WordMatch with a plain reading of OS_WordMatch.
func FuzzWordMatch(f *testing.F) {
	f.Add("test|^not|", "this is a Test")
	f.Add("^ab|cd", "xcD")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if strings.IndexByte(pattern, 0) >= 0 || strings.IndexByte(s, 0) >= 0 {
			return
		}
		want := false
		if pattern != "" {
			for _, alt := range strings.Split(pattern, "|") {
				switch {
				case alt == "":
					want = true
				case alt[0] == '^':
					want = want || strings.HasPrefix(asciiLower(s), asciiLower(alt[1:]))
				default:
					want = want || s != "" && strings.Contains(asciiLower(s), asciiLower(alt))
				}
			}
		}
		if got := WordMatch(pattern, s); got != want {
			t.Fatalf("WordMatch(%q, %q) = %v, want %v", pattern, s, got, want)
		}
	})
}
