package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// TestCasesOnRealOSSEC runs the repository's cases on a real ossec-logtest
// (the logtest engine): the cases that feed log lines must pass there as
// they do on the native engine; file-integrity cases skip (ossec-logtest
// reads only log lines). It needs an OSSEC installation
// ($RULETEST_OSSEC_DIR) and the stock ruleset ($OSSEC_RULESET).
func TestCasesOnRealOSSEC(t *testing.T) {
	dir, base := testenv.OSSECDir(t), testenv.StockRuleset(t)
	var stdout, stderr bytes.Buffer
	code := Run([]string{"run", "--engine", "logtest", "--ossec-dir", dir, "--base", base, "--repo", "../..", "../../cases"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	if strings.HasPrefix(lastLine(stdout.String()), "0 passed") {
		t.Fatalf("no case ran:\n%s", stdout.String())
	}
	t.Log(lastLine(stdout.String()))
}

// TestCasesOnRealOSSECOwnBase runs the same cases on a real ossec-logtest
// with no base given: the installation's own ruleset is their base, as a
// manager image's is for the docker engine (without it, real ossec-logtest
// refuses the repository's rules alone: their category has no root rule).
func TestCasesOnRealOSSECOwnBase(t *testing.T) {
	dir := testenv.OSSECDir(t)
	t.Setenv("OSSEC_RULESET", "")
	var stdout, stderr bytes.Buffer
	code := Run([]string{"run", "--engine", "logtest", "--ossec-dir", dir, "--repo", "../..", "../../cases"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	if strings.HasPrefix(lastLine(stdout.String()), "0 passed") {
		t.Fatalf("no case ran:\n%s", stdout.String())
	}
	t.Log(lastLine(stdout.String()))
}
