package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// TestStockIniExpectedFailures runs OSSEC 4.3.0's own .ini tests with the
// shipped file of the 11 lines real OSSEC fails too: every other line
// passes, those 11 are expected failures with their reasons, exit 0.
func TestStockIniExpectedFailures(t *testing.T) {
	base := testenv.StockRuleset(t)
	xf := filepath.Join(testenv.ModuleRoot(t), "docs", "ossec-4.3.0-ini-expected-failures.txt")
	var out, errb bytes.Buffer
	code := Run([]string{"run", "--no-repo", "--base", base, "--expected-failures", xf, filepath.Join(base, "tests")}, &out, &errb)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "\n253 passed, 0 failed\n") || !strings.Contains(errb.String(), "11 failed as expected") {
		t.Errorf("want 253 passed, 0 failed and 11 expected failures:\n%s\n%s", out.String(), errb.String())
	}
	if n := strings.Count(out.String(), "--- XFAIL: "); n != 11 {
		t.Errorf("%d XFAIL lines, want 11", n)
	}
	if strings.Contains(errb.String(), "matches no case") {
		t.Errorf("an entry matches no case:\n%s", errb.String())
	}
}
