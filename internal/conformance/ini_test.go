package conformance

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/initest"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// iniLine is one log line of a stock .ini test with what real OSSEC made
// of it.
type iniLine struct {
	file  string
	sect  *initest.Section
	log   initest.Log
	truth *Record // its ossec-testing record
}

func stockINI(t testing.TB) []iniLine {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(testenv.StockRuleset(t), "tests", "*.ini"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no tests/*.ini in the stock ruleset (%v)", err)
	}
	recs, err := LoadFile(filepath.Join(testenv.Conformance(t), "ossec-testing.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	var out []iniLine
	for _, p := range paths {
		f, err := initest.Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range f.Sections {
			for _, lg := range s.Logs {
				id := fmt.Sprintf("ot/%s/L%d", filepath.Base(p), lg.Line)
				r := byID[id]
				if r == nil || r.INI == nil {
					t.Fatalf("%s:%d: no ossec-testing record %s", p, lg.Line, id)
				}
				delete(byID, id)
				out = append(out, iniLine{filepath.Base(p), s, lg, r})
			}
		}
	}
	for id, r := range byID {
		t.Errorf("%s: record %s has no log line in the .ini files", r.Where(), id)
	}
	return out
}

// verdict runs text in a fresh session and returns the -U exit code.
func verdict(rs *ruleset.Ruleset, c initest.Check, text string) int {
	s, _ := newSession(rs)
	r := s.Process(text)
	return c.ExitCode(append([]engine.Result{r}, r.Extra...))
}

// TestINIVerdicts runs every log line of the stock .ini tests as OSSEC's
// runner does (a fresh process per line, checked with -U) and demands the
// verdict real OSSEC gave: the same exit code, hence the same pass/fail,
// including the 11 lines on which OSSEC disagrees with the ini file.
func TestINIVerdicts(t *testing.T) {
	rs := stock(t)
	lines := stockINI(t)
	same, disagree := 0, 0
	for _, l := range lines {
		c := l.sect.Check()
		code := verdict(rs, c, l.log.Text)
		want := l.truth.INI.UTExitCode
		if code != want {
			t.Errorf("%s: %s:%d [%s] %s: -U %s exits %d natively, %d under OSSEC", l.truth.Where(), l.file, l.log.Line, l.sect.Name, l.log.Key, c, code, want)
		} else {
			same++
		}
		passed := code == 0
		if passed != (l.log.Expect == initest.Pass) {
			disagree++
		}
		// The text a Python 3 ConfigParser runner would feed instead.
		for _, v := range l.truth.INI.RunnerVariants {
			if got := verdict(rs, c, v.Log); got != v.UTExitCode {
				t.Errorf("%s: %s:%d variant %v: exits %d natively, %d under OSSEC", l.truth.Where(), l.file, l.log.Line, v.Runners, got, v.UTExitCode)
			}
		}
	}
	t.Logf("ini verdicts: %d of %d lines give OSSEC's exit code; %d lines disagree with their ini expectation (OSSEC: 11)", same, len(lines), disagree)
	if len(lines) == 264 && same == len(lines) && disagree != 11 {
		t.Errorf("%d lines disagree with the ini files, OSSEC's recordings say 11", disagree)
	}
}

// BenchmarkStockINI runs the whole stock .ini set, a fresh session per
// line, as `ossec-ruletest run` does.
func BenchmarkStockINI(b *testing.B) {
	rs := stock(b)
	lines := stockINI(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, l := range lines {
			verdict(rs, l.sect.Check(), l.log.Text)
		}
	}
	b.ReportMetric(float64(len(lines)), "lines/op")
}
