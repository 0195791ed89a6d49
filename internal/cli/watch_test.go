package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the watch loop and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until buf holds n occurrences of want.
func waitFor(t *testing.T, buf *syncBuffer, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(buf.String(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %d× %q after 20 s; output:\n%s", n, want, buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWatch: run --watch runs the cases, then after a save only the case
// that changed, then all cases when a rule file changes, with the new rule.
func TestWatch(t *testing.T) {
	repo := t.TempDir()
	for _, d := range []string{"rules", "cases"} {
		if err := os.Mkdir(filepath.Join(repo, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(repo, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rule := func(level string) string {
		return `<group name="w,"><rule id="100001" level="` + level + `"><match>^watch me</match><description>w</description></rule></group>`
	}
	write("rules/w.xml", rule("3"))
	write("cases/a.txtar", "logtest 'watch me'\nrule 100001 level=3\n")
	write("cases/b.txtar", "logtest 'watch me too'\nrule 100001\n")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan int)
	go func() {
		done <- watchLoop(ctx, []string{"--repo", repo, "--base", ""}, repo, []string{filepath.Join(repo, "cases")}, "manager", &out, &errs)
	}()
	waitFor(t, &errs, "watching for changes", 1)
	if !strings.Contains(out.String(), "2 passed, 0 failed") {
		t.Fatalf("first run: %s", out.String())
	}
	time.Sleep(20 * time.Millisecond) // a later modification time
	write("cases/b.txtar", "logtest 'watch me too'\nrule 100001 level=3\n")
	waitFor(t, &errs, "watching for changes", 2)
	if !strings.Contains(errs.String(), "changed "+filepath.Join(repo, "cases", "b.txtar")) || !strings.Contains(out.String(), "1 passed, 0 failed") {
		t.Fatalf("after saving b: stdout %s\nstderr %s", out.String(), errs.String())
	}
	write("rules/w.xml", rule("4"))
	waitFor(t, &errs, "watching for changes", 3)
	if !strings.Contains(errs.String(), ": all cases") || !strings.Contains(out.String(), "0 passed, 2 failed") {
		t.Fatalf("after changing the rule: stdout %s\nstderr %s", out.String(), errs.String())
	}
	cancel()
	if code := <-done; code != ExitInterrupt {
		t.Errorf("exit code %d, want %d", code, ExitInterrupt)
	}
}
