package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunRefusesEscapes: a case that would run a program, or read or write
// outside its work directory, fails before anything of it runs, naming its
// file and line; nothing is written outside the work directory.
func TestRunRefusesEscapes(t *testing.T) {
	native := NewNative("confine")
	for _, tc := range []struct {
		name, text, want string
	}{
		{"exec", "logtest 'x'\nexec sh -c 'touch {{OUT}}/PWNED'\n", ":2: exec: not a command a case may use"},
		{"exec-negated", "! exec sh -c 'touch {{OUT}}/PWNED'\n", ":1: exec: not a command"},
		{"exec-conditioned", "[!base] exec sh -c 'touch {{OUT}}/PWNED'\n", ":1: exec: not a command"},
		{"expanded-name", "env X=exec\n$X sh -c 'touch {{OUT}}/PWNED'\n", ":2: $X: not a command"},
		{"cp", "cp /etc/hostname x\n", ":1: cp: not a command"},
		{"symlink", "symlink x -> /etc\n", ":1: symlink: not a command"},
		{"archive-up", "logtest 'x'\n-- ../../PWNED --\nx\n", `:2: archive file "../../PWNED" goes up with ..`},
		{"archive-abs", "logtest 'x'\n-- a --\n-- {{OUT}}/PWNED --\nx\n", `:3: archive file "{{OUT}}/PWNED" is an absolute path`},
		{"archive-var", "logtest 'x'\n-- $HOME/PWNED --\nx\n", `:2: archive file "$HOME/PWNED" is expanded from a variable`},
		{"cmp-abs", "logtest 'x'\ncmp /etc/hostname stdout\n", `:2: cmp: file "/etc/hostname" is an absolute path`},
		{"grep-up", "grep -count=1 . ../../x\n", `:1: grep: file "../../x" goes up with ..`},
		{"env-work", "env WORK=/etc\ncmp $WORK/hostname stdout\n", ":1: env: a case may not set WORK"},
		{"logtest-file", "# feeds a host file\nlogtest </etc/hostname\n", `:2: logtest: input file "/etc/hostname" is an absolute path`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			dir := filepath.Join(out, "a", "b")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(tc.text, "{{OUT}}", out)
			want := strings.ReplaceAll(tc.want, "{{OUT}}", out)
			file := filepath.Join(dir, "c.txtar")
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := &Config{Backend: native}
			res := RunFiles(cfg, []string{file}, false)
			if res[0].Status != Failed || !strings.Contains(res[0].Log, file+want) {
				t.Errorf("%s, log:\n%s\nwant a failure with %q", res[0].Status, res[0].Log, file+want)
			}
			filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
				if err == nil && strings.Contains(p, "PWNED") {
					t.Errorf("the case wrote %s", p)
				}
				return nil
			})
		})
	}
}

// TestRunAllowsConfined: what a case may do, checking its own files and the
// output of its commands, still runs.
func TestRunAllowsConfined(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ok.txtar")
	text := "# comment: exec is only a word here\nenv X=1\nexists want $WORK/want\ncmp want ${WORK}/want\n! grep nothing want\nskip 'done # not a comment'\n-- want --\nx\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	res := RunFiles(&Config{Backend: NewNative("confine-ok")}, []string{file}, false)
	if res[0].Status != Skipped || res[0].SkipReason != "done # not a comment" {
		t.Errorf("%s %q, log:\n%s", res[0].Status, res[0].SkipReason, res[0].Log)
	}
}

// TestTestRefusesEscapes: Config.Test, a rules repository's go test, checks
// its cases as run does, before testscript writes any archive.
func TestTestRefusesEscapes(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	file := filepath.Join(dir, "c.txtar")
	if err := os.WriteFile(file, []byte("logtest x\n-- "+out+"/PWNED --\nx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.txtar"), []byte("logtest x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := checkCaseFiles(dir)
	if want := file + `:2: archive file "` + out + `/PWNED" is an absolute path`; err == nil || !strings.HasPrefix(err.Error(), want+":") {
		t.Errorf("checkCaseFiles: %v, want %s", err, want)
	}
}
