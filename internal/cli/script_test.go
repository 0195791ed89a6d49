package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts run the command in-process as "ossec-ruletest"
// and, for the drop-in, as "ossec-logtest".
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ossec-ruletest": func() { os.Exit(Main()) },
		"ossec-logtest":  func() { os.Exit(Main()) },
	})
}

// TestScripts runs testdata/script/*.txtar. $REPO is this repository's
// root (its rules, decoders and ossec.conf); $OSSEC_RULESET is the stock
// ruleset when there is one (testenv.StockRulesetIfAny), and [base] says so.
func TestScripts(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	base := testenv.StockRulesetIfAny(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", repo)
			env.Setenv("OSSEC_RULESET", base)
			env.Setenv(EnvCache, filepath.Join(env.WorkDir, ".cache"))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "base" {
				return base != "", nil
			}
			return false, nil
		},
	})
}
