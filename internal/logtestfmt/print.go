package logtestfmt

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Program is the name ossec-logtest gives itself in what it prints (its
// ARGV0).
const Program = "ossec-testrule"

// Banner is what ossec-logtest prints before reading input (unless -a).
const Banner = Program + ": Type one log per line.\n\n"

// PrintOptions say what WriteEvent prints besides the phases.
type PrintOptions struct {
	// Trace holds the -v rule trace lines of the event (from a Tracer);
	// nil prints no "**Rule debugging:" section.
	Trace []string
	// Verbose (-v) prints, after phase 2, a line for each pattern that
	// real OSSEC loses to PCRE2's JIT stack limit on the event
	// (JITStackNote), which ossec-logtest itself does not print.
	Verbose bool
	// NoDecoderList is true when the ruleset has no decoder list for the
	// event (no decoder at all for its kind): ossec-logtest then prints
	// no phase 2 header, only the decoder line.
	NoDecoderList bool
}

// WriteEvent writes one analysed event as ossec-logtest prints it in its
// default mode (on its standard error): the blank lines that open an event,
// phase 1, phase 2 with the decoded fields and the decoder, the rule trace
// when opts.Trace is set, phase 3 and "**Alert to be generated.". A
// skipped line prints nothing, a rejected message the blank lines and its
// error. Lines
// too long for ossec-logtest's buffer print one event each (r.Extra).
func WriteEvent(w io.Writer, r *engine.Result, opts PrintOptions) error {
	bp := eventBufs.Get().(*[]byte)
	b := writeEvent((*bp)[:0], r, opts)
	_, err := w.Write(b)
	*bp = b
	eventBufs.Put(bp)
	return err
}

// eventBufs recycles the buffers WriteEvent formats an event in, so that
// printing costs no allocation per event.
var eventBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeEvent appends the text of r to b. It appends strings instead of
// going through fmt: printing is on the hot path of `logtest`.
func writeEvent(b []byte, r *engine.Result, opts PrintOptions) []byte {
	if r.Skipped {
		return b
	}
	b = append(b, "\n\n"...)
	if r.Error != "" {
		b = append(b, r.Error...)
		return append(b, '\n')
	}
	b = append(b, "**Phase 1: Completed pre-decoding.\n"...)
	b = appendQuoted(b, "       full event: '", r.Phase1.FullEvent)
	b = appendQuoted(b, "       hostname: '", r.Phase1.Hostname)
	b = appendQuoted(b, "       program_name: '", nullable(r.Phase1.ProgramName, r.Phase1.HasProgramName))
	b = appendQuoted(b, "       log: '", r.Phase1.Log)
	if !opts.NoDecoderList {
		b = append(b, "\n**Phase 2: Completed decoding.\n"...)
		if r.Decoder == "" {
			b = append(b, "       No decoder matched.\n"...)
		}
	}
	for _, f := range r.Fields {
		b = append(b, "       "...)
		b = append(b, f.Name...)
		b = appendQuoted(b, ": '", f.Value)
	}
	b = appendQuoted(b, "       decoder: '", nullable(r.Decoder, r.Decoder != ""))
	if opts.Verbose {
		for _, p := range r.JITStackLimit {
			b = append(b, "\n**"...)
			b = append(b, JITStackNote(p)...)
			b = append(b, '\n')
		}
	}
	if r.Accumulated {
		b = append(b, "\n**ACCUMULATOR: LEVEL UP!!**\n\n"...)
	}
	if opts.Trace != nil {
		b = append(b, "\n**Rule debugging:\n"...)
		for _, t := range opts.Trace {
			b = append(b, t...)
			b = append(b, '\n')
		}
	}
	if m := r.Rule; m != nil {
		b = append(b, "\n**Phase 3: Completed filtering (rules).\n"...)
		b = append(b, "       Rule id: '"...)
		b = strconv.AppendInt(b, int64(m.ID), 10)
		b = append(b, "'\n       Level: '"...)
		b = strconv.AppendInt(b, int64(m.Level), 10)
		b = append(b, "'\n"...)
		b = appendQuoted(b, "       Description: '", nullable(m.Description, m.Description != "" || m.Rule == nil || m.Rule.HasDescription))
		for _, in := range m.Info {
			b = append(b, "       Info - "...)
			b = append(b, in.Type...)
			b = appendQuoted(b, ": '", in.Data)
		}
		if r.Alert {
			b = append(b, "**Alert to be generated.\n\n\n"...)
		}
	}
	b = appendLogged(b, r)
	for i := range r.Extra {
		b = writeEvent(b, &r.Extra[i], opts)
	}
	return b
}

// JITStackNote says why real OSSEC does not match pattern p on an event
// (engine.Result.JITStackLimit).
func JITStackNote(p string) string {
	return "pattern " + strconv.Quote(p) + " hit PCRE2's JIT stack limit on this line in real OSSEC (error -46, JIT stack limit reached: OSSEC takes it as no match)"
}

// WriteAlertModeLog writes what ossec-logtest -a prints on its standard
// error for an event besides the alert: "**ACCUMULATOR: LEVEL UP!!**" for
// an event of an accumulating decoder (testrule.c prints it in every mode)
// and the messages analysisd logged (r.Logged), for r and each of r.Extra.
func WriteAlertModeLog(w io.Writer, r *engine.Result) error {
	var b []byte
	b = appendAlertModeLog(b, r)
	if len(b) == 0 {
		return nil
	}
	_, err := w.Write(b)
	return err
}

func appendAlertModeLog(b []byte, r *engine.Result) []byte {
	if r.Accumulated {
		b = append(b, "\n**ACCUMULATOR: LEVEL UP!!**\n\n"...)
	}
	b = appendLogged(b, r)
	for i := range r.Extra {
		b = appendAlertModeLog(b, &r.Extra[i])
	}
	return b
}

// appendLogged appends r.Logged as analysisd's merror prints them: a time
// stamp, the program and the message.
func appendLogged(b []byte, r *engine.Result) []byte {
	for _, msg := range r.Logged {
		b = time.Now().AppendFormat(b, "2006/01/02 15:04:05 ")
		b = append(b, Program+": "...)
		b = append(b, msg...)
		b = append(b, '\n')
	}
	return b
}

// appendQuoted appends prefix, s and the closing "'" and newline.
func appendQuoted(b []byte, prefix, s string) []byte {
	b = append(b, prefix...)
	b = append(b, s...)
	return append(b, "'\n"...)
}

// nullable is s, or "(null)" as C's printf shows a NULL string.
func nullable(s string, ok bool) string {
	if !ok {
		return "(null)"
	}
	return s
}

// AlertWriter writes alerts as ossec-logtest -a prints them on its
// standard output (OS_LogOutput), numbering them from 1 as it does.
type AlertWriter struct {
	W io.Writer
	// Location is where the events come from; ossec-logtest reads "stdin".
	Location string
	n        int
}

// maxFullLog is how much of the event an alert shows (%.1256s).
const maxFullLog = 1256

// Write writes the alert of r, read at time t, if r generated one (and
// those of r.Extra): the alert-time location, fields, log and earlier
// events of r (Result.AlertLocation, ...), or, where the engine did not set
// them (results parsed from ossec-logtest's default output), what phase 1
// and 2 show.
func (a *AlertWriter) Write(r *engine.Result, t time.Time) error {
	var b strings.Builder
	a.write(&b, r, t)
	_, err := io.WriteString(a.W, b.String())
	return err
}

func (a *AlertWriter) write(b *strings.Builder, r *engine.Result, t time.Time) {
	if r.Alert && r.Rule != nil {
		a.n++
		m := r.Rule
		mail := ""
		if r.Mail {
			mail = " mail "
		}
		where := r.AlertLocation
		if where == "" {
			loc := a.Location
			if loc == "" {
				loc = "stdin"
			}
			where = r.Phase1.Hostname + "->" + loc
		}
		fmt.Fprintf(b, "** Alert %d.%d:%s - %s\n", t.Unix(), a.n, mail, GroupString(m))
		fmt.Fprintf(b, "%d %s %02d %s %s\n", t.Year(), t.Format("Jan"), t.Day(), t.Format("15:04:05"), where)
		fmt.Fprintf(b, "Rule: %d (level %d) -> '%s'", m.ID, m.Level, nullable(m.Description, m.Description != "" || m.Rule == nil || m.Rule.HasDescription))
		fields := r.AlertFields
		if r.AlertLocation == "" {
			fields = nil
			for _, name := range []string{"srcip", "srcport", "dstip", "dstport", "dstuser"} {
				if v, ok := r.Field(name); ok {
					fields = append(fields, engine.Field{Name: name, Value: v})
				}
			}
		}
		for _, f := range fields {
			fmt.Fprintf(b, "\n%s: %s", alertLabels[f.Name], f.Value)
		}
		full := r.AlertLog
		if full == "" {
			full = r.Phase1.FullEvent
		}
		fmt.Fprintf(b, "\n%s\n", clip1256(full))
		for _, l := range r.LastEvents {
			fmt.Fprintf(b, "%s\n", clip1256(l))
		}
		b.WriteByte('\n')
	}
	for i := range r.Extra {
		a.write(b, &r.Extra[i], t)
	}
}

// alertLabels are the names OS_LogOutput gives the fields it prints.
var alertLabels = map[string]string{
	"srcip": "Src IP", "srcport": "Src Port", "dstip": "Dst IP", "dstport": "Dst Port", "dstuser": "User",
}

// clip1256 is s as printf's %.1256s prints it.
func clip1256(s string) string {
	if len(s) > maxFullLog {
		return s[:maxFullLog]
	}
	return s
}

// GroupString is the rule's group string as OSSEC keeps and prints it
// ("syslog,sshd,"), rebuilt from the group tokens when the compiled rule is
// not at hand.
func GroupString(m *engine.RuleMatch) string {
	if m.Rule != nil {
		return m.Rule.Groups
	}
	return strings.Join(m.Groups, ",")
}

// Tracer is an engine.Observer that records ossec-logtest -v's rule trace:
// "Trying rule: ID - DESCRIPTION", "*Rule ID matched." and "*Trying child
// rules.". Take returns the lines of the event just analysed.
type Tracer struct {
	lines []string
}

var _ engine.ChildrenObserver = (*Tracer)(nil)

// DecoderTried does nothing: ossec-logtest does not trace decoders.
func (t *Tracer) DecoderTried(*ruleset.Decoder) {}

// DecoderMatched does nothing.
func (t *Tracer) DecoderMatched(*ruleset.Decoder) {}

// RuleTried records "Trying rule".
func (t *Tracer) RuleTried(r *ruleset.Rule) {
	desc := "(null)"
	if r.HasDescription {
		desc = r.Description
	}
	t.lines = append(t.lines, "    Trying rule: "+strconv.Itoa(r.ID)+" - "+desc)
}

// TryingChildren records "*Trying child rules.".
func (t *Tracer) TryingChildren(*ruleset.Rule) {
	t.lines = append(t.lines, "       *Trying child rules.")
}

// RuleMatched records "*Rule ID matched.".
func (t *Tracer) RuleMatched(r *ruleset.Rule) {
	t.lines = append(t.lines, "       *Rule "+strconv.Itoa(r.ID)+" matched.")
}

// Take returns the trace recorded since the last Take (never nil) and
// starts a new one.
func (t *Tracer) Take() []string {
	l := t.lines
	if l == nil {
		l = []string{}
	}
	t.lines = nil
	return l
}

// Record is the JSON form of an analysed event that `logtest --json`
// prints, one object per line, in the shape of the conformance records.
type Record struct {
	Log             string            `json:"log"`
	Phase1          RecordPhase1      `json:"phase1"`
	Decoder         *string           `json:"decoder"`
	Fields          map[string]string `json:"fields"`
	Rule            *string           `json:"rule"`
	Level           *int              `json:"level"`
	Description     *string           `json:"description"`
	Alert           bool              `json:"alert"`
	Groups          []string          `json:"groups"`
	Mail            bool              `json:"mail"`
	ActiveResponses []RecordAR        `json:"active_responses"`
	// JITStackLimit lists the patterns that real OSSEC loses to PCRE2's
	// JIT stack limit on this line (engine.Result.JITStackLimit); absent
	// when none.
	JITStackLimit []string `json:"jit_stack_limit,omitempty"`
}

// RecordPhase1 is the pre-decoding part of a Record; ProgramName is null
// where ossec-logtest prints "(null)".
type RecordPhase1 struct {
	Hostname    string  `json:"hostname"`
	ProgramName *string `json:"program_name"`
	Log         string  `json:"log"`
}

// RecordAR is an active response in a Record.
type RecordAR struct {
	Command  string            `json:"command"`
	Location string            `json:"location"`
	Args     map[string]string `json:"args"`
}

// NewRecord returns the Record of r (the first event of a line; r.Extra
// are records of their own). fields keeps the last value of a field
// printed twice.
func NewRecord(r *engine.Result) Record {
	rec := Record{
		Log:             r.Log,
		Phase1:          RecordPhase1{Hostname: r.Phase1.Hostname, Log: r.Phase1.Log},
		Fields:          map[string]string{},
		Groups:          []string{},
		Alert:           r.Alert,
		Mail:            r.Mail,
		ActiveResponses: []RecordAR{},
	}
	if r.Phase1.HasProgramName {
		p := r.Phase1.ProgramName
		rec.Phase1.ProgramName = &p
	}
	if r.Decoder != "" {
		d := r.Decoder
		rec.Decoder = &d
	}
	for _, f := range r.Fields {
		rec.Fields[f.Name] = f.Value
	}
	if m := r.Rule; m != nil {
		id := strconv.Itoa(m.ID)
		lv := m.Level
		desc := m.Description
		rec.Rule, rec.Level, rec.Description = &id, &lv, &desc
		rec.Groups = append(rec.Groups, m.Groups...)
	}
	for _, ar := range r.ActiveResponses {
		args := ar.Args
		if args == nil {
			args = map[string]string{}
		}
		rec.ActiveResponses = append(rec.ActiveResponses, RecordAR{Command: ar.Command, Location: ar.Location, Args: args})
	}
	rec.JITStackLimit = r.JITStackLimit
	return rec
}

// WriteJSON writes r (and each of r.Extra) as one JSON Record per line. A
// skipped line writes nothing.
func WriteJSON(w io.Writer, r *engine.Result) error {
	if r.Skipped {
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(NewRecord(r)); err != nil {
		return err
	}
	for i := range r.Extra {
		if err := WriteJSON(w, &r.Extra[i]); err != nil {
			return err
		}
	}
	return nil
}
