package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		f := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(data), 0o640); err != nil {
			t.Fatal(err)
		}
	}
}

func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var base = map[string]string{
	"etc/ossec.conf":        "<ossec_config>\n  <rules>\n    <include>a_rules.xml</include>\n    <include>local_rules.xml</include>\n  </rules>\n</ossec_config>\n",
	"etc/decoder.xml":       "<decoder name=\"a\">\n  <prematch>^a </prematch>\n</decoder>\n",
	"rules/a_rules.xml":     "<group name=\"a,\">\n  <rule id=\"1\" level=\"0\">\n    <match>a</match>\n    <description>a</description>\n  </rule>\n</group>\n",
	"rules/local_rules.xml": "<group name=\"local,\">\n  <rule id=\"100001\" level=\"0\">\n    <match>x</match>\n    <description>stock example</description>\n  </rule>\n</group>\n",
}

// TestIntoUndo: Into writes the repository's files where the installation
// has them (local_rules.xml replaced, b_rules.xml added, in the list of
// ossec.conf after the base's), the installation then loads what Load
// loads for base and repository, and Undo gives the installation back.
func TestIntoUndo(t *testing.T) {
	dir, repo := t.TempDir(), t.TempDir()
	write(t, dir, base)
	write(t, repo, map[string]string{
		"rules/local_rules.xml": "<group name=\"local,\">\n  <rule id=\"100001\" level=\"5\">\n    <if_sid>1</if_sid>\n    <description>mine</description>\n  </rule>\n</group>\n",
		"rules/b_rules.xml":     "<group name=\"b,\">\n  <rule id=\"100002\" level=\"3\">\n    <if_sid>100001</if_sid>\n    <description>b</description>\n  </rule>\n</group>\n",
	})
	r := &ruleset.Repo{Files: map[string]string{
		"rules/local_rules.xml": filepath.Join(repo, "rules", "local_rules.xml"),
		"rules/b_rules.xml":     filepath.Join(repo, "rules", "b_rules.xml"),
	}}
	want, err := ruleset.Load(ruleset.Sources{Base: dir, Repo: r})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Into(ruleset.Sources{Base: dir, Repo: r})
	if err != nil {
		t.Fatal(err)
	}
	if res != (Result{Written: 3, Replaced: 2}) {
		t.Errorf("Into = %+v, want 3 written (2 rule files, ossec.conf), 2 replaced", res)
	}
	got, err := ruleset.Load(ruleset.Sources{Base: dir})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(rs *ruleset.Ruleset) (out []string) {
		for _, r := range rs.AllRules {
			out = append(out, r.Description)
		}
		return out
	}
	if diff := cmp.Diff(ids(want), ids(got)); diff != "" {
		t.Errorf("rules of the installation (-tests +installed):\n%s", diff)
	}
	if _, err := Into(ruleset.Sources{Base: dir, Repo: r}); err == nil || !strings.Contains(err.Error(), "deployed there already") {
		t.Errorf("second Into: %v, want refused", err)
	}
	if err := Undo(dir); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(base, tree(t, dir)); diff != "" {
		t.Errorf("after Undo (-base +got):\n%s", diff)
	}
	if err := Undo(dir); err != nil {
		t.Errorf("Undo of an installation not deployed into: %v", err)
	}
}

// TestUndoBadList: an added-files list naming a path outside the
// installation is an error, and nothing outside is removed.
func TestUndoBadList(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "inst")
	write(t, parent, map[string]string{"keep": "x"})
	write(t, dir, map[string]string{Added: "../keep\n"})
	err := Undo(dir)
	if err == nil || !strings.Contains(err.Error(), `bad path "../keep"`) {
		t.Errorf("Undo = %v, want a bad path error", err)
	}
	if _, err := os.Stat(filepath.Join(parent, "keep")); err != nil {
		t.Errorf("a file outside the installation was removed: %v", err)
	}
}

// TestIntoFailsMidway: an Into that fails after writing some files (here
// the installation has a directory where the repository has a rule file)
// leaves what Undo needs to give the installation back.
func TestIntoFailsMidway(t *testing.T) {
	dir, repo := t.TempDir(), t.TempDir()
	inst := map[string]string{"rules/zz_rules.xml/README": "a directory in the way"}
	for p, data := range base {
		inst[p] = data
	}
	write(t, dir, inst)
	write(t, repo, map[string]string{
		"decoders/b_decoders.xml": "<decoder name=\"b\">\n  <prematch>^b </prematch>\n</decoder>\n",
		"rules/zz_rules.xml":      "<group name=\"z,\">\n  <rule id=\"100003\" level=\"3\">\n    <match>z</match>\n    <description>z</description>\n  </rule>\n</group>\n",
	})
	r := &ruleset.Repo{Files: map[string]string{
		"decoders/b_decoders.xml": filepath.Join(repo, "decoders", "b_decoders.xml"),
		"rules/zz_rules.xml":      filepath.Join(repo, "rules", "zz_rules.xml"),
	}}
	res, err := Into(ruleset.Sources{Base: dir, Repo: r})
	if err == nil {
		t.Fatalf("Into = %+v, want an error (rules/zz_rules.xml is a directory)", res)
	}
	if res.Written == 0 {
		t.Fatalf("Into wrote nothing before failing (%v): the test needs a failure midway", err)
	}
	if err := Undo(dir); err != nil {
		t.Fatalf("Undo after a failed Into: %v", err)
	}
	if diff := cmp.Diff(inst, tree(t, dir)); diff != "" {
		t.Errorf("after Undo (-installation +got):\n%s", diff)
	}
}
