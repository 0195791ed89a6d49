package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

func TestImport(t *testing.T) {
	dir := t.TempDir()
	ini := filepath.Join(dir, "sshd.ini")
	os.WriteFile(ini, []byte("[a]\nlog 1 pass = one line\nlog 1 pass = again\nrule = 5715\nalert = 3\ndecoder = sshd\n"), 0o644)
	out := filepath.Join(dir, "cases")
	var stdout, stderr bytes.Buffer
	if code := runImport([]string{"-o", out, ini}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), ini+":3: warning: key \"log 1 pass\" repeats") {
		t.Errorf("stderr lacks the repeated-key warning:\n%s", stderr.String())
	}
	a, err := txtar.ParseFile(filepath.Join(out, "sshd.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	script := string(a.Comment)
	for _, want := range []string{"logtest -fresh 'one line'\nut 5715:3:sshd\n", "logtest -fresh again\nut 5715:3:sshd\n"} {
		if !strings.Contains(script, want) {
			t.Errorf("case lacks %q:\n%s", want, script)
		}
	}

	bad := filepath.Join(dir, "bad.ini")
	os.WriteFile(bad, []byte("rule = 1\n"), 0o644)
	stderr.Reset()
	if code := runImport([]string{"-o", out, bad}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), bad+":1: key \"rule\" before the first [section]") {
		t.Errorf("bad file: exit %d, stderr %q", code, stderr.String())
	}
	if code := runImport([]string{ini}, &stdout, &stderr); code != 2 {
		t.Errorf("no -o: exit %d, want 2", code)
	}
}
