package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelperProbe is run by TestMissingData as a child process; on its
// own it does nothing.
func TestHelperProbe(t *testing.T) {
	switch os.Getenv("TESTENV_PROBE") {
	case "ruleset":
		StockRuleset(t)
	case "conformance":
		Conformance(t)
	case "ossecdir":
		OSSECDir(t)
	default:
		return
	}
	t.Log("PRESENT")
}

// TestMissingData runs the probe with the data pointed at an empty
// directory: it skips saying what is missing and how to get it, and under
// CI=true it fails, except for what CI does not have (a real OSSEC).
func TestMissingData(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	for _, tc := range []struct {
		probe, ci string
		fail      bool
		say       string
	}{
		{"ruleset", "", false, "--- SKIP: TestHelperProbe"},
		{"ruleset", "true", true, "--- FAIL: TestHelperProbe"},
		{"conformance", "", false, "--- SKIP: TestHelperProbe"},
		{"conformance", "true", true, "--- FAIL: TestHelperProbe"},
		{"ossecdir", "true", false, "--- SKIP: TestHelperProbe"},
	} {
		cmd := exec.Command(exe, "-test.run=^TestHelperProbe$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTENV_PROBE="+tc.probe, "CI="+tc.ci,
			EnvRuleset+"="+empty, EnvConformance+"="+empty, EnvOSSECDir+"=")
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.fail {
			t.Errorf("%s, CI=%q: failed=%v, want %v\n%s", tc.probe, tc.ci, failed, tc.fail, out)
		}
		if !strings.Contains(string(out), tc.say) {
			t.Errorf("%s, CI=%q: output lacks %q:\n%s", tc.probe, tc.ci, tc.say, out)
		}
		if strings.Contains(string(out), "PRESENT") {
			t.Errorf("%s, CI=%q: the test went on after the data was found missing:\n%s", tc.probe, tc.ci, out)
		}
		// The reason is one line, saying how to get the data.
		if tc.probe != "ossecdir" && !strings.Contains(string(out), "set "+map[string]string{"ruleset": EnvRuleset, "conformance": EnvConformance}[tc.probe]+" to") {
			t.Errorf("%s: the reason does not say which variable to set:\n%s", tc.probe, out)
		}
	}
}

// TestFindShared: shared/NAME is found beside the module root and further
// up (a worktree below the clone), and a relative variable is read from the
// module root.
func TestFindShared(t *testing.T) {
	top := t.TempDir()
	mod := filepath.Join(top, "wt", "clone")
	for _, d := range []string{filepath.Join(mod, "pkg"), filepath.Join(top, "shared", "conformance")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(mod, "pkg"))
	if got, want := findShared("conformance"), filepath.Join(top, "shared", "conformance"); got != want {
		t.Errorf("findShared = %q, want %q", got, want)
	}
	if got := findShared("ossec-ruleset-4.3.0"); got != "" {
		t.Errorf("findShared of a missing set = %q, want empty", got)
	}
	if got, want := abs("rel/dir"), filepath.Join(mod, "rel", "dir"); got != want {
		t.Errorf("abs = %q, want %q", got, want)
	}
}

// TestMissingList checks that Missing names a data set exactly when the
// tests that need it would skip, marking what CI must have as required.
func TestMissingList(t *testing.T) {
	has := func(what string) (DataSet, bool) {
		for _, m := range Missing() {
			if strings.Contains(m.What, what) {
				return m, true
			}
		}
		return DataSet{}, false
	}
	empty := t.TempDir()
	t.Setenv(EnvRuleset, empty)
	t.Setenv(EnvConformance, empty)
	t.Setenv(EnvOSSECDir, "")
	if m, ok := has("ruleset"); !ok || !m.Required || !strings.Contains(m.How, EnvRuleset) {
		t.Errorf("ruleset missing: Missing() gives %+v (listed %v), want it listed, required, saying %s", m, ok, EnvRuleset)
	}
	if m, ok := has("conformance"); !ok || !m.Required {
		t.Errorf("recordings missing: Missing() gives %+v (listed %v), want it listed and required", m, ok)
	}
	if m, ok := has("real OSSEC ("); !ok || m.Required {
		t.Errorf("real OSSEC missing: Missing() gives %+v (listed %v), want it listed, not required", m, ok)
	}
	full := t.TempDir()
	if err := os.MkdirAll(filepath.Join(full, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"etc/ossec.conf", "a.jsonl"} {
		if err := os.WriteFile(filepath.Join(full, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(EnvRuleset, full)
	t.Setenv(EnvConformance, full)
	t.Setenv(EnvOSSECDir, full)
	for _, what := range []string{"ruleset", "conformance", "real OSSEC ("} {
		if m, ok := has(what); ok {
			t.Errorf("%s present: Missing() still lists %+v", what, m)
		}
	}
}
