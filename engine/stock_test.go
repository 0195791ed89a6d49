package engine_test

import (
	"sync"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/conformance"
	"github.com/ossec-ruletest/ossec-ruletest/internal/cputime"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

var (
	stockOnce sync.Once
	stockRS   *ruleset.Ruleset
	stockErr  error
)

// stock loads the stock OSSEC 4.3.0 ruleset the conformance data was
// recorded with.
func stock(t testing.TB) *ruleset.Ruleset {
	t.Helper()
	dir := testenv.StockRuleset(t)
	stockOnce.Do(func() {
		stockRS, stockErr = ruleset.Load(ruleset.Sources{Base: dir})
	})
	if stockErr != nil {
		t.Fatalf("loading the stock ruleset: %v", stockErr)
	}
	return stockRS
}

// TestStockSample compares a few recorded events of each kind with the
// engine on the stock ruleset (the full comparison is the conformance
// package's test): one fresh session per record, or per sequence.
func TestStockSample(t *testing.T) {
	recs, err := conformance.LoadDir(testenv.Conformance(t))
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(stock(t), engine.Options{Hostname: "melancia", Now: fixedClock})
	bad, n := 0, 0
	check := func(s *engine.Session, r *conformance.Record) {
		n++
		res := s.Process(r.Log)
		got := conformance.Observed(res)
		want := conformance.Expected(r, r.Log)
		if d := conformance.Compare(want, got); len(d) > 0 {
			bad++
			if bad <= 40 {
				t.Errorf("%s: %q\n%v", r.Where(), r.Log, d)
			}
		}
	}
	for _, r := range recs {
		if len(r.ExtraEvents) > 0 || r.DelayBeforeS > 0 {
			continue
		}
		s := e.NewSession()
		if len(r.Sequence) == 0 {
			check(s, r)
			continue
		}
		for _, it := range r.Sequence {
			if it.DelayBeforeS > 0 {
				break
			}
			check(s, it)
		}
	}
	t.Logf("%d of %d events differ", bad, n)
}

// BenchmarkProcessStock runs the conformance lines through the stock
// ruleset in one session.
func BenchmarkProcessStock(b *testing.B) { benchmarkProcess(b, stock(b)) }

// BenchmarkNewStock measures engine.New on the stock ruleset: a one-line
// logtest run pays it once before its first verdict.
func BenchmarkNewStock(b *testing.B) {
	rs := stock(b)
	b.ReportAllocs()
	cpu0 := cputime.Used()
	for b.Loop() {
		engine.New(rs, engine.Options{Hostname: "melancia", Now: fixedClock})
	}
	b.ReportMetric(float64((cputime.Used()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// TestConcurrentSessions runs sessions of one Engine in parallel: each
// must give what a lone session of another Engine gives. The Engine is
// fresh, so that its sessions also make together what it makes on first
// use (value filters, RuleMatch, patterns), which -race checks.
func TestConcurrentSessions(t *testing.T) {
	recs := records(t)
	rs := stock(t)
	opts := engine.Options{Hostname: "melancia", Now: fixedClock}
	run := func(e *engine.Engine) []string {
		s := e.NewSession()
		var out []string
		for _, r := range recs {
			res := s.Process(r.Log)
			id := "-"
			if res.Rule != nil {
				id = res.Rule.Description
			}
			out = append(out, res.Decoder+"|"+id)
		}
		return out
	}
	want := run(engine.New(rs, opts))
	e := engine.New(rs, opts)
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := run(e)
			for i := range want {
				if got[i] != want[i] {
					errs <- recs[i].Where() + ": " + got[i] + " != " + want[i]
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// FuzzProcessStock runs arbitrary lines end to end through the stock
// ruleset, three times in one session so that correlation runs too.
func FuzzProcessStock(f *testing.F) {
	addSeeds(f)
	e := engine.New(stock(f), engine.Options{Hostname: "melancia", Now: fixedClock})
	f.Fuzz(func(t *testing.T, line string) {
		s := e.NewSession()
		for i := 0; i < 3; i++ {
			checkResult(t, line, s.Process(line))
		}
	})
}

// BenchmarkSessionStock measures what a new session of the stock ruleset
// costs after one event (B/op: the memory a replay pays per host and
// side before its correlation state grows).
func BenchmarkSessionStock(b *testing.B) {
	e := engine.New(stock(b), engine.Options{Hostname: "melancia", Now: fixedClock})
	b.ReportAllocs()
	for b.Loop() {
		s := e.NewSession()
		s.Process("Oct 15 21:07:00 linux-server sshd[29205]: Failed password for root from 192.0.2.5 port 1066 ssh2")
	}
}
