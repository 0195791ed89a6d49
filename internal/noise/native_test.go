package noise

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/corpus"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// keepAll is the native engine keeping every past event and its scratch
// buffers: the unbounded replay the bounded one must agree with.
type keepAll struct{ e *engine.Engine }

type keepAllSession struct{ *engine.Session }

func (a keepAll) NewSession() Session { return keepAllSession{a.e.NewSession()} }

// TestBoundedSameReport replays the fleet example through the native
// engine twice: as noise does (sessions that forget what no timeframe
// reaches, scratch buffers of idle hosts released every few events) and
// keeping everything. The reports must be the same.
func TestBoundedSameReport(t *testing.T) {
	base := testenv.StockRuleset(t)
	var bounded, unbounded [2]Side
	for i, repo := range []string{"", "../.."} {
		src, err := harness.Sources(base, repo)
		if err != nil {
			t.Fatal(err)
		}
		rs, _, err := harness.Load(src)
		if err != nil {
			t.Fatal(err)
		}
		bounded[i] = Side{Label: "side", EmailAlertLevel: rs.Config.EmailAlertLevel, NewAnalyzer: Native(rs, "manager")}
		unbounded[i] = bounded[i]
		unbounded[i].NewAnalyzer = func(now func() time.Time) Analyzer {
			return keepAll{engine.New(rs, engine.Options{Hostname: "manager", Now: now})}
		}
	}
	known, err := ReadKnownChanges("../../examples/fleet/known-changes.txt")
	if err != nil {
		t.Fatal(err)
	}
	run := func(sides [2]Side, idle int64) *Report {
		src, err := corpus.Open([]string{"../../examples/fleet/corpus.log.gz"}, corpus.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		rep, err := Run(context.Background(), src, sides[0], sides[1], Options{Year: 2026, Hostname: "manager", Known: known, Workers: 2, idle: idle})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	want := run(unbounded, 1<<62)
	got := run(bounded, 8)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("bounded replay differs (-keeping all +bounded):\n%s", d)
	}
	if want.Totals.Before.Alerts == 0 || want.InexactHosts != 0 || got.InexactHosts != 0 {
		t.Errorf("%d alerts, inexact hosts %d and %d", want.Totals.Before.Alerts, want.InexactHosts, got.InexactHosts)
	}
}
