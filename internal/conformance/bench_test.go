package conformance

import (
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// BenchmarkLoadStock measures loading and compiling the stock ruleset.
func BenchmarkLoadStock(b *testing.B) {
	dir := testenv.StockRuleset(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ruleset.Load(ruleset.Sources{Base: dir}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConformanceLines feeds every input line of the conformance data
// to one session, as one ossec-logtest process reads a file: events per
// second and allocations per event.
func BenchmarkConformanceLines(b *testing.B) {
	rs := stock(b)
	recs, err := LoadDir(testenv.Conformance(b))
	if err != nil {
		b.Fatal(err)
	}
	var lines []string
	for _, r := range recs {
		if len(r.Sequence) == 0 {
			lines = append(lines, r.Log)
		}
		for _, it := range r.Sequence {
			lines = append(lines, it.Log)
		}
	}
	s, _ := newSession(rs)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		s.Process(lines[n%len(lines)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
