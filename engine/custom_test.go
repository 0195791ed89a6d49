package engine_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/conformance"
	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/logtestfmt"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// TestCustomRecorded runs testdata/custom (see its README) through one
// session and compares every event with what real ossec-logtest printed.
func TestCustomRecorded(t *testing.T) {
	rs, err := ruleset.Load(ruleset.Sources{
		Base:     stockDir,
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
	want := parseRecorded(t, lines, "testdata/custom/logtest.out", "testdata/custom/logtest-a.out")

	s := engine.New(rs, engine.Options{Hostname: "melancia", Now: fixedClock}).NewSession()
	alerts, fired := 0, map[int]bool{}
	for i, l := range lines {
		got := s.Process(l)
		if got.Alert {
			alerts++
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
	if alerts < 60 {
		t.Errorf("only %d alerts", alerts)
	}
}

func parseRecorded(t *testing.T, lines []string, plain, alertsFile string) []engine.Result {
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
	return al
}
