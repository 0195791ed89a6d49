package harness

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// TestCases runs the repository's cases (../cases) on the native engine,
// with the repository's ruleset on the stock ruleset when there is one
// (testenv.StockRulesetIfAny: cases that need it skip without it), and the
// active responses from the program built from cmd/ossec-ar-verify.
func TestCases(t *testing.T) {
	cfg := &Config{
		Backend: NewNative("ossec-ruletest"),
		Base:    testenv.StockRulesetIfAny(t),
		Repo:    "..",
		ARBin:   testenv.ARBin(t),
	}
	cfg.Test(t, "../cases")
}

// TestReadmeExample checks that the first example of the README is a case
// that runs: cases/verdicts.txtar, byte for byte.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "\n```\n")
	example, _, ok2 := strings.Cut(rest, "\n```\n")
	if !ok || !ok2 {
		t.Fatal("README.md has no code block")
	}
	want, err := os.ReadFile("../cases/verdicts.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), example+"\n"); d != "" {
		t.Errorf("README.md's first example differs from cases/verdicts.txtar (-case +readme):\n%s", d)
	}
}
