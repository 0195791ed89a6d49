package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/internal/coverage"
	"github.com/ossec-ruletest/ossec-ruletest/internal/noise"
)

type markdownReporter struct{}

// mdMaxLost is how many lost alerts a Markdown summary lists.
const mdMaxLost = 50

// md escapes text for a Markdown table cell.
func md(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "`", "'", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`)
	return r.Replace(s)
}

func (markdownReporter) Noise(w io.Writer, r *noise.Report) error {
	b := bufio.NewWriter(w)
	t := r.Totals
	mark := "✅"
	if r.LostCount > 0 {
		mark = "❌"
	}
	fmt.Fprintf(b, "## Noise: %s → %s\n\n", md(r.Before.Label), md(r.After.Label))
	fmt.Fprintf(b, "%s emails **%s**, **%d lost alerts** (level ≥ %d) over %d events", mark, change(t.Before.Emails, t.After.Emails), r.LostCount, r.Level, r.Events)
	if r.Shard != "" {
		fmt.Fprintf(b, " (shard %s)", r.Shard)
	}
	fmt.Fprintf(b, ".\n\n| | before | after | reduction |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(b, "| alerts logged | %d | %d | %s |\n", t.Before.Alerts, t.After.Alerts, pct(t.Before.Alerts, t.After.Alerts))
	fmt.Fprintf(b, "| alerts at level ≥ %d | %d | %d | %s |\n", r.Level, t.Before.Notable, t.After.Notable, pct(t.Before.Notable, t.After.Notable))
	fmt.Fprintf(b, "| emails | %d | %d | %s |\n\n", t.Before.Emails, t.After.Emails, pct(t.Before.Emails, t.After.Emails))

	if acc := acceptedGroups(r); len(acc) > 0 {
		fmt.Fprintf(b, "Accepted as known changes: %d.\n\n| before | after | events | reason |\n|---|---|---:|---|\n", r.AcceptedCount)
		for _, k := range acc {
			fmt.Fprintf(b, "| %s | %s | %d | %s (%s) |\n", k.Before, k.After, k.Used, md(k.Reason), md(k.Pos))
		}
		fmt.Fprintln(b)
	}
	if lost := r.Lost; len(lost) > 0 {
		fmt.Fprintf(b, "### Lost alerts\n\n| event | host | before | after | log |\n|---|---|---|---|---|\n")
		for i, l := range lost {
			if i == mdMaxLost {
				fmt.Fprintf(b, "\n…and %d more (see the JSON or HTML report).\n", r.LostCount-mdMaxLost)
				break
			}
			fmt.Fprintf(b, "| %s:%d | %s | %s | %s | `%s` |\n", md(l.Source), l.Line, md(l.Host), md(outcome(l.Before, l.BeforeFollowUp)), md(outcome(l.After, l.AfterFollowUp)), md(l.Log))
		}
		fmt.Fprintln(b)
	}
	fmt.Fprintf(b, "<details><summary>Per rule</summary>\n\n| rule | level | description | alerts before | alerts after | emails before | emails after | file |\n|---:|---|---|---:|---:|---:|---:|---|\n")
	for _, x := range r.Rules {
		info := x.Info()
		fmt.Fprintf(b, "| %d | %s | %s | %d | %d | %d | %d | %s:%d |\n", x.ID, levels(x), md(info.Description), x.Before.Alerts, x.After.Alerts, x.Before.Emails, x.After.Emails, md(info.File), info.Line)
	}
	fmt.Fprintf(b, "\n</details>\n")
	return b.Flush()
}

func (markdownReporter) Coverage(w io.Writer, r *coverage.Report) error {
	b := bufio.NewWriter(w)
	t := r.Totals
	mark := "✅"
	if !r.Passed() {
		mark = "❌"
	}
	fmt.Fprintf(b, "## Rule coverage\n\n%s rules **%.1f%%** covered (%d/%d), **%.1f%%** with a negative case, decoders **%.1f%%** (%d/%d), %d cases.\n\n",
		mark, t.RulePercent(), t.RulesCovered, t.Rules, t.NegativePercent(), t.DecoderPercent(), t.DecodersCovered, t.Decoders, r.Cases)
	fmt.Fprintf(b, "| file | rules | negative | decoders |\n|---|---:|---:|---:|\n")
	for _, f := range append(append([]coverage.File(nil), r.Files...), t) {
		fmt.Fprintf(b, "| %s | %d/%d | %d/%d | %d/%d |\n", md(f.File), f.RulesCovered, f.Rules, f.RulesNegative, f.Rules, f.DecodersCovered, f.Decoders)
	}
	if len(r.Failures) > 0 {
		fmt.Fprintf(b, "\n### Failures\n\n")
		for _, f := range r.Failures {
			fmt.Fprintf(b, "- %s\n", md(f))
		}
	}
	var missing []coverage.Rule
	for _, x := range r.Rules {
		if !x.Covered() {
			missing = append(missing, x)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(b, "\n### Rules no case fired\n\n| rule | level | description | file |\n|---:|---:|---|---|\n")
		for _, x := range missing {
			fmt.Fprintf(b, "| %d | %d | %s | %s:%d |\n", x.ID, x.Level, md(x.Description), md(x.File), x.Line)
		}
	}
	return b.Flush()
}
