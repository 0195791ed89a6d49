package engine_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// realNoOldest lists, for the 264 lines of ../shared/conformance/
// ossec-testing.jsonl (lines shorter than 2 bytes left out) fed 60 times
// over to ONE real ossec-logtest 4.3.0 process on the stock ruleset, the
// events (counted from 0 by their "**Phase 1" block) after which it logged
// "No Oldest node to delete": when the global event list drops old events,
// OSSEC empties an if_matched_group list whose size it never decreased,
// and logs that error from then on. Recorded with the real binary.
var realNoOldest = []int{
	13116, 13164, 13377, 13377, 13377, 13377, 13436, 13639, 13639, 13639, 13639, 13652, 13697,
	13899, 13899, 13909, 13909, 13909, 13957, 14170, 14170, 14170, 14170, 14229, 14431, 14431,
	14431, 14431, 14431, 14489, 14693, 14706, 14706, 14706, 14752, 14954, 14964, 14964, 14964,
	14964, 15012, 15225, 15225, 15225, 15225, 15225, 15283, 15485, 15485, 15498, 15498, 15544,
	15747, 15757, 15757, 15757, 15757, 15805,
}

// TestLoggedNoOldestNode checks that the engine reports OSSEC's "No Oldest
// node to delete" log lines (Result.Logged) after exactly the events real
// ossec-logtest prints them after.
func TestLoggedNoOldestNode(t *testing.T) {
	rs := stock(t)
	recs, err := loadRecords(testenv.Conformance(t))
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	for _, r := range recs {
		if len(r.ID) > 3 && r.ID[:3] == "ot/" && len(r.Log) >= 2 {
			logs = append(logs, r.Log)
		}
	}
	if len(logs) != 264 {
		t.Fatalf("found %d ossec-testing lines, want 264", len(logs))
	}
	s := engine.New(rs, engine.Options{Hostname: "melancia"}).NewSession()
	var got []int
	n := -1
	var count func(r *engine.Result)
	count = func(r *engine.Result) {
		if r.Skipped || r.Error != "" {
			return
		}
		n++
		for range r.Logged {
			got = append(got, n)
		}
		for i := range r.Extra {
			count(&r.Extra[i])
		}
	}
	for i := 0; i < 60; i++ {
		for _, l := range logs {
			r := s.Process(l)
			count(&r)
		}
	}
	if diff := cmp.Diff(realNoOldest, got); diff != "" {
		t.Errorf("events followed by \"No Oldest node to delete\" (-real +native):\n%s", diff)
	}
}
