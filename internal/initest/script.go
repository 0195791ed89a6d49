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
			writeCheck(&b, s, lg)
		}
	}
	return []byte(b.String())
}

// Case is the test of one log line, as a case of its own.
type Case struct {
	// Name is "FILE.ini:LINE", the log line's position.
	Name    string
	Section *Section
	Log     Log
	Archive *txtar.Archive
}

// Cases returns one case per log line of f, in file order, so that every
// line is scored on its own: a failing line does not hide the lines after
// it. Each case feeds its line to a fresh session and checks it with `ut`
// (negated for "fail" lines).
func Cases(f *File) []Case {
	base := filepath.Base(f.Path)
	var out []Case
	for _, s := range f.Sections {
		for _, lg := range s.Logs {
			var b strings.Builder
			fmt.Fprintf(&b, "# [%s] %s (%s:%d)\n", oneLine(s.Name), lg.Key, base, lg.Line)
			writeCheck(&b, s, lg)
			out = append(out, Case{
				Name:    fmt.Sprintf("%s:%d", base, lg.Line),
				Section: s,
				Log:     lg,
				Archive: &txtar.Archive{Comment: []byte(b.String())},
			})
		}
	}
	return out
}

func writeCheck(b *strings.Builder, s *Section, lg Log) {
	fmt.Fprintf(b, "logtest -fresh %s\n", Quote(lg.Text))
	neg := ""
	if lg.Expect == Fail {
		neg = "! "
	}
	fmt.Fprintf(b, "%sut %s\n", neg, Quote(s.Check().String()))
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
