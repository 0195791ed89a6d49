package engine_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/conformance"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// TestCustomRecorded runs testdata/custom (see its README) through one
// session and compares every event with what real ossec-logtest printed.
func TestCustomRecorded(t *testing.T) {
	rs, err := ruleset.Load(ruleset.Sources{
		Base:     testenv.StockRuleset(t),
		Decoders: []string{"testdata/custom/decoders.xml"},
		Rules:    []string{"testdata/custom/rules.xml"},
	})
	if err != nil {
		t.Fatalf("loading: %v", err)
	}
	input, err := os.ReadFile("testdata/custom/input.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(input), "\n"), "\n")
	want, alerts := parseRecorded(t, lines, "testdata/custom/logtest.out", "testdata/custom/logtest-a.out")

	s := engine.New(rs, engine.Options{Hostname: "melancia", Now: fixedClock}).NewSession()
	nalerts, fired := 0, map[int]bool{}
	withLast := 0
	for i, l := range lines {
		got := s.Process(l)
		if got.Alert {
			if nalerts < len(alerts) {
				if d := compareAlert(alerts[nalerts], got); d != "" {
					t.Errorf("testdata/custom/input.txt:%d: alert %d: %s", i+1, nalerts+1, d)
				}
				if len(alerts[nalerts].LastEvents) > 0 {
					withLast++
				}
			}
			nalerts++
			fired[got.Rule.ID] = true
		}
		if d := conformance.Compare(conformance.Observed(want[i]), conformance.Observed(got)); len(d) > 0 {
			t.Errorf("testdata/custom/input.txt:%d: %q\n%v", i+1, l, d)
		}
	}
	// The data must keep exercising what it was written for.
	for _, id := range []int{100101, 100104, 100105, 100107, 100108, 100110, 100111, 100122, 100123,
		100124, 100126, 100128, 100131, 100132, 100141, 100142, 5712, 20101, 35005} {
		if !fired[id] {
			t.Errorf("rule %d never alerted", id)
		}
	}
	if nalerts != len(alerts) {
		t.Errorf("%d alerts, ossec-logtest -a printed %d", nalerts, len(alerts))
	}
	if nalerts < 60 || withLast < 3 {
		t.Errorf("only %d alerts, %d with last events", nalerts, withLast)
	}
}

// compareAlert compares the parts of an -a alert that come from the
// engine (not the clock): location, fields, full log, last events.
func compareAlert(a logtestfmt.Alert, r engine.Result) string {
	loc := a.Location
	if a.Host != "" {
		loc = a.Host + "->" + a.Location
	}
	if loc != r.AlertLocation {
		return "location " + r.AlertLocation + ", want " + loc
	}
	got := map[string]string{}
	for _, f := range r.AlertFields {
		got[f.Name] = f.Value
	}
	for name, v := range map[string]string{"srcip": a.SrcIP, "srcport": a.SrcPort, "dstip": a.DstIP, "dstport": a.DstPort, "dstuser": a.User} {
		if got[name] != v {
			return name + " " + got[name] + ", want " + v
		}
	}
	cut := func(s string) string {
		if len(s) > 1256 {
			return s[:1256]
		}
		return s
	}
	if cut(r.AlertLog) != a.FullLog {
		return "full log " + r.AlertLog + ", want " + a.FullLog
	}
	if len(r.LastEvents) != len(a.LastEvents) {
		return "last events " + strings.Join(r.LastEvents, " | ") + ", want " + strings.Join(a.LastEvents, " | ")
	}
	for i := range a.LastEvents {
		if cut(r.LastEvents[i]) != a.LastEvents[i] {
			return "last event " + r.LastEvents[i] + ", want " + a.LastEvents[i]
		}
	}
	return ""
}

func parseRecorded(t *testing.T, lines []string, plain, alertsFile string) ([]engine.Result, []logtestfmt.Alert) {
	t.Helper()
	f, err := os.Open(plain)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := logtestfmt.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", plain, err)
	}
	al, err := logtestfmt.Align(lines, res)
	if err != nil {
		t.Fatalf("%s: %v", plain, err)
	}
	fa, err := os.Open(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	alerts, err := logtestfmt.ParseAlerts(fa)
	if err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	if err := logtestfmt.MergeAlerts(al, alerts); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	return al, alerts
}
