package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// FromResult turns what ossec-logtest printed for one input line (parsed
// into an engine.Result, with the further events of a long line in Extra)
// into a record with the given id and source. The record says exactly
// what Observed(r) says: Expected(FromResult(r), r.Log) == Observed(r).
func FromResult(id, source string, r engine.Result) *Record {
	rec := eventRecord(r)
	rec.ID, rec.Source = id, source
	for _, x := range r.Extra {
		rec.ExtraEvents = append(rec.ExtraEvents, eventRecord(x))
	}
	return rec
}

func eventRecord(r engine.Result) *Record {
	rec := &Record{Log: r.Log, Fields: map[string]string{}, Groups: []string{}}
	if !utf8.ValidString(r.Log) {
		rec.LogB64 = base64.StdEncoding.EncodeToString([]byte(r.Log))
		rec.NonUTF8 = true
	}
	if r.Skipped {
		rec.EmptyOutput = true
		return rec
	}
	p := &Phase1{Hostname: r.Phase1.Hostname, Log: r.Phase1.Log}
	if r.Phase1.HasProgramName {
		pn := r.Phase1.ProgramName
		p.ProgramName = &pn
	}
	if r.Phase1.FullEvent != r.Log {
		fe := r.Phase1.FullEvent
		p.FullEvent = &fe
	}
	rec.Phase1 = p
	if r.Decoder != "" {
		d := r.Decoder
		rec.Decoder = &d
	}
	seen := map[string]bool{}
	twice := false
	for _, f := range r.Fields {
		twice = twice || seen[f.Name]
		seen[f.Name] = true
		rec.Fields[f.Name] = f.Value
	}
	if twice {
		for _, f := range r.Fields {
			rec.FieldsPrinted = append(rec.FieldsPrinted, [2]string{f.Name, f.Value})
		}
	}
	if m := r.Rule; m != nil {
		id := strconv.Itoa(m.ID)
		lv := m.Level
		desc := m.Description
		rec.Rule, rec.Level, rec.Description = &id, &lv, &desc
		for _, in := range m.Info {
			rec.Info = append(rec.Info, Info{Type: in.Type, Data: in.Data})
		}
		if r.Alert {
			rec.Groups = append(rec.Groups, m.Groups...)
		}
	}
	rec.Alert = r.Alert
	rec.Mail = r.Alert && r.Mail
	rec.Accumulator = r.Accumulated
	return rec
}

// WriteRecord writes rec as one line of JSON, in the form LoadFile reads:
// bytes that are not valid UTF-8 become \udcXX escapes (as Python's
// surrogateescape writes them), so the exact input survives.
func WriteRecord(w io.Writer, rec *Record) error {
	var err error
	rec.walkStrings(func(s string) string {
		if err == nil && strings.ContainsFunc(s, isParked) {
			err = fmt.Errorf("record %s: text holds U+F780-U+F7FF, which the record format cannot keep apart from escaped bytes", rec.ID)
		}
		return s
	})
	if err != nil {
		return err
	}
	// Park the stray bytes while encoding; unpark restores them after.
	rec.walkStrings(park)
	defer rec.walkStrings(unpark)
	var v any = rec
	if len(rec.Sequence) > 0 {
		// A sequence record carries only its items, as in the shared data.
		v = seqRecord{rec.ID, rec.Source, rec.KeptBecause, rec.RepeatOf, rec.WallClock, rec.Sequence}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	// Items of a sequence and extra events have no source of their own.
	js := bytes.ReplaceAll(b.Bytes(), []byte(`"source":"",`), nil)
	_, err = w.Write(escapeParked(js))
	return err
}

// seqRecord is the JSON form of a sequence record.
type seqRecord struct {
	ID          string    `json:"id"`
	Source      string    `json:"source"`
	KeptBecause string    `json:"kept_because,omitempty"`
	RepeatOf    string    `json:"repeat_of,omitempty"`
	WallClock   string    `json:"wall_clock,omitempty"`
	Sequence    []*Record `json:"sequence"`
}

func isParked(r rune) bool { return r >= surrogateBase+0x80 && r <= surrogateBase+0xFF }

// park replaces every byte of s that is not part of valid UTF-8 with the
// rune U+F700+byte (see unpark).
func park(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b bytes.Buffer
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(rune(surrogateBase + int(s[i])))
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// escapeParked rewrites the parked runes of JSON text as \udcXX escapes.
func escapeParked(js []byte) []byte {
	if !bytes.Contains(js, []byte("\xef\x9e")) && !bytes.Contains(js, []byte("\xef\x9f")) {
		return js
	}
	var b bytes.Buffer
	for i := 0; i < len(js); {
		r, n := utf8.DecodeRune(js[i:])
		if isParked(r) {
			fmt.Fprintf(&b, `\udc%02x`, r-surrogateBase)
		} else {
			b.Write(js[i : i+n])
		}
		i += n
	}
	return b.Bytes()
}
