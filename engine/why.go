package engine

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Trace is an Explainer that keeps what the engine did with one event:
// the rules it tried and matched and, for each rule tried, the first
// condition that failed. Attach it with Session.SetObserver, call Reset
// before each event, then Explain why a rule did not fire:
//
//	tr := engine.NewTrace(nil)
//	s.SetObserver(tr)
//	tr.Reset()
//	res := s.Process(line)
//	fmt.Print(tr.Explain(res, 5720))
type Trace struct {
	// only, when not nil, limits the reasons worked out to these rules.
	only map[*ruleset.Rule]bool

	tried   map[*ruleset.Rule]int
	matched map[*ruleset.Rule]bool
	reasons map[*ruleset.Rule][]Reason
	decoder *ruleset.Decoder
}

var _ Explainer = (*Trace)(nil)

// NewTrace returns a Trace that works out the reasons of the given rules
// and their ancestors (all rules when rules is empty).
func NewTrace(rs *ruleset.Ruleset, rules ...*ruleset.Rule) *Trace {
	t := &Trace{}
	if len(rules) > 0 {
		t.only = map[*ruleset.Rule]bool{}
		parents := parentsOf(rs)
		var add func(r *ruleset.Rule)
		add = func(r *ruleset.Rule) {
			if t.only[r] {
				return
			}
			t.only[r] = true
			for _, p := range parents[r] {
				add(p)
			}
		}
		for _, r := range rules {
			add(r)
		}
	}
	t.Reset()
	return t
}

// Reset forgets the last event.
func (t *Trace) Reset() {
	t.tried = map[*ruleset.Rule]int{}
	t.matched = map[*ruleset.Rule]bool{}
	t.reasons = map[*ruleset.Rule][]Reason{}
	t.decoder = nil
}

// DecoderTried implements Observer.
func (t *Trace) DecoderTried(*ruleset.Decoder) {}

// DecoderMatched implements Observer.
func (t *Trace) DecoderMatched(d *ruleset.Decoder) { t.decoder = d }

// RuleTried implements Observer.
func (t *Trace) RuleTried(r *ruleset.Rule) { t.tried[r]++ }

// RuleMatched implements Observer.
func (t *Trace) RuleMatched(r *ruleset.Rule) { t.matched[r] = true }

// Explains implements Explainer.
func (t *Trace) Explains(r *ruleset.Rule) bool { return t.only == nil || t.only[r] }

// RuleExplained implements Explainer.
func (t *Trace) RuleExplained(r *ruleset.Rule, why Reason) {
	if !slices.Contains(t.reasons[r], why) {
		t.reasons[r] = append(t.reasons[r], why)
	}
}

// Tried returns how many times r was tried on the event.
func (t *Trace) Tried(r *ruleset.Rule) int { return t.tried[r] }

// Matched reports whether every condition of r held at least once.
func (t *Trace) Matched(r *ruleset.Rule) bool { return t.matched[r] }

// Decoder returns the decoder that matched last (a child decoder when one
// did), or nil.
func (t *Trace) Decoder() *ruleset.Decoder { return t.decoder }

// Reasons returns the reasons rule r failed on the event, one per
// distinct reason (r may be tried below several parents).
func (t *Trace) Reasons(r *ruleset.Rule) []Reason { return t.reasons[r] }

// parentsOf maps each rule to the rules it hangs below, in load order.
func parentsOf(rs *ruleset.Ruleset) map[*ruleset.Rule][]*ruleset.Rule {
	parents := map[*ruleset.Rule][]*ruleset.Rule{}
	seen := map[*ruleset.RuleNode]bool{}
	var walk func(n *ruleset.RuleNode)
	walk = func(n *ruleset.RuleNode) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, c := range n.Children {
			if !slices.Contains(parents[c.Rule], n.Rule) {
				parents[c.Rule] = append(parents[c.Rule], n.Rule)
			}
			walk(c)
		}
	}
	for _, n := range rs.Rules {
		walk(n)
	}
	return parents
}

// childrenOf maps each rule to its children, in the order OSSEC tries them.
func childrenOf(rs *ruleset.Ruleset) map[*ruleset.Rule][]*ruleset.Rule {
	children := map[*ruleset.Rule][]*ruleset.Rule{}
	seen := map[*ruleset.RuleNode]bool{}
	var walk func(n *ruleset.RuleNode)
	walk = func(n *ruleset.RuleNode) {
		if seen[n] {
			return
		}
		seen[n] = true
		if _, ok := children[n.Rule]; !ok {
			for _, c := range n.Children {
				children[n.Rule] = append(children[n.Rule], c.Rule)
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, n := range rs.Rules {
		walk(n)
	}
	return children
}

// Explanation says why a rule did not fire on an event.
type Explanation struct {
	// Fired is true when the event ended on the rule.
	Fired bool
	// Lines walk from the rule towards the root: the rule's own first
	// failing condition, or which parent did not match and why.
	Lines []string
}

func (x Explanation) String() string { return strings.Join(x.Lines, "\n") + "\n" }

func ruleName(r *ruleset.Rule) string {
	return fmt.Sprintf("rule %d (%s:%d)", r.ID, filepath.Base(r.Pos.File), r.Pos.Line)
}

// Explain says why rule id did not fire on the event the trace watched,
// whose result is res, on ruleset rs.
func (t *Trace) Explain(rs *ruleset.Ruleset, res Result, id int) Explanation {
	r := rs.ByID[id]
	if r == nil {
		return Explanation{Lines: []string{fmt.Sprintf("rule %d is not in the ruleset", id)}}
	}
	var final *ruleset.Rule
	if res.Rule != nil {
		final = res.Rule.Rule
	}
	if final == r {
		return Explanation{Fired: true, Lines: []string{ruleName(r) + " fired"}}
	}
	x := &explainer{t: t, rs: rs, final: final, parents: parentsOf(rs), children: childrenOf(rs), seen: map[*ruleset.Rule]bool{}}
	head := ruleName(r) + " did not fire"
	switch {
	case res.Error != "":
		head += "; the event was dropped before rule matching: " + res.Error
		return Explanation{Lines: []string{head}}
	case final != nil:
		head += fmt.Sprintf("; the event ended on rule %d", final.ID)
	default:
		head += "; no rule matched the event"
	}
	lines := []string{head}
	x.why(r, "", &lines)
	return Explanation{Lines: lines}
}

type explainer struct {
	t                 *Trace
	rs                *ruleset.Ruleset
	final             *ruleset.Rule
	parents, children map[*ruleset.Rule][]*ruleset.Rule
	seen              map[*ruleset.Rule]bool
}

// descends reports whether d is r or below it.
func (x *explainer) descends(d, r *ruleset.Rule) bool {
	seen := map[*ruleset.Rule]bool{}
	var up func(n *ruleset.Rule) bool
	up = func(n *ruleset.Rule) bool {
		if n == r {
			return true
		}
		if seen[n] {
			return false
		}
		seen[n] = true
		for _, p := range x.parents[n] {
			if up(p) {
				return true
			}
		}
		return false
	}
	return d != nil && up(d)
}

func (x *explainer) why(r *ruleset.Rule, indent string, lines *[]string) {
	add := func(format string, a ...any) { *lines = append(*lines, indent+fmt.Sprintf(format, a...)) }
	if x.seen[r] {
		return
	}
	x.seen[r] = true
	t := x.t
	switch {
	case t.matched[r]:
		switch {
		case x.final != nil && x.final != r && x.descends(x.final, r):
			add("%s matched, then its descendant rule %d matched and fired instead (a matching rule's children are tried and the first that matches replaces it)", ruleName(r), x.final.ID)
		case r.AlertOpts&ruleset.NoAlert != 0:
			add("%s matched, but it has noalert: it never fires itself", ruleName(r))
		default:
			add("%s matched; the event ended elsewhere", ruleName(r))
		}
		return
	case t.tried[r] > 0:
		rs := t.reasons[r]
		if len(rs) == 0 {
			add("%s was tried and did not match", ruleName(r))
			return
		}
		for _, why := range rs {
			if why.Held() {
				add("%s: every condition held when checked, but the rule did not match (report this: the explanation and the engine disagree)", ruleName(r))
				continue
			}
			add("%s did not match: %s", ruleName(r), why)
		}
		return
	}
	parents := x.parents[r]
	if len(parents) == 0 {
		x.root(r, add)
		return
	}
	for _, p := range parents {
		if t.matched[p] {
			for _, c := range x.children[p] {
				if c == r {
					break
				}
				if t.matched[c] && x.final != nil && x.descends(x.final, c) {
					add("%s was not tried: its parent rule %d matched, but its earlier child rule %d matched first (OSSEC stops at the first child that matches)", ruleName(r), p.ID, c.ID)
					return
				}
			}
			add("%s was not tried below rule %d", ruleName(r), p.ID)
			continue
		}
		add("%s was not tried: its parent rule %d did not match", ruleName(r), p.ID)
		x.why(p, indent+"  ", lines)
	}
}

// root explains a top-level rule that was not tried.
func (x *explainer) root(r *ruleset.Rule, add func(string, ...any)) {
	for _, n := range x.rs.Rules {
		q := n.Rule
		if q == r {
			break
		}
		if q.Category == r.Category && x.t.matched[q] && x.final != nil {
			add("%s was not tried: the earlier top-level rule %d matched first and the event ended on rule %d", ruleName(r), q.ID, x.final.ID)
			return
		}
	}
	dec := "no decoder matched"
	if d := x.t.decoder; d != nil {
		dec = fmt.Sprintf("decoder %q", d.Name)
	}
	add("%s was not tried: it is a top-level rule for %s events, and this event (%s) is of another type", ruleName(r), categoryName(r.Category), dec)
}

func categoryName(c ruleset.Category) string {
	switch c {
	case ruleset.CategorySyslog:
		return "syslog"
	case ruleset.CategoryIDS:
		return "ids"
	case ruleset.CategoryFirewall:
		return "firewall"
	case ruleset.CategoryWebLog:
		return "web-log"
	case ruleset.CategorySquid:
		return "squid"
	case ruleset.CategoryWindows:
		return "windows"
	case ruleset.CategoryOSSEC:
		return "ossec"
	}
	return fmt.Sprintf("category %d", c)
}
