package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// Event is what ossec-logtest printed for one event, in a shape both a
// record and an engine.Result convert to.
type Event struct {
	EmptyOutput bool
	Hostname    string
	ProgramName *string // nil where "(null)" was printed
	Log         string
	FullEvent   string
	Decoder     string // "" where no decoder matched
	// Fields are the last value printed for each key.
	Fields map[string]string
	// FieldsPrinted are all printed pairs in order; compared only where
	// the record lists them.
	FieldsPrinted [][2]string
	Rule          string // "" where no rule matched
	Level         *int
	Description   string
	Info          []Info
	Alert         bool
	Groups        []string
	Mail          bool
	Accumulator   bool
}

// Fields names the compared fields, in the order of the agreement table.
var Fields = []string{
	"empty_output",
	"phase1.hostname", "phase1.program_name", "phase1.log", "phase1.full_event",
	"decoder", "fields", "fields_printed",
	"rule", "level", "description", "info",
	"alert", "groups", "mail", "accumulator",
}

// value returns the named field of e.
func (e *Event) value(field string) any {
	switch field {
	case "empty_output":
		return e.EmptyOutput
	case "phase1.hostname":
		return e.Hostname
	case "phase1.program_name":
		return e.ProgramName
	case "phase1.log":
		return e.Log
	case "phase1.full_event":
		return e.FullEvent
	case "decoder":
		return e.Decoder
	case "fields":
		return e.Fields
	case "fields_printed":
		return e.FieldsPrinted
	case "rule":
		return e.Rule
	case "level":
		return e.Level
	case "description":
		return e.Description
	case "info":
		return e.Info
	case "alert":
		return e.Alert
	case "groups":
		return e.Groups
	case "mail":
		return e.Mail
	case "accumulator":
		return e.Accumulator
	}
	panic("conformance: unknown field " + field)
}

// Expected converts a record (one event) into an Event; input is the text
// that was analysed (the record's line, or its piece for an extra event).
func Expected(r *Record, input string) Event {
	e := Event{
		EmptyOutput:   r.EmptyOutput,
		Fields:        r.Fields,
		FieldsPrinted: r.FieldsPrinted,
		Level:         r.Level,
		Info:          r.Info,
		Alert:         r.Alert,
		Groups:        r.Groups,
		Mail:          r.Mail,
		Accumulator:   r.Accumulator,
	}
	if r.Phase1 != nil {
		e.Hostname = r.Phase1.Hostname
		e.ProgramName = r.Phase1.ProgramName
		e.Log = r.Phase1.Log
		e.FullEvent = input
		if r.Phase1.FullEvent != nil {
			e.FullEvent = *r.Phase1.FullEvent
		}
	}
	if r.Decoder != nil {
		e.Decoder = *r.Decoder
	}
	if r.Rule != nil {
		e.Rule = *r.Rule
	}
	if r.Description != nil {
		e.Description = *r.Description
	}
	return e
}

// Observed converts an engine result into what ossec-logtest would have
// printed: groups and the mail flag come from the -a output, which shows
// them only for an alert.
func Observed(r engine.Result) Event {
	e := Event{
		EmptyOutput: r.Skipped,
		Decoder:     r.Decoder,
		Alert:       r.Alert,
		Accumulator: r.Accumulated,
	}
	if r.Skipped {
		return e
	}
	e.Hostname = r.Phase1.Hostname
	if r.Phase1.HasProgramName {
		pn := r.Phase1.ProgramName
		e.ProgramName = &pn
	}
	e.Log = r.Phase1.Log
	e.FullEvent = r.Phase1.FullEvent
	e.Fields = map[string]string{}
	for _, f := range r.Fields {
		e.Fields[f.Name] = f.Value
		e.FieldsPrinted = append(e.FieldsPrinted, [2]string{f.Name, f.Value})
	}
	if m := r.Rule; m != nil {
		e.Rule = strconv.Itoa(m.ID)
		lv := m.Level
		e.Level = &lv
		e.Description = m.Description
		if m.Rule != nil && !m.Rule.HasDescription && m.Description == "" {
			// A rule without <description> has a NULL comment, which
			// ossec-logtest prints with %s as "(null)".
			e.Description = "(null)"
		}
		for _, in := range m.Info {
			e.Info = append(e.Info, Info{Type: in.Type, Data: in.Data})
		}
		if r.Alert {
			e.Groups = m.Groups
		}
	}
	e.Mail = r.Alert && r.Mail
	return e
}

// Diff is one field on which two events disagree.
type Diff struct {
	Field     string
	Want, Got any
	// Text is the go-cmp diff (-ossec +native).
	Text string
}

var cmpOpts = cmp.Options{cmpopts.EquateEmpty()}

// Compare returns the fields on which got differs from want, in Fields
// order. fields_printed is compared only where want has it.
func Compare(want, got Event) []Diff {
	var ds []Diff
	for _, f := range Fields {
		if !applies(f, want) {
			continue
		}
		w, g := want.value(f), got.value(f)
		if d := cmp.Diff(w, g, cmpOpts); d != "" {
			ds = append(ds, Diff{Field: f, Want: w, Got: g, Text: d})
		}
	}
	return ds
}

// applies reports whether field is compared for an event recorded as want.
func applies(field string, want Event) bool {
	switch field {
	case "fields_printed":
		return want.FieldsPrinted != nil
	case "accumulator", "empty_output":
		return true
	}
	return true
}

// Table counts, per field, how many events agreed.
type Table struct {
	Agree, Total, Excepted map[string]int
	// Events and EventsAgree count whole events (all fields agree, known
	// exceptions aside).
	Events, EventsAgree int
}

// NewTable returns an empty table.
func NewTable() *Table {
	return &Table{Agree: map[string]int{}, Total: map[string]int{}, Excepted: map[string]int{}}
}

// Add counts one compared event: diffs are its differences, excepted says
// which of them are known exceptions.
func (t *Table) Add(want Event, diffs []Diff, excepted func(field string) bool) {
	t.Events++
	bad := map[string]bool{}
	clean := true
	for _, d := range diffs {
		bad[d.Field] = true
		if excepted(d.Field) {
			t.Excepted[d.Field]++
		} else {
			clean = false
		}
	}
	if clean {
		t.EventsAgree++
	}
	for _, f := range Fields {
		if !applies(f, want) {
			continue
		}
		t.Total[f]++
		if !bad[f] {
			t.Agree[f]++
		}
	}
}

// Write prints the table.
func (t *Table) Write(w io.Writer) {
	fmt.Fprintf(w, "%-20s %7s %7s %8s %9s\n", "field", "agree", "total", "percent", "excepted")
	for _, f := range Fields {
		if t.Total[f] == 0 {
			continue
		}
		fmt.Fprintf(w, "%-20s %7d %7d %7.2f%% %9d\n", f, t.Agree[f], t.Total[f], 100*float64(t.Agree[f])/float64(t.Total[f]), t.Excepted[f])
	}
	fmt.Fprintf(w, "%-20s %7d %7d %7.2f%%   (all fields agree or are excepted)\n", "events", t.EventsAgree, t.Events, 100*float64(t.EventsAgree)/float64(max(t.Events, 1)))
}

// Exception is one known difference between the native engine and OSSEC.
type Exception struct {
	ID    string // event id: a record id, "<sequence id>#<n>", or "<id>+<k>" for the k-th extra event
	Field string
	// Native is the value the native engine gives, as JSON: the exception
	// holds only while the engine gives exactly this.
	Native json.RawMessage
	Reason string
	Where  string // file:line of the exception
}

// LoadExceptions reads an exceptions file: one exception per line,
// "ID FIELD NATIVE-JSON REASON", blank lines and #-comments ignored.
func LoadExceptions(path string) ([]Exception, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Exception
	seen := map[[2]string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		where := fmt.Sprintf("%s:%d", path, n)
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("%s: want ID FIELD NATIVE-JSON REASON", where)
		}
		if !knownField(f[1]) {
			return nil, fmt.Errorf("%s: unknown field %q", where, f[1])
		}
		rest := strings.TrimSpace(line[strings.Index(line, f[1])+len(f[1]):])
		dec := json.NewDecoder(strings.NewReader(rest))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%s: native value: %v", where, err)
		}
		reason := strings.TrimSpace(rest[dec.InputOffset():])
		if reason == "" {
			return nil, fmt.Errorf("%s: exception without a reason", where)
		}
		k := [2]string{f[0], f[1]}
		if prev, ok := seen[k]; ok {
			return nil, fmt.Errorf("%s: repeats the exception at %s", where, prev)
		}
		seen[k] = where
		out = append(out, Exception{ID: f[0], Field: f[1], Native: raw, Reason: reason, Where: where})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, sc.Err()
}

func knownField(f string) bool {
	for _, k := range Fields {
		if k == f {
			return true
		}
	}
	return false
}

// ExceptionSet applies a list of exceptions to the differences of a run
// and remembers which ones were needed.
type ExceptionSet struct {
	byKey map[[2]string]*Exception
	used  map[*Exception]bool
	list  []Exception
}

// NewExceptionSet returns the set of list.
func NewExceptionSet(list []Exception) *ExceptionSet {
	s := &ExceptionSet{byKey: map[[2]string]*Exception{}, used: map[*Exception]bool{}, list: list}
	for i := range s.list {
		s.byKey[[2]string{s.list[i].ID, s.list[i].Field}] = &s.list[i]
	}
	return s
}

// Excepted reports whether field of event id is a known difference.
func (s *ExceptionSet) Excepted(id, field string) bool {
	return s.byKey[[2]string{id, field}] != nil
}

// Apply splits the differences of event id into those no exception covers
// (failing) and problems with the exceptions that cover the others: an
// exception whose pinned native value is not the one the engine gives.
func (s *ExceptionSet) Apply(id string, diffs []Diff) (failing []Diff, problems []string) {
	for _, d := range diffs {
		ex := s.byKey[[2]string{id, d.Field}]
		if ex == nil {
			failing = append(failing, d)
			continue
		}
		s.used[ex] = true
		var pinned, native any
		if err := json.Unmarshal(ex.Native, &pinned); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", ex.Where, err))
			continue
		}
		raw, err := json.Marshal(d.Got)
		if err == nil {
			err = json.Unmarshal(raw, &native)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: native value: %v", ex.Where, err))
			continue
		}
		if !cmp.Equal(pinned, native) {
			problems = append(problems, fmt.Sprintf("%s: exception %s %s pins the native value %s, the engine now gives %s: update or remove the exception", ex.Where, ex.ID, ex.Field, ex.Native, raw))
		}
	}
	return failing, problems
}

// Unused returns a message for every exception Apply never needed: the
// engine agrees with OSSEC there now (or the record is gone).
func (s *ExceptionSet) Unused() []string {
	var out []string
	for i := range s.list {
		if ex := &s.list[i]; !s.used[ex] {
			out = append(out, fmt.Sprintf("%s: exception %s %s no longer needed: the native engine agrees with OSSEC (or the record is gone); remove it", ex.Where, ex.ID, ex.Field))
		}
	}
	return out
}
