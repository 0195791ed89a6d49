package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/coverage"
)

// The coverage package's test ruleset: rules 100-103 (103 never fires),
// decoders verify, verify-ok and never (never used), and three cases.
const (
	covRepo  = "../coverage/testdata/repo"
	covCases = "../coverage/testdata/cases"
)

func TestCoverageCommand(t *testing.T) {
	t.Setenv("OSSEC_RULESET", "")
	for _, tt := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--min", "66"}, ExitOK, []string{
			"rules/verify.xml                               3/4  75%       3/4  75%              -\n",
			"rules no case fired:\n  rules/verify.xml:19: rule 103 (level 9) never fired\n",
			"decoders no case used:\n  decoders/verify.xml:13: decoder never\n",
		}},
		{[]string{"--min", "100"}, ExitFailed, []string{"FAIL: rule coverage 75.0% is under 100.0%\n", "FAIL: decoder coverage 66.7% is under 100.0%\n"}},
		{[]string{"--require-negative"}, ExitFailed, []string{"FAIL: rules/verify.xml:2: rule 100 has no negative case"}},
	} {
		args := append(append([]string{"coverage", "--repo", covRepo}, tt.args...), covCases)
		code, out, errOut := runCLI(args...)
		if code != tt.code {
			t.Errorf("%q: exit %d, want %d\n%s%s", tt.args, code, tt.code, out, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: output lacks %q:\n%s", tt.args, w, out)
			}
		}
	}
	code, out, errOut := runCLI("coverage", "--json", "--repo", covRepo, covCases)
	if code != ExitOK {
		t.Fatalf("--json: exit %d\n%s", code, errOut)
	}
	var rep coverage.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Rules != 4 || rep.Totals.RulesCovered != 3 || rep.Cases != 3 {
		t.Errorf("JSON totals %+v, cases %d: want 4 rules, 3 covered, 3 cases", rep.Totals, rep.Cases)
	}
	if code, _, errOut := runCLI("coverage", "--repo", covRepo, "/nonexistent"); code != ExitUsage || !strings.Contains(errOut, "/nonexistent") {
		t.Errorf("missing cases: exit %d, %q", code, errOut)
	}
}
