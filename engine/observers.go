package engine

import "github.com/ossec-ruletest/ossec-ruletest/ruleset"

// Observers returns one Observer that tells each of obs, in order, what
// the engine does. It is a ChildrenObserver for those of obs that are one,
// and an Explainer when at least one of obs is (a rule is explained when
// any of them asks, and the reason goes to those that asked).
func Observers(obs ...Observer) Observer {
	if len(obs) == 1 {
		return obs[0]
	}
	m := multi{all: obs}
	for _, o := range obs {
		if c, ok := o.(ChildrenObserver); ok {
			m.children = append(m.children, c)
		}
		if x, ok := o.(Explainer); ok {
			m.explainers = append(m.explainers, x)
		}
	}
	if len(m.explainers) > 0 {
		return multiExplainer{m}
	}
	return m
}

type multi struct {
	all        []Observer
	children   []ChildrenObserver
	explainers []Explainer
}

func (m multi) DecoderTried(d *ruleset.Decoder) {
	for _, o := range m.all {
		o.DecoderTried(d)
	}
}

func (m multi) DecoderMatched(d *ruleset.Decoder) {
	for _, o := range m.all {
		o.DecoderMatched(d)
	}
}

func (m multi) RuleTried(r *ruleset.Rule) {
	for _, o := range m.all {
		o.RuleTried(r)
	}
}

func (m multi) RuleMatched(r *ruleset.Rule) {
	for _, o := range m.all {
		o.RuleMatched(r)
	}
}

func (m multi) TryingChildren(r *ruleset.Rule) {
	for _, o := range m.children {
		o.TryingChildren(r)
	}
}

// multiExplainer is a multi with at least one Explainer among it.
type multiExplainer struct{ multi }

func (m multiExplainer) Explains(r *ruleset.Rule) bool {
	for _, x := range m.explainers {
		if x.Explains(r) {
			return true
		}
	}
	return false
}

func (m multiExplainer) RuleExplained(r *ruleset.Rule, why Reason) {
	for _, x := range m.explainers {
		if x.Explains(r) {
			x.RuleExplained(r, why)
		}
	}
}
