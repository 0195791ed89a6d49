package ruleset

import (
	"fmt"
	"strings"
)

// Severity says whether a diagnostic stops loading (as it stops analysisd)
// or is only reported (OSSEC logs it and goes on).
type Severity uint8

// Severities.
const (
	SeverityError Severity = iota
	SeverityWarning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Code is a stable identifier for a kind of diagnostic; tests and tools
// compare codes, never message wording.
type Code string

// Diagnostic is one problem found while loading, located at Pos.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Code     Code
	Msg      string
}

// String formats the diagnostic as "file:line:col: severity: msg [code]".
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Pos.File != "" {
		b.WriteString(d.Pos.File)
		if d.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d", d.Pos.Line)
			if d.Pos.Col > 0 {
				fmt.Fprintf(&b, ":%d", d.Pos.Col)
			}
		}
		b.WriteString(": ")
	}
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Msg)
	fmt.Fprintf(&b, " [%s]", d.Code)
	return b.String()
}

// Error is the error Load returns: every diagnostic of severity error
// (and the warnings found before), in the order they were found.
type Error struct {
	Diagnostics []Diagnostic
}

// Error lists the error diagnostics, one per line.
func (e *Error) Error() string {
	var b strings.Builder
	n := 0
	for _, d := range e.Diagnostics {
		if d.Severity != SeverityError {
			continue
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
		n++
	}
	return b.String()
}

// Has reports whether e holds a diagnostic with the given code.
func (e *Error) Has(code Code) bool {
	for _, d := range e.Diagnostics {
		if d.Code == code {
			return true
		}
	}
	return false
}
