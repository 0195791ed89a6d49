package noise

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// Report is the result of a replay. Its JSON form is what `noise --json`
// writes and `noise --merge` reads; it holds no timing, so that the
// report of N merged shards equals the report of one run byte for byte.
type Report struct {
	Before SideInfo `json:"before"`
	After  SideInfo `json:"after"`
	// Level is the threshold of lost alerts.
	Level int `json:"level"`
	// Inputs name the corpus.
	Inputs []string `json:"inputs"`
	// Shard is "K/N" for the report of one shard, "" otherwise.
	Shard string `json:"shard,omitempty"`
	// Events counts every line of the corpus; Replayed those of the
	// shard; Skipped those neither ruleset analysed (too short, rejected).
	Events   int64 `json:"events"`
	Replayed int64 `json:"replayed"`
	Skipped  int64 `json:"skipped"`
	// InexactHosts counts the hosts whose clock went back by more than
	// the longest timeframe of a ruleset after their sessions had
	// forgotten events older than that: a correlation verdict of theirs
	// may differ from OSSEC's (engine.Session.Inexact).
	InexactHosts int64 `json:"inexact_hosts,omitempty"`
	// Totals are the counts of each side.
	Totals Pair `json:"totals"`
	// Rules lists every rule an event ended on, on either side, by id.
	Rules []RuleRow `json:"rules"`
	// Groups are the alerts per rule group, by name.
	Groups []GroupRow `json:"groups"`
	// Levels are the alerts per level, by level.
	Levels []LevelRow `json:"levels"`
	// Transitions say where the events that alerted at or above Level
	// before went after: before rule, after rule and final rule (the
	// follow-up's), most frequent first.
	Transitions []Transition `json:"transitions"`
	// Lost are the events that alerted at or above Level before and not
	// after and that no known change accepts, in corpus order: the first
	// MaxLost of them.
	Lost    []Lost `json:"lost"`
	MaxLost int    `json:"max_lost"`
	// LostCount counts the lost alerts no known change accepts (all of
	// them, also those past MaxLost).
	LostCount int64 `json:"lost_count"`
	// AcceptedCount counts the lost alerts a known change accepts.
	AcceptedCount int64 `json:"accepted_count"`
	// Known lists the known changes given and how many losses each accepted.
	Known []KnownUse `json:"known_changes,omitempty"`
}

// SideInfo describes one ruleset of the comparison.
type SideInfo struct {
	Label           string `json:"label"`
	EmailAlertLevel int    `json:"email_alert_level"`
}

// Counts are the events, alerts, alerts at or above the level, and emails
// of one side.
type Counts struct {
	Events  int64 `json:"events"`
	Alerts  int64 `json:"alerts"`
	Notable int64 `json:"notable"`
	Emails  int64 `json:"emails"`
}

func (c *Counts) add(o Counts) {
	c.Events += o.Events
	c.Alerts += o.Alerts
	c.Notable += o.Notable
	c.Emails += o.Emails
}

// Pair holds the counts before and after.
type Pair struct {
	Before Counts `json:"before"`
	After  Counts `json:"after"`
}

// Reduction returns how much smaller after is than before, in percent
// (negative for a growth); 0 when before is 0.
func Reduction(before, after int64) float64 {
	if before == 0 {
		return 0
	}
	return float64(before-after) * 100 / float64(before)
}

// RuleInfo is what the report says about a rule on one side.
type RuleInfo struct {
	Level       int      `json:"level"`
	Description string   `json:"description"`
	Groups      []string `json:"groups,omitempty"`
	File        string   `json:"file,omitempty"`
	Line        int      `json:"line,omitempty"`
}

// RuleRow is one rule's counts; Before or After is nil where the rule
// matched no event on that side.
type RuleRow struct {
	ID         int       `json:"id"`
	BeforeRule *RuleInfo `json:"before_rule,omitempty"`
	AfterRule  *RuleInfo `json:"after_rule,omitempty"`
	Pair
}

// Info returns the rule's description on the after side, else before.
func (r *RuleRow) Info() *RuleInfo {
	if r.AfterRule != nil {
		return r.AfterRule
	}
	return r.BeforeRule
}

// GroupRow is the number of alerts of one rule group.
type GroupRow struct {
	Group  string `json:"group"`
	Before int64  `json:"before"`
	After  int64  `json:"after"`
}

// LevelRow is the number of alerts of one level.
type LevelRow struct {
	Level  int   `json:"level"`
	Before int64 `json:"before"`
	After  int64 `json:"after"`
}

// Transition counts events that alerted at or above the level before by
// rule before, rule after and final rule after (the follow-up's rule, or
// the after rule when there is none). Rule 0 is none.
type Transition struct {
	BeforeRule int   `json:"before_rule"`
	AfterRule  int   `json:"after_rule"`
	FinalRule  int   `json:"final_rule"`
	Events     int64 `json:"events"`
	Lost       int64 `json:"lost"`
}

// Lost is an event that alerted at or above the level before and does not
// after.
type Lost struct {
	Seq    int64  `json:"seq"`
	Source string `json:"source"`
	Line   int    `json:"line"`
	Host   string `json:"host"`
	Log    string `json:"log"`
	// Before and After are the event's own outcomes.
	Before Outcome `json:"before"`
	After  Outcome `json:"after"`
	// BeforeFollowUp and AfterFollowUp are the follow-ups, if any.
	BeforeFollowUp *FollowUp `json:"before_follow_up,omitempty"`
	AfterFollowUp  *FollowUp `json:"after_follow_up,omitempty"`
	// BeforeRule is the rule that alerted before (the event's or its
	// follow-up's); FinalRule the rule the event ends on after.
	BeforeRule int `json:"before_rule"`
	FinalRule  int `json:"final_rule"`
}

// accum gathers counts; workers fill one each, then they are merged.
type accum struct {
	level    int // the threshold of Counts.Notable
	maxLost  int
	known    *KnownChanges
	used     []int64 // losses accepted, by known change
	accepted int64
	lostN    int64 // losses not accepted
	events   int64
	replayed int64
	skipped  int64
	inexact  int64
	totals   Pair
	rules    map[int]*RuleRow
	groups   map[string]*GroupRow
	levels   map[int]*LevelRow
	trans    map[[3]int]*Transition
	lost     []Lost
}

func newAccum(level, maxLost int, known *KnownChanges) *accum {
	a := &accum{
		level:   level,
		maxLost: maxLost,
		known:   known,
		rules:   make(map[int]*RuleRow),
		groups:  make(map[string]*GroupRow),
		levels:  make(map[int]*LevelRow),
		trans:   make(map[[3]int]*Transition),
	}
	if known != nil {
		a.used = make([]int64, len(known.Changes))
	}
	return a
}

// lose records a lost alert: accepted by a known change, or listed.
func (a *accum) lose(l Lost) {
	if a.known != nil {
		if j := a.known.match(l.BeforeRule, l.FinalRule); j >= 0 {
			a.used[j]++
			a.accepted++
			return
		}
	}
	a.lostN++
	if len(a.lost) < a.maxLost {
		a.lost = append(a.lost, l)
	}
}

// count records side s's result for one event and returns its outcome.
func (a *accum) count(s int, r *engine.Result, name func(string) string) Outcome {
	if s == 0 {
		a.replayed++
	}
	tot := &a.totals.Before
	if s == 1 {
		tot = &a.totals.After
	}
	tot.Events++
	if r.Rule == nil {
		return Outcome{}
	}
	o := Outcome{Rule: r.Rule.ID, Level: r.Rule.Level, Alert: r.Alert, Mail: r.Mail}
	row := a.rules[o.Rule]
	if row == nil {
		row = &RuleRow{ID: o.Rule}
		a.rules[o.Rule] = row
	}
	c := &row.Before
	info := &row.BeforeRule
	if s == 1 {
		c, info = &row.After, &row.AfterRule
	}
	if *info == nil {
		var groups []string
		for _, g := range r.Rule.Groups {
			if g = strings.TrimSpace(g); g != "" {
				groups = append(groups, g)
			}
		}
		file := r.Rule.File
		if name != nil {
			file = name(file)
		}
		*info = &RuleInfo{Level: r.Rule.Level, Description: r.Rule.Description, Groups: groups, File: file, Line: r.Rule.Line}
	}
	c.Events++
	if !o.Alert {
		return o
	}
	c.Alerts++
	tot.Alerts++
	if o.Level >= a.level {
		c.Notable++
		tot.Notable++
	}
	if o.Mail {
		c.Emails++
		tot.Emails++
	}
	lv := a.levels[o.Level]
	if lv == nil {
		lv = &LevelRow{Level: o.Level}
		a.levels[o.Level] = lv
	}
	for _, g := range (*info).Groups {
		gr := a.groups[g]
		if gr == nil {
			gr = &GroupRow{Group: g}
			a.groups[g] = gr
		}
		if s == 0 {
			gr.Before++
		} else {
			gr.After++
		}
	}
	if s == 0 {
		lv.Before++
	} else {
		lv.After++
	}
	return o
}

func (a *accum) transition(before, after, final int) *Transition {
	k := [3]int{before, after, final}
	t := a.trans[k]
	if t == nil {
		t = &Transition{BeforeRule: before, AfterRule: after, FinalRule: final}
		a.trans[k] = t
	}
	return t
}

// merge adds b's counts to a.
func (a *accum) merge(b *accum) {
	a.events += b.events
	a.replayed += b.replayed
	a.skipped += b.skipped
	a.inexact += b.inexact
	a.totals.Before.add(b.totals.Before)
	a.totals.After.add(b.totals.After)
	for id, r := range b.rules {
		x := a.rules[id]
		if x == nil {
			x = &RuleRow{ID: id}
			a.rules[id] = x
		}
		if x.BeforeRule == nil {
			x.BeforeRule = r.BeforeRule
		}
		if x.AfterRule == nil {
			x.AfterRule = r.AfterRule
		}
		x.Before.add(r.Before)
		x.After.add(r.After)
	}
	for g, r := range b.groups {
		x := a.groups[g]
		if x == nil {
			x = &GroupRow{Group: g}
			a.groups[g] = x
		}
		x.Before += r.Before
		x.After += r.After
	}
	for l, r := range b.levels {
		x := a.levels[l]
		if x == nil {
			x = &LevelRow{Level: l}
			a.levels[l] = x
		}
		x.Before += r.Before
		x.After += r.After
	}
	for k, t := range b.trans {
		x := a.transition(k[0], k[1], k[2])
		x.Events += t.Events
		x.Lost += t.Lost
	}
	a.lost = append(a.lost, b.lost...)
	a.lostN += b.lostN
	a.accepted += b.accepted
	for j := range b.used {
		a.used[j] += b.used[j]
	}
}

// report turns the counts into a report in canonical order.
func (a *accum) report() *Report {
	r := &Report{Events: a.events, Replayed: a.replayed, Skipped: a.skipped, InexactHosts: a.inexact, Totals: a.totals}
	r.Rules = make([]RuleRow, 0, len(a.rules))
	for _, x := range a.rules {
		r.Rules = append(r.Rules, *x)
	}
	slices.SortFunc(r.Rules, func(x, y RuleRow) int { return cmp.Compare(x.ID, y.ID) })
	r.Groups = make([]GroupRow, 0, len(a.groups))
	for _, x := range a.groups {
		r.Groups = append(r.Groups, *x)
	}
	slices.SortFunc(r.Groups, func(x, y GroupRow) int { return cmp.Compare(x.Group, y.Group) })
	r.Levels = make([]LevelRow, 0, len(a.levels))
	for _, x := range a.levels {
		r.Levels = append(r.Levels, *x)
	}
	slices.SortFunc(r.Levels, func(x, y LevelRow) int { return cmp.Compare(x.Level, y.Level) })
	r.Transitions = make([]Transition, 0, len(a.trans))
	for _, x := range a.trans {
		r.Transitions = append(r.Transitions, *x)
	}
	slices.SortFunc(r.Transitions, func(x, y Transition) int {
		return cmp.Or(cmp.Compare(y.Events, x.Events), cmp.Compare(x.BeforeRule, y.BeforeRule),
			cmp.Compare(x.AfterRule, y.AfterRule), cmp.Compare(x.FinalRule, y.FinalRule))
	})
	r.Lost = slices.Clone(a.lost)
	if r.Lost == nil {
		r.Lost = []Lost{}
	}
	slices.SortFunc(r.Lost, func(x, y Lost) int { return cmp.Compare(x.Seq, y.Seq) })
	if len(r.Lost) > a.maxLost {
		r.Lost = r.Lost[:a.maxLost]
	}
	r.MaxLost = a.maxLost
	r.LostCount, r.AcceptedCount = a.lostN, a.accepted
	if a.known != nil {
		for j, c := range a.known.Changes {
			r.Known = append(r.Known, KnownUse{KnownChange: c, Used: a.used[j]})
		}
	}
	return r
}

// accumOf turns a report back into counts, for merging.
func accumOf(r *Report) *accum {
	a := newAccum(r.Level, r.MaxLost, r.knownChanges())
	a.events, a.replayed, a.skipped, a.totals = r.Events, r.Replayed, r.Skipped, r.Totals
	a.inexact = r.InexactHosts
	for i := range r.Rules {
		x := r.Rules[i]
		a.rules[x.ID] = &x
	}
	for i := range r.Groups {
		x := r.Groups[i]
		a.groups[x.Group] = &x
	}
	for i := range r.Levels {
		x := r.Levels[i]
		a.levels[x.Level] = &x
	}
	for i := range r.Transitions {
		x := r.Transitions[i]
		a.trans[[3]int{x.BeforeRule, x.AfterRule, x.FinalRule}] = &x
	}
	a.lost = append(a.lost, r.Lost...)
	a.lostN, a.accepted = r.LostCount, r.AcceptedCount
	for j, u := range r.Known {
		a.used[j] = u.Used
	}
	return a
}

// Merge combines the JSON reports of the N shards of one replay into the
// report a single run would have given. The shards must have been run with
// the same known changes.
func Merge(shards []*Report) (*Report, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("merge: no shard reports")
	}
	first := shards[0]
	var n int
	seen := map[int]bool{}
	acc := newAccum(first.Level, first.MaxLost, first.knownChanges())
	for i, s := range shards {
		sh, err := ParseShard(s.Shard)
		if err != nil {
			return nil, fmt.Errorf("merge: report %d is not a shard report (shard %q)", i+1, s.Shard)
		}
		if i == 0 {
			n = sh.N
		}
		switch {
		case sh.N != n:
			return nil, fmt.Errorf("merge: shard %s does not belong with %d shards", s.Shard, n)
		case seen[sh.K]:
			return nil, fmt.Errorf("merge: shard %s given twice", s.Shard)
		case s.Before != first.Before || s.After != first.After || s.Level != first.Level || !slices.Equal(s.Inputs, first.Inputs):
			return nil, fmt.Errorf("merge: shard %s is from another replay (rulesets, level or inputs differ from shard %s)", s.Shard, first.Shard)
		case !sameKnown(s.Known, first.Known):
			return nil, fmt.Errorf("merge: shard %s was run with other known changes than shard %s", s.Shard, first.Shard)
		case s.MaxLost != first.MaxLost:
			return nil, fmt.Errorf("merge: shard %s lists %d lost alerts at most, shard %s %d", s.Shard, s.MaxLost, first.Shard, first.MaxLost)
		case s.Events != first.Events:
			return nil, fmt.Errorf("merge: shard %s read %d events, shard %s %d: not the same corpus", s.Shard, s.Events, first.Shard, first.Events)
		}
		seen[sh.K] = true
		b := accumOf(s)
		b.events = 0
		acc.merge(b)
	}
	if len(seen) != n {
		var missing []string
		for k := 1; k <= n; k++ {
			if !seen[k] {
				missing = append(missing, fmt.Sprintf("%d/%d", k, n))
			}
		}
		return nil, fmt.Errorf("merge: missing shards %s", strings.Join(missing, ", "))
	}
	acc.events = first.Events
	r := acc.report()
	r.Before, r.After, r.Level, r.Inputs = first.Before, first.After, first.Level, first.Inputs
	return r, nil
}

func sameKnown(a, b []KnownUse) bool {
	return slices.EqualFunc(a, b, func(x, y KnownUse) bool { return x.KnownChange == y.KnownChange })
}

func (r *Report) knownChanges() *KnownChanges {
	if len(r.Known) == 0 {
		return nil
	}
	k := &KnownChanges{}
	for _, u := range r.Known {
		k.Changes = append(k.Changes, u.KnownChange)
	}
	return k
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(rd io.Reader) (*Report, error) {
	var r Report
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}
