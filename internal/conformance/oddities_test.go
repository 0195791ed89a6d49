package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// The OSSEC oddities the recordings show (conformance README, "Behaviour
// worth knowing"), each pinned on the stock ruleset.

func rules(results []engine.Result) []int {
	var ids []int
	for _, r := range results {
		id := 0
		if r.Rule != nil {
			id = r.Rule.ID
		}
		ids = append(ids, id)
	}
	return ids
}

func feed(s *engine.Session, lines ...string) []engine.Result {
	var out []engine.Result
	for _, l := range lines {
		out = append(out, s.Process(l))
	}
	return out
}

// TestOddityFrequency: rule 5720 (frequency="6", if_matched_sid 5716,
// same_source_ip) fires on the 8th and the 16th of 20 identical failures:
// a rule with frequency N fires on the (N+2)-th matching event, and the
// count restarts after it fires.
func TestOddityFrequency(t *testing.T) {
	s, _ := newSession(stock(t))
	const line = "Aug 18 07:30:25 192.168.1.5 sshd[20247]: [ID 800047 auth.notice] Failed none for root from 192.168.1.1 port 36942 ssh2"
	var fired []int
	for i := 1; i <= 20; i++ {
		r := s.Process(line)
		if r.Rule == nil {
			t.Fatalf("event %d: no rule", i)
		}
		switch r.Rule.ID {
		case 5720:
			fired = append(fired, i)
		case 5716:
		default:
			t.Errorf("event %d: rule %d, want 5716 or 5720", i, r.Rule.ID)
		}
	}
	if d := cmp.Diff([]int{8, 16}, fired); d != "" {
		t.Errorf("5720 fired on events (-want +got):\n%s", d)
	}
}

// TestOddityIfMatchedSIDOnlyAsChild: an if_matched_sid rule is tried only
// among the children of the rule the current event matched, so stock rule
// 5714 (if_matched_sid 5713) never fires: after a 5713 event, the "crc32
// compensation attack" line is plain rule 1002 (as real OSSEC gives).
func TestOddityIfMatchedSIDOnlyAsChild(t *testing.T) {
	s, _ := newSession(stock(t))
	got := rules(feed(s,
		"Jan  1 10:00:00 host sshd[1]: fatal: Local: Corrupted check bytes on input.",
		"Jan  1 10:00:01 host sshd[1]: fatal: Local: crc32 compensation attack: network attack detected",
	))
	if d := cmp.Diff([]int{5713, 1002}, got); d != "" {
		t.Errorf("rules (-want +got):\n%s", d)
	}
}

// TestOddityFirstTimeSeen: first-time-seen state lives only in the
// process, so in a fresh one every IDS event is "first time" (20100); the
// same event again in that process is 20101.
func TestOddityFirstTimeSeen(t *testing.T) {
	rs := stock(t)
	const line = "10/20-20:43:32.334621  [**] [1:10000001:0] /etc/passwd test detected [**] [Priority: 0] {TCP} 10.1.4.2:59240 -> 10.1.7.2:80"
	s, _ := newSession(rs)
	if d := cmp.Diff([]int{20100, 20101}, rules(feed(s, line, line))); d != "" {
		t.Errorf("one session (-want +got):\n%s", d)
	}
	s2, _ := newSession(rs)
	if d := cmp.Diff([]int{20100}, rules(feed(s2, line))); d != "" {
		t.Errorf("fresh session (-want +got):\n%s", d)
	}
}

// TestOddityMailAtLowLevel: a rule with alert_by_email mails at any level,
// below email_alert_level (7 by default): 1002 is level 2 and mails.
func TestOddityMailAtLowLevel(t *testing.T) {
	s, _ := newSession(stock(t))
	r := s.Process("Oct 26 18:07:45 ccs rpc.statd[189]: gethostbyname error for something")
	if r.Rule == nil || r.Rule.ID != 1002 || r.Rule.Level != 2 {
		t.Fatalf("rule = %+v, want 1002 level 2", r.Rule)
	}
	if !r.Alert || !r.Mail {
		t.Errorf("alert=%v mail=%v, want both", r.Alert, r.Mail)
	}
}

// TestTimedSequence checks the fake clock of sequence records: a record's
// delay_before_s moves the time the engine sees, so a pause longer than
// rule 5720's timeframe (360 s by default) before the 5th failure leaves
// too few failures in the window at the 8th, where 5720 fires without it.
func TestTimedSequence(t *testing.T) {
	rs := stock(t)
	const line = "Aug 18 07:30:25 192.168.1.5 sshd[20247]: [ID 800047 auth.notice] Failed none for root from 192.168.1.1 port 36942 ssh2"
	seq := func(delay float64) *Record {
		r := &Record{ID: "t"}
		for i := 1; i <= 8; i++ {
			it := &Record{ID: fmt.Sprintf("t#%d", i), Log: line}
			if i == 5 {
				it.DelayBeforeS = delay
			}
			r.Sequence = append(r.Sequence, it)
		}
		return r
	}
	last := func(r *Record) int {
		evs := run(rs, r, func(msg string) { t.Error(msg) })
		if len(evs) != 8 {
			t.Fatalf("%d events, want 8", len(evs))
		}
		return evs[7].got.Rule.ID
	}
	if got := last(seq(0)); got != 5720 {
		t.Errorf("no pause: 8th event is rule %d, want 5720", got)
	}
	if got := last(seq(400)); got != 5716 {
		t.Errorf("400 s pause: 8th event is rule %d, want 5716", got)
	}
}

// TestTimeframeWallClock: timeframes count the seconds of the clock when
// each line is read. A rule with frequency 2 and timeframe 2 fires on the
// 4th of four failures fed at once, and not at all when 3 s pass before
// the 3rd (both seen on the real ossec-logtest, feeding it with a sleep).
func TestTimeframeWallClock(t *testing.T) {
	ruleFile := filepath.Join(t.TempDir(), "local.xml")
	os.WriteFile(ruleFile, []byte(`<group name="local,">
  <rule id="100200" level="8" frequency="2" timeframe="2">
    <if_matched_sid>5716</if_matched_sid>
    <same_source_ip />
    <description>test timeframe</description>
  </rule>
</group>
`), 0o644)
	rs, err := ruleset.Load(ruleset.Sources{Base: testenv.StockRuleset(t), Rules: []string{ruleFile}})
	if err != nil {
		t.Fatal(err)
	}
	const line = "Aug 18 07:30:25 192.168.1.5 sshd[20247]: [ID 800047 auth.notice] Failed none for root from 192.168.1.1 port 36942 ssh2"
	for _, tc := range []struct {
		pause float64
		want  []int
	}{
		{0, []int{5716, 5716, 5716, 100200}},
		{3, []int{5716, 5716, 5716, 5716}},
	} {
		s, c := newTimedSession(rs)
		var got []engine.Result
		for i := range 4 {
			if i == 2 {
				c.advance(tc.pause)
			}
			got = append(got, s.Process(line))
		}
		if d := cmp.Diff(tc.want, rules(got)); d != "" {
			t.Errorf("pause %gs (-want +got):\n%s", tc.pause, d)
		}
	}
}
