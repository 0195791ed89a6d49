//go:build linux

package arverify

import (
	"errors"
	"fmt"
	"strings"
)

// Request is one invocation by OSSEC 4.3.0's ossec-execd.
//
// analysisd (alerts/exec.c, OS_Exec) builds the message
//
//	NAME USER SRCIP TIME.ALERTID RULEID LOCATION FILENAME
//
// with snprintf into 1024 bytes (1023 and the NUL), where NAME is the active
// response's command name followed by its timeout ("ossec-ar-verify-file0"),
// USER and SRCIP are "-" unless expected, TIME.ALERTID is the alert's id as
// alerts.log shows it ("** Alert TIME.ALERTID:"), LOCATION is "syscheck" for
// the manager's own files and "(agent) IP->syscheck" for an agent's, and
// FILENAME is the file name that the syscheck decoder took from the
// integrity event, passed through os_shell_escape, or "-" when there is none.
// For an agent the message is prefixed, in the same 1024 bytes, with
// "LOCATION XYZ AGENTID " (so the location is there twice, and AGENTID is
// "(null)" for location local; a missing FILENAME prints "(null)"); remoted
// strips the prefix and the agent's execd receives the rest. ossec-execd
// (os_execd/execd.c) then cuts the message at every space, with no regard
// for the backslashes os_shell_escape added, into at most 29 arguments after
// "add", dropping the rest, and runs
//
//	COMMAND add USER SRCIP TIME.ALERTID RULEID LOCATION... FILENAME...
//
// so a file name with spaces arrives in several arguments.
//
// OSSEC cuts a file name three times before the program sees it, with no
// marker: syscheckd writes "CHECKSUM NAME" into 916 bytes
// (syscheckd/create_db.c), analysisd's syscheck decoder ends the name at its
// first newline (analysisd/decoders/syscheck.c), and the 1024-byte message
// above ends it where the buffer ends. ParseArgs detects the first and the
// last from lengths (see Cut); the newline cut leaves no trace in argv, and
// Verify looks for it in the file's directory.
type Request struct {
	Action   string // "add" or "delete"
	User     string
	SrcIP    string
	AlertID  string // TIME.ALERTID
	RuleID   string
	Location string
	// Path is the file name as the integrity event gave it: arguments
	// joined by single spaces with os_shell_escape undone. It is not
	// checked; see CheckPath. "" when OSSEC passed none (NoName).
	Path string
	// NoName: OSSEC passed "-" or "(null)" for the file name.
	NoName bool
	// Cut says why OSSEC may have cut the file name ("" when it cannot
	// have). Such a name is never verified: it may name another file than
	// the one that changed.
	Cut string
}

// Truncated reports whether OSSEC may have cut the file name.
func (r Request) Truncated() bool { return r.Cut != "" }

// The limits of OSSEC 4.3.0 that cut a file name.
const (
	// execdMaxArgv is the most argv entries ossec-execd passes (its
	// MAX_ARGS is 32 and it stops filling at MAX_ARGS-1).
	execdMaxArgv = 31
	// execMsgMax is the longest active-response message analysisd builds:
	// snprintf into OS_SIZE_1024 keeps 1023 bytes.
	execMsgMax = 1023
	// execMsgSlack covers what the program cannot see of the message:
	// the agent id in an agent's prefix ("(null)" assumed; agent ids are
	// at most 8 bytes) and a command name longer than configured.
	execMsgSlack = 16
	// syscheckMsgMax is the longest "CHECKSUM NAME" message syscheckd
	// sends for a file (snprintf into 916 bytes).
	syscheckMsgMax = 915
	// syscheckSumMax is the longest CHECKSUM: size (19 digits), mode (5),
	// uid and gid (11 each, printed signed), MD5, SHA-1 and SHA-256 in
	// hex (32, 40, 64) and six colons.
	syscheckSumMax = 19 + 5 + 11 + 11 + 32 + 40 + 64 + 6
	// SyscheckNameMin is the shortest name syscheckd's 916 bytes can
	// have cut: a name this long or longer may have been cut.
	SyscheckNameMin = syscheckMsgMax - 1 - syscheckSumMax
)

// ErrUsage is returned by ParseArgs for an argv that is not an active-response
// invocation.
var ErrUsage = errors.New("usage: ossec-ar-verify-file add|delete USER SRCIP ALERTID RULEID LOCATION FILENAME")

// ParseArgs reads the argv that ossec-execd gives an active response
// (argv[0] is the program), for the command named DefaultCommandName. See
// Request for the format.
func ParseArgs(argv []string) (Request, error) { return parseArgs(argv, DefaultCommandName) }

// parseArgs is ParseArgs for the command named command in ossec.conf.
func parseArgs(argv []string, command string) (Request, error) {
	if len(argv) < 7 {
		return Request{}, fmt.Errorf("%w (got %d arguments)", ErrUsage, len(argv)-1)
	}
	r := Request{
		Action:  argv[1],
		User:    argv[2],
		SrcIP:   argv[3],
		AlertID: argv[4],
		RuleID:  argv[5],
	}
	if r.Action != "add" && r.Action != "delete" {
		return Request{}, fmt.Errorf("%w (action %q)", ErrUsage, r.Action)
	}
	rest := argv[6:]
	// An agent's location "(name) IP->syscheck" holds one space. A file
	// name cannot start with an unescaped '(' (os_shell_escape escapes it).
	agent := false
	if strings.HasPrefix(rest[0], "(") && strings.HasSuffix(rest[0], ")") && len(rest) > 1 {
		r.Location = rest[0] + " " + rest[1]
		rest = rest[2:]
		agent = true
	} else {
		r.Location = rest[0]
		rest = rest[1:]
	}
	raw := strings.Join(rest, " ")
	if raw == "" || raw == "-" || raw == "(null)" {
		r.NoName = true
		return r, nil
	}
	name, lone := shellUnescape(raw)
	r.Path = name
	// The message analysisd built, as long as the program can tell.
	msg := len(command) + 1 + 1 + len(strings.Join(argv[2:], " "))
	if agent {
		msg += len(r.Location) + len(" XYZ (null) ")
	}
	switch {
	case len(argv) >= execdMaxArgv:
		r.Cut = fmt.Sprintf("the name may have been cut by ossec-execd (%d arguments, its most)", len(argv)-1)
	case msg >= execMsgMax-execMsgSlack:
		r.Cut = fmt.Sprintf("the name may have been cut by analysisd (a %d-byte active-response message; at most %d)", msg, execMsgMax)
	case lone:
		r.Cut = "the name ends in a lone backslash (cut by analysisd)"
	case len(name) >= SyscheckNameMin:
		r.Cut = fmt.Sprintf("the name may have been cut by syscheckd (%d bytes; names of %d or more can be)", len(name), SyscheckNameMin)
	case strings.HasSuffix(name, "/"):
		r.Cut = "the name ends in '/' (cut by analysisd at a newline)"
	}
	return r, nil
}

// shellUnescape undoes os_shell_escape: a backslash makes the next byte
// literal. lone reports a final backslash whose byte was cut off.
func shellUnescape(s string) (out string, lone bool) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			if i+1 == len(s) {
				return b.String(), true
			}
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String(), false
}
