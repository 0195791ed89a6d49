package engine_test

import (
	"testing"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/cputime"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// benchLines are the recorded input lines (the events real ossec-logtest
// analysed for the conformance data).
func benchLines(b *testing.B) []string {
	var lines []string
	for _, r := range records(b) {
		lines = append(lines, r.Log)
	}
	if len(lines) == 0 {
		b.Fatal("no conformance lines")
	}
	return lines
}

func benchmarkProcess(b *testing.B, rs *ruleset.Ruleset) {
	lines := benchLines(b)
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	e := engine.New(rs, engine.Options{Hostname: "melancia", Now: func() time.Time { return start }})
	s := e.NewSession()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Used()
	for i := 0; i < b.N; i++ {
		s.Process(lines[i%len(lines)])
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	if cpu := cputime.Used() - cpu0; cpu > 0 {
		// Lines per second of CPU time (all threads of the process,
		// garbage collector included).
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "lines/cpu-s")
	}
}

// BenchmarkProcessSmall runs the conformance lines through the
// hand-built small ruleset (pre-decoding dominates).
func BenchmarkProcessSmall(b *testing.B) { benchmarkProcess(b, smallRuleset(b)) }

// BenchmarkProcessEmpty measures the engine without decoders or rules:
// pre-decoding and the per-event bookkeeping.
func BenchmarkProcessEmpty(b *testing.B) { benchmarkProcess(b, &ruleset.Ruleset{}) }
