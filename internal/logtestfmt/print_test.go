package logtestfmt

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// startup matches the log lines ossec-logtest prints when it starts.
var startup = regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ossec-testrule: INFO: .*\n`)

// TestWriteEventRecorded prints what Parse read from real ossec-logtest
// output and compares it with that output, byte for byte.
func TestWriteEventRecorded(t *testing.T) {
	for _, name := range []string{"mix.txt", "freq.txt"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			want := startup.ReplaceAllString(string(data), "")
			results, err := Parse(strings.NewReader(want))
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.WriteString(Banner)
			for i := range results {
				if err := WriteEvent(&b, &results[i], PrintOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if d := cmp.Diff(strings.Split(want, "\n"), strings.Split(b.String(), "\n")); d != "" {
				t.Errorf("testdata/%s: printed output differs (-recorded +printed):\n%s", name, d)
			}
		})
	}
}

var alertGroups = regexp.MustCompile(`(?m)^\*\* Alert \d+\.\d+:(?: mail )? - (.*)$`)

// TestAlertWriterRecorded prints the alerts of recorded runs from the
// parsed default output merged with what only the -a output shows (groups,
// mail flag, alert-time fields, earlier events), at the recorded times, and
// compares with the recorded -a output.
func TestAlertWriterRecorded(t *testing.T) {
	for _, name := range []string{"mix", "freq"} {
		t.Run(name, func(t *testing.T) {
			out, err := os.ReadFile("testdata/" + name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			alertsText, err := os.ReadFile("testdata/" + name + "-a.txt")
			if err != nil {
				t.Fatal(err)
			}
			results, err := Parse(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			alerts, err := ParseAlerts(bytes.NewReader(alertsText))
			if err != nil {
				t.Fatal(err)
			}
			if err := MergeAlerts(results, alerts); err != nil {
				t.Fatal(err)
			}
			heads := alertGroups.FindAllStringSubmatch(string(alertsText), -1)
			var b bytes.Buffer
			w := &AlertWriter{W: &b}
			k := 0
			for i := range results {
				r := &results[i]
				if !r.Alert {
					continue
				}
				a := alerts[k]
				k++
				// The group string as OSSEC keeps it (the tokens lose
				// a trailing comma), and what the default output does
				// not show: the fields at alert time, the earlier events.
				r.Rule.Rule = &ruleset.Rule{Groups: heads[k-1][1], HasDescription: true}
				r.AlertFields = nil
				for _, f := range []struct{ name, v string }{{"srcip", a.SrcIP}, {"srcport", a.SrcPort}, {"dstip", a.DstIP}, {"dstport", a.DstPort}, {"dstuser", a.User}} {
					if f.v != "" {
						r.AlertFields = append(r.AlertFields, engine.Field{Name: f.name, Value: f.v})
					}
				}
				r.LastEvents = a.LastEvents
				r.AlertLocation = a.Location
				if a.Host != "" {
					r.AlertLocation = a.Host + "->" + a.Location
				}
				// The -a run read the line at its own time.
				if err := w.Write(r, time.Unix(a.Time, 0)); err != nil {
					t.Fatal(err)
				}
			}
			got := b.String()
			want := string(alertsText)
			if d := cmp.Diff(strings.Split(want, "\n"), strings.Split(got, "\n")); d != "" {
				t.Errorf("testdata/%s-a.txt: printed alerts differ (-recorded +printed):\n%s", name, d)
			}
		})
	}
}

func TestWriteEventShapes(t *testing.T) {
	r := engine.Result{
		Phase1:  engine.Phase1{FullEvent: "x y", Hostname: "h", Log: "x y"},
		Skipped: false,
	}
	var b bytes.Buffer
	if err := WriteEvent(&b, &r, PrintOptions{NoDecoderList: true}); err != nil {
		t.Fatal(err)
	}
	want := "\n\n**Phase 1: Completed pre-decoding.\n       full event: 'x y'\n       hostname: 'h'\n       program_name: '(null)'\n       log: 'x y'\n       decoder: '(null)'\n"
	if got := b.String(); got != want {
		t.Errorf("no decoder list:\n%s", cmp.Diff(want, got))
	}
	// The parser reads it back.
	rs, err := Parse(strings.NewReader(Banner + b.String()))
	if err != nil || len(rs) != 1 || rs[0].Decoder != "" {
		t.Errorf("Parse(printed) = %+v, %v", rs, err)
	}

	b.Reset()
	skipped := engine.Result{Log: "x", Skipped: true}
	if err := WriteEvent(&b, &skipped, PrintOptions{}); err != nil || b.Len() != 0 {
		t.Errorf("a skipped line printed %q (err %v)", b.String(), err)
	}

	b.Reset()
	r = engine.Result{
		Phase1:      engine.Phase1{FullEvent: "f", Hostname: "h", ProgramName: "p", HasProgramName: true, Log: "l"},
		Decoder:     "d",
		Fields:      []engine.Field{{Name: "srcip", Value: "1.2.3.4"}},
		Accumulated: true,
		Rule:        &engine.RuleMatch{ID: 5, Level: 3, Description: "desc"},
		Alert:       true,
	}
	if err := WriteEvent(&b, &r, PrintOptions{Trace: []string{"    Trying rule: 5 - desc", "       *Rule 5 matched."}}); err != nil {
		t.Fatal(err)
	}
	rs, err = Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]engine.Result{r}, rs); d != "" {
		t.Errorf("round trip with trace and accumulator (-printed +parsed):\n%s", d)
	}
}

func TestWriteJSON(t *testing.T) {
	r := engine.Result{
		Log:     "Sep 15 00:26:10 ether ossec-ar-verify: file ok (/etc/x)",
		Phase1:  engine.Phase1{Hostname: "ether", ProgramName: "ossec-ar-verify", HasProgramName: true, Log: "file ok (/etc/x)"},
		Decoder: "ossec-ar-verify",
		Fields:  []engine.Field{{Name: "action", Value: "ok"}, {Name: "extra_data", Value: "/etc/x"}},
		Rule:    &engine.RuleMatch{ID: 107001, Level: 1, Description: "File was changed intentionally.", Groups: []string{"verify"}},
		Alert:   true,
		ActiveResponses: []engine.ActiveResponse{
			{Command: "c", Location: "local", Args: map[string]string{"filename": "/etc/x"}},
		},
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, &r); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"log":              r.Log,
		"phase1":           map[string]any{"hostname": "ether", "program_name": "ossec-ar-verify", "log": "file ok (/etc/x)"},
		"decoder":          "ossec-ar-verify",
		"fields":           map[string]any{"action": "ok", "extra_data": "/etc/x"},
		"rule":             "107001",
		"level":            1.0,
		"description":      "File was changed intentionally.",
		"alert":            true,
		"groups":           []any{"verify"},
		"mail":             false,
		"active_responses": []any{map[string]any{"command": "c", "location": "local", "args": map[string]any{"filename": "/etc/x"}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("JSON record (-want +got):\n%s", d)
	}

	b.Reset()
	none := engine.Result{Log: "zz", Phase1: engine.Phase1{Hostname: "m", Log: "zz"}}
	if err := WriteJSON(&b, &none); err != nil {
		t.Fatal(err)
	}
	wantLine := `{"log":"zz","phase1":{"hostname":"m","program_name":null,"log":"zz"},"decoder":null,"fields":{},"rule":null,"level":null,"description":null,"alert":false,"groups":[],"mail":false,"active_responses":[]}` + "\n"
	if b.String() != wantLine {
		t.Errorf("JSON of an undecoded line:\n got %s\nwant %s", b.String(), wantLine)
	}
}
