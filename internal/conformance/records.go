// Package conformance holds the conformance test of the native engine: every
// record of ../shared/conformance/*.jsonl (what the real ossec-logtest of
// OSSEC 4.3.0 printed on the stock ruleset) runs through the engine, and
// every field it printed must agree. Known differences are listed, with
// their reason, in exceptions.txt; a test pins each one.
//
// The package also exports the record reader and the comparison so that
// benchmarks and tools can use the same data:
//
//	recs, err := conformance.LoadDir(dir)
//	for _, r := range recs {
//		want := conformance.Expected(r)
//		got := conformance.Observed(results[0])
//		for _, d := range conformance.Compare(want, got) { ... }
//	}
package conformance

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Record is one recorded event (or, when Sequence is set, one sequence of
// events fed to a single ossec-logtest process).
type Record struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	// Log is the exact input line (decoded from log_b64 when the input
	// was not valid UTF-8).
	Log     string `json:"log"`
	LogB64  string `json:"log_b64,omitempty"`
	NonUTF8 bool   `json:"non_utf8,omitempty"`

	Phase1        *Phase1           `json:"phase1,omitempty"`
	Decoder       *string           `json:"decoder"`
	Fields        map[string]string `json:"fields"`
	FieldsPrinted [][2]string       `json:"fields_printed,omitempty"`
	Rule          *string           `json:"rule"`
	Level         *int              `json:"level"`
	Description   *string           `json:"description"`
	Info          []Info            `json:"info,omitempty"`
	Alert         bool              `json:"alert"`
	Groups        []string          `json:"groups"`
	Mail          bool              `json:"mail"`
	Accumulator   bool              `json:"accumulator,omitempty"`
	EmptyOutput   bool              `json:"empty_output,omitempty"`
	// ExtraEvents are the further events a line longer than 6135 bytes
	// produced (ossec-logtest reads it in fgets-sized pieces).
	ExtraEvents []*Record `json:"extra_events,omitempty"`
	// DelayBeforeS is the pause before this item of a sequence, in seconds.
	DelayBeforeS float64 `json:"delay_before_s,omitempty"`
	// WallClock, when set (RFC 3339), is the wall-clock time the
	// recording ran at (a faked clock): <time> and <weekday> rules saw it.
	// Without it the recording ran at a time no such rule matched.
	WallClock string `json:"wall_clock,omitempty"`

	INI            *INI            `json:"ini,omitempty"`
	RunnerVariants []RunnerVariant `json:"runner_variants,omitempty"`
	RecordedRes    string          `json:"recorded_res,omitempty"`
	Sequence       []*Record       `json:"sequence,omitempty"`
	KeptBecause    string          `json:"kept_because,omitempty"`
	RepeatOf       string          `json:"repeat_of,omitempty"`

	// File and Line locate the record in its data file.
	File string `json:"-"`
	Line int    `json:"-"`
	// ruleset, when set, is the ruleset the record was made with, if not
	// the stock one (tests only).
	ruleset *ruleset.Ruleset
}

// Phase1 is what ossec-logtest printed for pre-decoding.
type Phase1 struct {
	Hostname    string  `json:"hostname"`
	ProgramName *string `json:"program_name"`
	Log         string  `json:"log"`
	// FullEvent is present only where it differs from the input line.
	FullEvent *string `json:"full_event,omitempty"`
}

// Info is one "Info - TYPE: 'DATA'" line of phase 3.
type Info struct {
	Type string `json:"type"`
	Data string `json:"data"`
}

// INI is what the .ini test file said about a record, and what
// `ossec-logtest -U` made of it.
type INI struct {
	Section    string `json:"section"`
	Key        string `json:"key"`
	Rule       string `json:"rule"`
	Alert      string `json:"alert"`
	Decoder    string `json:"decoder"`
	Expect     string `json:"expect"`
	UTExitCode int    `json:"ut_exit_code"`
	UTPassed   bool   `json:"ut_passed"`
	Agrees     bool   `json:"agrees"`
	// RunnerVariants hold the results for the text a ConfigParser-based
	// runner would feed instead of the literal line.
	RunnerVariants []RunnerVariant `json:"runner_variants,omitempty"`
}

// RunnerVariant is the result for the text a ConfigParser-based runner
// feeds instead of the literal ini text.
type RunnerVariant struct {
	Runners    []string `json:"runners"`
	UTExitCode int      `json:"ut_exit_code"`
	UTPassed   bool     `json:"ut_passed"`
	Agrees     bool     `json:"agrees"`
	Record
}

// Where returns "file:line" of the record.
func (r *Record) Where() string { return fmt.Sprintf("%s:%d", r.File, r.Line) }

// LoadDir reads every *.jsonl file of dir, in name order.
func LoadDir(dir string) ([]*Record, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no *.jsonl files", dir)
	}
	sort.Strings(paths)
	var all []*Record
	for _, p := range paths {
		recs, err := LoadFile(p)
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
	}
	return all, nil
}

// LoadFile reads one JSON-lines file of records. Unknown keys are errors,
// so that a field added to the data cannot go uncompared.
func LoadFile(path string) ([]*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var recs []*Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		r, err := parseRecord(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		r.File, r.Line = path, n
		for _, it := range r.Sequence {
			it.File, it.Line = path, n
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return recs, nil
}

// surrogateBase is where parseRecord parks the bytes that Python wrote as
// lone surrogates (\udc80-\udcff, surrogateescape) until they are turned
// back into the raw bytes: U+F780-U+F7FF, a private-use block that the
// data must not otherwise contain.
const surrogateBase = 0xF700

func parseRecord(line []byte) (*Record, error) {
	escaped, n := parkSurrogates(line)
	if n > 0 && (bytes.Contains(line, []byte("\xef\x9e")) || bytes.Contains(line, []byte("\xef\x9f")) ||
		bytes.Contains(bytes.ToLower(line), []byte(`\uf7`))) {
		return nil, fmt.Errorf("record mixes surrogate escapes with U+F780-U+F7FF characters; cannot restore its bytes")
	}
	dec := json.NewDecoder(bytes.NewReader(escaped))
	dec.DisallowUnknownFields()
	var r Record
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	if n > 0 {
		r.walkStrings(unpark)
	}
	if r.LogB64 != "" {
		b, err := base64.StdEncoding.DecodeString(r.LogB64)
		if err != nil {
			return nil, fmt.Errorf("log_b64: %v", err)
		}
		if n > 0 && string(b) != r.Log {
			return nil, fmt.Errorf("log_b64 and log differ after restoring surrogate escapes")
		}
		r.Log = string(b)
	}
	return &r, nil
}

// parkSurrogates rewrites the JSON escapes \udcXX (XX >= 80) of line as
// \uf7XX and returns how many it rewrote.
func parkSurrogates(line []byte) ([]byte, int) {
	if !bytes.Contains(line, []byte(`\udc`)) && !bytes.Contains(line, []byte(`\uDC`)) {
		return line, 0
	}
	out := make([]byte, 0, len(line))
	n := 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c != '\\' || i+1 >= len(line) {
			out = append(out, c)
			continue
		}
		if line[i+1] == 'u' && i+5 < len(line) &&
			strings.EqualFold(string(line[i+2:i+4]), "dc") && isHex(line[i+4]) && isHex(line[i+5]) && line[i+4] >= '8' {
			out = append(out, `\uf7`...)
			out = append(out, line[i+4], line[i+5])
			i += 5
			n++
			continue
		}
		out = append(out, c, line[i+1])
		i++
	}
	return out, n
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unpark turns the runes U+F780-U+F7FF of s back into the bytes 0x80-0xFF.
func unpark(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= surrogateBase+0x80 && r <= surrogateBase+0xFF }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= surrogateBase+0x80 && r <= surrogateBase+0xFF {
			b.WriteByte(byte(r - surrogateBase))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// walkStrings applies f to every text field the record compares.
func (r *Record) walkStrings(f func(string) string) {
	r.Log = f(r.Log)
	if p := r.Phase1; p != nil {
		p.Hostname, p.Log = f(p.Hostname), f(p.Log)
		if p.ProgramName != nil {
			s := f(*p.ProgramName)
			p.ProgramName = &s
		}
		if p.FullEvent != nil {
			s := f(*p.FullEvent)
			p.FullEvent = &s
		}
	}
	for _, sp := range []**string{&r.Decoder, &r.Rule, &r.Description} {
		if *sp != nil {
			s := f(**sp)
			*sp = &s
		}
	}
	if len(r.Fields) > 0 {
		m := make(map[string]string, len(r.Fields))
		for k, v := range r.Fields {
			m[f(k)] = f(v)
		}
		r.Fields = m
	}
	for i := range r.FieldsPrinted {
		r.FieldsPrinted[i] = [2]string{f(r.FieldsPrinted[i][0]), f(r.FieldsPrinted[i][1])}
	}
	for i := range r.Info {
		r.Info[i].Data = f(r.Info[i].Data)
	}
	for i := range r.Groups {
		r.Groups[i] = f(r.Groups[i])
	}
	for _, e := range r.ExtraEvents {
		e.walkStrings(f)
	}
	for _, e := range r.Sequence {
		e.walkStrings(f)
	}
	if r.INI != nil {
		for i := range r.INI.RunnerVariants {
			r.INI.RunnerVariants[i].walkStrings(f)
		}
	}
}
