package cli

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/initest"
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

// TestStockIniUnitTester: on every line of OSSEC 4.3.0's own .ini tests,
// deciding the case without its script (harness.Config.UnitTester) says
// "passed" exactly when running the script passes; a line that would read
// as a file argument is left to the script.
func TestStockIniUnitTester(t *testing.T) {
	base := testenv.StockRuleset(t)
	cfg := &harness.Config{Backend: harness.NewNative("melancia"), Base: base}
	files, err := caseFiles([]string{filepath.Join(base, "tests")})
	if err != nil {
		t.Fatal(err)
	}
	scripted := runCases(cfg, files, true, io.Discard) // verbose: every case runs its script
	ut := cfg.UnitTester()
	if ut == nil {
		t.Fatal("no unit tester on the native engine")
	}
	i, decided := 0, 0
	for _, f := range files {
		parsed, err := initest.Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		cases := initest.Cases(parsed)
		if len(cases) == 0 {
			i++ // the file's one result says it has no test
			continue
		}
		for _, c := range cases {
			r := scripted[i]
			i++
			if r.File != f {
				t.Fatalf("result %d is of %s, want %s", i, r.File, f)
			}
			got := ut(c.Log.Text, c.Section.Check().String(), c.Log.Expect == initest.Fail)
			if got != (r.Status == harness.Passed) {
				t.Errorf("%s: unit tester says passed=%v, the script %s\n%s", c.Name, got, r.Status, r.Log)
			}
			if got {
				decided++
			}
		}
	}
	if i != len(scripted) {
		t.Fatalf("%d results for %d cases", len(scripted), i)
	}
	if decided < 250 {
		t.Errorf("the unit tester decided %d lines, want the 253 that pass", decided)
	}
	if ut("<nofile.log", "1:0:x", true) {
		t.Errorf("a line that logtest reads as a file name was decided")
	}
	if ut("x", "1:0", true) {
		t.Errorf("a check that is not RULE:ALERT:DECODER was decided")
	}
}
