package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
)

// Cases is the outcome of a run of cases, as the run command reports it.
type Cases struct {
	Results []harness.CaseResult
	// Verbose makes the text report print every case with its log, passed
	// ones too.
	Verbose bool
}

// ExpectedFailure is the status of a case that failed and is listed in a
// file of expected failures (run --expected-failures); its SkipReason is
// the listed reason.
const ExpectedFailure harness.Status = "expected-failure"

// Counts returns how many cases passed, failed and were skipped (expected
// failures are none of them).
func (c *Cases) Counts() (passed, failed, skipped int) {
	for _, r := range c.Results {
		switch r.Status {
		case harness.Passed:
			passed++
		case harness.Failed:
			failed++
		case ExpectedFailure:
		default:
			skipped++
		}
	}
	return
}

// Summary is the last line of a run: "N passed, M failed".
func (c *Cases) Summary() string {
	p, f, _ := c.Counts()
	return fmt.Sprintf("%d passed, %d failed", p, f)
}

// CasesReporter writes case results in one format.
type CasesReporter interface {
	Cases(w io.Writer, c *Cases) error
}

// casesFormats is the one list of the formats of case results.
var casesFormats = map[string]CasesReporter{
	"text":     textReporter{},
	"json":     jsonReporter{},
	"junit":    junitReporter{},
	"markdown": markdownReporter{},
}

// ForCases returns the case-results reporter of a format name: text, json,
// junit or markdown.
func ForCases(name string) (CasesReporter, error) {
	r, ok := casesFormats[name]
	if !ok {
		return nil, fmt.Errorf("unknown case report format %q (known: json, junit, markdown, text)", name)
	}
	return r, nil
}

// Cases prints the failed and skipped cases with their logs (every case
// when verbose), then the skipped count and the summary line.
func (textReporter) Cases(w io.Writer, c *Cases) error {
	b := bufio.NewWriter(w)
	for _, r := range c.Results {
		var head string
		switch r.Status {
		case harness.Failed:
			head = "--- FAIL"
		case ExpectedFailure:
			fmt.Fprintf(b, "--- XFAIL: %s (%s): %s\n", r.Name, r.File, r.SkipReason)
			continue
		case harness.Skipped:
			if !c.Verbose {
				fmt.Fprintf(b, "--- SKIP: %s (%s): %s\n", r.Name, r.File, r.SkipReason)
				continue
			}
			head = "--- SKIP"
		default:
			if !c.Verbose {
				continue
			}
			head = "--- PASS"
		}
		fmt.Fprintf(b, "%s: %s (%s, %.3fs)\n", head, r.Name, r.File, r.Duration.Seconds())
		for _, l := range strings.Split(strings.TrimRight(r.Log, "\n"), "\n") {
			if l != "" {
				fmt.Fprintf(b, "    %s\n", l)
			}
		}
	}
	if _, _, skipped := c.Counts(); skipped > 0 {
		fmt.Fprintf(b, "%d skipped\n", skipped)
	}
	fmt.Fprintln(b, c.Summary())
	return b.Flush()
}

// jsonCase is a case of the JSON report: the result, and for a failed
// case where it failed (file and line of the failing command, or of the
// file that did not load) and the message.
type jsonCase struct {
	harness.CaseResult
	Failure *jsonFailure `json:"failure,omitempty"`
}

type jsonFailure struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// failurePos matches "FAIL: FILE:LINE: MESSAGE" in a case log.
var failurePos = regexp.MustCompile(`(?m)^FAIL: (.+?):(\d+): (.*)$`)

func failureOf(r harness.CaseResult) *jsonFailure {
	if r.Status != harness.Failed {
		return nil
	}
	if m := failurePos.FindStringSubmatch(r.Log); m != nil {
		line, _ := strconv.Atoi(m[2])
		return &jsonFailure{File: m[1], Line: line, Message: m[3]}
	}
	return &jsonFailure{File: r.File, Message: lastLine(r.Log)}
}

// Cases writes {passed, failed, skipped, cases}, each failed case with
// its failure's file, line and message.
func (jsonReporter) Cases(w io.Writer, c *Cases) error {
	cases := make([]jsonCase, len(c.Results))
	for i, r := range c.Results {
		cases[i] = jsonCase{CaseResult: r, Failure: failureOf(r)}
	}
	p, f, s := c.Counts()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Passed  int        `json:"passed"`
		Failed  int        `json:"failed"`
		Skipped int        `json:"skipped"`
		Cases   []jsonCase `json:"cases"`
	}{p, f, s, cases})
}

// Cases writes one test case per case, its class the case's folder; a
// failed case's failure message is its first FAIL line.
func (junitReporter) Cases(w io.Writer, c *Cases) error {
	s := junitSuite{Name: "ossec-ruletest run"}
	var total float64
	for _, r := range c.Results {
		jc := junitCase{Name: r.Name, ClassName: filepath.ToSlash(filepath.Dir(r.File)), File: r.File, Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
		total += r.Duration.Seconds()
		switch r.Status {
		case harness.Failed:
			jc.Failure = &junitFailure{Message: FirstFailure(r.Log), Text: r.Log}
		case harness.Skipped:
			jc.Skipped = &junitFailure{Message: r.SkipReason}
		case ExpectedFailure:
			jc.Skipped = &junitFailure{Message: "expected failure: " + r.SkipReason}
		}
		s.Cases = append(s.Cases, jc)
	}
	s.Time = fmt.Sprintf("%.3f", total)
	return writeJUnit(w, "ossec-ruletest run", s)
}

// Cases writes the summary and a table of the failed and skipped cases,
// for a CI job summary.
func (markdownReporter) Cases(w io.Writer, c *Cases) error {
	b := bufio.NewWriter(w)
	p, f, s := c.Counts()
	x := len(c.Results) - p - f - s // expected failures
	mark := "✅"
	if f > 0 {
		mark = "❌"
	}
	fmt.Fprintf(b, "## Cases\n\n%s **%d passed, %d failed**, %d skipped", mark, p, f, s)
	if x > 0 {
		fmt.Fprintf(b, ", %d failed as expected", x)
	}
	fmt.Fprintln(b, ".")
	if f+s+x > 0 {
		fmt.Fprintf(b, "\n| case | file | result | reason |\n|---|---|---|---|\n")
		for _, r := range c.Results {
			switch r.Status {
			case harness.Failed:
				fmt.Fprintf(b, "| %s | %s | failed | %s |\n", md(r.Name), md(r.File), md(FirstFailure(r.Log)))
			case harness.Skipped:
				fmt.Fprintf(b, "| %s | %s | skipped | %s |\n", md(r.Name), md(r.File), md(r.SkipReason))
			case ExpectedFailure:
				fmt.Fprintf(b, "| %s | %s | failed as expected | %s |\n", md(r.Name), md(r.File), md(r.SkipReason))
			}
		}
	}
	return b.Flush()
}

// FirstFailure is the "file:line: ..." of the first "FAIL: " line of a
// case log, or its last line when there is none.
func FirstFailure(log string) string {
	for _, l := range strings.Split(log, "\n") {
		if rest, ok := strings.CutPrefix(l, "FAIL: "); ok {
			return rest
		}
	}
	return lastLine(log)
}

func lastLine(log string) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	return lines[len(lines)-1]
}
