// Package pcre2test runs patterns and subjects through the real pcre2test
// program (PCRE2's test driver) in one batch, for differential tests of
// package pcre. It writes pcre2test's input syntax, parses its output, and
// renders package pcre's results in the same text form so that the two can
// be compared line by line.
package pcre2test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Case is one pattern with its subjects.
type Case struct {
	Pattern  string
	Caseless bool
	UTF      bool
	Subjects []string
	// Modifiers are extra pcre2test pattern modifiers, such as
	// "no_auto_possess" or "no_start_optimize".
	Modifiers []string
}

// Result is pcre2test's answer for one Case.
type Result struct {
	// CompileError is pcre2test's "Failed: error ..." line for the
	// pattern, or "" when it compiled.
	CompileError string
	// Subjects holds, for each subject, the lines pcre2test printed:
	// "No match", a "Failed: error -N: ..." line, or " 0: ...", " 0+ ...",
	// " 1: ..." and so on.
	Subjects [][]string
	// Skipped is set when the case cannot be written in pcre2test syntax
	// (a newline in the pattern, or no free delimiter).
	Skipped string
}

// Path returns the pcre2test program, or "" when it is not installed.
func Path() string {
	p, err := exec.LookPath("pcre2test")
	if err != nil {
		return ""
	}
	return p
}

const delimiters = `/!"'%&,;:=@~|-_.+*^$?` + "`"

// Skip reports why a case cannot be expressed, or "".
func Skip(c Case) string {
	if strings.ContainsAny(c.Pattern, "\n\r\x00") {
		return "pattern contains a newline, CR or NUL"
	}
	if n := len(c.Pattern) - len(strings.TrimRight(c.Pattern, `\`)); n%2 == 1 {
		return "pattern ends with a backslash (it would escape the delimiter)"
	}
	if delim(c.Pattern) == 0 {
		return "no free delimiter"
	}
	return ""
}

func delim(p string) byte {
	for i := 0; i < len(delimiters); i++ {
		if strings.IndexByte(p, delimiters[i]) < 0 {
			return delimiters[i]
		}
	}
	return 0
}

// escapeSubject writes s as a pcre2test subject line body.
func escapeSubject(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' && (i == 0 || i == len(s)-1):
			b.WriteString(`\x20`)
		case c < 0x20 || c > 0x7e || c == '\\':
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Run runs all cases through pcre2test in one process. Empty subjects are
// not allowed (pcre2test has no plain way to write them).
func Run(prog string, cases []Case) ([]Result, error) {
	dir, err := os.MkdirTemp("", "pcre2test")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in")
	out := filepath.Join(dir, "out")
	var b bytes.Buffer
	results := make([]Result, len(cases))
	type written struct {
		idx      int
		patLine  string
		subLines []string
	}
	var ws []written
	for i, c := range cases {
		if why := Skip(c); why != "" {
			results[i].Skipped = why
			continue
		}
		d := string(delim(c.Pattern))
		mods := ""
		if c.Caseless {
			mods = "i,"
		}
		if c.UTF {
			mods += "utf,"
		}
		mods += "aftertext,allcaptures"
		for _, m := range c.Modifiers {
			mods += "," + m
		}
		w := written{idx: i, patLine: d + c.Pattern + d + mods}
		b.WriteString(w.patLine + "\n")
		for _, s := range c.Subjects {
			if s == "" {
				return nil, fmt.Errorf("case %d: empty subject", i)
			}
			l := "    " + escapeSubject(s)
			w.subLines = append(w.subLines, l)
			b.WriteString(l + "\n")
		}
		b.WriteString("\n")
		ws = append(ws, w)
	}
	if err := os.WriteFile(in, b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(prog, "-q", in, out)
	// pcre2test exits 1 after some errors in the input (reported in the
	// output too); only a missing output file is fatal.
	msg, runErr := cmd.CombinedOutput()
	if _, err := os.Stat(out); err != nil {
		return nil, fmt.Errorf("pcre2test: %v: %s", runErr, msg)
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	li := 0
	for _, w := range ws {
		// Find the echoed pattern line.
		for li < len(lines) && lines[li] != w.patLine {
			li++
		}
		if li == len(lines) {
			return nil, fmt.Errorf("pcre2test output lost track at pattern %q", w.patLine)
		}
		li++
		r := &results[w.idx]
		if li < len(lines) && (strings.HasPrefix(lines[li], "Failed: error") || strings.HasPrefix(lines[li], "** ")) {
			r.CompileError = lines[li]
			li++
		}
		r.Subjects = make([][]string, len(w.subLines))
		for si, sl := range w.subLines {
			if li >= len(lines) || lines[li] != sl {
				return nil, fmt.Errorf("pcre2test output lost track at subject %q of %q", sl, w.patLine)
			}
			li++
			for li < len(lines) && lines[li] != "" && !(si+1 < len(w.subLines) && lines[li] == w.subLines[si+1]) {
				r.Subjects[si] = append(r.Subjects[si], lines[li])
				li++
			}
		}
	}
	return results, nil
}

// Render prints a match the way pcre2test does with the aftertext and
// allcaptures modifiers: ov is the ovector (nil: no match).
func Render(s string, ov []int, utf bool) []string {
	if ov == nil {
		return []string{"No match"}
	}
	out := []string{" 0: " + Escape(s[ov[0]:ov[1]], utf), " 0+ " + Escape(s[ov[1]:], utf)}
	for i := 1; 2*i+1 < len(ov); i++ {
		if ov[2*i] < 0 {
			out = append(out, fmt.Sprintf("%2d: <unset>", i))
			continue
		}
		out = append(out, fmt.Sprintf("%2d: %s", i, Escape(s[ov[2*i]:ov[2*i+1]], utf)))
	}
	return out
}

// Escape prints s as pcre2test prints captured text: printable ASCII as
// is, other characters as \xhh (bytes) or \x{h..} (UTF characters).
func Escape(s string, utf bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
			i++
			continue
		}
		if !utf {
			fmt.Fprintf(&b, `\x%02x`, c)
			i++
			continue
		}
		r, n := decodeUTF8(s[i:])
		fmt.Fprintf(&b, `\x{%02x}`, r)
		i += n
	}
	return b.String()
}

func decodeUTF8(s string) (rune, int) {
	c := s[0]
	n := 0
	var v rune
	switch {
	case c < 0xc0:
		return rune(c), 1
	case c < 0xe0:
		n, v = 1, rune(c&0x1f)
	case c < 0xf0:
		n, v = 2, rune(c&0x0f)
	default:
		n, v = 3, rune(c&0x07)
	}
	if n >= len(s) {
		return rune(c), 1
	}
	for k := 1; k <= n; k++ {
		v = v<<6 | rune(s[k]&0x3f)
	}
	return v, n + 1
}
