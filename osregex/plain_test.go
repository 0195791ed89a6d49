package osregex

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/pcre"
)

// TestPlainChecks: plainRegex and plainMatch say what OSSEC's check
// patterns (compiled by package pcre as OSSEC compiles them) say, on
// every byte and a few runes in each anchored shape, and on hand-picked
// and random patterns: anchors, final newlines, the characters that
// match a class letter only caselessly, bytes that are not UTF-8, and
// patterns up to past OS_PATTERN_MAXSIZE.
func TestPlainChecks(t *testing.T) {
	regexCheck := pcre.MustCompile("^\\^?[A-Za-z0-9 !\"#%&',/:;<=>@_`~-]*\\$?$", pcre.UTF|pcre.Caseless)
	matchCheck := pcre.MustCompile(`^\^?[^$|^]+\$?$`, pcre.UTF|pcre.Caseless)
	pcre2Check := pcre.MustCompile("^\\^?[a-zA-Z0-9 !\"#%&',/:;<=>@_`~-]*\\$?$", pcre.UTF)
	check := func(p string) {
		t.Helper()
		if got, want := plainRegex(p, true), regexCheck.MatchString(p); got != want {
			t.Errorf("plainRegex(%q, caseless) = %v, the OS_Regex check says %v", p, got, want)
		}
		if got, want := plainRegex(p, false), pcre2Check.MatchString(p); got != want {
			t.Errorf("plainRegex(%q) = %v, the OSPcre2 check says %v", p, got, want)
		}
		if got, want := plainMatch(p), matchCheck.MatchString(p); got != want {
			t.Errorf("plainMatch(%q) = %v, the OS_Match check says %v", p, got, want)
		}
	}
	// Every byte, and runes that fold (or do not) to a class letter, alone
	// and in each anchored shape: a character dropped from (or added to)
	// the class fails here.
	chars := make([]string, 0, 256+6)
	for b := 0; b < 256; b++ {
		chars = append(chars, string([]byte{byte(b)}))
	}
	chars = append(chars, "\u212a", "\u017f", "\u212b", "\u0130", "\u0131", "\u00e9")
	for _, c := range chars {
		for _, p := range []string{c, "a" + c + "b", "^" + c + "$", c + "$\n", "^" + c} {
			check(p)
		}
	}
	for _, p := range []string{
		"", "^", "$", "^$", "\n", "^\n", "$\n", "^$\n", "a", "^abc", "abc$", "^abc$", "abc$\n", "abc\n", "abc\n\n",
		"a$\n\n", "^^a", "a^", "a$$", "a|b", "a.b", "a\\b", "a\nb", "\u212a", "^\u212aelvin$", "\u017f", "\u00e9",
		"\u0130", "\u0131", "\u1e9e", "\xff", "a\xc3", "\x00", "x\u212a\u017fy$", "Failed password", "^Accepted publickey for",
	} {
		check(p)
	}
	alphabet := []string{"a", "Z", "k", "s", "9", " ", "-", "`", "~", "^", "$", "|", "\n", "\r", ".", "*", "(", "\\", "[",
		"\u212a", "\u017f", "\u00e9", "\u2126", "\xff", "\xc3", "\x00", "\t", "+", "?"}
	// The whole class of the OS_Regex check.
	const class = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#%&',/:;<=>@_`~-"
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 30000; i++ {
		var b strings.Builder
		n := r.Intn(8)
		if i%1000 == 0 {
			n = 2100 + r.Intn(100)
		}
		// Mostly plain characters, to reach the anchors at both ends.
		for range n {
			if r.Intn(4) == 0 {
				b.WriteString(alphabet[r.Intn(len(alphabet))])
			} else {
				b.WriteByte(class[r.Intn(len(class))])
			}
		}
		p := b.String()
		check(p)
		check("^" + p + "$")
		check(p + "$\n")
	}
}
