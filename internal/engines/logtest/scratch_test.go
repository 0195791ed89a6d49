package logtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
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

// TestScratchConcurrentRuns: runs of one scratch installation at the same
// time (cases sharing a ruleset) each start from an empty queue/diff and
// none fails (the emptying of one raced the chown or the run of another).
func TestScratchConcurrentRuns(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the stand-in program")
	}
	dir := t.TempDir()
	prog := filepath.Join(dir, "fake-logtest")
	script := "#!/bin/sh\nd=\"$2/queue/diff\"\nls -A \"$d\" | wc -l\ntouch \"$d/entry-$$\"\nsleep 0.02\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	inst := filepath.Join(dir, "scratch")
	c := &Command{Binary: prog, Dir: inst, Config: filepath.Join(inst, "etc", "ossec.conf"), Scratch: true}
	var wg sync.WaitGroup
	outs := make([]string, 8)
	errs := make([]error, 8)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, _, err := c.Run(context.Background(), i%2 == 0, nil)
			outs[i], errs[i] = strings.TrimSpace(string(out)), err
		}()
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil || outs[i] != "0" {
			t.Errorf("run %d: %v, %q entries in queue/diff at its start, want 0", i, errs[i], outs[i])
		}
	}
}

// TestScratchQueueOwner checks that a built installation's queue/fts and
// queue/diff belong to the owner of the installation's own queue/fts:
// ossec-logtest 4.3.0 drops root for the ossec user after its chroot and
// then stops with "Could not chmod object 'queue/fts/fts-queue'" when the
// queue is root's.
func TestScratchQueueOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving files to another user needs root")
	}
	inst := t.TempDir()
	for _, d := range []string{"bin", "etc", "queue/fts"} {
		if err := os.MkdirAll(filepath.Join(inst, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(inst, "bin", "ossec-logtest"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"etc/ossec.conf", "etc/internal_options.conf"} {
		if err := os.WriteFile(filepath.Join(inst, f), []byte("<ossec_config></ossec_config>\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const uid, gid = 4242, 4343
	if err := os.Chown(filepath.Join(inst, "queue", "fts"), uid, gid); err != nil {
		t.Fatal(err)
	}
	b := &Backend{Dir: inst}
	c, err := b.build(ruleset.Sources{Base: inst})
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(c.Dir)
	if _, _, err := c.Run(context.Background(), false, nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"queue/fts", "queue/diff"} {
		got, ok := ownerOf(filepath.Join(c.Dir, d))
		if !ok || got != (Owner{UID: uid, GID: gid}) {
			t.Errorf("%s of the built installation: owner %+v (known %v), want %d:%d", d, got, ok, uid, gid)
		}
	}
}
