package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/internal/coverage"
	"github.com/ossec-ruletest/ossec-ruletest/internal/noise"
)

type textReporter struct{}

func (textReporter) Noise(w io.Writer, r *noise.Report) error {
	b := bufio.NewWriter(w)
	shard := ""
	if r.Shard != "" {
		shard = fmt.Sprintf(", shard %s (%d events replayed)", r.Shard, r.Replayed)
	}
	fmt.Fprintf(b, "noise: %s -> %s, %d events from %s%s\n", r.Before.Label, r.After.Label, r.Events, strings.Join(r.Inputs, " "), shard)
	fmt.Fprintf(b, "lost alerts: events at level >= %d before (email_alert_level of %s: %d) that are not after\n\n", r.Level, r.Before.Label, r.Before.EmailAlertLevel)
	if r.InexactHosts > 0 {
		fmt.Fprintf(b, "warning: the clock of %d hosts went back by more than the longest timeframe: their correlation verdicts may differ from OSSEC's\n\n", r.InexactHosts)
	}
	t := r.Totals
	fmt.Fprintf(b, "%-22s %10s %10s %10s\n", "", "before", "after", "reduction")
	row := func(name string, x, y int64) {
		fmt.Fprintf(b, "%-22s %10d %10d %10s\n", name, x, y, pct(x, y))
	}
	row("alerts logged", t.Before.Alerts, t.After.Alerts)
	row(fmt.Sprintf("alerts at level >= %d", r.Level), t.Before.Notable, t.After.Notable)
	row("emails", t.Before.Emails, t.After.Emails)
	fmt.Fprintf(b, "\nlost alerts: %d", r.LostCount)
	if r.AcceptedCount > 0 {
		fmt.Fprintf(b, " (%d more accepted as known changes)", r.AcceptedCount)
	}
	fmt.Fprintln(b)
	for _, k := range acceptedGroups(r) {
		fmt.Fprintf(b, "  accepted %d: %s -> %s, %s (%s)\n", k.Used, k.Before, k.After, k.Reason, k.Pos)
	}
	for _, k := range r.Known {
		if k.Used == 0 {
			fmt.Fprintf(b, "  unused known change %s: %s -> %s\n", k.Pos, k.Before, k.After)
		}
	}
	if n := listed(r); n != "" {
		fmt.Fprintf(b, "  listing %s\n", n)
	}
	for _, l := range r.Lost {
		fmt.Fprintf(b, "LOST %s:%d [%s] %s\n", l.Source, l.Line, l.Host, l.Log)
		fmt.Fprintf(b, "     before: %s\n", outcome(l.Before, l.BeforeFollowUp))
		fmt.Fprintf(b, "     after:  %s\n", outcome(l.After, l.AfterFollowUp))
	}

	if len(r.Transitions) > 0 {
		fmt.Fprintf(b, "\nwhere the alerts at level >= %d went:\n", r.Level)
		fmt.Fprintf(b, "  %-8s %-8s %-8s %9s %9s\n", "before", "after", "final", "events", "silent")
		for _, x := range r.Transitions {
			fmt.Fprintf(b, "  %-8s %-8s %-8s %9d %9d\n", ruleName(x.BeforeRule), ruleName(x.AfterRule), ruleName(x.FinalRule), x.Events, x.Lost)
		}
	}

	fmt.Fprintf(b, "\nper rule (events / alerts / emails):\n")
	fmt.Fprintf(b, "  %-7s %-7s %-20s %-20s %9s  %s\n", "rule", "level", "before", "after", "alerts", "description (file:line)")
	for _, x := range r.Rules {
		info := x.Info()
		lv := levels(x)
		fmt.Fprintf(b, "  %-7d %-7s %-20s %-20s %9s  %s (%s:%d)\n", x.ID, lv,
			fmt.Sprintf("%d/%d/%d", x.Before.Events, x.Before.Alerts, x.Before.Emails),
			fmt.Sprintf("%d/%d/%d", x.After.Events, x.After.Alerts, x.After.Emails),
			pct(x.Before.Alerts, x.After.Alerts), info.Description, info.File, info.Line)
	}
	fmt.Fprintf(b, "\n%s\n", summary(r))
	return b.Flush()
}

// levels is the rule's level, "7->1" when the change moved it.
func levels(x noise.RuleRow) string {
	switch {
	case x.BeforeRule != nil && x.AfterRule != nil && x.BeforeRule.Level != x.AfterRule.Level:
		return fmt.Sprintf("%d->%d", x.BeforeRule.Level, x.AfterRule.Level)
	case x.AfterRule != nil:
		return fmt.Sprint(x.AfterRule.Level)
	default:
		return fmt.Sprint(x.BeforeRule.Level)
	}
}

func (textReporter) Coverage(w io.Writer, r *coverage.Report) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "coverage: %d rules and %d decoders in %d files, %d cases\n\n", r.Totals.Rules, r.Totals.Decoders, len(r.Files), r.Cases)
	fmt.Fprintf(b, "%-40s %14s %14s %14s\n", "file", "rules", "negative", "decoders")
	line := func(f coverage.File) {
		rules, neg, dec := "-", "-", "-"
		if f.Rules > 0 {
			rules = fmt.Sprintf("%d/%d %3.0f%%", f.RulesCovered, f.Rules, f.RulePercent())
			neg = fmt.Sprintf("%d/%d %3.0f%%", f.RulesNegative, f.Rules, f.NegativePercent())
		}
		if f.Decoders > 0 {
			dec = fmt.Sprintf("%d/%d %3.0f%%", f.DecodersCovered, f.Decoders, f.DecoderPercent())
		}
		fmt.Fprintf(b, "%-40s %14s %14s %14s\n", f.File, rules, neg, dec)
	}
	for _, f := range r.Files {
		line(f)
	}
	line(r.Totals)
	first := true
	for _, x := range r.Rules {
		if !x.Covered() {
			if first {
				fmt.Fprintf(b, "\nrules no case fired:\n")
				first = false
			}
			fmt.Fprintf(b, "  %s:%d: rule %d (level %d) %s\n", x.File, x.Line, x.ID, x.Level, x.Description)
		}
	}
	first = true
	for _, x := range r.Rules {
		if x.Covered() && len(x.Negative) == 0 {
			if first {
				fmt.Fprintf(b, "\nrules without a negative case:\n")
				first = false
			}
			fmt.Fprintf(b, "  %s:%d: rule %d %s\n", x.File, x.Line, x.ID, x.Description)
		}
	}
	first = true
	for _, x := range r.Decoders {
		if x.Matched == 0 {
			if first {
				fmt.Fprintf(b, "\ndecoders no case used:\n")
				first = false
			}
			fmt.Fprintf(b, "  %s:%d: decoder %s\n", x.File, x.Line, x.Name)
		}
	}
	fmt.Fprintln(b)
	for _, f := range r.Failures {
		fmt.Fprintf(b, "FAIL: %s\n", f)
	}
	t := r.Totals
	fmt.Fprintf(b, "rules %.1f%% covered, %.1f%% with a negative case; decoders %.1f%% covered\n", t.RulePercent(), t.NegativePercent(), t.DecoderPercent())
	return b.Flush()
}
