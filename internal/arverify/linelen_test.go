//go:build linux && !arverify_mutation

package arverify

import (
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/osregex"
)

// longestVerdicts returns, for each kind, the longest line Line can write:
// a path whose escaped form is MaxShownPathLen bytes (one that EscapePath
// cuts, and one that it does not), manager and code words of maxWordLen
// bytes and an alert id of maxAlertIDLen.
func longestVerdicts(t *testing.T) []engineCheck {
	t.Helper()
	word := strings.Repeat("w", maxWordLen)
	id := strings.Repeat("1", 10) + "." + strings.Repeat("2", maxAlertIDLen-11)
	paths := map[string]string{
		// Exactly MaxShownPathLen bytes escaped, not cut: EscapePath
		// keeps room for the mark but for the last escape (here \x01).
		"full": "/" + strings.Repeat("a", MaxShownPathLen-len(truncMark)-1) + "\x01",
		// Escapes to four times its length: cut and marked.
		"cut": "/" + strings.Repeat("\x01", MaxPathLen),
		// Spaces, parentheses and verdict words inside the path.
		"forging": "/" + strings.Repeat("x) [alert 1.2] file ok (", MaxPathLen/24),
	}
	var checks []engineCheck
	for pname, p := range paths {
		for _, v := range []Verdict{
			{Kind: OK, Path: p, AlertID: id},
			{Kind: Changed, Manager: word, Path: p, AlertID: id},
			{Kind: Unmanaged, Path: p, AlertID: id},
			{Kind: Unverified, Code: word, Path: p, AlertID: id},
		} {
			// Line marks a path OSSEC may have cut after the
			// escaped path, so each kind also with the mark.
			for _, tr := range []bool{false, true} {
				v.Truncated = tr || pname == "cut"
				checks = append(checks, engineCheck{name: pname, v: v, line: v.Line()})
			}
		}
	}
	return checks
}

// TestLongestLines ties the program to its decoders: the longest line of
// each verdict kind stays within MaxLineLen, is below the length at which
// PCRE2's JIT (as real OSSEC runs it, 32 KiB stack) can run out on any
// pattern of the ossec-ar-verify decoders, and decodes to its rule.
// Lengthening the line (a longer MaxShownPathLen, word or id) or making a
// decoder pattern hungrier for the JIT stack fails it.
func TestLongestLines(t *testing.T) {
	checks := longestVerdicts(t)
	longest := 0
	for _, c := range checks {
		if len(c.line) > MaxLineLen {
			t.Errorf("%s %v: line of %d bytes, more than MaxLineLen %d", c.name, c.v.Kind, len(c.line), MaxLineLen)
		}
		longest = max(longest, len(c.line))
		if c.name == "full" && !c.v.Truncated && strings.Contains(c.line, truncMark) {
			t.Errorf("full: path was cut: %q", c.line[:80])
		}
		if c.v.Code == strings.Repeat("w", maxWordLen) && !strings.Contains(c.line, "): "+c.v.Code+" ") {
			t.Errorf("a code of maxWordLen bytes was not written: %q", c.line[len(c.line)-100:])
		}
	}
	if longest != MaxLineLen {
		t.Errorf("longest line %d bytes, MaxLineLen %d: the bound is not tight", longest, MaxLineLen)
	}
	if got := oneWord(strings.Repeat("w", maxWordLen+1), "def"); got != "def" {
		t.Errorf("a word of %d bytes is written: %q", maxWordLen+1, got)
	}

	src, err := harness.Sources(testenv.StockRulesetIfAny(t), "../..")
	if err != nil {
		t.Fatal(err)
	}
	rs, _, err := harness.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	patterns := 0
	for _, d := range rs.Decoders {
		if d.Name != "ossec-ar-verify" {
			continue
		}
		for _, p := range []*osregex.Pattern{d.ProgramName, d.Prematch, d.Regex} {
			if p == nil {
				continue
			}
			patterns++
			n, never, known := p.JITStackMinLength()
			switch {
			case !known:
				t.Errorf("decoder %s %q: the JIT stack model cannot tell", d.OwnName, p.String())
			case !never && MaxLineLen >= n:
				t.Errorf("decoder %s %q: PCRE2's JIT can run out at %d bytes, verdict lines reach %d", d.OwnName, p.String(), n, MaxLineLen)
			case !never:
				t.Logf("decoder %s %q: JIT stack safe below %d bytes (lines reach %d)", d.OwnName, p.String(), n, MaxLineLen)
			}
		}
	}
	if patterns < 8 {
		t.Fatalf("%d ossec-ar-verify decoder patterns loaded, want the decoder file's", patterns)
	}
	checkOnEngine(t, checks)
}
