package engine

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// summary is what a test compares of two results: the verdict and
// everything the correlation state can change.
func summary(r Result) string {
	var b strings.Builder
	rule, level := 0, 0
	if r.Rule != nil {
		rule, level = r.Rule.ID, r.Rule.Level
	}
	fmt.Fprintf(&b, "%s rule=%d level=%d alert=%v mail=%v ar=%d last=%q logged=%q", r.Decoder, rule, level, r.Alert, r.Mail, len(r.ActiveResponses), r.LastEvents, r.Logged)
	for _, f := range r.Fields {
		fmt.Fprintf(&b, " %s=%q", f.Name, f.Value)
	}
	for _, x := range r.Extra {
		b.WriteString(" | " + summary(x))
	}
	return b.String()
}

// TestForgetSameVerdicts feeds the same long stream, with a clock that
// moves on by seconds and now and then by more than every timeframe, to a
// session that keeps every past event and to one that forgets
// (Options.Forget): every result must be the same, while the second
// forgets events and frees forgotten ones through the event list's
// trimming (memory_size) and the sid histories' limit; now and then it is
// released (Session.Release) at the time of the next event. A third
// session forgets and is lean (Options.Lean): its results are the same
// without LastEvents.
func TestForgetSameVerdicts(t *testing.T) {
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
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	all := New(rs, Options{Hostname: "melancia", Now: clock}).NewSession()
	e := New(rs, Options{Hostname: "melancia", Now: clock, Forget: true})
	if e.maxWindow <= 0 {
		t.Fatalf("longest timeframe %d", e.maxWindow)
	}
	few := e.NewSession()
	lean := New(rs, Options{Hostname: "melancia", Now: clock, Forget: true, Lean: true}).NewSession()
	if !lean.e.pastLog {
		t.Fatal("the ruleset has no if_matched_regex: Lean's kept log is not tested")
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	alerts, nolog, lastEvents := 0, 0, 0
	recycled, spareNodes := 0, 0
	for i := range 30000 {
		switch n := rnd.IntN(1000); {
		case n < 2:
			now = now.Add(time.Duration(e.maxWindow+1+rnd.Int64N(e.maxWindow)) * time.Second)
		case n < 600:
		default:
			now = now.Add(time.Duration(rnd.IntN(5)) * time.Second)
		}
		if rnd.IntN(100) == 0 {
			few.Release(now)
			lean.Release(now)
		}
		l := lines[rnd.IntN(len(lines))]
		ra := all.Process(l)
		if all.spare != nil {
			recycled++
		}
		if all.spareNodes != nil {
			spareNodes++
		}
		a, b := summary(ra), summary(few.Process(l))
		if a != b {
			a, b = short(a), short(b)
			t.Fatalf("event %d: %q at %v:\nkeeping all: %s\nforgetting:  %s", i, l, now, a, b)
		}
		// A lean session's results are the same but for LastEvents.
		if len(ra.LastEvents) > 0 {
			lastEvents++
		}
		ra.LastEvents = nil
		if a, c := summary(ra), summary(lean.Process(l)); a != c {
			a, c = short(a), short(c)
			t.Fatalf("event %d: %q at %v:\nkeeping all: %s\nlean:        %s", i, l, now, a, c)
		}
		if strings.Contains(a, "alert=true") {
			alerts++
		}
		nolog += strings.Count(a, "No Oldest node")
	}
	// The session that keeps every event reuses the past events and the
	// group-history nodes it frees (Session.recycle, dropOldest): the
	// comparison tests that reuse only when it happened.
	if recycled == 0 || spareNodes == 0 {
		t.Errorf("keeping all, a freed past event waited for reuse after %d events, a freed group-history node after %d: reuse is not tested", recycled, spareNodes)
	}
	if few.Inexact() {
		t.Error("Inexact with a clock that never went back")
	}
	l := &few.events
	if lastEvents == 0 {
		t.Error("no result had LastEvents: Lean's differences are not tested")
	}
	t.Logf("%d alerts (%d with last events), %d 'No Oldest node'; forgot %d events, freed %d of them; kept %d of %d", alerts, lastEvents, nolog, l.nforgot, l.ghostHead+l.nfreed, l.used-(len(l.ghosts)-l.ghostHead), l.used)
	if l.nforgot == 0 || l.nfreed == 0 {
		t.Errorf("the stream did not exercise forgetting: forgot %d, freed %d", l.nforgot, l.nfreed)
	}
}

// TestForgetClockBack: a search that would have looked at forgotten
// events, because the clock went back, makes the session Inexact.
func TestForgetClockBack(t *testing.T) {
	rs, err := ruleset.Load(ruleset.Sources{
		Base:     testenv.StockRuleset(t),
		Decoders: []string{"testdata/custom/decoders.xml"},
		Rules:    []string{"testdata/custom/rules.xml"},
	})
	if err != nil {
		t.Fatalf("loading: %v", err)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	e := New(rs, Options{Hostname: "melancia", Now: func() time.Time { return now }, Forget: true})
	s := e.NewSession()
	fail := "Oct 15 21:07:00 linux-server sshd[29205]: Failed password for root from 192.0.2.5 port 1066 ssh2"
	s.Process(fail)
	now = now.Add(time.Duration(e.maxWindow+10) * time.Second)
	s.Process(fail)
	if s.events.nforgot == 0 {
		t.Fatal("nothing forgotten")
	}
	if s.Inexact() {
		t.Fatal("Inexact before the clock went back")
	}
	now = now.Add(-time.Duration(e.maxWindow) * time.Second)
	for range 10 {
		s.Process(fail)
	}
	if !s.Inexact() {
		t.Error("the clock went back past forgotten events and the session is not Inexact")
	}
}

func short(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}
