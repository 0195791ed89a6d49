package harness

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/cputime"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// BenchmarkCase runs one case of ../cases per op, each case a
// sub-benchmark, as run --watch runs a case the user saved: on a native
// engine that has already loaded the ruleset (the repository's on the
// stock one, or the case's own), its work directory in one WorkRoot. A
// case that does not pass fails the benchmark.
func BenchmarkCase(b *testing.B) {
	cfg := &Config{
		Backend:  NewNative("ossec-ruletest"),
		Base:     testenv.StockRuleset(b),
		Repo:     "..",
		ARBin:    testenv.ARBin(b),
		WorkRoot: b.TempDir(),
	}
	files, err := filepath.Glob("../cases/*.txtar")
	if err != nil || len(files) == 0 {
		b.Fatalf("no cases in ../cases: %v", err)
	}
	for _, file := range files {
		b.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(b *testing.B) {
			run := func() {
				if r := RunFiles(cfg, []string{file}, false)[0]; r.Status != Passed {
					b.Fatalf("%s %s: %s\n%s", file, r.Status, r.SkipReason, r.Log)
				}
			}
			run() // loads the ruleset, first time only
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cputime.Used()
			for b.Loop() {
				run()
			}
			b.ReportMetric(float64((cputime.Used()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
