package logtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScratchEmptiesDiffQueue checks that every run of a built installation
// starts with an empty queue/diff (where check_diff keeps its state), and
// that a user's own installation is never emptied.
func TestScratchEmptiesDiffQueue(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the stand-in program")
	}
	dir := t.TempDir()
	// A stand-in for ossec-logtest: it reports how many entries queue/diff
	// holds, then leaves one behind, as check_diff would.
	prog := filepath.Join(dir, "fake-logtest")
	script := "#!/bin/sh\nd=\"$2/queue/diff\"\nmkdir -p \"$d\"\nls -A \"$d\" | wc -l\ntouch \"$d/last-entry-$$\"\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, scratch := range []bool{true, false} {
		inst := filepath.Join(dir, map[bool]string{true: "scratch", false: "users"}[scratch])
		c := &Command{Binary: prog, Dir: inst, Config: filepath.Join(inst, "etc", "ossec.conf"), Scratch: scratch}
		var counts []string
		for i := 0; i < 3; i++ {
			out, _, err := c.Run(context.Background(), false, nil)
			if err != nil {
				t.Fatal(err)
			}
			counts = append(counts, strings.TrimSpace(string(out)))
		}
		want := "0 0 0"
		if !scratch {
			want = "0 1 2"
		}
		if got := strings.Join(counts, " "); got != want {
			t.Errorf("Scratch=%v: entries in queue/diff at each run = %s, want %s", scratch, got, want)
		}
	}
}
