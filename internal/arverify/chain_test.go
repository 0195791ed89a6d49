//go:build linux && !arverify_mutation

package arverify

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

const chainCase = "../../cases/ar-verify-chain.txtar"

// chainSetup reads the chain case and gives the configuration it runs
// with: the native engine, the stock ruleset, this repository, and the
// active response built from cmd/ossec-ar-verify. It skips without
// dpkg-query, which reads the case's fake dpkg database.
func chainSetup(t *testing.T) ([]byte, *harness.Config) {
	t.Helper()
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("needs dpkg-query, which reads the case's fake dpkg database")
	}
	orig, err := os.ReadFile(chainCase)
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := filepath.Abs("../..")
	return orig, &harness.Config{Backend: harness.NewNative("manager"), Base: testenv.StockRuleset(t), Repo: repo, ARBin: testenv.ARBin(t)}
}

// TestChainCase runs cases/ar-verify-chain.txtar on the native engine with
// the program built from cmd/ossec-ar-verify: the engine runs it as
// ossec-execd would for each 106002 alert, on the case's fake host, and the
// verdicts it writes are what the case asserts (107002, 107001, 107003).
// Then it changes the fake host in copies of the case and checks that the
// program's verdict, and so the rule, follows: the case's assertions fail
// on the changed host, and pass once they say the new rule.
func TestChainCase(t *testing.T) {
	orig, cfg := chainSetup(t)
	run := func(t *testing.T, text string) harness.CaseResult {
		t.Helper()
		f := filepath.Join(t.TempDir(), "ar-verify-chain.txtar")
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return harness.RunFiles(cfg, []string{f}, false)[0]
	}
	if r := run(t, string(orig)); r.Status != harness.Passed {
		t.Fatalf("%s: %s\n%s", chainCase, r.Status, r.Log)
	}

	for _, tc := range []struct {
		name string
		// host changes the fake host (old -> new in the case text);
		// verdict changes the assertions to the program's new verdict.
		host, verdict []string
		// got is what the unchanged assertions see instead.
		got string
	}{{
		// dpkg's md5sums now record the content on disk: ok.
		name: "package db matches",
		host: []string{"fd3d1512c1f4af5f65da9313a20a3bbb  etc/mcollective/facts.yaml", md5hex("edited by hand\n") + "  etc/mcollective/facts.yaml"},
		verdict: []string{
			"action=managed status=dpkg extra_data=/etc/mcollective/facts.yaml", "action=ok extra_data=/etc/mcollective/facts.yaml",
			"rule 107002 level=12 mail group=verify", "rule 107001 level=1 !mail group=verify",
		},
		got: "result: decoder=ossec-ar-verify rule=107001 ",
	}, {
		// dpkg owns nothing: facts.yaml is nobody's.
		name: "package db empty",
		host: []string{"/etc/mcollective/facts.yaml\n-- host/var/lib/dpkg/info/mcollective.md5sums", "\n-- host/var/lib/dpkg/info/mcollective.md5sums"},
		verdict: []string{
			"action=managed status=dpkg extra_data=/etc/mcollective/facts.yaml", "action=unmanaged extra_data=/etc/mcollective/facts.yaml",
			"rule 107002 level=12 mail group=verify", "rule 107003 level=9 !mail group=verify",
		},
		got: "result: decoder=ossec-ar-verify rule=107003 ",
	}, {
		// The Puppet catalog wants other content: changed outside of Puppet.
		name: "catalog differs",
		host: []string{`"content": "*/5 * * * * root /usr/local/bin/job\n"`, `"content": "*/10 * * * * root /usr/local/bin/job\n"`},
		verdict: []string{
			"action=ok extra_data=/etc/cron.d/puppet-job", "action=managed status=Puppet extra_data=/etc/cron.d/puppet-job",
			"rule 107001 level=1 !mail group=verify\n\n# A hostile", "rule 107002 level=12 mail group=verify\n\n# A hostile",
		},
		got: "result: decoder=ossec-ar-verify rule=107002 ",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			changed := replaceAll(t, string(orig), tc.host...)
			r := run(t, changed)
			if r.Status != harness.Failed || !strings.Contains(r.Log, tc.got) {
				t.Fatalf("on the changed host the case's assertions: %s, want failed with %q\n%s", r.Status, tc.got, r.Log)
			}
			if r := run(t, replaceAll(t, changed, tc.verdict...)); r.Status != harness.Passed {
				t.Fatalf("asserting the new verdict: %s\n%s", r.Status, r.Log)
			}
		})
	}
}

// TestChainCaseConfined: the case's own ossec-ar-verify.conf cannot make
// the program, run by the native engine as the caller, write outside the
// case's work directory: a verdict_file, state_dir or log_file elsewhere
// is refused with a verdict written inside (so the case fails), and
// nothing appears at the path it named.
func TestChainCaseConfined(t *testing.T) {
	if harness.ConfineEnv != ConfineEnv {
		t.Fatalf("harness.ConfineEnv %q, arverify.ConfineEnv %q: the harness must set the variable the program reads", harness.ConfineEnv, ConfineEnv)
	}
	orig, cfg := chainSetup(t)
	for _, key := range []string{"verdict_file", "state_dir", "log_file"} {
		t.Run(key, func(t *testing.T) {
			outside := filepath.Join(t.TempDir(), "outside")
			text := replaceAll(t, string(orig), "verdict_file = $WORK/ossec/logs/ar-verify.log",
				"verdict_file = $WORK/ossec/logs/ar-verify.log\n"+key+" = "+outside)
			f := filepath.Join(t.TempDir(), "ar-verify-chain.txtar")
			if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			r := harness.RunFiles(cfg, []string{f}, false)[0]
			if r.Status != harness.Failed || !strings.Contains(r.Log, "status=\"config-refused\"") {
				t.Errorf("%s = %s: the case %s, want failed on a refused configuration\n%s", key, outside, r.Status, r.Log)
			}
			if _, err := os.Lstat(outside); !os.IsNotExist(err) {
				t.Errorf("%s = %s: the program wrote outside the case's work directory (%v)", key, outside, err)
			}
		})
	}
}

// replaceAll replaces, in s, each old of pairs (old, new, ...) by its new,
// each exactly once.
func replaceAll(t *testing.T, s string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		if n := strings.Count(s, pairs[i]); n != 1 {
			t.Fatalf("%s: %q occurs %d times, want once", chainCase, pairs[i], n)
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}
