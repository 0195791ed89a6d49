package osregex

import (
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/pcre2test"
)

// stock compiles every pattern of the stock ruleset as analysisd does.
func stock(b testing.TB) ([]*Pattern, []string) {
	b.Helper()
	pats, subjects := pcre2test.Stock(b)
	var out []*Pattern
	for _, p := range pats {
		kind, flags := KindMatch, Flags(0)
		switch {
		case p.IsPCRE2():
			kind, flags = KindPCRE2, Caseless
		case p.Element == "regex" || p.Element == "prematch":
			kind = KindRegex
		}
		c, err := Compile(kind, p.Text, flags)
		if err != nil {
			continue // OSSEC refuses it too (the empty pcre2 pattern)
		}
		out = append(out, c)
	}
	return out, subjects
}

// BenchmarkStockMatch is one Match of a stock pattern on a conformance line.
func BenchmarkStockMatch(b *testing.B) {
	pats, subjects := stock(b)
	b.ReportAllocs()
	b.ResetTimer()
	i, j := 0, 0
	for n := 0; n < b.N; n++ {
		pats[i].Match(subjects[j])
		if i++; i == len(pats) {
			i = 0
			if j++; j == len(subjects) {
				j = 0
			}
		}
	}
}

// BenchmarkStockExec is one Exec (with substrings) of a stock pattern.
func BenchmarkStockExec(b *testing.B) {
	pats, subjects := stock(b)
	dst := make([]string, 0, 16)
	b.ReportAllocs()
	b.ResetTimer()
	i, j := 0, 0
	for n := 0; n < b.N; n++ {
		_, dst, _ = pats[i].Exec(subjects[j], dst[:0])
		if i++; i == len(pats) {
			i = 0
			if j++; j == len(subjects) {
				j = 0
			}
		}
	}
}

const sshd = "sshd[1234]: Failed password for invalid user admin from 192.168.1.100 port 51234 ssh2"

func BenchmarkRegexExec(b *testing.B) {
	p, _ := Compile(KindRegex, `^sshd[\d+]: Failed \S+ for invalid user (\S+) from (\S+) port (\d+) `, 0)
	dst := make([]string, 0, 4)
	b.ReportAllocs()
	for n := 0; n < b.N; n++ {
		_, dst, _ = p.Exec(sshd, dst[:0])
	}
}

func BenchmarkFastPathPrefix(b *testing.B) {
	p, _ := Compile(KindMatch, `^sshd[`, 0)
	b.ReportAllocs()
	for n := 0; n < b.N; n++ {
		p.Match(sshd)
	}
}

func BenchmarkWordMatch(b *testing.B) {
	b.ReportAllocs()
	for n := 0; n < b.N; n++ {
		WordMatch("authentication_failed|invalid_login|sshd", sshd)
	}
}

// TestFirstBytesSound checks FirstBytes against Match on every stock
// pattern and conformance line: a line outside the set never matches.
func TestFirstBytesSound(t *testing.T) {
	pats, subjects := stock(t)
	subjects = append(subjects, "", "\x00x", "\u212a", "\xff")
	used := 0
	for _, p := range pats {
		set, ok := p.FirstBytes()
		if !ok {
			continue
		}
		used++
		for _, s := range subjects {
			if (s == "" || !set[s[0]]) && p.Match(s) {
				t.Errorf("%v %q: FirstBytes excludes %q, which matches", p.Kind(), p.String(), s)
			}
		}
	}
	if used < 100 {
		t.Errorf("FirstBytes is ok for only %d stock patterns", used)
	}
	t.Logf("FirstBytes ok for %d of %d stock patterns", used, len(pats))
}
