package initest

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"
)

// Script returns f as a testscript case: every log line runs in a fresh
// session (`logtest -fresh`, as OSSEC's runner starts a process per line)
// and is checked with `ut RULE:ALERT:DECODER`, negated for "fail" lines.
// Warnings are kept as comments at the top.
func Script(f *File) []byte {
	var b strings.Builder
	base := filepath.Base(f.Path)
	fmt.Fprintf(&b, "# OSSEC rule tests from %s: every log line runs in a fresh session and is\n", base)
	b.WriteString("# checked as `ossec-logtest -U rule:alert:decoder` checks it.\n")
	for _, w := range f.Warnings {
		fmt.Fprintf(&b, "# warning: %s:%d: %s\n", base, w.Line, oneLine(w.Msg))
	}
	for _, s := range f.Sections {
		for _, lg := range s.Logs {
			fmt.Fprintf(&b, "\n# [%s] %s (%s:%d)\n", oneLine(s.Name), lg.Key, base, lg.Line)
			fmt.Fprintf(&b, "logtest -fresh %s\n", Quote(lg.Text))
			neg := ""
			if lg.Expect == Fail {
				neg = "! "
			}
			fmt.Fprintf(&b, "%sut %s\n", neg, Quote(s.Check().String()))
		}
	}
	return []byte(b.String())
}

// Archive returns f as a txtar case whose comment is Script(f).
func Archive(f *File) *txtar.Archive {
	return &txtar.Archive{Comment: Script(f)}
}

// Quote returns s as one testscript word: unchanged when it has nothing
// testscript would split, expand or cut at, otherwise in single quotes with
// inner quotes doubled.
func Quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\r'#$") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}
