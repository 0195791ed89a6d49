package engine

import (
	"slices"
	"sort"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// ruleNode is the engine's copy of a ruleset.RuleNode. Besides the
// children in OSSEC's order it keeps, for the decoders that children
// name in <decoded_as>, the children an event of that decoder can match:
// a child whose decoded_as names another decoder fails its first check,
// which has no side effect, so without an observer the engine does not
// visit it.
type ruleNode struct {
	rule *ruleset.Rule
	// What checkRule looks at first, copied here so that rejecting a
	// rule mostly reads the node: its decoded_as, the slots its cheap
	// checks need (see quickChecks) and whether cheapChecks must run.
	decodedAs int
	needSlots uint32
	slow      bool
	// pname is the rule's program-name pattern number in e.pn (-1:
	// none); hasID tells whether it has <id>; match and regex are the
	// patterns it runs on the log (rule.Match or MatchPCRE2, rule.Regex
	// or PCRE2) with their filters.
	pname          int
	hasID          bool
	match, regex   *osregex.Pattern
	matchQ, regexQ quickCheck
	matchF, regexF *patFilter
	// urlF and urlPCRE2F are the filters of rule.URL and rule.URLPCRE2.
	urlF, urlPCRE2F *patFilter
	children        []*ruleNode
	// byDec, sorted by decoder ID, lists the children without
	// decoded_as or with that decoder; generic the children without
	// decoded_as (for the other decoders). Both nil when no child has
	// decoded_as.
	byDec   []decChildren
	generic []*ruleNode
}

type decChildren struct {
	id    int
	nodes []*ruleNode
}

// buildRuleTree copies the rule tree into e.roots, nodes allocated
// together in depth-first order.
func (e *Engine) buildRuleTree() {
	// Sized for one node per rule, which most rules have.
	order := make([]*ruleset.RuleNode, 0, len(e.rs.AllRules))
	index := make(map[*ruleset.RuleNode]int, len(e.rs.AllRules))
	var visit func(n *ruleset.RuleNode)
	visit = func(n *ruleset.RuleNode) {
		if _, ok := index[n]; ok {
			return
		}
		index[n] = len(order)
		order = append(order, n)
		for _, c := range n.Children {
			visit(c)
		}
	}
	for _, n := range e.rs.Rules {
		visit(n)
	}
	nodes := make([]ruleNode, len(order))
	for i, n := range order {
		nodes[i].rule = n.Rule
		nodes[i].decodedAs = n.Rule.DecodedAs
		nodes[i].needSlots, nodes[i].slow = quickChecks(n.Rule)
		nodes[i].pname = e.pn.ruleP[n.Rule.Index]
		nodes[i].hasID = n.Rule.EventID != nil || n.Rule.EventIDPCRE2 != nil
		nodes[i].match, nodes[i].regex = first(n.Rule.Match, n.Rule.MatchPCRE2), first(n.Rule.Regex, n.Rule.PCRE2)
		nodes[i].matchF, nodes[i].regexF = e.ruleF[n.Rule.Index].match, e.ruleF[n.Rule.Index].regex
		nodes[i].matchQ, nodes[i].regexQ = quickOf(nodes[i].matchF, true), quickOf(nodes[i].regexF, true)
		nodes[i].urlF, nodes[i].urlPCRE2F = e.ruleF[n.Rule.Index].url, e.ruleF[n.Rule.Index].urlPCRE2
	}
	for i, n := range order {
		rn := &nodes[i]
		if len(n.Children) > 0 {
			rn.children = make([]*ruleNode, len(n.Children))
			for k, c := range n.Children {
				rn.children[k] = &nodes[index[c]]
			}
		}
		var ids []int
		for _, c := range n.Children {
			if id := c.Rule.DecodedAs; id != 0 && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		sort.Ints(ids)
		// Each list is allocated at its size, counted first.
		rn.generic = make([]*ruleNode, 0, countDecodedAs(rn.children, 0))
		for _, c := range rn.children {
			if c.rule.DecodedAs == 0 {
				rn.generic = append(rn.generic, c)
			}
		}
		rn.byDec = make([]decChildren, len(ids))
		for k, id := range ids {
			g := &rn.byDec[k]
			g.id = id
			g.nodes = make([]*ruleNode, 0, len(rn.generic)+countDecodedAs(rn.children, id))
			for _, c := range rn.children {
				if c.rule.DecodedAs == 0 || c.rule.DecodedAs == id {
					g.nodes = append(g.nodes, c)
				}
			}
		}
	}
	e.roots = make([]*ruleNode, len(e.rs.Rules))
	for i, n := range e.rs.Rules {
		e.roots[i] = &nodes[index[n]]
	}
}

// countDecodedAs returns how many of nodes have decoded_as id (0: none).
func countDecodedAs(nodes []*ruleNode, id int) int {
	n := 0
	for _, c := range nodes {
		if c.rule.DecodedAs == id {
			n++
		}
	}
	return n
}

// ruledOut reports whether checkRule would reject n on the event from
// what the node alone says (the slots its cheap checks need, the quick
// checks of its log patterns), sc being the scan of the event's log:
// those checks have no side effect, so without an observer the call is
// skipped.
func (n *ruleNode) ruledOut(ev *event, sc *logScan) bool {
	return ev.set&n.needSlots != n.needSlots ||
		n.match != nil && !sc.may(&n.matchQ) || n.regex != nil && !sc.may(&n.regexQ)
}

// childrenFor returns the children of n that an event whose decoder ID
// is dec can match (in order).
func (n *ruleNode) childrenFor(dec int) []*ruleNode {
	if n.byDec == nil {
		return n.children
	}
	lo, hi := 0, len(n.byDec)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.byDec[m].id < dec {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(n.byDec) && n.byDec[lo].id == dec {
		return n.byDec[lo].nodes
	}
	return n.generic
}
