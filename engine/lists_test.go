package engine_test

import (
	"testing"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// listRuleset has one syslog template, a decoder that reads "user ip",
// and one rule per <list> lookup kind (and for <time>, <weekday>).
func listRuleset(t *testing.T, loaded bool) *ruleset.Ruleset {
	rs := &ruleset.Ruleset{DecoderNames: []string{"", "kv"}}
	kv := &ruleset.Decoder{Name: "kv", OwnName: "kv", ID: 1, Type: ruleset.CategorySyslog,
		Prematch: pat(t, osregex.KindRegex, `^KV `),
		Regex:    pat(t, osregex.KindRegex, `^KV (\S+) (\S+) (\S+)`),
		Order:    []ruleset.FieldSetter{{Kind: ruleset.FieldSrcUser}, {Kind: ruleset.FieldSrcIP}, {Kind: ruleset.FieldAction}}}
	rs.Decoders = []*ruleset.Decoder{kv}
	rs.NoProgramNameDecoders = rs.Decoders
	list := &ruleset.List{Name: "lists/x", Loaded: loaded, Entries: map[string]string{
		"alice": "admin", "10.1.": "internal", "192.168.1.5": "printer", "bob": "",
	}}
	top := &ruleset.RuleNode{Rule: &ruleset.Rule{ID: 1, Category: ruleset.CategorySyslog}}
	rs.Rules = []*ruleset.RuleNode{top}
	rs.AllRules = []*ruleset.Rule{top.Rule}
	add := func(id int, l *ruleset.ListRule, extra func(r *ruleset.Rule)) {
		r := &ruleset.Rule{ID: id, Level: 3, Index: len(rs.AllRules), Category: ruleset.CategorySyslog,
			AlertOpts: ruleset.DoLogAlert, DecodedAs: 1}
		if l != nil {
			l.List = list
			r.EditConditions().Lists = []*ruleset.ListRule{l}
		}
		if extra != nil {
			extra(r)
		}
		rs.AllRules = append(rs.AllRules, r)
		n := &ruleset.RuleNode{Rule: r}
		top.Children = append(top.Children, n)
	}
	admin := pat(t, osregex.KindMatch, "admin|internal")
	// The action field picks which rule may fire: each rule also
	// requires its own action.
	act := func(a string) func(r *ruleset.Rule) {
		return func(r *ruleset.Rule) {
			c := r.EditConditions()
			c.Action, c.HasAction = a, true
		}
	}
	add(10, &ruleset.ListRule{Field: ruleset.ListUser, Lookup: ruleset.LookupMatchKey}, act("mk"))
	add(11, &ruleset.ListRule{Field: ruleset.ListUser, Lookup: ruleset.LookupNotMatchKey}, act("nmk"))
	add(12, &ruleset.ListRule{Field: ruleset.ListUser, Lookup: ruleset.LookupMatchKeyValue, CheckValue: admin}, act("mkv"))
	add(13, &ruleset.ListRule{Field: ruleset.ListSrcIP, Lookup: ruleset.LookupAddressMatchKey}, act("amk"))
	add(14, &ruleset.ListRule{Field: ruleset.ListSrcIP, Lookup: ruleset.LookupNotAddressMatchKey}, act("namk"))
	add(15, &ruleset.ListRule{Field: ruleset.ListSrcIP, Lookup: ruleset.LookupAddressMatchKeyValue, CheckValue: admin}, act("amkv"))
	add(20, nil, func(r *ruleset.Rule) {
		act("time")(r)
		r.AlertOpts |= ruleset.DoExtraInfo
		r.EditExtras().Time = &ruleset.TimeRange{Start: "06:00", End: "22:00", Negate: true}
	})
	add(21, nil, func(r *ruleset.Rule) {
		act("weekday")(r)
		r.AlertOpts |= ruleset.DoExtraInfo
		r.EditExtras().Weekday = &ruleset.WeekdaySet{Days: [7]bool{true, false, false, false, false, false, true}}
	})
	return rs
}

func TestLists(t *testing.T) {
	tests := []struct {
		line string
		want bool // the rule of that action fires
	}{
		{"KV alice 1.1.1.1 mk", true},
		{"KV carol 1.1.1.1 mk", false},
		{"KV carol 1.1.1.1 nmk", true},
		{"KV alice 1.1.1.1 nmk", false},
		{"KV alice 1.1.1.1 mkv", true},
		{"KV bob 1.1.1.1 mkv", false},
		{"KV x 10.1.2.3 amk", true},
		{"KV x 192.168.1.5 amk", true},
		{"KV x 192.168.1.6 amk", false},
		{"KV x 10.2.0.1 namk", true},
		{"KV x 10.1.0.1 namk", false},
		// address_match_key_value passes when the value does NOT match.
		{"KV x 10.1.2.3 amkv", false},
		{"KV x 192.168.1.5 amkv", true},
		{"KV x 8.8.8.8 amkv", true},
	}
	e := engine.New(listRuleset(t, true), engine.Options{Hostname: "m", Now: fixedClock})
	for _, tt := range tests {
		r := e.NewSession().Process(tt.line)
		if got := r.Alert; got != tt.want {
			t.Errorf("%s: alert %v, want %v (rule %+v)", tt.line, got, tt.want, r.Rule)
		}
	}
	// A list named in ossec.conf whose database cannot be opened: the
	// key searches fail (-1), which the negated lookups and
	// address_match_key count as a match.
	unopened := map[string]bool{"mk": false, "nmk": true, "mkv": false, "amk": true, "namk": false, "amkv": true}
	e = engine.New(listRuleset(t, false), engine.Options{Hostname: "m", Now: fixedClock})
	for a, want := range unopened {
		if got := e.NewSession().Process("KV alice 10.1.2.3 " + a).Alert; got != want {
			t.Errorf("unopened list, %s: alert %v, want %v", a, got, want)
		}
	}
}

func TestTimeAndWeekday(t *testing.T) {
	rs := listRuleset(t, true)
	for _, tt := range []struct {
		at            time.Time
		time, weekday bool
	}{
		{time.Date(2026, 11, 28, 23, 30, 0, 0, time.UTC), true, true},  // Saturday night
		{time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), false, false}, // Thursday noon
		{time.Date(2026, 11, 29, 22, 0, 59, 0, time.UTC), false, true}, // Sunday 22:00 is inside 06:00-22:00
		{time.Date(2026, 11, 23, 5, 59, 0, 0, time.UTC), true, false},  // Monday early
	} {
		e := engine.New(rs, engine.Options{Hostname: "m", Now: func() time.Time { return tt.at }})
		s := e.NewSession()
		if got := s.Process("KV a 1.1.1.1 time").Alert; got != tt.time {
			t.Errorf("%v: time rule %v, want %v", tt.at, got, tt.time)
		}
		if got := s.Process("KV a 1.1.1.1 weekday").Alert; got != tt.weekday {
			t.Errorf("%v: weekday rule %v, want %v", tt.at, got, tt.weekday)
		}
	}
}
