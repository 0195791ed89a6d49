// Package arverify is the ossec-ar-verify-file active response: it verifies a
// file that OSSEC's integrity checking reported as changed against the
// package manager and the configuration management of the host, and writes
// one verdict line to syslog with the tag ossec-ar-verify:
//
//	file ok (PATH)
//	file managed by RPM (PATH) changed outside of RPM
//	file unmanaged (PATH) changed
//
// The manager reads the line back from the host's syslog file and rules
// 107001-107003 classify it.
//
// The program runs as root with a file name that whoever can create files on
// the host chooses, so the package is written to be dull and safe:
//
//   - PATH is taken from OSSEC 4.3.0's active-response argv (see ParseArgs),
//     must be absolute with no "." or ".." component, and is opened one
//     component at a time without following symbolic links that a non-root
//     user could have planted (see OpenFile).
//   - Every byte of PATH that could forge a second line or confuse a reader
//     (control characters, backslash, invalid UTF-8, non-printable runes) is
//     escaped in the verdict (see EscapePath), so a file name can never
//     produce a different verdict or a second syslog line.
//   - Package databases are asked with absolute binary paths, no shell, a
//     clean environment and a timeout on every command (see ExecRunner); the
//     file's content is hashed from the descriptor that was opened safely and
//     compared with the database, so the program never re-resolves PATH.
//   - Nothing is ever modified, except the program's own state directory
//     under the OSSEC directory, which it creates with mode 0700 and checks.
//   - When thousands of changes fire at once, each invocation only drops a
//     request into the spool (duplicates of a path collapse into one) and at
//     most one process drains the spool with a small worker pool (see Spool).
package arverify
