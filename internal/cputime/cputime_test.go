package cputime

import (
	"testing"
	"time"
)

// TestUsedGrows spins for a while and checks that Used counted it: CPU
// time (or, where there is none, wall time) never goes back and grows
// with work done.
func TestUsedGrows(t *testing.T) {
	before := Used()
	x := 0
	for spin := time.Now(); time.Since(spin) < 50*time.Millisecond; x++ {
	}
	after := Used()
	if after <= before {
		t.Fatalf("Used went from %v to %v over %d iterations of a busy loop", before, after, x)
	}
}
