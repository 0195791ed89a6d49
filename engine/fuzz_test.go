package engine_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// fuzzSeeds are odd headers pre-decoding must survive, plus every
// recorded conformance line.
var fuzzSeeds = []string{
	"Nov 26 10:00:00 host sshd[123]: Failed password for root from 10.0.0.1 port 22 ssh2",
	"Nov 26 10:00:00 host sshd[12x: broken",
	"Nov 26 10:00:00 host auth|security:info sshd[1: x",
	"Nov 26 10:00:00 host auth|security:info sshd: [ID 123 auth.info] msg",
	"M\xc3\xa4r 02 17:30:52 host prog: umlaut",
	"2009-05-22T09:36:46.214994-07:00 host prog[1]: iso",
	"[Time 2006.12.28 15:53:55 UTC] [Facility auth] [Sender sshd] [PID 483] [Message error: x] [Level 3] [Host h]",
	"1140804070.368  11623 1.2.3.4 TCP_MISS/200 1 GET http://x/ - DIRECT/1.2.3.4 text/html",
	"ossec: Alert Level: 3; Rule: 5715 - SSHD; Location: (a) 1.2.3.4->/var/log/secure; srcip: 1.2.3.4; user: root; log",
	"a\x00b", "\x01\x02\x7f", "::",
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	if dir := testenv.ConformanceIfAny(f); dir != "" {
		recs, err := loadRecords(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, r := range recs {
			f.Add(r.Log)
		}
	}
}

func checkResult(t *testing.T, line string, r engine.Result) {
	if r.Skipped || r.Error != "" {
		return
	}
	p := r.Phase1
	if strings.ContainsFunc(p.FullEvent, func(c rune) bool { return c < 32 || c == 127 }) && utf8.ValidString(p.FullEvent) {
		t.Errorf("%q: full event keeps a control character: %q", line, p.FullEvent)
	}
	if !strings.Contains(p.FullEvent, p.Log) && !strings.Contains(p.FullEvent, strings.TrimSpace(p.Log)) {
		t.Errorf("%q: log %q is not part of the full event %q", line, p.Log, p.FullEvent)
	}
	if r.Alert && (r.Rule == nil || r.Rule.Level == 0) {
		t.Errorf("%q: alert without a rule of level > 0", line)
	}
	if r.Mail && !r.Alert {
		t.Errorf("%q: mail without alert", line)
	}
}

// FuzzPreDecode feeds arbitrary lines to pre-decoding (no decoders, no
// rules): it must never panic and must keep its invariants.
func FuzzPreDecode(f *testing.F) {
	addSeeds(f)
	e := engine.New(&ruleset.Ruleset{}, engine.Options{Hostname: "melancia", Now: fixedClock})
	f.Fuzz(func(t *testing.T, line string) {
		s := e.NewSession()
		r := s.Process(line)
		checkResult(t, line, r)
		for _, x := range r.Extra {
			checkResult(t, line, x)
		}
		s.ProcessMessage(engine.Message{Queue: engine.QueueLocalFile, Location: "(agent) 1.2.3.4->/var/log/x", Text: line})
		s.ProcessMessage(engine.Message{Queue: engine.QueueRootcheck, Location: "(agent) any->rootcheck", Text: line})
	})
}

// FuzzProcess runs arbitrary lines end to end through the small
// hand-built ruleset, twice in one session so correlation runs too.
func FuzzProcess(f *testing.F) {
	addSeeds(f)
	rs := smallRuleset(f)
	e := engine.New(rs, engine.Options{Hostname: "melancia", Now: fixedClock})
	f.Fuzz(func(t *testing.T, line string) {
		s := e.NewSession()
		for i := 0; i < 3; i++ {
			checkResult(t, line, s.Process(line))
		}
	})
}
