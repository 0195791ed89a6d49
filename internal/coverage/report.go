package coverage

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Report is the coverage of the rules and decoders in scope.
type Report struct {
	// Rules and Decoders in scope, by file then line.
	Rules    []Rule    `json:"rules"`
	Decoders []Decoder `json:"decoders"`
	// Files sums them per file.
	Files []File `json:"files"`
	// Totals over all files.
	Totals File `json:"totals"`
	// Cases is the number of cases that made passing assertions.
	Cases int `json:"cases"`
	// Min is the required percentage (0: none); RequireNegative is set
	// when every covered rule needs a negative case.
	Min             float64 `json:"min,omitempty"`
	RequireNegative bool    `json:"require_negative,omitempty"`
	// Failures say why the report fails its requirements; none when it passes.
	Failures []string `json:"failures"`
}

// Rule is one rule's coverage.
type Rule struct {
	ID          int    `json:"id"`
	Level       int    `json:"level"`
	Description string `json:"description"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	// Matched counts the events it matched.
	Matched int `json:"matched"`
	// Positive lists the cases that asserted on an event it matched;
	// Negative those that established it did not fire.
	Positive []string `json:"positive"`
	Negative []string `json:"negative"`
}

// Covered reports whether the rule matched an event.
func (r *Rule) Covered() bool { return r.Matched > 0 }

// Decoder is one decoder's coverage.
type Decoder struct {
	Name    string `json:"name"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Matched int    `json:"matched"`
}

// File sums the coverage of one file.
type File struct {
	File            string `json:"file"`
	Rules           int    `json:"rules"`
	RulesCovered    int    `json:"rules_covered"`
	RulesNegative   int    `json:"rules_negative"`
	Decoders        int    `json:"decoders"`
	DecodersCovered int    `json:"decoders_covered"`
}

// Percent returns part of whole in percent (100 when whole is 0).
func Percent(part, whole int) float64 {
	if whole == 0 {
		return 100
	}
	return float64(part) * 100 / float64(whole)
}

// RulePercent is the percentage of rules covered.
func (f File) RulePercent() float64 { return Percent(f.RulesCovered, f.Rules) }

// NegativePercent is the percentage of rules with a negative case.
func (f File) NegativePercent() float64 { return Percent(f.RulesNegative, f.Rules) }

// DecoderPercent is the percentage of decoders covered.
func (f File) DecoderPercent() float64 { return Percent(f.DecodersCovered, f.Decoders) }

// Requirements are what a coverage run must reach.
type Requirements struct {
	// Min is the least percentage of rules and of decoders covered.
	Min float64
	// RequireNegative demands a negative case for every covered rule.
	RequireNegative bool
}

// Report lists the coverage of the rules and decoders of rs whose file
// inScope accepts; trim is removed from file names in the report.
func (c *Collector) Report(rs *ruleset.Ruleset, inScope func(file string) bool, trim string, req Requirements) *Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	rep := &Report{Cases: len(c.cases), Min: req.Min, RequireNegative: req.RequireNegative, Failures: []string{}}
	files := map[string]*File{}
	file := func(name string) *File {
		f := files[name]
		if f == nil {
			f = &File{File: name}
			files[name] = f
		}
		return f
	}
	name := func(p string) string { return strings.TrimPrefix(p, trim) }
	for _, r := range rs.AllRules {
		if !inScope(r.Pos.File) {
			continue
		}
		k := keyOf(r)
		x := Rule{ID: r.ID, Level: r.Level, Description: r.Description, File: name(r.Pos.File), Line: r.Pos.Line,
			Matched: c.matched[k], Positive: sorted(c.positive[k]), Negative: union(c.negative[k], c.negativeID[ruleKey{id: r.ID}])}
		rep.Rules = append(rep.Rules, x)
		f := file(x.File)
		f.Rules++
		if x.Covered() {
			f.RulesCovered++
		}
		if len(x.Negative) > 0 {
			f.RulesNegative++
		}
	}
	for _, d := range rs.Decoders {
		if !inScope(d.Pos.File) {
			continue
		}
		x := Decoder{Name: d.OwnName, File: name(d.Pos.File), Line: d.Pos.Line, Matched: c.decoders[decKey{d.Pos.File, d.Pos.Line, d.OwnName}]}
		rep.Decoders = append(rep.Decoders, x)
		f := file(x.File)
		f.Decoders++
		if x.Matched > 0 {
			f.DecodersCovered++
		}
	}
	slices.SortFunc(rep.Rules, func(a, b Rule) int { return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line)) })
	slices.SortFunc(rep.Decoders, func(a, b Decoder) int { return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line)) })
	for _, f := range files {
		rep.Files = append(rep.Files, *f)
		rep.Totals.Rules += f.Rules
		rep.Totals.RulesCovered += f.RulesCovered
		rep.Totals.RulesNegative += f.RulesNegative
		rep.Totals.Decoders += f.Decoders
		rep.Totals.DecodersCovered += f.DecodersCovered
	}
	slices.SortFunc(rep.Files, func(a, b File) int { return cmp.Compare(a.File, b.File) })
	rep.Totals.File = "total"
	rep.check()
	return rep
}

// check fills Failures.
func (rep *Report) check() {
	t := rep.Totals
	if rep.Min > 0 {
		if p := t.RulePercent(); p < rep.Min {
			rep.Failures = append(rep.Failures, fmt.Sprintf("rule coverage %.1f%% is under %.1f%%", p, rep.Min))
		}
		if p := t.DecoderPercent(); p < rep.Min {
			rep.Failures = append(rep.Failures, fmt.Sprintf("decoder coverage %.1f%% is under %.1f%%", p, rep.Min))
		}
	}
	if rep.RequireNegative {
		for _, r := range rep.Rules {
			if r.Covered() && len(r.Negative) == 0 {
				rep.Failures = append(rep.Failures, fmt.Sprintf("%s:%d: rule %d has no negative case (add a case asserting \"! rule %d\" on an event it must not fire on)", r.File, r.Line, r.ID, r.ID))
			}
		}
	}
}

// Passed reports whether the report meets its requirements.
func (rep *Report) Passed() bool { return len(rep.Failures) == 0 }

func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}
