package pcre

import (
	"sort"
	"testing"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/internal/cputime"
	"github.com/ossec-ruletest/ossec-ruletest/internal/pcre2test"
)

// cpuTimer reports CPU time per op ("cpu-ns/op") next to the wall-clock
// ns/op, which is what to read on a loaded machine.
type cpuTimer struct{ start time.Duration }

func startCPU(b *testing.B) *cpuTimer {
	b.ReportAllocs()
	b.ResetTimer()
	return &cpuTimer{start: cputime.Used()}
}

func (c *cpuTimer) stop(b *testing.B) {
	b.ReportMetric(float64(cputime.Used()-c.start)/float64(b.N), "cpu-ns/op")
}

// stockCorpus loads the stock <pcre2> patterns and the conformance lines.
func stockCorpus(b *testing.B) ([]*Regexp, []string) {
	b.Helper()
	pats, subjects := pcre2test.Stock(b)
	seen := map[string]bool{}
	var res []*Regexp
	for _, p := range pats {
		if !p.IsPCRE2() || p.Text == "" || seen[p.Text] {
			continue
		}
		seen[p.Text] = true
		re, err := Compile(p.Text, Caseless)
		if err != nil {
			b.Fatal(err)
		}
		res = append(res, re)
	}
	return res, subjects
}

// BenchmarkStockMatch is one MatchString of a stock <pcre2> pattern on a
// conformance line (all pairs in turn).
func BenchmarkStockMatch(b *testing.B) {
	res, subjects := stockCorpus(b)
	c := startCPU(b)
	i, j := 0, 0
	for n := 0; n < b.N; n++ {
		res[i].MatchString(subjects[j])
		if j++; j == len(subjects) {
			j = 0
			if i++; i == len(res) {
				i = 0
			}
		}
	}
	c.stop(b)
}

// BenchmarkStockExec is BenchmarkStockMatch with the ovector (Exec).
func BenchmarkStockExec(b *testing.B) {
	res, subjects := stockCorpus(b)
	ov := make([]int, 0, 64)
	c := startCPU(b)
	i, j := 0, 0
	for n := 0; n < b.N; n++ {
		ov, _ = res[i].Exec(subjects[j], ov[:0])
		if j++; j == len(subjects) {
			j = 0
			if i++; i == len(res) {
				i = 0
			}
		}
	}
	c.stop(b)
}

// BenchmarkStockCompile compiles every stock <pcre2> pattern once per op.
func BenchmarkStockCompile(b *testing.B) {
	res, _ := stockCorpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for _, re := range res {
			if _, err := Compile(re.String(), Caseless); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchOne(b *testing.B, pattern string, flags Flags, subject string) {
	re := MustCompile(pattern, flags)
	b.SetBytes(int64(len(subject)))
	c := startCPU(b)
	for n := 0; n < b.N; n++ {
		re.MatchString(subject)
	}
	c.stop(b)
}

const sshLine = "Failed password for invalid user admin from 192.168.1.100 port 51234 ssh2"

func BenchmarkCaptureHit(b *testing.B) {
	benchOne(b, `^Failed \S+ for invalid user (\S+) from (\S+) port (\d+)`, Caseless, sshLine)
}
func BenchmarkLiteralMiss(b *testing.B) { benchOne(b, `authentication failure`, Caseless, sshLine) }
func BenchmarkAnchoredMiss(b *testing.B) {
	benchOne(b, `^Accepted \S+ for (\S+)`, Caseless, sshLine)
}
func BenchmarkUnanchoredHit(b *testing.B) { benchOne(b, ` from (\S+) port (\d+)`, Caseless, sshLine) }

// BenchmarkStockPerPattern runs every stock pattern over every conformance
// line once per op and logs the costliest patterns (CPU time per line).
func BenchmarkStockPerPattern(b *testing.B) {
	res, subjects := stockCorpus(b)
	type cost struct {
		pattern string
		cpu     time.Duration
	}
	costs := make([]cost, len(res))
	c := startCPU(b)
	for n := 0; n < b.N; n++ {
		for i, re := range res {
			t0 := cputime.Used()
			for _, s := range subjects {
				re.MatchString(s)
			}
			costs[i].pattern = re.String()
			costs[i].cpu += cputime.Used() - t0
		}
	}
	c.stop(b)
	sort.Slice(costs, func(i, j int) bool { return costs[i].cpu > costs[j].cpu })
	per := func(x cost) float64 { return float64(x.cpu) / float64(b.N*len(subjects)) }
	b.ReportMetric(per(costs[len(costs)/2]), "median-cpu-ns/match")
	for _, x := range costs[:min(8, len(costs))] {
		b.Logf("%10.0f cpu-ns per line: %.70q", per(x), x.pattern)
	}
}
