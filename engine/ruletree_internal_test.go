package engine

import (
	"math/rand"
	"slices"
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
				ev.vals[sl] = [...]string{"", "GET", rule.Action()}[r.Intn(3)]
			}
			ev.hour, ev.wday, ev.size = hours[r.Intn(len(hours))], r.Intn(7), r.Intn(2000)
			quick := ev.set&need == need && (!slow || cheapChecks(&ev, rule))
			if want := cheapChecks(&ev, rule); quick != want {
				t.Fatalf("rule %d, set %#x: quick checks say %v, cheapChecks %v", rule.ID, ev.set, quick, want)
			}
		}
	}
}

// TestRuleTreeNodes: the engine's tree of the stock ruleset has a node
// for every ruleset node, the children in order, the same filters for
// every node of a rule, and for each decoder the children an event of it
// can match.
func TestRuleTreeNodes(t *testing.T) {
	rs, err := ruleset.Load(ruleset.Sources{Base: testenv.StockRuleset(t)})
	if err != nil {
		t.Fatal(err)
	}
	e := New(rs, Options{Hostname: "melancia"})
	byRule := map[*ruleset.Rule]*ruleNode{}
	seen := map[*ruleset.RuleNode]*ruleNode{}
	var walk func(n *ruleset.RuleNode, rn *ruleNode)
	walk = func(n *ruleset.RuleNode, rn *ruleNode) {
		if o, ok := seen[n]; ok {
			if o != rn {
				t.Fatalf("rule %d: one ruleset node, two engine nodes", n.Rule.ID)
			}
			return
		}
		seen[n] = rn
		if rn.rule != n.Rule {
			t.Fatalf("rule %d: its node holds rule %d", n.Rule.ID, rn.rule.ID)
		}
		if o := byRule[n.Rule]; o == nil {
			byRule[n.Rule] = rn
		} else if o.matchF != rn.matchF || o.regexF != rn.regexF || o.vals != rn.vals || o.q != rn.q {
			t.Fatalf("rule %d: two nodes with different filters", n.Rule.ID)
		}
		kids := e.children(rn)
		if len(kids) != len(n.Children) {
			t.Fatalf("rule %d: %d children, want %d", n.Rule.ID, len(kids), len(n.Children))
		}
		ids := map[int]bool{0: true, 1 << 20: true}
		for _, c := range n.Children {
			ids[c.Rule.DecodedAs] = true
		}
		if (rn.byDec == 0) != (len(ids) == 2) {
			t.Fatalf("rule %d: %d decoders in decoded_as of children, index %d", n.Rule.ID, len(ids)-2, rn.byDec)
		}
		for dec := range ids {
			var want []*ruleset.Rule
			for _, c := range n.Children {
				if c.Rule.DecodedAs == 0 || c.Rule.DecodedAs == dec {
					want = append(want, c.Rule)
				}
			}
			var got []*ruleset.Rule
			for _, c := range e.childrenFor(rn, dec) {
				got = append(got, e.nodes[c].rule)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("rule %d, decoder %d: children %d, want %d", n.Rule.ID, dec, len(got), len(want))
			}
		}
		for k, c := range n.Children {
			walk(c, &e.nodes[kids[k]])
		}
	}
	if len(e.roots) != len(rs.Rules) {
		t.Fatalf("%d roots, want %d", len(e.roots), len(rs.Rules))
	}
	for i, n := range rs.Rules {
		walk(n, e.roots[i])
	}
	if len(seen) != len(e.nodes) {
		t.Errorf("%d ruleset nodes, %d engine nodes", len(seen), len(e.nodes))
	}
}
