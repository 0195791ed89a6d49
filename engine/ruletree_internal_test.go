package engine

import (
	"math/rand"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// TestQuickChecks: the slot mask and slow flag of every stock rule say
// what cheapChecks says, on random events.
func TestQuickChecks(t *testing.T) {
	rs, err := ruleset.Load(ruleset.Sources{Base: testenv.StockRuleset(t)})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	hours := []string{"00:00:00", "06:30:00", "12:00:00", "23:59:59"}
	for _, rule := range rs.AllRules {
		need, slow := quickChecks(rule)
		for i := 0; i < 300; i++ {
			var ev event
			ev.set = r.Uint32() & (1<<numSlots - 1)
			if r.Intn(3) == 0 {
				ev.set |= need
			}
			for sl := range ev.vals {
				ev.vals[sl] = [...]string{"", "GET", rule.Action}[r.Intn(3)]
			}
			ev.hour, ev.wday, ev.size = hours[r.Intn(len(hours))], r.Intn(7), r.Intn(2000)
			quick := ev.set&need == need && (!slow || cheapChecks(&ev, rule))
			if want := cheapChecks(&ev, rule); quick != want {
				t.Fatalf("rule %d, set %#x: quick checks say %v, cheapChecks %v", rule.ID, ev.set, quick, want)
			}
		}
	}
}
