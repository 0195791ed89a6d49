package arverify

import "strings"

// Kind is the class of a verdict.
type Kind int

// The three verdicts.
const (
	// Unmanaged: no package manager owns the file and no configuration
	// management decides its content, or the file could not be verified.
	Unmanaged Kind = iota
	// OK: the file matches what its package or its configuration
	// management says it should be.
	OK
	// Changed: the file is managed (Manager says by what) and differs
	// from what the manager says it should be.
	Changed
)

// Verdict is the outcome of verifying one file.
type Verdict struct {
	Kind    Kind
	Manager string // "RPM", "dpkg", "Puppet", ...; only for Changed
	Path    string // the path as verified (raw bytes, unescaped)
	// Truncated marks a path OSSEC may have cut: the line shows it.
	Truncated bool
	// Reason says why, for active-responses.log; it is never written to
	// syslog.
	Reason string
}

// Line returns the verdict as written to syslog after the tag, with the path
// escaped by EscapePath. The word after "file " is fixed by Kind, and nothing
// a path holds can end the line, so the first words of the line always tell
// the verdict.
func (v Verdict) Line() string {
	p := EscapePath(v.Path)
	if v.Truncated && !strings.HasSuffix(p, truncMark) {
		p += truncMark
	}
	switch v.Kind {
	case OK:
		return "file ok (" + p + ")"
	case Changed:
		m := managerName(v.Manager)
		return "file managed by " + m + " (" + p + ") changed outside of " + m
	default:
		return "file unmanaged (" + p + ") changed"
	}
}

// managerName keeps a manager name one printable word, as the decoder
// expects (\S+); it comes from our own code, never from input.
func managerName(m string) string {
	ok := m != ""
	for i := 0; i < len(m); i++ {
		if m[i] <= ' ' || m[i] >= 0x7f || m[i] == '(' || m[i] == ')' {
			ok = false
		}
	}
	if !ok {
		return "unknown"
	}
	return m
}
