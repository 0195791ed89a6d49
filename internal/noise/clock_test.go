package noise

import (
	"context"
	"testing"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/internal/clock"
)

// TestClock: three failed logins an hour apart by their timestamps fire
// the frequency rule (three within two minutes) only when the replay does
// not take event time from the timestamps (Options.Clock).
func TestClock(t *testing.T) {
	lines := []string{
		"Sep 15 00:00:00 bastion sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2",
		"Sep 15 01:00:00 bastion sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2",
		"Sep 15 02:00:00 bastion sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2",
	}
	fired := func(c *clock.Spec) int {
		rep, err := Run(context.Background(), source(lines...), stockRules.side("a", 7), stockRules.side("b", 7), Options{Year: 2026, Clock: c})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Rules {
			if r.ID == 5720 {
				return int(r.Before.Events)
			}
		}
		return 0
	}
	if n := fired(nil); n != 0 {
		t.Errorf("default (log) clock: 5720 fired %d times, want 0 (the lines are an hour apart)", n)
	}
	if n := fired(&clock.Spec{Mode: clock.Log}); n != 0 {
		t.Errorf("log clock: 5720 fired %d times, want 0", n)
	}
	fixed := clock.Spec{Mode: clock.Fixed, At: time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC)}
	if n := fired(&fixed); n != 1 {
		t.Errorf("fixed clock: 5720 fired %d times, want 1", n)
	}
	if n := fired(&clock.Spec{Mode: clock.Arrival}); n != 1 {
		t.Errorf("arrival clock (the replay takes well under two minutes): 5720 fired %d times, want 1", n)
	}
}
