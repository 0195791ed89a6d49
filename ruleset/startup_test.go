package ruleset

import (
	"regexp"
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

// TestLooksLikeEmail checks the hand-written check against the regular
// expression it replaces.
func TestLooksLikeEmail(t *testing.T) {
	re := regexp.MustCompile(`[a-zA-Z0-9._-]+@[a-zA-Z0-9._-]`)
	alphabet := []byte("a@.Z9_-@ +\x00\xff")
	r := uint64(1)
	for i := 0; i < 20000; i++ {
		r ^= r << 13
		r ^= r >> 7
		r ^= r << 17
		b := make([]byte, r%8)
		for j := range b {
			b[j] = alphabet[(r>>(8+4*j))%uint64(len(alphabet))]
		}
		if s := string(b); looksLikeEmail(s) != re.MatchString(s) {
			t.Fatalf("looksLikeEmail(%q) = %v, regexp %v", s, looksLikeEmail(s), re.MatchString(s))
		}
	}
	for _, s := range []string{"root@localhost", "a@b", "@b", "a@", "x @y", "me@.", "", "@"} {
		if looksLikeEmail(s) != re.MatchString(s) {
			t.Errorf("looksLikeEmail(%q) = %v", s, looksLikeEmail(s))
		}
	}
}
