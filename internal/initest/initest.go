// Package initest reads OSSEC's own rule tests: the .ini files of
// ossec-hids' tests/ directory that contrib/ossec-testing/runtests.py runs.
//
// A file is a list of sections; each names the expected rule, alert level
// and decoder, and lists log lines that must pass or fail that expectation:
//
//	[SSHD configuration error (AuthorizedKeysCommand)]
//	log 1 pass = Feb  9 11:44:56 someserver sshd[1234]: error: Could not stat ...
//	rule = 5739
//	alert = 4
//	decoder = sshd
//
// The upstream runner reads the files with Python's ConfigParser, which
// silently merges repeated sections and keeps only the last of repeated
// keys. Parse keeps every occurrence instead, scores every log line, and
// reports each repetition as a warning naming file:line.
//
// Each log line is checked as `ossec-logtest -U rule:alert:decoder` checks
// it (see Check.ExitCode), in a fresh process of its own. Script and Cases
// turn a file into testscript cases.
package initest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// Expect says whether a log line must pass or fail its section's check.
type Expect uint8

const (
	Pass Expect = iota // "log N pass": the check must succeed
	Fail               // "log N fail": the check must not succeed
)

func (e Expect) String() string {
	if e == Fail {
		return "fail"
	}
	return "pass"
}

// File is one parsed .ini test file.
type File struct {
	Path     string
	Sections []*Section
	// Warnings are problems that OSSEC's runner ignores silently:
	// repeated sections and keys, unknown keys, continuation lines.
	Warnings []Diagnostic
}

// Section is one occurrence of a [section]; a name that appears twice in a
// file gives two Sections.
type Section struct {
	Name string
	Line int // line of the [header]
	// Rule, Alert and Decoder are the expected rule id, level and decoder
	// name, as written (Decoder may be empty: the check then always fails).
	Rule, Alert, Decoder string
	Logs                 []Log
}

// Log is one "log N pass|fail = TEXT" line.
type Log struct {
	Key    string // the key as written, lower-cased: "log 1 pass"
	Expect Expect
	Text   string // the literal text after "=", without surrounding blanks
	Line   int
}

// Diagnostic is a message about a line of a file.
type Diagnostic struct {
	File string
	Line int
	Msg  string
}

func (d Diagnostic) String() string { return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Msg) }

// Error is a file that cannot be read as a test file; Diags lists every
// problem found.
type Error struct {
	Diags []Diagnostic
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, d := range e.Diags {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
	}
	return b.String()
}

// Parse reads the test file at path.
func Parse(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseBytes(path, data)
}

// ParseBytes parses data as the test file named name. Lines that ConfigParser
// would refuse (text before the first section, a line that is not a
// section, a comment or a key) and sections missing rule, alert or decoder
// are errors; the *Error lists them all.
func ParseBytes(name string, data []byte) (*File, error) {
	f := &File{Path: name}
	var errs []Diagnostic
	warn := func(line int, format string, args ...any) {
		f.Warnings = append(f.Warnings, Diagnostic{name, line, fmt.Sprintf(format, args...)})
	}
	fail := func(line int, format string, args ...any) {
		errs = append(errs, Diagnostic{name, line, fmt.Sprintf(format, args...)})
	}

	var (
		cur       *Section
		keys      map[string]int // key -> line of its first occurrence in cur
		sectFirst = map[string]int{}
		lastKey   bool // a key was read since the section started (continuations)
	)
	finish := func() {
		if cur == nil {
			return
		}
		for _, k := range []struct{ name, val string }{{"rule", cur.Rule}, {"alert", cur.Alert}, {"decoder", cur.Decoder}} {
			if _, ok := keys[k.name]; !ok {
				fail(cur.Line, "section [%s] has no %q key", cur.Name, k.name)
			}
		}
		if len(cur.Logs) == 0 {
			warn(cur.Line, "section [%s] has no log lines", cur.Name)
		}
	}

	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		raw := strings.TrimSuffix(sc.Text(), "\r")
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || raw[0] == '#' || raw[0] == ';' || isRem(raw) {
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' {
			// ConfigParser appends an indented line to the previous value.
			if cur != nil && lastKey {
				warn(n, "indented line continues the previous value in ConfigParser; ignored here")
				continue
			}
		}
		if raw[0] == '[' {
			end := strings.IndexByte(raw, ']')
			if end < 2 {
				fail(n, "malformed section header %q", trimmed)
				continue
			}
			finish()
			secName := raw[1:end]
			if first, ok := sectFirst[secName]; ok {
				warn(n, "section [%s] repeats the one at line %d (OSSEC's runner merges them; both are scored here)", secName, first)
			} else {
				sectFirst[secName] = n
			}
			cur = &Section{Name: secName, Line: n}
			f.Sections = append(f.Sections, cur)
			keys = map[string]int{}
			lastKey = false
			continue
		}
		i := strings.IndexAny(raw, "=:")
		if i <= 0 {
			fail(n, "expected [section], key = value or a comment, found %q", clip(trimmed))
			continue
		}
		if cur == nil {
			fail(n, "key %q before the first [section]", clip(strings.TrimSpace(raw[:i])))
			continue
		}
		key := strings.ToLower(strings.TrimRight(raw[:i], " \t"))
		val := strings.TrimSpace(raw[i+1:])
		if val == `""` {
			val = ""
		}
		lastKey = true
		if first, ok := keys[key]; ok {
			warn(n, "key %q repeats the one at line %d in section [%s] (OSSEC's runner keeps only the last; both are used here)", key, first, cur.Name)
		} else {
			keys[key] = n
		}
		switch {
		case key == "rule":
			cur.Rule = val
		case key == "alert":
			cur.Alert = val
		case key == "decoder":
			cur.Decoder = val
		case strings.HasPrefix(key, "log "):
			lg := Log{Key: key, Text: val, Line: n}
			switch {
			case strings.HasSuffix(key, "fail"):
				lg.Expect = Fail
			case strings.HasSuffix(key, "pass"):
				lg.Expect = Pass
			default:
				warn(n, "key %q ends in neither pass nor fail; OSSEC's runner treats it as pass", key)
			}
			if raw[i] == ':' {
				warn(n, "log key %q uses ':' as separator", key)
			}
			if p := strings.Index(val, ";"); p > 0 && (val[p-1] == ' ' || val[p-1] == '\t') {
				warn(n, "OSSEC's Python 2 runner cuts this line at %q (an inline comment); the whole line is used here", val[p-1:p+1])
			}
			cur.Logs = append(cur.Logs, lg)
		default:
			warn(n, "unknown key %q in section [%s] (a wrapped log line?); ignored", clip(key), cur.Name)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	finish()
	sort.SliceStable(f.Warnings, func(i, j int) bool { return f.Warnings[i].Line < f.Warnings[j].Line })
	if len(errs) > 0 {
		return f, &Error{errs}
	}
	return f, nil
}

// isRem reports a ConfigParser "rem" comment line.
func isRem(raw string) bool {
	if raw[0] != 'r' && raw[0] != 'R' {
		return false
	}
	w := strings.Fields(raw)
	return len(w) > 0 && strings.EqualFold(w[0], "rem")
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// Check is what a section expects of each of its log lines: the
// argument of `ossec-logtest -U rule:alert:decoder`.
type Check struct {
	Rule, Alert, Decoder string
}

// Check returns the section's expectation.
func (s *Section) Check() Check { return Check{s.Rule, s.Alert, s.Decoder} }

// String returns the check as ossec-logtest's -U argument.
func (c Check) String() string { return c.Rule + ":" + c.Alert + ":" + c.Decoder }

// ExitCode is the exit status of `ossec-logtest -U` with this check after
// one process analysed events (every event the input produced, in order).
// Only the last event counts; input that produced no event (lines shorter
// than 2 bytes are skipped) exits 0, so it passes. The check stops at the
// first difference: 3 when the decoder differs or none matched, 255 when
// the decoder matched but no rule did, 2 when the rule id differs, 1 when
// the level differs, 0 when all three agree. Values compare
// case-insensitively as text, so an alert of "05" never equals level 5.
func (c Check) ExitCode(events []engine.Result) int {
	var last *engine.Result
	for i := range events {
		if !events[i].Skipped {
			last = &events[i]
		}
	}
	if last == nil {
		return 0
	}
	if last.Decoder == "" || !strings.EqualFold(last.Decoder, c.Decoder) {
		return 3
	}
	if last.Rule == nil {
		return 255
	}
	if !strings.EqualFold(strconv.Itoa(last.Rule.ID), c.Rule) {
		return 2
	}
	if !strings.EqualFold(strconv.Itoa(last.Rule.Level), c.Alert) {
		return 1
	}
	return 0
}
