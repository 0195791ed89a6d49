package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/internal/coverage"
	"github.com/ossec-ruletest/ossec-ruletest/internal/noise"
)

type junitReporter struct{}

// The one JUnit schema of every report: testsuites > testsuite >
// testcase, with counts on both levels, and time, file and skipped where
// the report has them (case runs).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr,omitempty"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr,omitempty"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Time      string        `xml:"time,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitFailure `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes s as the one suite of a document named name; the
// counts are computed from its cases.
func writeJUnit(w io.Writer, name string, s junitSuite) error {
	s.Tests, s.Failures, s.Skipped = 0, 0, 0
	for _, c := range s.Cases {
		s.Tests++
		if c.Failure != nil {
			s.Failures++
		}
		if c.Skipped != nil {
			s.Skipped++
		}
	}
	doc := junitSuites{Name: name, Tests: s.Tests, Failures: s.Failures, Skipped: s.Skipped, Time: s.Time, Suites: []junitSuite{s}}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitMaxLost is how many lost alerts one failure lists.
const junitMaxLost = 100

// Noise writes one test case per path the alerts at the threshold took
// (before rule -> after rule -> final rule); it fails when the path lost
// alerts no known change accepts (among those the report lists), and a
// summary case that fails on any such loss.
func (junitReporter) Noise(w io.Writer, r *noise.Report) error {
	s := junitSuite{Name: fmt.Sprintf("noise %s -> %s", r.Before.Label, r.After.Label)}
	for _, t := range r.Transitions {
		c := junitCase{ClassName: "noise", Name: fmt.Sprintf("rule %s -> %s -> %s", ruleName(t.BeforeRule), ruleName(t.AfterRule), ruleName(t.FinalRule))}
		var lines []string
		n := 0
		for _, l := range r.Lost {
			if l.BeforeRule != t.BeforeRule || l.After.Rule != t.AfterRule || l.FinalRule != t.FinalRule {
				continue
			}
			n++
			if n <= junitMaxLost {
				lines = append(lines, fmt.Sprintf("%s:%d [%s] %s\n  after: %s", l.Source, l.Line, l.Host, l.Log, outcome(l.After, l.AfterFollowUp)))
			}
		}
		if n > junitMaxLost {
			lines = append(lines, fmt.Sprintf("... and %d more", n-junitMaxLost))
		}
		if n > 0 {
			c.Failure = &junitFailure{Message: fmt.Sprintf("%d of %d alerts at level >= %d lost", n, t.Events, r.Level), Text: strings.Join(lines, "\n")}
		} else {
			c.SystemOut = fmt.Sprintf("%d events, %d lost (accepted as known changes)", t.Events, t.Lost)
		}
		s.Cases = append(s.Cases, c)
	}
	total := junitCase{ClassName: "noise", Name: "summary", SystemOut: summary(r)}
	if r.LostCount > 0 {
		total.Failure = &junitFailure{Message: fmt.Sprintf("%d lost alerts", r.LostCount), Text: summary(r)}
	}
	s.Cases = append(s.Cases, total)
	return writeJUnit(w, "ossec-ruletest noise", s)
}

// Coverage writes one test case per rule and decoder in scope; a rule
// fails when no case fired it, or, with RequireNegative, when it has no
// negative case.
func (junitReporter) Coverage(w io.Writer, r *coverage.Report) error {
	s := junitSuite{Name: "coverage"}
	for _, x := range r.Rules {
		c := junitCase{ClassName: x.File, Name: fmt.Sprintf("rule %d", x.ID)}
		switch {
		case !x.Covered():
			c.Failure = &junitFailure{Message: "no case fired the rule", Text: fmt.Sprintf("%s:%d: rule %d %s", x.File, x.Line, x.ID, x.Description)}
		case r.RequireNegative && len(x.Negative) == 0:
			c.Failure = &junitFailure{Message: "no negative case", Text: fmt.Sprintf("%s:%d: rule %d %s: positive in %s", x.File, x.Line, x.ID, x.Description, strings.Join(x.Positive, ", "))}
		default:
			c.SystemOut = fmt.Sprintf("matched %s; positive: %s; negative: %s", plural(int64(x.Matched), "event"), strings.Join(x.Positive, ", "), strings.Join(x.Negative, ", "))
		}
		s.Cases = append(s.Cases, c)
	}
	for _, x := range r.Decoders {
		c := junitCase{ClassName: x.File, Name: "decoder " + x.Name}
		if x.Matched == 0 {
			c.Failure = &junitFailure{Message: "no case used the decoder", Text: fmt.Sprintf("%s:%d: decoder %s", x.File, x.Line, x.Name)}
		}
		s.Cases = append(s.Cases, c)
	}
	return writeJUnit(w, "ossec-ruletest coverage", s)
}

// plural is "1 event", "2 events".
func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
