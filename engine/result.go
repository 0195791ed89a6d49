package engine

import "github.com/ossec-ruletest/ossec-ruletest/ruleset"

// Message is one event as analysisd reads it from its queue: the queue
// identifier, the location it came from and the text. A line typed into
// ossec-logtest is Message{Queue: QueueLocalFile, Location: "stdin", Text: line}.
type Message struct {
	Queue    byte   // queue identifier, e.g. QueueLocalFile or QueueSyscheck
	Location string // where the event came from: "stdin", "(agent) any->syscheck", ...
	Text     string // the event text after "ID:location:"
}

// Queue identifiers, as OSSEC writes them in front of a message.
const (
	QueueLocalFile  byte = '1' // a log line (LOCALFILE_MQ)
	QueueSyslog     byte = '2' // a line from the remote syslog listener (SYSLOG_MQ)
	QueueHostinfo   byte = '3' // HOSTINFO_MQ
	QueueSecure     byte = '4' // SECURE_MQ
	QueueSyscheck   byte = '8' // a file-integrity event (SYSCHECK_MQ)
	QueueRootcheck  byte = '9' // ROOTCHECK_MQ
	QueueOSSECAlert byte = '5' // an alert from another manager (OSSEC_MQ)
)

// Result is what analysisd did with one event, in the shape ossec-logtest
// prints it. The zero value means: no decoder, no rule, no alert.
type Result struct {
	// Log is the input text as given.
	Log string
	// Skipped is true when ossec-logtest ignores the line and prints
	// nothing (a line shorter than 2 bytes).
	Skipped bool
	// Phase1 is the pre-decoding result.
	Phase1 Phase1
	// Decoder is the name of the decoder that matched ("" for none).
	// For a child decoder, OSSEC reports the parent's name.
	Decoder string
	// DecoderOwnName is the name attribute of the decoder that matched:
	// the child's own name when a child decoder matched ("" for none).
	DecoderOwnName string
	// Fields are the decoded fields in the order ossec-logtest prints them.
	// A name may appear twice when two decoder regexes set it.
	Fields []Field
	// Accumulated is true when "**ACCUMULATOR: LEVEL UP!!**" was printed.
	Accumulated bool
	// Rule is the rule that matched, nil when none did (no phase 3).
	Rule *RuleMatch
	// Alert is true when "**Alert to be generated." is printed: a rule of
	// level > 0 matched, was not ignored, and logs alerts.
	Alert bool
	// Mail is true when the alert would be emailed.
	Mail bool
	// ActiveResponses lists the active responses the alert triggers.
	ActiveResponses []ActiveResponse
	// The alert as OS_LogOutput (ossec-logtest -a) prints it, set when
	// Alert is: AlertLocation is "hostname->location", or the location
	// alone for an event from an agent; AlertFields are srcip, srcport,
	// dstip, dstport and dstuser as the event holds them at that point
	// (after the accumulator, plugin decoders included), those set, in
	// that order; AlertLog is the event's full log (the input without
	// control characters, or what the syscheck / OSSEC-alert decoders made
	// of it); LastEvents are the earlier logs the alert lists after it
	// (frequency context, check_diff's previous output). OSSEC prints at
	// most 1256 bytes of AlertLog and of each last event.
	AlertLocation string
	AlertFields   []Field
	AlertLog      string
	LastEvents    []string
	// Logged are the messages analysisd writes to its log (ossec-logtest:
	// to standard error, after the event) while handling the event, e.g.
	// "No Oldest node to delete" when freeing an old event finds a
	// correlation list already empty (an OSSEC quirk of if_matched_group
	// lists, whose size is not updated).
	Logged []string
	// JITStackLimit lists the patterns (as written) that would match this
	// event's text but that PCRE2's JIT gives up on in real OSSEC: on its
	// default 32 KiB stack it fails with "JIT stack limit reached" (error
	// -46), which OSSEC takes as no match. The engine does not match them
	// either (decoder patterns and rule <match>/<regex> are listed).
	JITStackLimit []string
	// Error is set when analysisd rejects the message before decoding
	// (OSSEC logs IMSG_ERROR and prints nothing else for it).
	Error string
	// Extra are the results of the further events a line longer than
	// ossec-logtest reads at once (6135 bytes) turns into, in order.
	Extra []Result
	// Notes say where an engine took part of the result from when not
	// from its own analysis of the event (docker-live: a rule of level 0,
	// which a live manager records nowhere, from ossec-logtest).
	Notes []string
}

// Phase1 is what pre-decoding made of the event.
type Phase1 struct {
	FullEvent      string // the event after control characters were removed
	Timestamp      string // the syslog timestamp, "" when none
	Hostname       string
	ProgramName    string
	HasProgramName bool   // false where ossec-logtest prints "(null)"
	Log            string // the message after the header
}

// Field is one decoded field.
type Field struct {
	Name  string
	Value string
}

// RuleMatch describes the rule an event matched.
type RuleMatch struct {
	ID          int
	Level       int
	Description string
	Info        []Info
	// Groups are the rule's groups exactly as OSSEC prints them between
	// commas (a group written " su" keeps its space).
	Groups []string
	// File and Line locate the rule in its XML file.
	File string
	Line int
	// Rule is the compiled rule. RuleMatch values are shared between
	// results: do not modify them.
	Rule *ruleset.Rule
}

// Info is one <info> line of a rule: Type is Text, Link, CVE, OSVDB or BUGTRACKID.
type Info struct {
	Type string
	Data string
}

// ActiveResponse is one active response that an alert triggers.
type ActiveResponse struct {
	Command string // the <command> name
	// Name is analysisd's name of the response, the command's name and
	// the timeout ("ossec-ar-verify-file0"), which ossec-execd receives
	// first in the message; Executable is the command's <executable>,
	// the program execd runs from OSSECDIR/active-response/bin.
	Name       string
	Executable string
	Location   string            // local, server, defined-agent, all
	AgentID    string            // for defined-agent
	Args       map[string]string // the values the command expects: filename, srcip, user
}

// Field returns the last value decoded for name and whether there was one.
func (r *Result) Field(name string) (string, bool) {
	for i := len(r.Fields) - 1; i >= 0; i-- {
		if r.Fields[i].Name == name {
			return r.Fields[i].Value, true
		}
	}
	return "", false
}
