package engine_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// nopObserver watches nothing; with it the engine walks every child of
// a matched rule instead of only those that an event's decoder can
// match.
type nopObserver struct{}

func (nopObserver) DecoderTried(*ruleset.Decoder)   {}
func (nopObserver) DecoderMatched(*ruleset.Decoder) {}
func (nopObserver) RuleTried(*ruleset.Rule)         {}
func (nopObserver) RuleMatched(*ruleset.Rule)       {}

// TestChildrenByDecoder runs the recorded lines, twice over, through a
// session that skips the children whose decoded_as names another decoder
// and one that tries them all: the results must be the same.
func TestChildrenByDecoder(t *testing.T) {
	rs := stock(t)
	fast := engine.New(rs, engine.Options{Hostname: "melancia", Now: fixedClock}).NewSession()
	full := engine.New(rs, engine.Options{Hostname: "melancia", Now: fixedClock}).NewSession()
	full.SetObserver(nopObserver{})
	recs := records(t)
	samePtr := cmp.Comparer(func(a, b *ruleset.Rule) bool { return a == b })
	for pass := 0; pass < 2; pass++ {
		for _, r := range recs {
			got, want := fast.Process(r.Log), full.Process(r.Log)
			if d := cmp.Diff(want, got, samePtr); d != "" {
				t.Fatalf("%s: %q: results differ (-all children +by decoder):\n%s", r.Where(), r.Log, d)
			}
		}
	}
}
