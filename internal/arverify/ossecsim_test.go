//go:build linux

package arverify

import (
	"fmt"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
)

// ossecPath simulates, byte for byte and with OSSEC 4.3.0's real limits,
// the way a file name travels from syscheckd to the active response's argv.
// Each step is one of OSSEC's sources:
//
//   - syscheckd/create_db.c: snprintf(alert_msg, 916, "%s %s", c_sum,
//     file_name), so "CHECKSUM NAME" is cut at 915 bytes;
//   - analysisd/decoders/syscheck.c: the file name is what follows the
//     first space, up to the first newline (the rest is the diff);
//   - analysisd/alerts/exec.c: os_shell_escape, then snprintf into 1024
//     bytes of "NAME USER SRCIP TIME.ALERTID RULEID LOCATION FILENAME"; for
//     an agent, in the same 1024 bytes, after "LOCATION XYZ AGENTID ";
//   - remoted/ar-forward.c: the prefix up to the agent id is dropped and
//     "#!-execd " put in front, again in 1024 bytes; the agent's receiver
//     drops "#!-execd ";
//   - os_execd/execd.c: the first word is the command; the rest is cut at
//     every space into at most MAX_ARGS-3 = 29 arguments after "add", the
//     last one ending at its space and the rest dropped.
type ossecPath struct {
	location string // "syscheck" (default) or "(agent) IP->syscheck"
	sum      string // syscheckd's checksum (default realSum)
	command  string // the command's <name> (default DefaultCommandName)
	alert    string // TIME.ALERTID (default testAlert)
}

// testAlert is the alert id the simulation passes.
const testAlert = "1700000000.4242"

// realSum is a checksum as syscheckd writes it with every check on: size,
// mode, uid, gid, MD5, SHA-1, SHA-256 (153 bytes).
var realSum = "2345:33188:0:0:" + strings.Repeat("a", 32) + ":" + strings.Repeat("b", 40) + ":" + strings.Repeat("c", 64)

// cutC is what snprintf(buf, size, ...) keeps of s.
func cutC(s string, size int) string {
	if len(s) > size-1 {
		return s[:size-1]
	}
	return s
}

// decoded returns the file name analysisd passes to the active response
// (lf->filename) for a file called name.
func (o ossecPath) decoded(name string) string {
	sum := o.sum
	if sum == "" {
		sum = realSum
	}
	msg := cutC(sum+" "+name, 916)
	_, fname, _ := strings.Cut(msg, " ")
	if i := strings.IndexByte(fname, '\n'); i >= 0 {
		fname = fname[:i]
	}
	return fname
}

// argv returns what ossec-execd runs for an integrity event on the file
// called name.
func (o ossecPath) argv(name string) []string {
	loc, cmd, alert := o.location, o.command, o.alert
	if loc == "" {
		loc = "syscheck"
	}
	if cmd == "" {
		cmd = DefaultCommandName
	}
	if alert == "" {
		alert = testAlert
	}
	body := fmt.Sprintf("%s%d %s %s %s %d %s %s", cmd, 0, "-", "-", alert, 106002, loc, harness.ShellEscape(o.decoded(name)))
	var msg string
	if loc[0] != '(' {
		msg = cutC(body, 1024)
	} else {
		// analysisd, to the forwarder: location local is REMOTE_AGENT
		// ("NRN") with no agent id ("(null)").
		full := cutC(loc+" NRN (null) "+body, 1024)
		// remoted: after ") ", past the IP, the XYZ and the agent id.
		rest := full[strings.IndexByte(full, ')')+2:]
		for k := 0; k < 3; k++ {
			rest = rest[strings.IndexByte(rest, ' ')+1:]
		}
		msg = strings.TrimPrefix(cutC("#!-execd "+rest, 1024), "#!-execd ")
	}
	_, rest, _ := strings.Cut(msg, " ")
	argv := []string{"/var/ossec/active-response/bin/ossec-ar-verify-file", "add"}
	for len(argv) < 31 {
		tok, more, found := strings.Cut(rest, " ")
		argv = append(argv, tok)
		if !found {
			break
		}
		rest = more
	}
	return argv
}

// execdArgv is ossecPath{location: location}.argv(filename).
func execdArgv(location, filename string) []string {
	return ossecPath{location: location}.argv(filename)
}
