package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/report"
)

// statusXFail is the status of a case that failed and is listed in the
// file of expected failures.
const statusXFail = report.ExpectedFailure

// xfail is one line of a file of expected failures.
type xfail struct {
	key    string // FILE.ini:LINE or a case file, slash-separated
	reason string
	line   int
	used   bool
}

// readExpectedFailures reads a file of expected failures: one case per
// line, "CASE REASON", where CASE is an .ini test line (FILE.ini:LINE) or a
// case file, matched against the end of the case's path; blank lines and
// lines starting with # are comments. A line without a reason, or a file
// with no case at all, is an error.
func readExpectedFailures(file string) ([]xfail, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []xfail
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, reason, _ := strings.Cut(line, " ")
		if t := strings.IndexByte(key, '\t'); t >= 0 {
			key, reason = key[:t], key[t+1:]+" "+reason
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return nil, fmt.Errorf("%s:%d: %q has no reason: want CASE REASON (why the case fails, e.g. what real OSSEC does)", file, n, key)
		}
		for _, x := range out {
			if x.key == filepath.ToSlash(key) {
				return nil, fmt.Errorf("%s:%d: %s is listed twice (first at line %d)", file, n, key, x.line)
			}
		}
		out = append(out, xfail{key: filepath.ToSlash(key), reason: reason, line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no expected failure in it (want lines CASE REASON)", file)
	}
	return out, nil
}

// casePath is what an expected failure is matched against: FILE.ini:LINE
// for a line of an .ini file, the case file for a .txtar case.
func casePath(r harness.CaseResult) string {
	if strings.HasSuffix(r.File, ".ini") {
		return filepath.ToSlash(filepath.Join(filepath.Dir(r.File), r.Name))
	}
	return filepath.ToSlash(r.File)
}

func (x *xfail) matches(r harness.CaseResult) bool {
	p := casePath(r)
	return p == x.key || strings.HasSuffix(p, "/"+x.key)
}

// applyExpectedFailures marks the failed results listed in xfails as
// expected failures and fails the listed ones that passed; it returns the
// number of expected failures and notes the entries no case matched.
func applyExpectedFailures(results []harness.CaseResult, xfails []xfail, file string, stderr io.Writer) int {
	n := 0
	for i := range results {
		r := &results[i]
		for j := range xfails {
			x := &xfails[j]
			if !x.matches(*r) {
				continue
			}
			x.used = true
			switch r.Status {
			case harness.Failed:
				r.Status = statusXFail
				r.SkipReason = x.reason
				n++
			case harness.Passed:
				r.Status = harness.Failed
				r.Log += fmt.Sprintf("FAIL: %s:%d: expected to fail (%s), but passed: remove it from the expected failures\n", file, x.line, x.reason)
			}
			break
		}
	}
	for _, x := range xfails {
		if !x.used {
			fmt.Fprintf(stderr, "note: %s:%d: %s matches no case of this run\n", file, x.line, x.key)
		}
	}
	return n
}
