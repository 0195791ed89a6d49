package osregex

import (
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/pcre2test"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// TestJITStackStock checks the JIT stack model on every stock pattern:
// none repeats a group, so the model says no subject can exhaust PCRE2's
// JIT stack; pcre2test -jit confirms it on conformance lines lengthened to
// OSSEC's 6,135-byte read size (padding in front, behind, and doubled in
// the middle), which must never give error -46.
func TestJITStackStock(t *testing.T) {
	prog := testenv.NeedPCRE2Test(t)
	pats, subjects := pcre2test.Stock(t)
	var cases []pcre2test.Case
	var compiled []*Pattern
	for _, sp := range pats {
		kind, flags := KindMatch, Flags(0)
		switch {
		case sp.IsPCRE2():
			kind, flags = KindPCRE2, Caseless
		case sp.Element == "regex" || sp.Element == "prematch":
			kind = KindRegex
		}
		p, err := Compile(kind, sp.Text, flags)
		if err != nil {
			continue
		}
		n, never, known := p.JITStackMinLength()
		if !known || !never {
			t.Errorf("%s %q: the model says the JIT stack can be exhausted (from %d bytes, known %v); no stock pattern repeats a group", sp.File, sp.Text, n, known)
		}
		if p.exec != execPCRE2 {
			continue
		}
		var subj []string
		for _, s := range pcre2test.Select(sp.Text, subjects, 2, false)[:2] {
			pad := strings.Repeat("x ", 3000)
			subj = append(subj, pad+s, s+" "+pad, s[:len(s)/2]+pad+s[len(s)/2:]+s)
		}
		for i, s := range subj {
			if len(s) > 6135 {
				subj[i] = s[:6135]
			}
			subj[i] = strings.TrimRight(subj[i], " \n\x00")
		}
		cases = append(cases, pcre2test.Case{Pattern: p.pcre2, Caseless: p.caseless, UTF: true, Subjects: subj, Modifiers: []string{"jit"}})
		compiled = append(compiled, p)
	}
	res, err := pcre2test.Run(prog, cases)
	if err != nil {
		t.Fatal(err)
	}
	nsub := 0
	for i, r := range res {
		for j, out := range r.Subjects {
			nsub++
			got := strings.Join(out, "\n")
			if strings.Contains(got, "error -46") {
				t.Errorf("%q on a %d-byte line: pcre2test -jit gives -46, the model says never", cases[i].Pattern, len(cases[i].Subjects[j]))
			}
			if compiled[i].JITStackLimited(cases[i].Subjects[j]) {
				t.Errorf("%q: JITStackLimited on a stock pattern", cases[i].Pattern)
			}
		}
	}
	t.Logf("%d stock patterns (%d run by PCRE2), %d long subjects: no JIT stack exhaustion in pcre2test -jit or in the model", len(pats), len(cases), nsub)
}
