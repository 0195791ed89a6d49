// Package report renders noise and coverage reports for people and tools:
// text for the terminal, JSON for tools, JUnit XML for CI test views,
// Markdown for a CI job summary, and one self-contained HTML page (inline
// CSS and SVG charts, no external asset) with before/after charts per rule
// group and per level and the coverage table.
//
//	r, _ := report.For("markdown")
//	r.Noise(os.Stdout, noiseReport)
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/internal/coverage"
	"github.com/ossec-ruletest/ossec-ruletest/internal/noise"
)

// Reporter writes reports in one format.
type Reporter interface {
	Noise(w io.Writer, r *noise.Report) error
	Coverage(w io.Writer, r *coverage.Report) error
}

// formats is the one list of formats.
var formats = map[string]Reporter{
	"text":     textReporter{},
	"json":     jsonReporter{},
	"junit":    junitReporter{},
	"markdown": markdownReporter{},
	"html":     htmlReporter{},
}

// Formats returns the names of the formats, sorted.
func Formats() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// For returns the reporter of a format name.
func For(name string) (Reporter, error) {
	r, ok := formats[name]
	if !ok {
		return nil, fmt.Errorf("unknown report format %q (known: %s)", name, strings.Join(Formats(), ", "))
	}
	return r, nil
}

type jsonReporter struct{}

func (jsonReporter) Noise(w io.Writer, r *noise.Report) error { return r.WriteJSON(w) }

func (jsonReporter) Coverage(w io.Writer, r *coverage.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// ruleName is "550" or "none" for rule 0.
func ruleName(id int) string {
	if id == 0 {
		return "none"
	}
	return fmt.Sprint(id)
}

// pct formats a reduction percentage.
func pct(before, after int64) string {
	if before == 0 {
		if after == 0 {
			return "-"
		}
		return "new"
	}
	return fmt.Sprintf("%.1f%%", noise.Reduction(before, after))
}

// outcome describes an outcome and its follow-up.
func outcome(o noise.Outcome, f *noise.FollowUp) string {
	s := "no rule"
	if o.Rule != 0 {
		s = fmt.Sprintf("rule %d (level %d%s)", o.Rule, o.Level, mailNote(o))
	}
	if f != nil {
		s += fmt.Sprintf(", follow-up %s:%d rule %s (level %d%s)", f.Source, f.Line, ruleName(f.Outcome.Rule), f.Outcome.Level, mailNote(f.Outcome))
	}
	return s
}

func mailNote(o noise.Outcome) string {
	switch {
	case o.Mail:
		return ", mail"
	case !o.Alert && o.Rule != 0:
		return ", no alert"
	}
	return ""
}

// change says how a count changed: "87.5% fewer", "12.0% more", "none
// before" (the percentage of nothing means nothing), "none" when it stays
// zero, "unchanged".
func change(before, after int64) string {
	switch {
	case before == 0 && after == 0:
		return "none"
	case before == 0:
		return "none before"
	case after == before:
		return "unchanged"
	case after < before:
		return fmt.Sprintf("%.1f%% fewer", noise.Reduction(before, after))
	}
	return fmt.Sprintf("%.1f%% more", -noise.Reduction(before, after))
}

// summary is the one-line verdict of a noise report.
func summary(r *noise.Report) string {
	t := r.Totals
	return fmt.Sprintf("emails %d -> %d (%s), alerts at level >= %d %d -> %d (%s), %d lost alerts",
		t.Before.Emails, t.After.Emails, change(t.Before.Emails, t.After.Emails),
		r.Level, t.Before.Notable, t.After.Notable, change(t.Before.Notable, t.After.Notable), r.LostCount)
}

// acceptedGroups sums accepted losses by known change.
func acceptedGroups(r *noise.Report) []noise.KnownUse {
	var out []noise.KnownUse
	for _, k := range r.Known {
		if k.Used > 0 {
			out = append(out, k)
		}
	}
	return out
}

// listed says how many of the lost alerts a report lists.
func listed(r *noise.Report) string {
	if int64(len(r.Lost)) < r.LostCount {
		return fmt.Sprintf("the first %d of %d lost alerts", len(r.Lost), r.LostCount)
	}
	return ""
}
