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
// with snprintf into 1024 bytes, where NAME is the active response's command
// name followed by its timeout, USER and SRCIP are "-" unless expected,
// LOCATION is "syscheck" for the manager's own files and
// "(agent) IP->syscheck" for an agent's, and FILENAME is the file name that
// the syscheck decoder took from the integrity event (everything after the
// first space of the event up to its first newline), passed through
// os_shell_escape, or "-" ("(null)" on an agent) when there is none. For an
// agent, remoted strips the routing prefix and the agent's execd receives the
// same message. ossec-execd (os_execd/execd.c) then cuts the message at every
// space, with no regard for the backslashes os_shell_escape added, into at
// most 29 arguments after "add", dropping the rest, and runs
//
//	COMMAND add USER SRCIP TIME.ALERTID RULEID LOCATION... FILENAME...
//
// so a file name with spaces arrives in several arguments, and a long one or
// one with many spaces may arrive truncated.
type Request struct {
	Action   string // "add" or "delete"
	User     string
	SrcIP    string
	AlertID  string
	RuleID   string
	Location string
	// Path is the file name as the integrity event gave it: arguments
	// joined by single spaces with os_shell_escape undone. It is not
	// checked; see CheckPath.
	Path string
	// Truncated says that OSSEC may have cut the file name (the message
	// was near 1024 bytes, or it had the most arguments execd passes, or
	// it ends in an escape that lost its character). A truncated name is
	// never verified: it may name a different file than the one changed.
	Truncated bool
}

// execdMaxArgv is the most argv entries ossec-execd passes (its MAX_ARGS is
// 32 and it stops filling at MAX_ARGS-1).
const execdMaxArgv = 31

// messageBudget is a conservative bound for the length of USER...FILENAME
// beyond which OSSEC's 1024-byte messages may have truncated the file name.
// The real bound depends on the command name and, for agents, on the routing
// prefix that carries the location twice; the margin covers both.
const messageBudget = 1023 - 160

// ErrUsage is returned by ParseArgs for an argv that is not an active-response
// invocation.
var ErrUsage = errors.New("usage: ossec-ar-verify-file add|delete USER SRCIP ALERTID RULEID LOCATION FILENAME")

// ParseArgs reads the argv that ossec-execd gives an active response
// (argv[0] is the program). See Request for the format.
func ParseArgs(argv []string) (Request, error) {
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
	if strings.HasPrefix(rest[0], "(") && strings.HasSuffix(rest[0], ")") && len(rest) > 1 {
		r.Location = rest[0] + " " + rest[1]
		rest = rest[2:]
	} else {
		r.Location = rest[0]
		rest = rest[1:]
	}
	raw := strings.Join(rest, " ")
	if raw == "" || raw == "-" || raw == "(null)" {
		return r, ErrEmpty
	}
	name, lone := shellUnescape(raw)
	r.Path = name
	message := strings.Join(argv[2:], " ")
	r.Truncated = lone || len(argv) >= execdMaxArgv || len(message) >= messageBudget
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

// shellEscape is os_shell_escape: the inverse of shellUnescape, used by tests
// and by the documentation of the argv format.
func shellEscape(s string) string {
	const special = "\\\"' \t;`><|#*[]{}&$!:()"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
