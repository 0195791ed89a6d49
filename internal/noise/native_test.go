package noise

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/examples/fleet"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/corpus"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// keepAll is the native engine keeping every past event and its scratch
// buffers: the unbounded replay the bounded one must agree with.
type keepAll struct{ e *engine.Engine }

type keepAllSession struct{ *engine.Session }

func (a keepAll) NewSession() Session { return keepAllSession{a.e.NewSession()} }

// fleetSides loads the stock ruleset (before) and the repository's layer
// on top of it (after), the fleet example's two sides, as noise runs them
// (bounded) and keeping everything (unbounded).
func fleetSides(tb testing.TB) (bounded, unbounded [2]Side) {
	base := testenv.StockRuleset(tb)
	for i, repo := range []string{"", "../.."} {
		src, err := harness.Sources(base, repo)
		if err != nil {
			tb.Fatal(err)
		}
		rs, _, err := harness.Load(src)
		if err != nil {
			tb.Fatal(err)
		}
		bounded[i] = Side{Label: "side", EmailAlertLevel: rs.Config.EmailAlertLevel, NewAnalyzer: Native(rs, "manager")}
		unbounded[i] = bounded[i]
		unbounded[i].NewAnalyzer = func(rs *ruleset.Ruleset) func(now func() time.Time) Analyzer {
			return func(now func() time.Time) Analyzer {
				return keepAll{engine.New(rs, engine.Options{Hostname: "manager", Now: now})}
			}
		}(rs)
	}
	return bounded, unbounded
}

// replay runs the corpus that open returns through sides.
func replay(tb testing.TB, open func() Source, sides [2]Side, known *KnownChanges, idle int64) *Report {
	src := open()
	if c, ok := src.(interface{ Close() error }); ok {
		defer c.Close()
	}
	rep, err := Run(context.Background(), src, sides[0], sides[1], Options{Year: 2026, Hostname: "manager", Known: known, Workers: 2, idle: idle})
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// TestBoundedSameReport replays the fleet example through the native
// engine twice: as noise does (sessions that forget what no timeframe
// reaches, scratch buffers of idle hosts released every few events) and
// keeping everything. The reports must be the same.
func TestBoundedSameReport(t *testing.T) {
	bounded, unbounded := fleetSides(t)
	known, err := ReadKnownChanges("../../examples/fleet/known-changes.txt")
	if err != nil {
		t.Fatal(err)
	}
	open := func() Source {
		src, err := corpus.Open([]string{"../../examples/fleet/corpus.log.gz"}, corpus.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	want := replay(t, open, unbounded, known, 1<<62)
	got := replay(t, open, bounded, known, 8)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("bounded replay differs (-keeping all +bounded):\n%s", d)
	}
	if want.Totals.Before.Alerts == 0 || want.InexactHosts != 0 || got.InexactHosts != 0 {
		t.Errorf("%d alerts, inexact hosts %d and %d", want.Totals.Before.Alerts, want.InexactHosts, got.InexactHosts)
	}
}

// fleetSize is the generated fleet of TestBoundedSameReportFleet and
// BenchmarkFleet: RULETEST_FLEET_HOSTS servers over RULETEST_FLEET_DAYS
// days (by default 300 and 3 for the test, 2000 and 12 for the
// benchmark). The proof of issue 13 is the 10,000-host, 12-day fleet
// (1,147,218 events): RULETEST_FLEET_HOSTS=10000 RULETEST_FLEET_DAYS=12.
func fleetSize(tb testing.TB, hosts, days int) fleet.Config {
	cfg := fleet.DefaultConfig()
	cfg.Hosts, cfg.Days = hosts, days
	for _, v := range []struct {
		name string
		n    *int
	}{{"RULETEST_FLEET_HOSTS", &cfg.Hosts}, {"RULETEST_FLEET_DAYS", &cfg.Days}} {
		if s := os.Getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				tb.Fatalf("%s=%q: want a positive number", v.name, s)
			}
			*v.n = n
		}
	}
	return cfg
}

// gzipFleet generates the fleet's corpus, gzip-compressed in memory as
// noise would read it from a file.
func gzipFleet(tb testing.TB, cfg fleet.Config) (gz []byte, lines int) {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	st, err := fleet.Generate(zw, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes(), st.Lines
}

func openGzip(tb testing.TB, gz []byte) func() Source {
	return func() Source {
		src, err := corpus.Open([]string{"-"}, corpus.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		src.SetStdin(bytes.NewReader(gz))
		return src
	}
}

// TestBoundedSameReportFleet is TestBoundedSameReport on a generated
// fleet (fleetSize), with noise's own idle threshold: many hosts, each
// idle for long stretches of the worker's events.
func TestBoundedSameReportFleet(t *testing.T) {
	bounded, unbounded := fleetSides(t)
	known, err := ReadKnownChanges("../../examples/fleet/known-changes.txt")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fleetSize(t, 300, 3)
	gz, lines := gzipFleet(t, cfg)
	want := replay(t, openGzip(t, gz), unbounded, known, 1<<62)
	if want.Replayed != int64(lines) || want.Totals.Before.Alerts == 0 || want.InexactHosts != 0 {
		t.Errorf("%d of %d events replayed, %d alerts, %d inexact hosts", want.Replayed, lines, want.Totals.Before.Alerts, want.InexactHosts)
	}
	// noise's idle threshold, and one that releases hosts all the time.
	for _, idle := range []int64{0, 64} {
		got := replay(t, openGzip(t, gz), bounded, known, idle)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%d hosts, %d days, idle %d: bounded replay differs (-keeping all +bounded):\n%s", cfg.Hosts, cfg.Days, idle, d)
		}
	}
	t.Logf("%d hosts, %d days, %d events: the same report, %d alerts before, %d after, %d lost, %d accepted", cfg.Hosts, cfg.Days, lines, want.Totals.Before.Alerts, want.Totals.After.Alerts, want.LostCount, want.AcceptedCount)
}

// BenchmarkFleet replays a generated fleet (fleetSize) read from gzip as
// noise reads a file, on 2 workers, and reports events per second and the
// largest live heap seen (at the end of a garbage collection) in MB.
func BenchmarkFleet(b *testing.B) {
	bounded, _ := fleetSides(b)
	known, err := ReadKnownChanges("../../examples/fleet/known-changes.txt")
	if err != nil {
		b.Fatal(err)
	}
	cfg := fleetSize(b, 2000, 12)
	gz, lines := gzipFleet(b, cfg)
	open := openGzip(b, gz)
	peak := watchLiveHeap()
	b.ResetTimer()
	for range b.N {
		rep := replay(b, open, bounded, known, 0)
		if rep.Replayed != int64(lines) {
			b.Fatalf("replayed %d of %d", rep.Replayed, lines)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(peak())/1e6, "peak-live-MB")
}

// watchLiveHeap samples the live heap (as of the last garbage
// collection) until the returned function is called, which returns the
// largest sample.
func watchLiveHeap() func() uint64 {
	var mu sync.Mutex
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			mu.Lock()
			peak = max(peak, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
