package report

import (
	"bufio"
	"cmp"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/internal/coverage"
	"github.com/ossec-ruletest/ossec-ruletest/internal/noise"
)

type htmlReporter struct{}

func (htmlReporter) Noise(w io.Writer, r *noise.Report) error { return HTML(w, Page{Noise: r}) }

func (htmlReporter) Coverage(w io.Writer, r *coverage.Report) error {
	return HTML(w, Page{Coverage: r})
}

// Page is what one HTML page shows: a noise report, a coverage report, or
// both.
type Page struct {
	Title    string
	Noise    *noise.Report
	Coverage *coverage.Report
}

// htmlMaxLost is how many lost alerts the page lists.
const htmlMaxLost = 1000

// Colours of the two sides.
const (
	colBefore = "#9aa5b1"
	colAfter  = "#1f6feb"
	colBad    = "#cf222e"
	colGood   = "#1a7f37"
)

const css = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1150px;color:#1f2328;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.sub{color:#59636e;margin:0 0 16px}.big{display:flex;gap:16px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px 16px;min-width:170px}.card b{display:block;font-size:26px}
.good b{color:#1a7f37}.bad b{color:#cf222e}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:13px}th,td{border-bottom:1px solid #eaeef2;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px;word-break:break-all}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px}.charts{display:grid;grid-template-columns:1fr 1fr;gap:24px}
.charts>div{min-width:0}svg{max-width:100%;height:auto}.ok{color:#1a7f37}.no{color:#cf222e}`

// HTML writes one self-contained page: inline CSS and SVG, no script, no
// external asset.
func HTML(w io.Writer, p Page) error {
	b := bufio.NewWriter(w)
	title := p.Title
	if title == "" {
		switch {
		case p.Noise != nil:
			title = fmt.Sprintf("Noise: %s → %s", p.Noise.Before.Label, p.Noise.After.Label)
		default:
			title = "Rule coverage"
		}
	}
	fmt.Fprintf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title>\n<style>%s</style></head><body>\n", esc(title), css)
	fmt.Fprintf(b, "<h1>%s</h1>\n", esc(title))
	if p.Noise != nil {
		noiseHTML(b, p.Noise)
	}
	if p.Coverage != nil {
		coverageHTML(b, p.Coverage, p.Noise != nil)
	}
	fmt.Fprintf(b, "</body></html>\n")
	return b.Flush()
}

func esc(s string) string { return html.EscapeString(s) }

func legend(b *bufio.Writer, before, after string) {
	fmt.Fprintf(b, "<p class=\"legend\"><span style=\"background:%s\"></span>before: %s <span style=\"background:%s\"></span>after: %s</p>\n", colBefore, esc(before), colAfter, esc(after))
}

func noiseHTML(b *bufio.Writer, r *noise.Report) {
	t := r.Totals
	shard := ""
	if r.Shard != "" {
		shard = fmt.Sprintf(", shard %s", esc(r.Shard))
	}
	fmt.Fprintf(b, "<p class=\"sub\">%d events from %s%s. Lost alerts: events at level ≥ %d before (email_alert_level of %s) that are not after.</p>\n",
		r.Events, esc(strings.Join(r.Inputs, " ")), shard, r.Level, esc(r.Before.Label))
	lostClass := "good"
	if r.LostCount > 0 {
		lostClass = "bad"
	}
	fmt.Fprintf(b, "<div class=\"big\">")
	fmt.Fprintf(b, "<div class=\"card good\">emails<b>%s</b>%d → %d</div>", change(t.Before.Emails, t.After.Emails), t.Before.Emails, t.After.Emails)
	fmt.Fprintf(b, "<div class=\"card\">alerts at level ≥ %d<b>%s</b>%d → %d</div>", r.Level, change(t.Before.Notable, t.After.Notable), t.Before.Notable, t.After.Notable)
	fmt.Fprintf(b, "<div class=\"card\">alerts logged<b>%s</b>%d → %d</div>", pct(t.Before.Alerts, t.After.Alerts), t.Before.Alerts, t.After.Alerts)
	fmt.Fprintf(b, "<div class=\"card %s\">lost alerts<b>%d</b>%d accepted as known changes</div>", lostClass, r.LostCount, r.AcceptedCount)
	fmt.Fprintf(b, "</div>\n")

	legend(b, r.Before.Label, r.After.Label)
	fmt.Fprintf(b, "<div class=\"charts\"><div><h2>Totals</h2>\n")
	b.WriteString(hbars([]bar{
		{"alerts logged", t.Before.Alerts, t.After.Alerts},
		{fmt.Sprintf("alerts ≥ level %d", r.Level), t.Before.Notable, t.After.Notable},
		{"emails", t.Before.Emails, t.After.Emails},
	}))
	fmt.Fprintf(b, "</div><div><h2>Alerts per level</h2>\n")
	b.WriteString(levelChart(r))
	fmt.Fprintf(b, "</div></div>\n<h2>Alerts per rule group</h2>\n")
	var groups []bar
	for _, g := range r.Groups {
		groups = append(groups, bar{g.Group, g.Before, g.After})
	}
	slices.SortStableFunc(groups, func(x, y bar) int { return cmp.Compare(max(y.before, y.after), max(x.before, x.after)) })
	if len(groups) > 30 {
		groups = groups[:30]
	}
	b.WriteString(hbars(groups))

	if acc := acceptedGroups(r); len(acc) > 0 {
		fmt.Fprintf(b, "<h2>Accepted losses (known changes)</h2>\n<table><tr><th>before</th><th>after</th><th class=\"n\">events</th><th>reason</th><th>where</th></tr>\n")
		for _, k := range acc {
			fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td class=\"n\">%d</td><td>%s</td><td>%s</td></tr>\n", esc(k.Before), esc(k.After), k.Used, esc(k.Reason), esc(k.Pos))
		}
		fmt.Fprintf(b, "</table>\n")
	}
	lost := r.Lost
	fmt.Fprintf(b, "<h2>Lost alerts (%d)</h2>\n", r.LostCount)
	if n := listed(r); n != "" {
		fmt.Fprintf(b, "<p>Listing %s.</p>\n", esc(n))
	}
	if len(lost) == 0 {
		fmt.Fprintf(b, "<p class=\"ok\">No event that alerted at level ≥ %d before is silent after.</p>\n", r.Level)
	} else {
		fmt.Fprintf(b, "<table><tr><th>event</th><th>host</th><th>before</th><th>after</th><th>log</th></tr>\n")
		for i, l := range lost {
			if i == htmlMaxLost {
				fmt.Fprintf(b, "<tr><td colspan=\"5\">… and %d more (see the JSON report)</td></tr>\n", r.LostCount-htmlMaxLost)
				break
			}
			fmt.Fprintf(b, "<tr><td>%s:%d</td><td>%s</td><td>%s</td><td class=\"no\">%s</td><td><code>%s</code></td></tr>\n",
				esc(l.Source), l.Line, esc(l.Host), esc(outcome(l.Before, l.BeforeFollowUp)), esc(outcome(l.After, l.AfterFollowUp)), esc(l.Log))
		}
		fmt.Fprintf(b, "</table>\n")
	}
	if len(r.Transitions) > 0 {
		fmt.Fprintf(b, "<h2>Where the alerts at level ≥ %d went</h2>\n<table><tr><th>before</th><th>after</th><th>final (follow-up)</th><th class=\"n\">events</th><th class=\"n\">silent after (lost or accepted)</th></tr>\n", r.Level)
		for _, x := range r.Transitions {
			fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n", ruleName(x.BeforeRule), ruleName(x.AfterRule), ruleName(x.FinalRule), x.Events, x.Lost)
		}
		fmt.Fprintf(b, "</table>\n")
	}
	fmt.Fprintf(b, "<h2>Per rule</h2>\n<table><tr><th class=\"n\">rule</th><th>level</th><th>description</th><th class=\"n\">events before</th><th class=\"n\">events after</th><th class=\"n\">alerts before</th><th class=\"n\">alerts after</th><th class=\"n\">emails before</th><th class=\"n\">emails after</th><th>file:line</th></tr>\n")
	for _, x := range r.Rules {
		info := x.Info()
		fmt.Fprintf(b, "<tr><td class=\"n\">%d</td><td>%s</td><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td>%s:%d</td></tr>\n",
			x.ID, levels(x), esc(info.Description), x.Before.Events, x.After.Events, x.Before.Alerts, x.After.Alerts, x.Before.Emails, x.After.Emails, esc(info.File), info.Line)
	}
	fmt.Fprintf(b, "</table>\n")
}

type bar struct {
	label         string
	before, after int64
}

// hbars draws a horizontal grouped bar chart, one pair of bars per row.
func hbars(rows []bar) string {
	const labelW, barW, rowH, pad = 170, 380, 34, 60
	var maxV int64 = 1
	for _, r := range rows {
		maxV = max(maxV, r.before, r.after)
	}
	h := len(rows)*rowH + 10
	var s strings.Builder
	fmt.Fprintf(&s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-size=\"12\" role=\"img\">\n", labelW+barW+pad, h, labelW+barW+pad, h)
	for i, r := range rows {
		y := i*rowH + 4
		fmt.Fprintf(&s, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" dominant-baseline=\"middle\">%s</text>\n", labelW-8, y+rowH/2-2, esc(r.label))
		for j, v := range []int64{r.before, r.after} {
			col := colBefore
			if j == 1 {
				col = colAfter
			}
			w := int(float64(v) * barW / float64(maxV))
			if v > 0 && w < 1 {
				w = 1
			}
			by := y + j*14
			fmt.Fprintf(&s, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"12\" fill=\"%s\"><title>%s %s: %d</title></rect>", labelW, by, w, col, esc(r.label), []string{"before", "after"}[j], v)
			fmt.Fprintf(&s, "<text x=\"%d\" y=\"%d\" dominant-baseline=\"middle\" fill=\"#59636e\">%d</text>\n", labelW+w+4, by+6, v)
		}
	}
	s.WriteString("</svg>\n")
	return s.String()
}

// levelChart draws vertical grouped bars of the alerts per level 0-16.
func levelChart(r *noise.Report) string {
	const w, h, left, bottom, top = 540, 260, 44, 28, 12
	byLevel := map[int]noise.LevelRow{}
	hi := 16
	var maxV int64 = 1
	for _, l := range r.Levels {
		byLevel[l.Level] = l
		hi = max(hi, l.Level)
		maxV = max(maxV, l.Before, l.After)
	}
	slot := float64(w-left-8) / float64(hi+1)
	plotH := float64(h - bottom - top)
	var s strings.Builder
	fmt.Fprintf(&s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-size=\"11\" role=\"img\">\n", w, h, w, h)
	fmt.Fprintf(&s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8c959f\"/>\n", left, h-bottom, w-8, h-bottom)
	for _, frac := range []float64{0, 0.5, 1} {
		y := float64(h-bottom) - frac*plotH
		fmt.Fprintf(&s, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#59636e\">%d</text>", left-4, y, int64(frac*float64(maxV)))
		fmt.Fprintf(&s, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eaeef2\"/>\n", left, y, w-8, y)
	}
	// The threshold of lost alerts.
	tx := float64(left) + slot*float64(r.Level)
	fmt.Fprintf(&s, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" fill=\"%s\">level ≥ %d</text>\n",
		tx, top, tx, h-bottom, colBad, tx+3, top+8, colBad, r.Level)
	bw := slot/2 - 2
	for lv := 0; lv <= hi; lv++ {
		x := float64(left) + slot*float64(lv)
		l := byLevel[lv]
		for j, v := range []int64{l.Before, l.After} {
			col := colBefore
			if j == 1 {
				col = colAfter
			}
			bh := float64(v) * plotH / float64(maxV)
			if v > 0 && bh < 1 {
				bh = 1
			}
			fmt.Fprintf(&s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>level %d %s: %d</title></rect>", x+1+float64(j)*(bw+1), float64(h-bottom)-bh, bw, bh, col, lv, []string{"before", "after"}[j], v)
		}
		fmt.Fprintf(&s, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#59636e\">%d</text>\n", x+slot/2, h-bottom+14, lv)
	}
	fmt.Fprintf(&s, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#59636e\">level</text>\n", left+(w-left)/2, h-2)
	s.WriteString("</svg>\n")
	return s.String()
}

// coverageHTML writes the coverage report; heading is false when the
// page's own title already says it (a page with coverage alone).
func coverageHTML(b *bufio.Writer, r *coverage.Report, heading bool) {
	t := r.Totals
	if heading {
		fmt.Fprintf(b, "<h2>Rule coverage</h2>\n")
	}
	fmt.Fprintf(b, "<div class=\"big\">")
	card := func(name string, p float64, detail string) {
		class := "good"
		if p < 100 {
			class = "bad"
		}
		fmt.Fprintf(b, "<div class=\"card %s\">%s<b>%.1f%%</b>%s</div>", class, name, p, detail)
	}
	card("rules covered", t.RulePercent(), fmt.Sprintf("%d of %d", t.RulesCovered, t.Rules))
	card("with a negative case", t.NegativePercent(), fmt.Sprintf("%d of %d", t.RulesNegative, t.Rules))
	card("decoders covered", t.DecoderPercent(), fmt.Sprintf("%d of %d", t.DecodersCovered, t.Decoders))
	fmt.Fprintf(b, "</div>\n")
	for _, f := range r.Failures {
		fmt.Fprintf(b, "<p class=\"no\">FAIL: %s</p>\n", esc(f))
	}
	fmt.Fprintf(b, "<table><tr><th>file</th><th class=\"n\">rules covered</th><th class=\"n\">with negative</th><th class=\"n\">decoders covered</th><th></th></tr>\n")
	for _, f := range append(append([]coverage.File(nil), r.Files...), t) {
		bar := "" // nothing to cover: no bar, rather than a full one
		if f.Rules+f.Decoders > 0 {
			bar = meter(coverage.Percent(f.RulesCovered+f.DecodersCovered, f.Rules+f.Decoders))
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>%s</td></tr>\n",
			esc(f.File), frac(f.RulesCovered, f.Rules), frac(f.RulesNegative, f.Rules), frac(f.DecodersCovered, f.Decoders), bar)
	}
	fmt.Fprintf(b, "</table>\n<table><tr><th>file:line</th><th class=\"n\">rule</th><th class=\"n\">level</th><th>description</th><th class=\"n\">events</th><th>positive cases</th><th>negative cases</th></tr>\n")
	for _, x := range r.Rules {
		pos := "<span class=\"no\">none</span>"
		if len(x.Positive) > 0 {
			pos = esc(strings.Join(x.Positive, ", "))
		} else if x.Covered() {
			pos = "(no assertion)"
		}
		neg := "<span class=\"no\">none</span>"
		if len(x.Negative) > 0 {
			neg = esc(strings.Join(x.Negative, ", "))
		}
		fmt.Fprintf(b, "<tr><td>%s:%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td>%s</td><td class=\"n\">%d</td><td>%s</td><td>%s</td></tr>\n",
			esc(x.File), x.Line, x.ID, x.Level, esc(x.Description), x.Matched, pos, neg)
	}
	fmt.Fprintf(b, "</table>\n<table><tr><th>file:line</th><th>decoder</th><th class=\"n\">events</th></tr>\n")
	for _, x := range r.Decoders {
		n := fmt.Sprint(x.Matched)
		if x.Matched == 0 {
			n = "<span class=\"no\">0</span>"
		}
		fmt.Fprintf(b, "<tr><td>%s:%d</td><td>%s</td><td class=\"n\">%s</td></tr>\n", esc(x.File), x.Line, esc(x.Name), n)
	}
	fmt.Fprintf(b, "</table>\n")
}

// meter is a small inline SVG bar of a percentage.
func meter(p float64) string {
	col := colGood
	if p < 100 {
		col = colBad
	}
	return fmt.Sprintf("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"10\"><rect width=\"120\" height=\"10\" fill=\"#eaeef2\"/><rect width=\"%.0f\" height=\"10\" fill=\"%s\"/></svg>", p*1.2, col)
}

// frac is "part/whole", or "–" when there is nothing to count (a file
// without rules has no "0/0 covered").
func frac(part, whole int) string {
	if whole == 0 {
		return "–"
	}
	return fmt.Sprintf("%d/%d", part, whole)
}
