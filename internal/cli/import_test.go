package cli

import (
	"bytes"
	"flag"
	"fmt"
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
	// Flags may follow the files, as in "import FILE.ini... -o DIR".
	out2 := filepath.Join(dir, "cases2")
	if code := runImport([]string{ini, "-o", out2}, &stdout, &stderr); code != 0 {
		t.Errorf("-o after the file: exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out2, "sshd.txtar")); err != nil {
		t.Error(err)
	}
	// -split: one case per log line.
	out3 := filepath.Join(dir, "cases3")
	if code := runImport([]string{"-split", "-o", out3, ini}, &stdout, &stderr); code != 0 {
		t.Fatalf("-split: exit %d: %s", code, stderr.String())
	}
	for line, want := range map[int]string{2: "logtest -fresh 'one line'\n", 3: "logtest -fresh again\n"} {
		data, err := os.ReadFile(filepath.Join(out3, "sshd", fmt.Sprintf("L%d.txtar", line)))
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("L%d: %v\n%s", line, err, data)
		}
	}
}

func TestParseMixed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
		o    string
	}{
		{[]string{"a", "-o", "d", "b"}, []string{"a", "b"}, "d"},
		{[]string{"-o", "d", "a"}, []string{"a"}, "d"},
		{[]string{"a", "--", "-o", "x"}, []string{"a", "-o", "x"}, ""},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		o := fs.String("o", "", "")
		got, err := parseMixed(fs, tc.args)
		if err != nil || strings.Join(got, " ") != strings.Join(tc.want, " ") || *o != tc.o {
			t.Errorf("%q: %q -o %q (%v), want %q -o %q", tc.args, got, *o, err, tc.want, tc.o)
		}
	}
}
