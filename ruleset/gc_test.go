package ruleset

import (
	"runtime/debug"
	"sync"
	"testing"
)

// TestLoadRestoresGCPercent checks that Load puts back the GOGC it found,
// also when loads overlap, and leaves a disabled or higher one alone.
func TestLoadRestoresGCPercent(t *testing.T) {
	for _, before := range []int{50, 100, 1000, -1} {
		old := debug.SetGCPercent(before)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := Load(Sources{}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := debug.SetGCPercent(old); got != before {
			t.Errorf("GOGC %d before Load, %d after", before, got)
		}
	}
}

// TestRelaxGC checks the GOGC a Load runs with.
func TestRelaxGC(t *testing.T) {
	for _, c := range []struct{ before, during int }{{100, loadGCPercent}, {1000, 1000}, {-1, -1}} {
		old := debug.SetGCPercent(c.before)
		restore := relaxGC()
		during := debug.SetGCPercent(loadGCPercent)
		debug.SetGCPercent(during)
		restore()
		if after := debug.SetGCPercent(old); during != c.during || after != c.before {
			t.Errorf("GOGC %d: %d during a load (want %d), %d after", c.before, during, c.during, after)
		}
	}
}
