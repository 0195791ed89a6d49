package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
)

func sampleCases() *Cases {
	return &Cases{Results: []harness.CaseResult{
		{Name: "good", File: "cases/good.txtar", Status: harness.Passed, Duration: 10 * time.Millisecond},
		{Name: "bad", File: "cases/bad.txtar", Status: harness.Failed, Log: "> rule 1\nFAIL: cases/bad.txtar:3: rule: mismatch\n", Duration: 20 * time.Millisecond},
		{Name: "fim", File: "cases/fim.txtar", Status: harness.Skipped, SkipReason: "needs the stock ruleset"},
		{Name: "x.ini:4", File: "tests/x.ini", Status: ExpectedFailure, SkipReason: "known difference"},
	}}
}

func renderCases(t *testing.T, format string, c *Cases) string {
	t.Helper()
	r, err := ForCases(format)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.Cases(&b, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestCasesReports(t *testing.T) {
	c := sampleCases()
	if p, f, s := c.Counts(); p != 1 || f != 1 || s != 1 {
		t.Errorf("Counts = %d, %d, %d; want 1, 1, 1 (an expected failure is none)", p, f, s)
	}
	text := renderCases(t, "text", c)
	contains(t, "text", text,
		"--- FAIL: bad (cases/bad.txtar, 0.020s)\n    > rule 1\n    FAIL: cases/bad.txtar:3: rule: mismatch\n",
		"--- SKIP: fim (cases/fim.txtar): needs the stock ruleset\n",
		"--- XFAIL: x.ini:4 (tests/x.ini): known difference\n",
		"1 skipped\n1 passed, 1 failed\n")
	if strings.Contains(text, "good") {
		t.Errorf("text lists a passed case without -v:\n%s", text)
	}
	c.Verbose = true
	contains(t, "verbose text", renderCases(t, "text", c), "--- PASS: good (cases/good.txtar, 0.010s)\n")

	var js struct {
		Passed, Failed, Skipped int
		Cases                   []harness.CaseResult
	}
	if err := json.Unmarshal([]byte(renderCases(t, "json", c)), &js); err != nil {
		t.Fatal(err)
	}
	if js.Passed != 1 || js.Failed != 1 || js.Skipped != 1 || len(js.Cases) != 4 || js.Cases[1].Status != harness.Failed {
		t.Errorf("json = %+v", js)
	}

	var doc struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Suite    []struct {
			Case []struct {
				Name      string `xml:"name,attr"`
				ClassName string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(renderCases(t, "junit", c)), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Name != "ossec-ruletest run" || doc.Tests != 4 || doc.Failures != 1 || doc.Skipped != 2 || len(doc.Suite) != 1 {
		t.Fatalf("junit = %+v", doc)
	}
	cs := doc.Suite[0].Case
	if cs[1].Failure == nil || cs[1].Failure.Message != "cases/bad.txtar:3: rule: mismatch" || cs[1].ClassName != "cases" {
		t.Errorf("junit failed case = %+v", cs[1])
	}
	if cs[3].Skipped == nil || cs[3].Skipped.Message != "expected failure: known difference" {
		t.Errorf("junit expected failure = %+v", cs[3])
	}

	contains(t, "markdown", renderCases(t, "markdown", c),
		"❌ **1 passed, 1 failed**, 1 skipped, 1 failed as expected.\n",
		"| bad | cases/bad.txtar | failed | cases/bad.txtar:3: rule: mismatch |\n",
		"| fim | cases/fim.txtar | skipped | needs the stock ruleset |\n",
		"| x.ini:4 | tests/x.ini | failed as expected | known difference |\n")

	if _, err := ForCases("html"); err == nil {
		t.Error("ForCases(html): no error")
	}
}
