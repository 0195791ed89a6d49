package ruleset

import (
	"cmp"
	"fmt"
	"slices"
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

// Error implements error: a Diagnostic is also the error it reports, so
// that (*Error).Unwrap can list them.
func (d Diagnostic) Error() string { return d.String() }

// Error is the error Load returns: every diagnostic found, errors and
// warnings, sorted by position (file name, line, column). Loading reports
// every error it finds, not only the first: the configuration files are
// all read (loading stops after them when they have errors, since they say
// what else to read), then every decoder and rule file, every decoder and
// rule in them. An error that only follows from an earlier one (a rule
// below a rule that did not load, a decoder whose parent did not load) is
// not reported again.
//
// Callers tell a ruleset that does not load from other failures with
// errors.As:
//
//	var le *ruleset.Error
//	if errors.As(err, &le) {
//		for _, d := range le.Errors() { ... }
//	}
type Error struct {
	Diagnostics []Diagnostic
}

// Error lists the error diagnostics, one per line, as
// "file:line:col: message [code]".
func (e *Error) Error() string {
	var b strings.Builder
	for i, d := range e.Errors() {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
	}
	return b.String()
}

// Errors returns the diagnostics of severity error, in order.
func (e *Error) Errors() []Diagnostic {
	var out []Diagnostic
	for _, d := range e.Diagnostics {
		if d.Severity == SeverityError {
			out = append(out, d)
		}
	}
	return out
}

// Unwrap returns the error diagnostics as errors, as errors.Join would
// hold them: errors.As(err, &d) with a Diagnostic d finds the first.
func (e *Error) Unwrap() []error {
	var out []error
	for _, d := range e.Errors() {
		out = append(out, d)
	}
	return out
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

// sortDiagnostics sorts ds by file name, line and column, keeping the
// order in which they were found for equal positions.
func sortDiagnostics(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			strings.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
}
