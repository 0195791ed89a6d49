// Package logtestfmt prints and parses the text of OSSEC 4.3.0's
// ossec-logtest: the phases of its default mode (on standard error), the -v
// rule trace and the -a alerts (on standard output). The native engine's
// logtest command prints with WriteEvent and AlertWriter; the logtest engine
// reads a real ossec-logtest with Parse, ParseAlerts, Align and MergeAlerts:
//
//	results, err := logtestfmt.Parse(stderr)           // one per analysed event
//	results, err = logtestfmt.Align(lines, results)    // one per input line
//	alerts, err := logtestfmt.ParseAlerts(stdoutOfA)   // groups and mail flag
//	err = logtestfmt.MergeAlerts(results, alerts)
package logtestfmt

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// ParseError is output that is not what ossec-logtest prints: Line is the
// 1-based line of the output.
type ParseError struct {
	Line int
	Text string
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("ossec-logtest output line %d: %s: %q", e.Line, e.Msg, clip(e.Text))
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// Parse reads what ossec-logtest writes in its default mode (phases 1-3, on
// its standard error), with or without -v rule tracing, and returns one
// Result per analysed event, in order. Lines shorter than 2 bytes print
// nothing, so the caller aligns results with its input (see Align).
//
// Parse fills what the text shows: Phase1 (FullEvent, Hostname,
// ProgramName, Log), Decoder, Fields, Accumulated, Rule (ID, Level,
// Description, Info) and Alert. Groups and Mail appear only in -a output
// (ParseAlerts); Log, Phase1.Timestamp and the rule's file and line not at
// all. Start-up and log lines of the program ("2024/01/02 03:04:05
// ossec-testrule: INFO: ..."), the -U unit-test lines and the "Type one log
// per line." banner are skipped; any other unexpected line is a *ParseError.
func Parse(r io.Reader) ([]engine.Result, error) {
	p := parser{sc: bufio.NewScanner(r)}
	p.sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	return p.run()
}

type section uint8

const (
	secNone section = iota
	secPhase1
	secPhase2
	secTrace
	secPhase3
)

type parser struct {
	sc   *bufio.Scanner
	n    int
	out  []engine.Result
	cur  *engine.Result
	sec  section
	seen map[string]bool // phase 1 keys seen for cur
}

// noise matches the lines ossec-logtest prints that are not about an event.
var noise = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \S+: .*|ossec-testrule: Type one log per line\.|lf->decoder_info->name: '.*'|ut_decoder_name       : '.*'|decoder matched : '.*'|decoder expected: '.*'|\d+)$`)
})

func (p *parser) errf(text, format string, args ...any) error {
	return &ParseError{Line: p.n, Text: text, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) run() ([]engine.Result, error) {
	for p.sc.Scan() {
		p.n++
		line := p.sc.Text()
		if err := p.line(line); err != nil {
			return nil, err
		}
	}
	if err := p.sc.Err(); err != nil {
		return nil, err
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.out, nil
}

func (p *parser) finish() error {
	if p.cur == nil {
		return nil
	}
	if len(p.seen) != 4 {
		return &ParseError{Line: p.n, Msg: "event ends before its phase 1 is complete"}
	}
	finishPhase2(p.cur)
	p.out = append(p.out, *p.cur)
	p.cur = nil
	return nil
}

// quoted returns the value of `PREFIX'VALUE'`.
func quoted(line, prefix string) (string, bool) {
	if !strings.HasPrefix(line, prefix+"'") || !strings.HasSuffix(line, "'") || len(line) < len(prefix)+2 {
		return "", false
	}
	return line[len(prefix)+1 : len(line)-1], true
}

const ind = "       " // the indentation of ossec-logtest's value lines

func (p *parser) line(line string) error {
	switch line {
	case "":
		return nil
	case "**Phase 1: Completed pre-decoding.":
		if err := p.finish(); err != nil {
			return err
		}
		p.cur = &engine.Result{}
		p.sec = secPhase1
		p.seen = map[string]bool{}
		return nil
	}
	if p.cur == nil {
		if noise().MatchString(line) {
			return nil
		}
		return p.errf(line, "unexpected text before the first event")
	}
	switch line {
	case "**Phase 2: Completed decoding.":
		p.sec = secPhase2
		return nil
	case "**Rule debugging:":
		p.sec = secTrace
		return nil
	case "**Phase 3: Completed filtering (rules).":
		if p.cur.Rule != nil {
			return p.errf(line, "second phase 3 in one event")
		}
		p.cur.Rule = &engine.RuleMatch{}
		p.sec = secPhase3
		return nil
	case "**ACCUMULATOR: LEVEL UP!!**":
		p.cur.Accumulated = true
		return nil
	case "**Alert to be generated.":
		if p.cur.Rule == nil {
			return p.errf(line, "alert without a rule")
		}
		p.cur.Alert = true
		return nil
	}
	switch p.sec {
	case secPhase1:
		for _, k := range []string{"full event", "hostname", "program_name", "log"} {
			v, ok := quoted(line, ind+k+": ")
			if !ok {
				continue
			}
			if p.seen[k] {
				return p.errf(line, "phase 1 prints %s twice", k)
			}
			p.seen[k] = true
			ph := &p.cur.Phase1
			switch k {
			case "full event":
				ph.FullEvent = v
			case "hostname":
				ph.Hostname = v
			case "program_name":
				if v != "(null)" {
					ph.ProgramName, ph.HasProgramName = v, true
				}
			case "log":
				ph.Log = v
			}
			return nil
		}
		if line == ind+"decoder: '(null)'" && len(p.seen) == 4 {
			// No decoder list for this event: OSSEC prints the decoder
			// line without a phase 2 header.
			return nil
		}
	case secPhase2:
		if line == ind+"No decoder matched." {
			return nil
		}
		if strings.HasPrefix(line, ind) {
			if i := strings.Index(line, ": '"); i > len(ind) && strings.HasSuffix(line, "'") {
				name, val := line[len(ind):i], line[i+3:len(line)-1]
				p.cur.Fields = append(p.cur.Fields, engine.Field{Name: name, Value: val})
				return nil
			}
		}
	case secTrace:
		if strings.HasPrefix(line, "    Trying rule: ") || strings.HasPrefix(line, ind+"*") {
			return nil
		}
	case secPhase3:
		m := p.cur.Rule
		if v, ok := quoted(line, ind+"Rule id: "); ok {
			id, err := strconv.Atoi(v)
			if err != nil {
				return p.errf(line, "rule id is not a number")
			}
			m.ID = id
			return nil
		}
		if v, ok := quoted(line, ind+"Level: "); ok {
			lv, err := strconv.Atoi(v)
			if err != nil {
				return p.errf(line, "level is not a number")
			}
			m.Level = lv
			return nil
		}
		if v, ok := quoted(line, ind+"Description: "); ok {
			m.Description = v
			return nil
		}
		if strings.HasPrefix(line, ind+"Info - ") {
			rest := line[len(ind+"Info - "):]
			if i := strings.Index(rest, ": '"); i > 0 && strings.HasSuffix(rest, "'") {
				m.Info = append(m.Info, engine.Info{Type: rest[:i], Data: rest[i+3 : len(rest)-1]})
				return nil
			}
		}
	}
	if noise().MatchString(line) {
		return nil
	}
	return p.errf(line, "unexpected line")
}

// finishPhase2 turns the phase 2 lines into Decoder and Fields: the decoder
// line is the last one printed.
func finishPhase2(r *engine.Result) {
	for i := len(r.Fields) - 1; i >= 0; i-- {
		if r.Fields[i].Name == "decoder" {
			if v := r.Fields[i].Value; v != "(null)" {
				r.Decoder = v
			}
			r.Fields = append(r.Fields[:i:i], r.Fields[i+1:]...)
			break
		}
	}
	if len(r.Fields) == 0 {
		r.Fields = nil
	}
}

// Alert is one alert of ossec-logtest -a (OS_LogOutput's text).
type Alert struct {
	Time                                 int64 // the event's time, seconds since the epoch
	ID                                   int64 // the alert id after the dot
	Mail                                 bool  // " mail " was printed
	Groups                               []string
	Date                                 string // "2026 Nov 26 10:19:16"
	Host                                 string // the part before "->", "" when none was printed
	Location                             string
	Rule                                 int
	Level                                int
	Description                          string
	SrcIP, SrcPort, DstIP, DstPort, User string
	FullLog                              string // at most 1256 bytes, as printed
	// LastEvents are the earlier events printed below the full log (for
	// correlation rules).
	LastEvents []string
}

var (
	alertHead = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\*\* Alert (\d+)\.(\d+):( mail )? - (.*)$`) })
	alertRule = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^Rule: (\d+) \(level (\d+)\) -> '(.*)'$`) })
	alertDate = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d+ \w{3} \d\d \d\d:\d\d:\d\d) (.*)$`) })
)

// ParseAlerts reads what ossec-logtest -a writes on its standard output:
// one Alert per alert, in order. Lines outside alerts must be empty or a
// -U exit code; anything else is a *ParseError.
func ParseAlerts(r io.Reader) ([]Alert, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	var (
		out []Alert
		n   int
	)
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		n++
		return sc.Text(), true
	}
	errf := func(text, msg string) error { return &ParseError{Line: n, Text: text, Msg: msg} }
	for {
		line, ok := next()
		if !ok {
			break
		}
		if line == "" || noise().MatchString(line) {
			continue
		}
		m := alertHead().FindStringSubmatch(line)
		if m == nil {
			return nil, errf(line, "expected \"** Alert\"")
		}
		var a Alert
		a.Time, _ = strconv.ParseInt(m[1], 10, 64)
		a.ID, _ = strconv.ParseInt(m[2], 10, 64)
		a.Mail = m[3] != ""
		a.Groups = SplitGroups(m[4])
		if line, ok = next(); !ok {
			return nil, errf("", "alert ends after its first line")
		}
		d := alertDate().FindStringSubmatch(line)
		if d == nil {
			return nil, errf(line, "expected the alert's date and location")
		}
		a.Date = d[1]
		if i := strings.Index(d[2], "->"); i >= 0 {
			a.Host, a.Location = d[2][:i], d[2][i+2:]
		} else {
			a.Location = d[2]
		}
		if line, ok = next(); !ok {
			return nil, errf("", "alert ends before its rule")
		}
		rm := alertRule().FindStringSubmatch(line)
		if rm == nil {
			return nil, errf(line, "expected \"Rule: ID (level N) -> 'DESCRIPTION'\"")
		}
		a.Rule, _ = strconv.Atoi(rm[1])
		a.Level, _ = strconv.Atoi(rm[2])
		a.Description = rm[3]
		// The optional lines come in a fixed order; the full log follows.
		opt := []struct {
			prefix string
			dst    *string
		}{{"Src IP: ", &a.SrcIP}, {"Src Port: ", &a.SrcPort}, {"Dst IP: ", &a.DstIP}, {"Dst Port: ", &a.DstPort}, {"User: ", &a.User}}
		if line, ok = next(); !ok {
			return nil, errf("", "alert ends before its full log")
		}
		for _, o := range opt {
			if strings.HasPrefix(line, o.prefix) {
				*o.dst = line[len(o.prefix):]
				if line, ok = next(); !ok {
					return nil, errf("", "alert ends before its full log")
				}
			}
		}
		a.FullLog = line
		for {
			line, ok = next()
			if !ok || line == "" {
				break
			}
			a.LastEvents = append(a.LastEvents, line)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// SplitGroups splits a rule's group string as -a prints it ("syslog,sshd,")
// into its groups, keeping blanks ("syslog, su" gives "syslog", " su").
func SplitGroups(s string) []string {
	s = strings.TrimSuffix(s, ",")
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Align pairs the results Parse returned for the output of one process with
// the lines fed to it: it returns one result per input line, Skipped for
// lines shorter than 2 bytes (ossec-logtest prints nothing for them), with
// Log set to the line. Lines must already be split as fgets reads them.
// It fails when the counts do not match.
func Align(lines []string, results []engine.Result) ([]engine.Result, error) {
	out := make([]engine.Result, len(lines))
	k := 0
	for i, l := range lines {
		if !analysed(l) {
			out[i] = engine.Result{Log: l, Skipped: true}
			continue
		}
		if k >= len(results) {
			return nil, fmt.Errorf("ossec-logtest printed %d events for %d input lines", len(results), countAnalysed(lines))
		}
		out[i] = results[k]
		out[i].Log = l
		k++
	}
	if k != len(results) {
		return nil, fmt.Errorf("ossec-logtest printed %d events for %d input lines", len(results), countAnalysed(lines))
	}
	return out, nil
}

func countAnalysed(lines []string) int {
	n := 0
	for _, l := range lines {
		if analysed(l) {
			n++
		}
	}
	return n
}

// analysed reports whether ossec-logtest analyses line: it skips a line
// shorter than 2 bytes, measured as C does, up to the first NUL byte.
func analysed(line string) bool {
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	return len(line) >= 2
}

// MergeAlerts copies groups and the mail flag of the -a alerts into the
// results that generated an alert (in order: the k-th alert belongs to the
// k-th result with Alert set) and checks that rule and level agree.
func MergeAlerts(results []engine.Result, alerts []Alert) error {
	k := 0
	for i := range results {
		r := &results[i]
		if !r.Alert || r.Rule == nil {
			continue
		}
		if k >= len(alerts) {
			return fmt.Errorf("ossec-logtest -a printed %d alerts, the default output announced more", len(alerts))
		}
		a := alerts[k]
		k++
		if a.Rule != r.Rule.ID || a.Level != r.Rule.Level {
			return fmt.Errorf("alert %d is rule %d level %d, the default output said rule %d level %d (time-dependent rule?)", k, a.Rule, a.Level, r.Rule.ID, r.Rule.Level)
		}
		r.Rule.Groups = a.Groups
		r.Mail = a.Mail
	}
	if k != len(alerts) {
		return fmt.Errorf("ossec-logtest -a printed %d alerts, the default output announced %d", len(alerts), k)
	}
	return nil
}

// MaxLine is how many bytes of a line ossec-logtest reads at once: fgets
// into a buffer of OS_MAXSTR (6144) bytes after the 8 of "1:stdin:".
const MaxLine = 6144 - 8 - 1

// SplitInput splits text into the pieces ossec-logtest reads from it: at
// each newline, and every MaxLine bytes of a longer line. Each piece loses
// its newline; pieces shorter than 2 bytes (such as the bare newline after
// a line of exactly MaxLine bytes) are kept, ossec-logtest skips them.
func SplitInput(text string) []string {
	s := text + "\n"
	var out []string
	for len(s) > 0 {
		n := min(MaxLine, len(s))
		if i := strings.IndexByte(s[:n], '\n'); i >= 0 {
			n = i + 1
		}
		out = append(out, strings.TrimSuffix(s[:n], "\n"))
		s = s[n:]
	}
	return out
}
