package engine_test

import (
	"testing"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/conformance"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// records returns every recorded single event (sequence items included).
func records(t testing.TB) []*conformance.Record {
	t.Helper()
	out, err := loadRecords(testenv.Conformance(t))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// loadRecords reads every recorded single event (sequence items included).
func loadRecords(dir string) ([]*conformance.Record, error) {
	recs, err := conformance.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*conformance.Record
	for _, r := range recs {
		if len(r.Sequence) > 0 {
			out = append(out, r.Sequence...)
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func fixedClock() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC) }

// TestPreDecodeConformance checks phase 1 (OS_CleanMSG) of every
// recorded line against what real ossec-logtest printed. Pre-decoding
// needs no decoders or rules.
func TestPreDecodeConformance(t *testing.T) {
	e := engine.New(&ruleset.Ruleset{}, engine.Options{Hostname: "melancia", Now: fixedClock})
	n := 0
	for _, r := range records(t) {
		s := e.NewSession()
		want := []*conformance.Record{r}
		want = append(want, r.ExtraEvents...)
		res := s.Process(r.Log)
		got := append([]engine.Result{res}, res.Extra...)
		for i, w := range want {
			if i >= len(got) {
				t.Errorf("%s: %d events, want %d", r.Where(), len(got), len(want))
				break
			}
			g := got[i]
			if w.EmptyOutput != g.Skipped {
				t.Errorf("%s: skipped = %v, want %v", r.Where(), g.Skipped, w.EmptyOutput)
				continue
			}
			if w.Phase1 == nil {
				continue
			}
			n++
			p := w.Phase1
			if g.Phase1.Hostname != p.Hostname {
				t.Errorf("%s: hostname %q, want %q", r.Where(), g.Phase1.Hostname, p.Hostname)
			}
			var pn *string
			if g.Phase1.HasProgramName {
				pn = &g.Phase1.ProgramName
			}
			if (pn == nil) != (p.ProgramName == nil) || pn != nil && *pn != *p.ProgramName {
				t.Errorf("%s: program_name %v, want %v", r.Where(), show(pn), show(p.ProgramName))
			}
			if g.Phase1.Log != p.Log {
				t.Errorf("%s: log %q, want %q", r.Where(), g.Phase1.Log, p.Log)
			}
			if p.FullEvent != nil && g.Phase1.FullEvent != *p.FullEvent {
				t.Errorf("%s: full event %q, want %q", r.Where(), g.Phase1.FullEvent, *p.FullEvent)
			}
		}
	}
	t.Logf("%d events compared", n)
	if n < 300 {
		t.Errorf("only %d events compared", n)
	}
}

func show(p *string) string {
	if p == nil {
		return "(null)"
	}
	return "'" + *p + "'"
}
