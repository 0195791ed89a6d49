package harness

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// caseCommands are the script commands FuzzCase keeps: ours, and the few
// testscript built-ins that only read (a fuzzed `exec` or `rm` must never
// run).
var caseCommands = map[string]bool{
	"logtest": true, "syscheck": true, "decoded": true, "rule": true, "alert": true,
	"noalert": true, "ar": true, "ut": true, "cmp": true, "stdout": true, "stderr": true,
	"skip": true, "exists": true, "grep": true,
}

// safeScript keeps the lines of a case script whose command FuzzCase may
// run (after an optional "!" and conditions); comments and blank lines stay.
func safeScript(script string) string {
	var b strings.Builder
	for _, line := range strings.Split(script, "\n") {
		fields := strings.Fields(line)
		for len(fields) > 0 && (fields[0] == "!" || strings.HasPrefix(fields[0], "[")) {
			fields = fields[1:]
		}
		if len(fields) == 0 || strings.HasPrefix(strings.TrimSpace(line), "#") || caseCommands[fields[0]] {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// FuzzCase runs fuzzed case files (script and archive: log lines, command
// arguments, layered rules, decoders and ossec.conf) on the native engine
// with the repository's ruleset: a case may pass, fail or skip, but the
// harness must not panic or hang, and a failure must say why.
func FuzzCase(f *testing.F) {
	seeds, _ := filepath.Glob("../cases/*.txtar")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("logtest 'Sep 15 00:26:10 ether ossec-ar-verify: file ok (/x)'\nrule 107001 level=x mail=1 group=\n"))
	f.Add([]byte("syscheck changed /etc/hosts size=-1 perm=99999999999 old.md5=\nar\n! ar ossec-ar-verify-file filename=\n"))
	f.Add([]byte("logtest <missing.log\n-- rules/x.xml --\n<group name=\"x\"><rule id=\"1\" level=\"99\"><if_sid>1</if_sid></rule></group>\n"))
	f.Add([]byte("ut ::\nut 1:2:3:4\n! decoded\n-- ossec.conf --\n<ossec_config><alerts><email_alert_level>x</email_alert_level></alerts></ossec_config>\n"))
	native := NewNative("fuzz")
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Contains(data, []byte("-- --")) {
			// txtar.Parse panics on the marker "-- --": RunFiles must
			// reject such a file before testscript reads it.
			file := filepath.Join(t.TempDir(), "bad.txtar")
			if err := os.WriteFile(file, []byte("-- --\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			res := RunFiles(&Config{Backend: native}, []string{file}, false)
			if res[0].Status != Failed || !strings.Contains(res[0].Log, "bad.txtar:1: malformed file marker") {
				t.Fatalf("a case with the marker \"-- --\": %+v", res[0])
			}
			return
		}
		a := txtar.Parse(data)
		a.Comment = []byte(safeScript(string(a.Comment)))
		for _, file := range a.Files {
			if !filepath.IsLocal(file.Name) {
				return // testscript refuses names outside the work directory
			}
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "fuzz.txtar")
		if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := &Config{Backend: native, Repo: ".."}
		res := RunFiles(cfg, []string{file}, false)
		if len(res) != 1 {
			t.Fatalf("RunFiles gave %d results for one file", len(res))
		}
		if res[0].Status == Failed && strings.TrimSpace(res[0].Log) == "" {
			t.Errorf("a failed case with no account of why")
		}
	})
}
