package engine

import (
	"slices"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

type logObs struct {
	name string
	log  *[]string
}

func (o logObs) DecoderTried(d *ruleset.Decoder)   { *o.log = append(*o.log, o.name+" dtried") }
func (o logObs) DecoderMatched(d *ruleset.Decoder) { *o.log = append(*o.log, o.name+" dmatched") }
func (o logObs) RuleTried(r *ruleset.Rule)         { *o.log = append(*o.log, o.name+" tried") }
func (o logObs) RuleMatched(r *ruleset.Rule)       { *o.log = append(*o.log, o.name+" matched") }

type childObs struct{ logObs }

func (o childObs) TryingChildren(r *ruleset.Rule) { *o.log = append(*o.log, o.name+" children") }

type explObs struct {
	logObs
	id int
}

func (o explObs) Explains(r *ruleset.Rule) bool { return r.ID == o.id }
func (o explObs) RuleExplained(r *ruleset.Rule, why Reason) {
	*o.log = append(*o.log, o.name+" explained "+why.Option)
}

// TestObservers checks that Observers tells every observer, in order, and
// the optional parts only to those that have them: children to
// ChildrenObservers, explanations to the Explainers that asked for that
// rule, and that it is an Explainer only when one of them is.
func TestObservers(t *testing.T) {
	var log []string
	a := childObs{logObs{"a", &log}}
	b := explObs{logObs{"b", &log}, 1}
	c := explObs{logObs{"c", &log}, 2}
	o := Observers(a, b, c)
	r1, r2 := &ruleset.Rule{ID: 1}, &ruleset.Rule{ID: 2}
	o.DecoderTried(nil)
	o.RuleTried(r1)
	o.(ChildrenObserver).TryingChildren(r1)
	x, ok := o.(Explainer)
	if !ok {
		t.Fatal("Observers of two Explainers is not an Explainer")
	}
	if !x.Explains(r1) || !x.Explains(r2) || x.Explains(&ruleset.Rule{ID: 3}) {
		t.Errorf("Explains: want rules 1 and 2 only")
	}
	x.RuleExplained(r2, Reason{Option: "match"})
	want := []string{"a dtried", "b dtried", "c dtried", "a tried", "b tried", "c tried", "a children", "c explained match"}
	if !slices.Equal(log, want) {
		t.Errorf("calls:\n got %q\nwant %q", log, want)
	}
	if _, ok := Observers(a, logObs{"d", &log}).(Explainer); ok {
		t.Error("Observers without an Explainer is an Explainer: the engine would ask it about every rule")
	}
	if Observers(a) != Observer(a) {
		t.Error("Observers of one observer is not that observer")
	}
}
