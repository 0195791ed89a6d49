package conformance

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// checkReasons demands that the reasons the trace worked out agree with
// what the engine did: a rule that matched has a reason saying every
// condition held, a rule tried that never matched has none.
func checkReasons(t *testing.T, rs *ruleset.Ruleset, tr *engine.Trace, where string) {
	t.Helper()
	for _, r := range rs.AllRules {
		if tr.Tried(r) == 0 {
			continue
		}
		held := false
		for _, why := range tr.Reasons(r) {
			held = held || why.Held()
		}
		if held != tr.Matched(r) {
			t.Errorf("%s: rule %d: matched %v, but the reasons say %v", where, r.ID, tr.Matched(r), tr.Reasons(r))
		}
	}
}

// TestExplainINI explains, for every log line of the stock .ini tests that
// does not end on its section's rule, why that rule did not fire; and
// checks on every line that the reasons agree with the engine.
func TestExplainINI(t *testing.T) {
	rs := stock(t)
	missed := 0
	for _, l := range stockINI(t) {
		where := l.file + ":" + strconv.Itoa(l.log.Line)
		s, _ := newSession(rs)
		tr := engine.NewTrace(rs)
		s.SetObserver(tr)
		res := s.Process(l.log.Text)
		checkReasons(t, rs, tr, where)
		id, err := strconv.Atoi(l.sect.Rule)
		if err != nil || rs.ByID[id] == nil {
			continue
		}
		x := tr.Explain(rs, res, id)
		if res.Rule != nil && res.Rule.ID == id {
			if !x.Fired {
				t.Errorf("%s: rule %d fired, explain says %q", where, id, x)
			}
			continue
		}
		missed++
		text := x.String()
		if x.Fired || strings.Contains(text, "report this") ||
			!strings.Contains(text, "did not match: ") && !strings.Contains(text, "was not tried") && !strings.Contains(text, "matched") {
			t.Errorf("%s: rule %d did not fire; explanation:\n%s", where, id, text)
		}
		t.Logf("%s: %q\n%s", where, l.log.Text, text)
	}
	t.Logf("%d stock .ini lines do not end on their section's rule", missed)
	if missed == 0 {
		t.Error("no .ini line misses its rule: the explanations were not exercised")
	}
}

// TestExplainSessions checks, on the recorded sessions (correlation:
// frequency, if_matched_sid, first-time-seen), that the side-effect-free
// reasons agree with the engine event by event.
func TestExplainSessions(t *testing.T) {
	rs := stock(t)
	for _, name := range []string{"extra-sessions-0.jsonl", "extra-ids-fts.jsonl", "extra-accumulate-expire.jsonl"} {
		recs, err := LoadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			s, c := newTimedSession(rs)
			tr := engine.NewTrace(rs)
			s.SetObserver(tr)
			items := rec.Sequence
			if len(items) == 0 {
				items = []*Record{rec}
			}
			for i, it := range items {
				c.advance(it.DelayBeforeS)
				tr.Reset()
				s.Process(it.Log)
				checkReasons(t, rs, tr, name+": "+rec.ID+" #"+strconv.Itoa(i+1))
			}
		}
	}
}
