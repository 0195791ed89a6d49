package conformance

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// TestWriteRecordRoundTrip writes records made from results, reads them
// back with LoadFile and checks that they say what the results say,
// stray bytes and long-line pieces included.
func TestWriteRecordRoundTrip(t *testing.T) {
	results := []engine.Result{
		{Log: "a", Skipped: true},
		{
			Log:     "Dec 29 10:00:01 h sshd[1]: Failed password for r\xc3\x28oot from 1.2.3.4\x80 port 1 ssh2\r",
			Phase1:  engine.Phase1{FullEvent: "Dec 29 10:00:01 h sshd[1]: Failed password for r\xc3\x28oot from 1.2.3.4\x80 port 1 ssh2", Hostname: "h", ProgramName: "sshd", HasProgramName: true, Log: "Failed password for r\xc3\x28oot from 1.2.3.4\x80 port 1 ssh2"},
			Decoder: "sshd",
			Fields:  []engine.Field{{Name: "srcip", Value: "1.2.3.4\x80"}, {Name: "extra_data", Value: "x"}, {Name: "extra_data", Value: "é\xff"}},
			Rule:    &engine.RuleMatch{ID: 5716, Level: 5, Description: "SSHD authentication failed.", Info: []engine.Info{{Type: "link", Data: "http://x"}}, Groups: []string{"syslog", " sshd"}},
			Alert:   true, Mail: true, Accumulated: true,
			Extra: []engine.Result{{Log: "tail", Phase1: engine.Phase1{FullEvent: "tail", Hostname: "melancia", Log: "tail"}}},
		},
		{Log: "no alert", Phase1: engine.Phase1{FullEvent: "no alert", Hostname: "melancia", Log: "no alert"},
			Rule: &engine.RuleMatch{ID: 1, Level: 0, Groups: []string{"g"}}, Mail: true},
	}
	var buf bytes.Buffer
	for i, r := range results {
		if err := WriteRecord(&buf, FromResult("t/L"+string(rune('1'+i)), "t", r)); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Contains(buf.Bytes(), []byte(`\udc80`)) || bytes.Contains(buf.Bytes(), []byte("\xef\xbf\xbd")) {
		t.Errorf("stray bytes are not written as \\udcXX escapes:\n%s", buf.Bytes())
	}
	path := filepath.Join(t.TempDir(), "x.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(results) {
		t.Fatalf("read %d records, wrote %d", len(recs), len(results))
	}
	for i, r := range results {
		rec := recs[i]
		if rec.Log != r.Log {
			t.Errorf("record %d: log %q, want %q", i, rec.Log, r.Log)
		}
		if d := Compare(Expected(rec, rec.Log), Observed(r)); len(d) > 0 {
			t.Errorf("record %d differs from its result: %v", i, d)
		}
		if len(rec.ExtraEvents) != len(r.Extra) {
			t.Fatalf("record %d: %d extra events, want %d", i, len(rec.ExtraEvents), len(r.Extra))
		}
		for k, x := range r.Extra {
			if d := Compare(Expected(rec.ExtraEvents[k], x.Log), Observed(x)); len(d) > 0 {
				t.Errorf("record %d extra %d: %v", i, k, d)
			}
		}
	}
	if got := recs[1].FieldsPrinted; !cmp.Equal(got, [][2]string{{"srcip", "1.2.3.4\x80"}, {"extra_data", "x"}, {"extra_data", "é\xff"}}) {
		t.Errorf("fields_printed = %q", got)
	}
	if !recs[1].NonUTF8 || recs[0].NonUTF8 {
		t.Errorf("non_utf8 = %v, %v", recs[0].NonUTF8, recs[1].NonUTF8)
	}
	// A record is not the result of another event.
	if d := Compare(Expected(recs[1], recs[1].Log), Observed(results[2])); len(d) == 0 {
		t.Error("Compare finds no difference between two different events")
	}
	// WriteRecord leaves the record as it was.
	if recs[1].Fields["extra_data"] != "é\xff" {
		t.Errorf("fields after reading: %q", recs[1].Fields)
	}
	var again bytes.Buffer
	for _, rec := range recs {
		if err := WriteRecord(&again, rec); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(buf.String(), again.String()); d != "" {
		t.Errorf("writing the records read back changes them (-first +second):\n%s", d)
	}
}

// TestWriteRecordRefusesParkedRunes checks that text which the format
// cannot tell apart from escaped bytes is an error, not a silent change.
func TestWriteRecordRefusesParkedRunes(t *testing.T) {
	rec := FromResult("t/L1", "t", engine.Result{Log: "x\uf780y", Phase1: engine.Phase1{FullEvent: "x\uf780y", Log: "x\uf780y"}})
	err := WriteRecord(&bytes.Buffer{}, rec)
	if err == nil || !strings.Contains(err.Error(), "U+F780") {
		t.Errorf("WriteRecord = %v, want an error about U+F780-U+F7FF", err)
	}
}

// TestWriteSequenceRecord checks that a sequence record is written with
// its items only, as the shared sequences.jsonl has it, and reads back.
func TestWriteSequenceRecord(t *testing.T) {
	item := FromResult("s/L1-2#1", "", engine.Result{Log: "ab", Phase1: engine.Phase1{FullEvent: "ab", Hostname: "melancia", Log: "ab"}})
	item2 := FromResult("s/L1-2#2", "", engine.Result{Log: "a", Skipped: true})
	item2.DelayBeforeS = 1.5
	rec := &Record{ID: "s/L1-2", Source: "s", WallClock: "2026-11-25T12:00:00Z", Sequence: []*Record{item, item2}}
	var buf bytes.Buffer
	if err := WriteRecord(&buf, rec); err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	for _, bad := range []string{`"log":""`, `"decoder"`, `"source":""`} {
		if strings.Contains(line[:strings.Index(line, `"sequence"`)], bad) || (bad == `"source":""` && strings.Contains(line, bad)) {
			t.Errorf("sequence record has %s:\n%s", bad, line)
		}
	}
	path := filepath.Join(t.TempDir(), "s.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || len(recs[0].Sequence) != 2 || recs[0].WallClock != rec.WallClock || recs[0].Sequence[1].DelayBeforeS != 1.5 {
		t.Fatalf("read back %+v", recs)
	}
}

// TestObservedNullDescription checks that a rule without <description>
// compares as ossec-logtest prints it, "(null)", and an empty one as "".
func TestObservedNullDescription(t *testing.T) {
	for _, tc := range []struct {
		has  bool
		want string
	}{{false, "(null)"}, {true, ""}} {
		res := engine.Result{Log: "ab", Phase1: engine.Phase1{FullEvent: "ab", Hostname: "h", Log: "ab"},
			Rule: &engine.RuleMatch{ID: 100700, Level: 3, Rule: &ruleset.Rule{ID: 100700, HasDescription: tc.has}}}
		if got := Observed(res).Description; got != tc.want {
			t.Errorf("HasDescription %v: description %q, want %q", tc.has, got, tc.want)
		}
	}
}
