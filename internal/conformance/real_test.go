package conformance

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/logtest"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// TestRealOSSEC runs the conformance records through a real ossec-logtest
// with the logtest engine (package internal/engines/logtest) and compares with the
// recordings, as TestConformance does for the native engine: it checks
// the logtest engine and its output parser against OSSEC itself. It needs
// RULETEST_OSSEC_DIR and root, and takes minutes (one or two ossec-logtest
// processes per record), so -short skips it.
func TestRealOSSEC(t *testing.T) {
	dir := testenv.OSSECDir(t)
	switch {
	case os.Geteuid() != 0:
		t.Skip("ossec-logtest chroots into its directory: this test needs root")
	case testing.Short():
		t.Skip("runs ossec-logtest twice per record: skipped with -short")
	}
	recs, err := LoadDir(testenv.Conformance(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := logtest.NewBackend(dir, Hostname)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cmd, err := b.Install(ruleset.Sources{Base: testenv.StockRuleset(t)})
	if err != nil {
		t.Fatal(err)
	}
	table := NewTable()
	bad := 0
	for _, r := range recs {
		items := r.Sequence
		if len(items) == 0 {
			items = []*Record{r}
		}
		var lines []string
		for _, it := range items {
			if it.DelayBeforeS > 0 {
				t.Logf("%s: %s waits %gs before an item; the replay does not", r.Where(), r.ID, it.DelayBeforeS)
			}
			lines = append(lines, logtestfmt.SplitInput(it.Log)...)
		}
		res, err := logtest.Replay(t.Context(), cmd.Run, lines)
		if err != nil {
			t.Errorf("%s: %s: %v", r.Where(), r.ID, err)
			continue
		}
		k := 0
		for _, it := range items {
			n := len(logtestfmt.SplitInput(it.Log))
			got := res[k]
			var extra []engine.Result
			for _, x := range res[k+1 : k+n] {
				if !x.Skipped {
					extra = append(extra, x)
				}
			}
			k += n
			evs := []struct {
				rec *Record
				res engine.Result
			}{{it, got}}
			for j, x := range it.ExtraEvents {
				var g engine.Result
				if j < len(extra) {
					g = extra[j]
				}
				evs = append(evs, struct {
					rec *Record
					res engine.Result
				}{x, g})
			}
			for _, ev := range evs {
				want := Expected(ev.rec, ev.rec.Log)
				diffs := Compare(want, Observed(ev.res))
				table.Add(want, diffs, func(string) bool { return false })
				if len(diffs) > 0 && bad < maxReported {
					bad++
					var sb strings.Builder
					fmt.Fprintf(&sb, "%s: %s (real ossec-logtest now vs recorded):\n", r.Where(), ev.rec.ID)
					for _, d := range diffs {
						fmt.Fprintf(&sb, "  %s (-recorded +now):\n%s", d.Field, indent(d.Text))
					}
					t.Error(sb.String())
				}
			}
		}
	}
	var sb strings.Builder
	table.Write(&sb)
	t.Logf("real ossec-logtest through the logtest engine vs the recordings:\n%s", sb.String())
}
