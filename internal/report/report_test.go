package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/coverage"
	"github.com/ossec-ruletest/ossec-ruletest/internal/noise"
)

func sampleNoise() *noise.Report {
	return &noise.Report{
		Before: noise.SideInfo{Label: "stock", EmailAlertLevel: 7},
		After:  noise.SideInfo{Label: "ours", EmailAlertLevel: 9},
		Level:  7, Inputs: []string{"fleet.log.gz"}, Events: 10, Replayed: 10,
		Totals: noise.Pair{
			Before: noise.Counts{Events: 10, Alerts: 8, Notable: 8, Emails: 8},
			After:  noise.Counts{Events: 10, Alerts: 10, Notable: 2, Emails: 1},
		},
		Rules: []noise.RuleRow{
			{ID: 550, BeforeRule: &noise.RuleInfo{Level: 7, Description: "Integrity checksum changed.", Groups: []string{"ossec", "syscheck"}, File: "rules/ossec_rules.xml", Line: 180},
				AfterRule: &noise.RuleInfo{Level: 7, Description: "Integrity checksum changed.", File: "rules/ossec_rules.xml", Line: 180},
				Pair:      noise.Pair{Before: noise.Counts{Events: 8, Alerts: 8, Notable: 8, Emails: 8}, After: noise.Counts{Events: 8}}},
			{ID: 107002, AfterRule: &noise.RuleInfo{Level: 12, Description: "Verified: Unauthorized File Change", Groups: []string{"verify"}, File: "rules/ossec-ar-verify_rules.xml", Line: 22},
				Pair: noise.Pair{After: noise.Counts{Events: 1, Alerts: 1, Notable: 1, Emails: 1}}},
		},
		Groups:      []noise.GroupRow{{Group: "syscheck", Before: 8, After: 8}, {Group: "verify", After: 2}},
		Levels:      []noise.LevelRow{{Level: 1, After: 8}, {Level: 7, Before: 8}, {Level: 12, After: 1}},
		Transitions: []noise.Transition{{BeforeRule: 550, AfterRule: 106002, FinalRule: 107001, Events: 6, Lost: 6}, {BeforeRule: 550, AfterRule: 106002, FinalRule: 106002, Events: 1, Lost: 1}, {BeforeRule: 550, AfterRule: 106002, FinalRule: 107002, Events: 1}},
		Lost: []noise.Lost{
			{Seq: 3, Source: "fleet.log.gz", Line: 4, Host: "web01", Log: "8:(web01) any->syscheck:<script>alert(1)</script> /etc/x",
				Before: noise.Outcome{Rule: 550, Level: 7, Alert: true, Mail: true}, After: noise.Outcome{Rule: 106002, Level: 1, Alert: true},
				BeforeRule: 550, FinalRule: 106002},
		},
		LostCount: 1, AcceptedCount: 1, MaxLost: 10000,
		Known: []noise.KnownUse{{KnownChange: noise.KnownChange{Before: "550", After: "107001", Reason: "verified", Pos: "known.txt:2"}, Used: 1}},
	}
}

func sampleCoverage() *coverage.Report {
	return &coverage.Report{
		Rules: []coverage.Rule{
			{ID: 107001, Level: 1, Description: "ok", File: "rules/v.xml", Line: 14, Matched: 2, Positive: []string{"cases/ok.txtar"}, Negative: []string{"cases/bad.txtar"}},
			{ID: 107003, Level: 9, Description: "never", File: "rules/v.xml", Line: 30, Positive: []string{}, Negative: []string{}},
		},
		Decoders: []coverage.Decoder{{Name: "ossec-ar-verify", File: "decoders/v.xml", Line: 1, Matched: 3}},
		Files:    []coverage.File{{File: "decoders/v.xml", Decoders: 1, DecodersCovered: 1}, {File: "rules/v.xml", Rules: 2, RulesCovered: 1, RulesNegative: 1}},
		Totals:   coverage.File{File: "total", Rules: 2, RulesCovered: 1, RulesNegative: 1, Decoders: 1, DecodersCovered: 1},
		Cases:    2, Min: 100, Failures: []string{"rule coverage 50.0% is under 100.0%"},
	}
}

func render(t *testing.T, format string, n *noise.Report, c *coverage.Report) string {
	t.Helper()
	r, err := For(format)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if n != nil {
		err = r.Noise(&b, n)
	} else {
		err = r.Coverage(&b, c)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: missing %q in:\n%s", what, w, got)
		}
	}
}

func TestText(t *testing.T) {
	got := render(t, "text", sampleNoise(), nil)
	contains(t, "text noise", got,
		"noise: stock -> ours, 10 events from fleet.log.gz\n",
		"alerts at level >= 7            8          2      75.0%\n",
		"emails                          8          1      87.5%\n",
		"lost alerts: 1 (1 more accepted as known changes)\n",
		"  accepted 1: 550 -> 107001, verified (known.txt:2)\n",
		"LOST fleet.log.gz:4 [web01] 8:(web01)",
		"     after:  rule 106002 (level 1)\n",
		"  550      106002   107001           6         6\n",
		"  107002  12      0/0/0                1/1/1                      new  Verified: Unauthorized File Change (rules/ossec-ar-verify_rules.xml:22)\n",
		"emails 8 -> 1 (87.5% fewer), alerts at level >= 7 8 -> 2 (75.0% fewer), 1 lost alerts\n")
	if strings.Contains(got, "LOST fleet.log.gz:6") {
		t.Errorf("text lists an accepted loss as LOST:\n%s", got)
	}
	got = render(t, "text", nil, sampleCoverage())
	contains(t, "text coverage", got,
		"rules/v.xml                                    1/2  50%       1/2  50%              -\n",
		"rules no case fired:\n  rules/v.xml:30: rule 107003 (level 9) never\n",
		"FAIL: rule coverage 50.0% is under 100.0%\n")
}

func TestJUnit(t *testing.T) {
	type suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suite    []struct {
			Case []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	var s suites
	if err := xml.Unmarshal([]byte(render(t, "junit", sampleNoise(), nil)), &s); err != nil {
		t.Fatal(err)
	}
	// Transitions 550->106002->107001 (lost but accepted... one accepted,
	// none unaccepted), 550->106002->none (1 lost), ->107002, and the summary.
	if s.Tests != 4 || s.Failures != 2 {
		t.Errorf("noise JUnit: %d tests, %d failures; want 4, 2", s.Tests, s.Failures)
	}
	if f := s.Suite[0].Case[1].Failure; f == nil || f.Message != "1 of 1 alerts at level >= 7 lost" {
		t.Errorf("noise JUnit case %s failure = %+v", s.Suite[0].Case[1].Name, f)
	}
	s = suites{}
	if err := xml.Unmarshal([]byte(render(t, "junit", nil, sampleCoverage())), &s); err != nil {
		t.Fatal(err)
	}
	if s.Tests != 3 || s.Failures != 1 || s.Suite[0].Case[1].Name != "rule 107003" {
		t.Errorf("coverage JUnit: %+v", s)
	}
}

// TestJUnitCoverageCounts: "matched 1 event", "matched 2 events".
func TestJUnitCoverageCounts(t *testing.T) {
	c := sampleCoverage()
	c.Rules[1].Matched = 1
	got := render(t, "junit", nil, c)
	if !strings.Contains(got, "matched 2 events;") || !strings.Contains(got, "matched 1 event;") || strings.Contains(got, "matched 1 events") {
		t.Errorf("coverage JUnit counts:\n%s", got)
	}
}

func TestMarkdown(t *testing.T) {
	got := render(t, "markdown", sampleNoise(), nil)
	contains(t, "markdown noise", got,
		"## Noise: stock → ours\n\n❌ emails **87.5% fewer**, **1 lost alerts** (level ≥ 7) over 10 events.\n",
		"| emails | 8 | 1 | 87.5% |\n",
		"| fleet.log.gz:4 | web01 | rule 550 (level 7, mail) | rule 106002 (level 1) | `8:(web01) any-&gt;syscheck:&lt;script&gt;alert(1)&lt;/script&gt; /etc/x` |\n")
	got = render(t, "markdown", nil, sampleCoverage())
	contains(t, "markdown coverage", got, "❌ rules **50.0%** covered (1/2)", "| 107003 | 9 | never | rules/v.xml:30 |")
}

func TestHTML(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, Page{Noise: sampleNoise(), Coverage: sampleCoverage()}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	contains(t, "html", got, "<title>Noise: stock → ours</title>", "<svg", "Alerts per rule group", "Alerts per level", "Rule coverage",
		"&lt;script&gt;alert(1)&lt;/script&gt;", ">syscheck</text>", "<title>level 12 after: 1</title>")
	if strings.Contains(got, "<script") {
		t.Error("html: a log line's <script> got through unescaped")
	}
	for _, ext := range []string{"src=", "href=", "@import", "url("} {
		if strings.Contains(got, ext) {
			t.Errorf("html: %q: the page must not load anything", ext)
		}
	}
	// Every SVG element is closed.
	if o, c := strings.Count(got, "<svg"), strings.Count(got, "</svg>"); o != c || o < 4 {
		t.Errorf("html: %d <svg> and %d </svg>", o, c)
	}
}

func TestFor(t *testing.T) {
	if _, err := For("pdf"); err == nil || !strings.Contains(err.Error(), "html, json, junit, markdown, text") {
		t.Errorf("For(pdf): err = %v", err)
	}
}

// TestChange: a count that grows from zero is not "new fewer", one that
// grows is "more", not a negative "fewer".
func TestChange(t *testing.T) {
	for _, c := range []struct {
		before, after int64
		want          string
	}{
		{0, 213, "none before"},
		{0, 0, "none"},
		{8, 1, "87.5% fewer"},
		{4, 5, "25.0% more"},
		{7, 7, "unchanged"},
	} {
		if got := change(c.before, c.after); got != c.want {
			t.Errorf("change(%d, %d) = %q, want %q", c.before, c.after, got, c.want)
		}
	}
}

// TestHTMLCoverageOnly: a coverage page says "Rule coverage" once (its
// title), and a file with nothing of a kind shows no "0/0" and no bar.
func TestHTMLCoverageOnly(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, Page{Coverage: sampleCoverage()}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	if n := strings.Count(got, ">Rule coverage</h"); n != 1 {
		t.Errorf("heading \"Rule coverage\" %d times, want once", n)
	}
	if strings.Contains(got, ">0/0<") {
		t.Errorf("a 0/0 count is shown")
	}
	row := got[strings.Index(got, "<tr><td>decoders/v.xml</td>"):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "<td class=\"n\">–</td>") || !strings.Contains(row, "1/1") {
		t.Errorf("decoder-only file row: %s", row)
	}
}
