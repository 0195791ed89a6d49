package engine_test

import (
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// specialRuleset has rules on the syscheck and rootcheck decoders, as the
// stock ossec_rules.xml has (550 integrity changed, 510 rootcheck).
func specialRuleset() *ruleset.Ruleset {
	rs := &ruleset.Ruleset{Config: ruleset.Config{SyscheckAutoIgnore: true}, DecoderNames: []string{"", "rootcheck", "syscheck_integrity_changed",
		"syscheck_integrity_changed_2nd", "syscheck_integrity_changed_3rd", "syscheck_new_entry", "syscheck_deleted",
		"hostinfo_new", "hostinfo_modified"}}
	add := func(r *ruleset.Rule, parent *ruleset.RuleNode) *ruleset.RuleNode {
		r.Index = len(rs.AllRules)
		r.Category = ruleset.CategoryOSSEC
		if r.Level > 0 {
			r.AlertOpts |= ruleset.DoLogAlert
		}
		rs.AllRules = append(rs.AllRules, r)
		n := &ruleset.RuleNode{Rule: r}
		if parent == nil {
			rs.Rules = append(rs.Rules, n)
		} else {
			parent.Children = append(parent.Children, n)
		}
		return n
	}
	top := add(&ruleset.Rule{ID: 3, Level: 0}, nil)
	add(&ruleset.Rule{ID: 550, Level: 7, DecodedAs: 2}, top)
	add(&ruleset.Rule{ID: 551, Level: 7, DecodedAs: 3}, top)
	add(&ruleset.Rule{ID: 552, Level: 7, DecodedAs: 4}, top)
	add(&ruleset.Rule{ID: 553, Level: 7, DecodedAs: 6}, top)
	add(&ruleset.Rule{ID: 554, Level: 7, DecodedAs: 5}, top)
	add(&ruleset.Rule{ID: 510, Level: 7, DecodedAs: 1, AlertOpts: ruleset.DoFTS}, top)
	add(&ruleset.Rule{ID: 580, Level: 8, DecodedAs: 8}, top)
	add(&ruleset.Rule{ID: 581, Level: 8, DecodedAs: 7}, top)
	return rs
}

func TestSyscheck(t *testing.T) {
	s := engine.New(specialRuleset(), engine.Options{Hostname: "m", Now: fixedClock}).NewSession()
	msg := func(sum string) engine.Result {
		return s.ProcessMessage(engine.Message{Queue: engine.QueueSyscheck, Location: "(a) 1.2.3.4->syscheck", Text: sum + " /etc/passwd"})
	}
	sums := []string{
		"100:33188:0:0:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:bbbb",
		"100:33188:0:0:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:bbbb", // unchanged
		"101:33188:0:0:cccccccccccccccccccccccccccccccc:bbbb",
		"101:33261:0:0:cccccccccccccccccccccccccccccccc:xxx", // xxx placeholder, perm change
		"101:33261:5:0:cccccccccccccccccccccccccccccccc:dddd",
		"102:33261:5:0:cccccccccccccccccccccccccccccccc:dddd", // fourth change: auto-ignored
		"-1",
	}
	var rules []int
	var logs []string
	for _, sum := range sums {
		r := msg(sum)
		id := 0
		if r.Rule != nil {
			id = r.Rule.ID
			logs = append(logs, r.Decoder)
		}
		rules = append(rules, id)
	}
	want := []int{0, 0, 550, 551, 552, 0, 0}
	for i := range want {
		if rules[i] != want[i] {
			t.Errorf("message %d: rule %d, want %d (all: %v)", i+1, rules[i], want[i], rules)
		}
	}
	for _, d := range logs {
		if d != "syscheck_integrity_changed" {
			t.Errorf("decoder %q, want syscheck_integrity_changed", d)
		}
	}
	s2 := engine.New(specialRuleset(), engine.Options{Hostname: "m", Now: fixedClock}).NewSession()
	s2.ProcessMessage(engine.Message{Queue: engine.QueueSyscheck, Location: "l", Text: "1:33188:0:0:a:b /x"})
	r := s2.ProcessMessage(engine.Message{Queue: engine.QueueSyscheck, Location: "l", Text: "2:33261:0:0:a:b /x"})
	if r.Rule == nil || r.Rule.ID != 550 {
		t.Fatalf("rule %+v, want 550", r.Rule)
	}
	if r.Error != "" {
		t.Errorf("error %q", r.Error)
	}
	r = s2.ProcessMessage(engine.Message{Queue: engine.QueueSyscheck, Location: "l", Text: "-1 /x"})
	if r.Rule == nil || r.Rule.ID != 553 {
		t.Errorf("deleted file: rule %+v, want 553", r.Rule)
	}
}

func TestRootcheckAndHostinfo(t *testing.T) {
	s := engine.New(specialRuleset(), engine.Options{Hostname: "m", Now: fixedClock}).NewSession()
	rk := func() engine.Result {
		return s.ProcessMessage(engine.Message{Queue: engine.QueueRootcheck, Location: "rootcheck", Text: "File '/tmp/x' is owned by root and has written permissions to anyone."})
	}
	if r := rk(); r.Rule == nil || r.Rule.ID != 510 || r.Decoder != "rootcheck" {
		t.Errorf("first rootcheck: rule %+v decoder %q, want 510 rootcheck", r.Rule, r.Decoder)
	}
	if r := rk(); r.Rule != nil && r.Rule.ID == 510 {
		t.Errorf("repeated rootcheck message fired the if_fts rule again")
	}
	hi := func(ports string) engine.Result {
		return s.ProcessMessage(engine.Message{Queue: engine.QueueHostinfo, Location: "hostinfo", Text: "Host: 10.0.0.1 (h), open ports: " + ports})
	}
	if r := hi("22(tcp)"); r.Rule == nil || r.Rule.ID != 581 {
		t.Errorf("new host: %+v, want 581", r.Rule)
	}
	if r := hi("22(tcp)"); r.Rule != nil || !strings.Contains(r.Error, "dropped") {
		t.Errorf("unchanged host: rule %+v error %q, want dropped", r.Rule, r.Error)
	}
	if r := hi("22(tcp) 80(tcp)"); r.Rule == nil || r.Rule.ID != 580 {
		t.Errorf("changed host: %+v, want 580", r.Rule)
	}
}

func TestSyscheckSettings(t *testing.T) {
	rs := specialRuleset()
	rs.Config.SyscheckIgnore = []string{"/etc/MTAB"}
	rs.Config.SyscheckAlertNew = true
	rs.Config.SyscheckAutoIgnore = false
	s := engine.New(rs, engine.Options{Hostname: "m", Now: fixedClock}).NewSession()
	msg := func(text string) engine.Result {
		return s.ProcessMessage(engine.Message{Queue: engine.QueueSyscheck, Location: "syscheck", Text: text})
	}
	if r := msg("1:33188:0:0:a:b /etc/mtab"); r.Rule != nil || r.Error == "" {
		t.Errorf("ignored file (case-insensitive prefix): rule %+v", r.Rule)
	}
	if r := msg("1:33188:0:0:a:b /etc/mtab2"); r.Rule != nil {
		t.Errorf("ignored file prefix: rule %+v", r.Rule)
	}
	r := msg("5:33261:1:2:m:s:h /etc/new")
	if r.Rule == nil || r.Rule.ID != 554 || r.Decoder != "syscheck_integrity_changed" {
		t.Fatalf("new file: rule %+v decoder %q, want 554", r.Rule, r.Decoder)
	}
	// Without auto_ignore every change is a first change.
	for i, sum := range []string{"6:33261:1:2:m:s:h", "7:33261:1:2:m:s:h", "8:33261:1:2:m:s:h", "9:33261:1:2:m:s:h", "10:33261:1:2:m:s:h"} {
		if r := msg(sum + " /etc/new"); r.Rule == nil || r.Rule.ID != 550 {
			t.Errorf("change %d without auto_ignore: rule %+v, want 550", i+1, r.Rule)
		}
	}
}
