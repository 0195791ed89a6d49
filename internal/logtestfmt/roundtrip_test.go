package logtestfmt

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// TestPrintParseRoundTrip prints results with WriteEvent and AlertWriter
// and parses them back.
func TestPrintParseRoundTrip(t *testing.T) {
	in := []engine.Result{
		{
			Phase1:  engine.Phase1{FullEvent: "Jan  1 00:00:00 h sshd[1]: it's 'quoted'", Hostname: "h", ProgramName: "sshd", HasProgramName: true, Log: "it's 'quoted'"},
			Decoder: "sshd",
			Fields:  []engine.Field{{Name: "srcip", Value: "1.2.3.4"}, {Name: "extra_data", Value: "a"}, {Name: "extra_data", Value: "b"}, {Name: "my field", Value: ""}},
			Rule: &engine.RuleMatch{ID: 5715, Level: 3, Description: "Login: 'x'", Groups: []string{"syslog", " sshd"},
				Info: []engine.Info{{Type: "Link", Data: "http://x"}, {Type: "CVE", Data: "2001-0144"}}},
			Alert: true,
			Mail:  true,
		},
		{
			Phase1: engine.Phase1{FullEvent: "nothing", Hostname: "melancia", Log: "nothing"},
		},
		{
			Phase1:      engine.Phase1{FullEvent: "slapd", Hostname: "h", ProgramName: "slapd", HasProgramName: true, Log: "x"},
			Decoder:     "openldap",
			Accumulated: true,
			Rule:        &engine.RuleMatch{ID: 2507, Level: 0, Description: "OpenLDAP group."},
		},
	}
	var text bytes.Buffer
	var alerts bytes.Buffer
	aw := &AlertWriter{W: &alerts}
	for i := range in {
		opts := PrintOptions{}
		if i == 1 {
			opts.Trace = []string{"    Trying rule: 1 - Generic template for all syslog rules.", "       *Rule 1 matched.", "       *Trying child rules."}
		}
		if err := WriteEvent(&text, &in[i], opts); err != nil {
			t.Fatal(err)
		}
		if err := aw.Write(&in[i], time.Unix(1700000000, 0).UTC()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Parse(&text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text.String())
	}
	as, err := ParseAlerts(&alerts)
	if err != nil {
		t.Fatalf("%v\n%s", err, alerts.String())
	}
	if len(as) != 1 || as[0].SrcIP != "1.2.3.4" || as[0].Host != "h" || as[0].Location != "stdin" || as[0].FullLog != in[0].Phase1.FullEvent {
		t.Errorf("alerts = %+v", as)
	}
	if err := MergeAlerts(got, as); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, got); d != "" {
		t.Errorf("round trip (-printed +parsed):\n%s", d)
	}
}
