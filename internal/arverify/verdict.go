//go:build linux

package arverify

import "strings"

// Kind is the class of a verdict.
type Kind int

// The verdicts.
const (
	// Unmanaged: no package manager owns the file and no configuration
	// management decides its content.
	Unmanaged Kind = iota
	// OK: the file matches what its package or its configuration
	// management says it should be.
	OK
	// Changed: the file is managed (Manager says by what) and differs
	// from what the manager says it should be.
	Changed
	// Unverified: the program could not reach an honest answer (the name
	// may have been cut by OSSEC, it names a directory, a package
	// manager failed or timed out, the configuration was refused...).
	// Code says why, in one word.
	Unverified
)

// Codes of Unverified verdicts: one word each (no space), so that the
// decoder can anchor on them.
const (
	CodeNameCut       = "name-cut"        // OSSEC may have cut the file name
	CodeNoName        = "no-name"         // OSSEC passed no file name ("-", "(null)")
	CodeBadArguments  = "bad-arguments"   // the argv is not an active-response call
	CodeRefusedPath   = "refused-path"    // not absolute, "." or "..", NUL, too long
	CodeDirectory     = "directory"       // the name is a directory
	CodeCannotOpen    = "cannot-open"     // the path cannot be opened safely
	CodeManagerError  = "manager-error"   // a package or configuration manager failed
	CodeTimeout       = "timeout"         // a deadline passed
	CodeTransaction   = "transaction"     // a package transaction did not end in time
	CodeConfigRefused = "config-refused"  // the configuration file was refused
	CodeQueueFull     = "queue-full"      // the spool holds too many requests
	CodeSpool         = "spool-error"     // the spool could not be used
	CodeInternal      = "internal-error"  // a bug: the program recovered from a panic
	CodeChanged       = "changed-reading" // the file changed while it was read
)

// Verdict is the outcome of verifying one file.
type Verdict struct {
	Kind    Kind
	Manager string // "RPM", "dpkg", "Puppet", ...; only for Changed
	Path    string // the path as verified (raw bytes, unescaped)
	// Code is the one-word reason of an Unverified verdict (Code*).
	Code string
	// AlertID is OSSEC's TIME.ALERTID of the alert that ran the response
	// (as in alerts.log's "** Alert TIME.ALERTID:"); "" when run by hand.
	AlertID string
	// Truncated marks a path OSSEC may have cut: the line shows it.
	Truncated bool
	// Reason says why, for active-responses.log; it is never written to
	// syslog.
	Reason string
}

// unverified returns an Unverified verdict.
func unverified(path, code, reason string) Verdict {
	return Verdict{Kind: Unverified, Path: path, Code: code, Reason: reason}
}

// Line returns the verdict as written to syslog after the tag, with the path
// escaped by EscapePath. The word after "file " is fixed by Kind, and nothing
// a path holds can end the line, so the first words of the line always tell
// the verdict:
//
//	file ok (PATH) [alert ID]
//	file managed by RPM (PATH) changed outside of RPM [alert ID]
//	file unmanaged (PATH) changed [alert ID]
//	file unverified (PATH): CODE [alert ID]
//
// " [alert ID]" is left out when AlertID is "" (run by hand).
func (v Verdict) Line() string {
	p := EscapePath(v.Path)
	if p == "" {
		p = "-"
	}
	if v.Truncated && !strings.HasSuffix(p, truncMark) {
		p += truncMark
	}
	var line string
	switch v.Kind {
	case OK:
		line = "file ok (" + p + ")"
	case Changed:
		m := oneWord(v.Manager, "unknown")
		line = "file managed by " + m + " (" + p + ") changed outside of " + m
	case Unmanaged:
		line = "file unmanaged (" + p + ") changed"
	default:
		line = "file unverified (" + p + "): " + oneWord(v.Code, CodeInternal)
	}
	if v.AlertID != "" {
		line += " [alert " + alertID(v.AlertID) + "]"
	}
	return line
}

// maxWordLen bounds a manager name or a code in a verdict line, and
// maxAlertIDLen the alert id (TIME.ALERTID), so that MaxLineLen holds.
const (
	maxWordLen    = 32
	maxAlertIDLen = 41
)

// MaxLineLen is the longest line Line returns: the managed verdict, whose
// fixed text is the longest, with a path of MaxShownPathLen bytes (and the
// mark of a path OSSEC may have cut, which Line adds after it), two
// manager names of maxWordLen and an alert id of maxAlertIDLen. It is kept
// well below the length at which PCRE2's JIT, on the 32 KiB stack real OSSEC
// gives it, runs out on the decoders' \.+ (about 4,087 bytes: then OSSEC
// does not decode the line and the verdict is lost); TestLongestLines checks
// it against the loaded decoders.
const MaxLineLen = len("file managed by ") + maxWordLen + len(" (") + MaxShownPathLen + len(truncMark) +
	len(") changed outside of ") + maxWordLen + len(" [alert ") + maxAlertIDLen + len("]")

// oneWord keeps a manager name or a code one printable word of at most
// maxWordLen bytes, as the decoder expects (\S+); it comes from our own
// code, never from input, so def replaces anything else.
func oneWord(m, def string) string {
	ok := m != "" && len(m) <= maxWordLen
	for i := 0; i < len(m); i++ {
		if m[i] <= ' ' || m[i] >= 0x7f || m[i] == '(' || m[i] == ')' || m[i] == '[' || m[i] == ']' {
			ok = false
		}
	}
	if !ok {
		return def
	}
	return m
}

// alertID returns id when it has the shape OSSEC gives it (TIME.ALERTID,
// digits), else "-": the id comes from argv, and anything else in the line
// could confuse a reader.
func alertID(id string) string {
	t, a, ok := strings.Cut(id, ".")
	if !ok || !allDigits(t) || !allDigits(a) || len(id) > maxAlertIDLen {
		return "-"
	}
	return id
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
