package engine

import (
	"slices"
	"sync"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// TestRuleMatch: a rule's RuleMatch, made on its first match, says what
// the rule says (its groups split as OSSEC prints them) and is the same
// value for every result, of every session, also when sessions make it
// at once (run with -race: CI does).
func TestRuleMatch(t *testing.T) {
	rules := []*ruleset.Rule{
		{Index: 0, ID: 5716, Level: 5, Description: "SSHD authentication failed.", Groups: "syslog,sshd,authentication_failed,",
			Pos: ruleset.Pos{File: "sshd_rules.xml", Line: 7}},
		{Index: 1, ID: 10, Groups: " su,,x"},
		{Index: 2, ID: 11, Groups: ",,"},
		{Index: 3, ID: 12},
	}
	rules[1].EditExtras().InfoDetails = []ruleset.InfoDetail{{Type: ruleset.InfoCVE, Data: "CVE-1"}, {Type: ruleset.InfoText, Data: "t"}}
	e := &Engine{matches: make([]atomicRuleMatch, len(rules))}
	for _, c := range []struct {
		rule   *ruleset.Rule
		groups []string
		info   []Info
	}{
		{rules[0], []string{"syslog", "sshd", "authentication_failed"}, nil},
		{rules[1], []string{" su", "x"}, []Info{{"CVE", "CVE-1"}, {"Text", "t"}}},
		{rules[2], nil, nil},
		{rules[3], nil, nil},
	} {
		var wg sync.WaitGroup
		got := make([]*RuleMatch, 8)
		for i := range got {
			wg.Go(func() { got[i] = e.match(c.rule) })
		}
		wg.Wait()
		m := got[0]
		for _, o := range got {
			if o != m {
				t.Fatalf("rule %d: two RuleMatch values (%p, %p)", c.rule.ID, m, o)
			}
		}
		if e.match(c.rule) != m {
			t.Errorf("rule %d: a later match makes a new RuleMatch", c.rule.ID)
		}
		r := c.rule
		if m.ID != r.ID || m.Level != r.Level || m.Description != r.Description || m.File != r.Pos.File || m.Line != r.Pos.Line || m.Rule != r {
			t.Errorf("rule %d: RuleMatch %+v", r.ID, m)
		}
		if !slices.Equal(m.Groups, c.groups) || (m.Groups == nil) != (c.groups == nil) || cap(m.Groups) != len(m.Groups) {
			t.Errorf("rule %d (groups %q): RuleMatch groups %q (cap %d), want %q", r.ID, r.Groups, m.Groups, cap(m.Groups), c.groups)
		}
		if !slices.Equal(m.Info, c.info) {
			t.Errorf("rule %d: RuleMatch info %v, want %v", r.ID, m.Info, c.info)
		}
	}
}
