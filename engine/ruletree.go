package engine

import (
	"slices"
	"sync/atomic"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// ruleNode is the engine's copy of a ruleset.RuleNode. Besides the
// children in OSSEC's order it keeps, for the decoders that children
// name in <decoded_as>, the children an event of that decoder can match:
// a child whose decoded_as names another decoder fails its first check,
// which has no side effect, so without an observer the engine does not
// visit it. The nodes are in one array (Engine.nodes), their child lists
// in another (Engine.kids).
type ruleNode struct {
	rule *ruleset.Rule
	// What checkRule looks at first, copied here so that rejecting a
	// rule mostly reads the node: its decoded_as, the slots its cheap
	// checks need (see quickChecks) and whether cheapChecks must run.
	decodedAs int32
	needSlots uint32
	// pname is the rule's program-name pattern number in e.pn (-1:
	// none).
	pname int32
	slow  bool
	// hasID tells whether the rule has <id>, hasMatch and hasRegex
	// whether it runs a pattern on the log (matchPattern,
	// regexPattern).
	hasID, hasMatch, hasRegex bool
	// q places in Engine.quick the quick check of those patterns (both
	// must hold; 0: none), matchF and regexF are their filters. Kept
	// apart, the quick checks leave the node 64 bytes: one cache line.
	q              int32
	matchF, regexF *patFilter
	// vals places, when the rule runs patterns on decoded fields, their
	// filters in Engine.values: 1 + their position (0: none).
	vals int32
	// kids and nkids place the children in Engine.kids.
	kids, nkids int32
	// byDec, when a child has decoded_as, places in Engine.byDec the
	// lists of the children an event of each decoder can match: 1 + its
	// position (0: none).
	byDec int32
}

// decIndex places the lists of the children of a node by decoder: the
// nlists decChildren at lists in Engine.decLists, one for each decoder
// its children name in decoded_as (sorted by decoder ID), and the ngen
// children without decoded_as (for the other decoders) at generic in
// Engine.kids.
type decIndex struct {
	lists, nlists, generic, ngen int32
}

// decChildren places in Engine.kids the children without decoded_as or
// with decoder id.
type decChildren struct {
	id, kids, nkids int32
}

// matchPattern is the <match> (or <match_pcre2>) the rule runs on the
// log, regexPattern its <regex> (or <pcre2>); nil for none.
func (n *ruleNode) matchPattern() *osregex.Pattern { return first(n.rule.Match(), n.rule.MatchPCRE2()) }
func (n *ruleNode) regexPattern() *osregex.Pattern { return first(n.rule.Regex(), n.rule.PCRE2) }

// children returns the positions in e.nodes of n's children, in order.
func (e *Engine) children(n *ruleNode) []int32 { return e.kids[n.kids : n.kids+n.nkids] }

// buildRuleTree copies the rule tree into e.nodes (in depth-first order)
// and e.roots, with the filters of the rules' patterns (numbering their
// literals in t).
func (e *Engine) buildRuleTree(t *litTable) {
	// A node may be reached from several parents: it is found again
	// through its rule, whose nodes are chained (first by Rule.Index, then
	// next by node).
	nrules := len(e.rs.AllRules)
	firstOf := make([]int32, nrules)
	for i := range firstOf {
		firstOf[i] = -1
	}
	// Sized for a node and a half per rule, so that they do not grow
	// for the stock ruleset (1573 nodes for 1126 rules).
	order := make([]*ruleset.RuleNode, 0, nrules+nrules/2)
	next := make([]int32, 0, nrules+nrules/2)
	find := func(n *ruleset.RuleNode) int32 {
		for k := firstOf[n.Rule.Index]; k >= 0; k = next[k] {
			if order[k] == n {
				return k
			}
		}
		return -1
	}
	nkids := 0
	var visit func(n *ruleset.RuleNode)
	visit = func(n *ruleset.RuleNode) {
		if find(n) >= 0 {
			return
		}
		k := int32(len(order))
		order = append(order, n)
		next = append(next, firstOf[n.Rule.Index])
		firstOf[n.Rule.Index] = k
		nkids += len(n.Children)
		for _, c := range n.Children {
			visit(c)
		}
	}
	for _, n := range e.rs.Rules {
		visit(n)
	}
	// The children lists by decoder are counted too, so that each array
	// is allocated once.
	var ids []int32
	nindex, nlists := 0, 0
	for _, n := range order {
		ids = decodedAsIDs(ids[:0], n)
		if len(ids) > 0 {
			nindex++
			nlists += len(ids)
			g := countDecodedAs(n, 0)
			nkids += g
			for _, id := range ids {
				nkids += g + countDecodedAs(n, id)
			}
		}
	}
	e.byDec = make([]decIndex, 0, nindex)
	e.decLists = make([]decChildren, 0, nlists)
	nvals, nquick := 0, 1
	for _, r := range e.rs.AllRules {
		if hasValuePatterns(r) {
			nvals++
		}
		if first(r.Match(), r.MatchPCRE2()) != nil || first(r.Regex(), r.PCRE2) != nil {
			nquick++
		}
	}
	e.values = make([]atomic.Pointer[valueFilters], nvals)
	nvals = 0
	// Entry 0 is the empty check, of the many rules without one.
	e.quick = make([]quickCheck, 1, nquick)
	e.nodes = make([]ruleNode, len(order))
	e.kids = make([]int32, 0, nkids)
	for i, n := range order {
		rn := &e.nodes[i]
		r := n.Rule
		rn.rule = r
		rn.decodedAs = int32(r.DecodedAs)
		rn.needSlots, rn.slow = quickChecks(r)
		rn.pname = e.pn.ruleP[r.Index]
		rn.hasID = r.EventID() != nil || r.EventIDPCRE2 != nil
		rn.hasMatch, rn.hasRegex = rn.matchPattern() != nil, rn.regexPattern() != nil
		// The nodes of a rule are chained from the last one: the first
		// has the rule's filters.
		k := firstOf[r.Index]
		for next[k] >= 0 {
			k = next[k]
		}
		if k != int32(i) {
			o := &e.nodes[k]
			rn.q, rn.matchF, rn.regexF, rn.vals = o.q, o.matchF, o.regexF, o.vals
		} else {
			rn.matchF, rn.regexF = t.filter(rn.matchPattern()), t.filter(rn.regexPattern())
			if q := quickOf(rn.matchF, true).and(quickOf(rn.regexF, true)); q.n[0] > 0 {
				rn.q = int32(len(e.quick))
				e.quick = append(e.quick, q)
			}
			if hasValuePatterns(r) {
				rn.vals = int32(nvals + 1)
				nvals++
			}
		}
		rn.kids, rn.nkids = int32(len(e.kids)), int32(len(n.Children))
		for _, c := range n.Children {
			e.kids = append(e.kids, find(c))
		}
	}
	for i, n := range order {
		ids = decodedAsIDs(ids[:0], n)
		if len(ids) == 0 {
			continue
		}
		rn := &e.nodes[i]
		kids := e.children(rn)
		x := decIndex{lists: int32(len(e.decLists)), nlists: int32(len(ids)), generic: int32(len(e.kids))}
		for _, c := range kids {
			if e.nodes[c].decodedAs == 0 {
				e.kids = append(e.kids, c)
			}
		}
		x.ngen = int32(len(e.kids)) - x.generic
		for _, id := range ids {
			g := decChildren{id: id, kids: int32(len(e.kids))}
			for _, c := range kids {
				if d := e.nodes[c].decodedAs; d == 0 || d == id {
					e.kids = append(e.kids, c)
				}
			}
			g.nkids = int32(len(e.kids)) - g.kids
			e.decLists = append(e.decLists, g)
		}
		e.byDec = append(e.byDec, x)
		rn.byDec = int32(len(e.byDec))
	}
	e.roots = make([]*ruleNode, len(e.rs.Rules))
	for i, n := range e.rs.Rules {
		e.roots[i] = &e.nodes[find(n)]
	}
}

// decodedAsIDs appends to ids the decoder IDs that n's children name in
// decoded_as, sorted, once each.
func decodedAsIDs(ids []int32, n *ruleset.RuleNode) []int32 {
	for _, c := range n.Children {
		if id := int32(c.Rule.DecodedAs); id != 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// countDecodedAs returns how many children of n have decoded_as id (0:
// none).
func countDecodedAs(n *ruleset.RuleNode, id int32) int {
	k := 0
	for _, c := range n.Children {
		if int32(c.Rule.DecodedAs) == id {
			k++
		}
	}
	return k
}

// ruledOut reports whether checkRule would reject n on the event from
// what the node says (the slots its cheap checks need, the quick check
// of its log patterns, in quick: Engine.quick), sc being the scan of the
// event's log: those checks have no side effect, so without an observer
// the call is skipped.
func (n *ruleNode) ruledOut(ev *event, sc *logScan, quick []quickCheck) bool {
	return ev.set&n.needSlots != n.needSlots || n.q != 0 && !sc.may(&quick[n.q])
}

// childrenFor returns the positions in e.nodes of the children of n that
// an event whose decoder ID is dec can match (in order).
func (e *Engine) childrenFor(n *ruleNode, dec int) []int32 {
	if n.byDec == 0 {
		return e.children(n)
	}
	x := &e.byDec[n.byDec-1]
	lists := e.decLists[x.lists : x.lists+x.nlists]
	lo, hi := 0, len(lists)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(lists[m].id) < dec {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(lists) && int(lists[lo].id) == dec {
		g := &lists[lo]
		return e.kids[g.kids : g.kids+g.nkids]
	}
	return e.kids[x.generic : x.generic+x.ngen]
}
