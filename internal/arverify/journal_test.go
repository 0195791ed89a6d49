//go:build linux

package arverify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestEnqueueWhileRotated: a fire that opened the queue just before the
// drainer took it away (renamed, verified, removed) writes its request to
// the new queue, not into the batch that is gone, so it is verified.
func TestEnqueueWhileRotated(t *testing.T) {
	dir := privateTempDir(t)
	rec := &recorder{}
	s := newSpool(t, &Verifier{}, rec)
	first := writeFile(t, filepath.Join(dir, "first"), "x", 0o644)
	late := writeFile(t, filepath.Join(dir, "late"), "x", 0o644)
	if _, err := s.Enqueue(first, testAlert); err != nil {
		t.Fatal(err)
	}
	once := true
	testHookBeforeLock = func() {
		if once {
			once = false
			if n, err := s.Drain(context.Background()); n != 1 || err != nil {
				t.Errorf("Drain in the window = %d, %v", n, err)
			}
		}
	}
	defer func() { testHookBeforeLock = nil }()
	if r, err := s.Enqueue(late, testAlert); r != Queued || err != nil {
		t.Fatalf("Enqueue = %v, %v", r, err)
	}
	testHookBeforeLock = nil
	if n, err := s.Drain(context.Background()); n != 1 || err != nil {
		t.Fatalf("Drain = %d, %v", n, err)
	}
	want := []string{
		"file unmanaged (" + first + ") changed [alert " + testAlert + "]",
		"file unmanaged (" + late + ") changed [alert " + testAlert + "]",
	}
	if strings.Join(rec.lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("verdicts:\n%s\nwant:\n%s", strings.Join(rec.lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestEnqueueConcurrentWithDrains: fires from several goroutines (each
// with descriptors of its own, so flock sees them apart) race a drainer
// that takes the queue away again and again; every path gets exactly one
// verdict.
func TestEnqueueConcurrentWithDrains(t *testing.T) {
	dir := privateTempDir(t)
	rec := &recorder{}
	s := newSpool(t, &Verifier{}, rec)
	var paths []string
	for i := 0; i < 400; i++ {
		paths = append(paths, writeFile(t, filepath.Join(dir, fmt.Sprint(i)), "x", 0o644))
	}
	var wg sync.WaitGroup
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
				s.Drain(context.Background())
			}
		}
	}()
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < len(paths); i += 4 {
				if _, err := s.Enqueue(paths[i], testAlert); err != nil {
					t.Error(err)
				}
			}
		}(g)
	}
	wg.Wait()
	close(stop)
	<-stopped // its last drain's verdicts are all in rec
	for {
		if _, err := s.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.pending(); n == 0 {
			break
		}
	}
	seen := map[string]int{}
	for _, l := range rec.lines {
		seen[l]++
	}
	for _, p := range paths {
		if l := "file unmanaged (" + p + ") changed [alert " + testAlert + "]"; seen[l] != 1 {
			t.Errorf("%s: %d verdicts", p, seen[l])
		}
	}
	if len(rec.lines) != len(paths) {
		t.Errorf("%d verdicts for %d paths", len(rec.lines), len(paths))
	}
}

// TestEnqueueLockTimeout: a queue whose lock someone holds (a fire stopped
// mid-append) makes Enqueue give up after the lock timeout with
// ErrSpoolBusy, rather than wait with every fire behind it.
func TestEnqueueLockTimeout(t *testing.T) {
	s := newSpool(t, &Verifier{}, &recorder{})
	s.LockTimeout = 100 * time.Millisecond
	p := writeFile(t, filepath.Join(privateTempDir(t), "f"), "x", 0o644)
	if _, err := s.Enqueue(p, testAlert); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Open(filepath.Join(s.Dir, "queue", curName), syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Enqueue(p+"2", testAlert)
	if !errors.Is(err, ErrSpoolBusy) {
		t.Fatalf("Enqueue with the lock held: %v", err)
	}
	if waited := time.Since(start); waited < s.LockTimeout {
		t.Fatalf("gave up after %v, before the timeout", waited)
	}
	syscall.Close(fd)
	if r, err := s.Enqueue(p+"2", testAlert); r != Queued || err != nil {
		t.Fatalf("after release: %v, %v", r, err)
	}
}

// TestDrainTakesALeftBatch: a batch left by a drainer that was killed is
// verified first, then the requests that arrived since.
func TestDrainTakesALeftBatch(t *testing.T) {
	dir := privateTempDir(t)
	rec := &recorder{}
	s := newSpool(t, &Verifier{}, rec)
	s.Workers = 1
	var want []string
	add := func(name string) {
		p := writeFile(t, filepath.Join(dir, name), "x", 0o644)
		if _, err := s.Enqueue(p, testAlert); err != nil {
			t.Fatal(err)
		}
		want = append(want, "file unmanaged ("+p+") changed [alert "+testAlert+"]")
	}
	add("a")
	add("b")
	if moved, err := s.rotate(filepath.Join(s.Dir, "queue", batchName)); !moved || err != nil {
		t.Fatalf("rotate = %v, %v", moved, err)
	}
	add("c")
	if n, _ := s.pending(); n != 3 {
		t.Fatalf("pending = %d, want 3", n)
	}
	if n, err := s.Drain(context.Background()); n != 3 || err != nil {
		t.Fatalf("Drain = %d, %v", n, err)
	}
	if strings.Join(rec.lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("verdicts:\n%s\nwant:\n%s", strings.Join(rec.lines, "\n"), strings.Join(want, "\n"))
	}
	for _, d := range []string{batchName, curName} {
		if _, err := os.Stat(filepath.Join(s.Dir, "queue", d, "journal")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s/journal left: %v", d, err)
		}
	}
}

// TestDrainCutRequest: a journal that ends in half a request (a write
// that failed half-way) is verified up to it; the half is not taken for a
// path.
func TestDrainCutRequest(t *testing.T) {
	dir := privateTempDir(t)
	rec := &recorder{}
	var logged []string
	s := newSpool(t, &Verifier{}, rec)
	s.Log = func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }
	p := writeFile(t, filepath.Join(dir, "a"), "x", 0o644)
	if _, err := s.Enqueue(p, testAlert); err != nil {
		t.Fatal(err)
	}
	j, err := os.OpenFile(filepath.Join(s.Dir, "queue", curName, journalName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	j.WriteString(testAlert + "\x00" + dir + "/b")
	j.Close()
	if n, err := s.Drain(context.Background()); n != 1 || err != nil {
		t.Fatalf("Drain = %d, %v; verdicts %q", n, err, rec.lines)
	}
	if len(rec.lines) != 1 || !strings.Contains(rec.lines[0], "("+p+")") {
		t.Fatalf("verdicts %q", rec.lines)
	}
	if !strings.Contains(strings.Join(logged, "\n"), "a request cut short") {
		t.Fatalf("log %q", logged)
	}
}

// TestDrainWaitsForAppenders: a fire still appending when the drainer
// takes the queue (it holds the queue's lock) finishes its request before
// the drainer reads the journal, so the request is verified.
func TestDrainWaitsForAppenders(t *testing.T) {
	dir := privateTempDir(t)
	rec := &recorder{}
	s := newSpool(t, &Verifier{}, rec)
	s.Workers = 1 // verdicts in arrival order
	a := writeFile(t, filepath.Join(dir, "a"), "x", 0o644)
	b := writeFile(t, filepath.Join(dir, "b"), "x", 0o644)
	if _, err := s.Enqueue(a, testAlert); err != nil {
		t.Fatal(err)
	}
	// The fire: cur opened and locked, its request not yet written.
	fd, err := syscall.Open(filepath.Join(s.Dir, "queue", curName), syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	drained := make(chan int)
	go func() {
		n, err := s.Drain(context.Background())
		if err != nil {
			t.Error(err)
		}
		drained <- n
	}()
	// Let the drainer rename the queue and wait for the lock.
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(filepath.Join(s.Dir, "queue", batchName)); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	j, err := syscall.Openat(fd, journalName, syscall.O_WRONLY|syscall.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Write(j, []byte(testAlert+"\x00"+b+"\x00"))
	syscall.Close(j)
	syscall.Close(fd)
	// The workers emit in the order they finish: b's verdict may come first.
	n := <-drained
	rec.mu.Lock()
	lines := append([]string(nil), rec.lines...)
	rec.mu.Unlock()
	if n != 2 || len(lines) != 2 || !strings.Contains(strings.Join(lines, "\n"), "("+b+")") {
		t.Fatalf("Drain settled %d; verdicts %q", n, lines)
	}
}

// TestEnqueueRefusesAForeignQueue: a queue directory that is not the
// program's own private directory (another owner, open to others, a link)
// is not written to.
func TestEnqueueRefusesAForeignQueue(t *testing.T) {
	p := writeFile(t, filepath.Join(privateTempDir(t), "f"), "x", 0o644)
	for _, tc := range []struct {
		name  string
		setup func(cur string)
	}{
		{"open to others", func(cur string) { os.Mkdir(cur, 0o777); os.Chmod(cur, 0o777) }},
		{"another owner", func(cur string) {
			if os.Getuid() != 0 {
				t.Skip("needs root to give it away")
			}
			os.Mkdir(cur, 0o700)
			os.Chown(cur, 65534, 65534)
		}},
		{"a link", func(cur string) { os.Symlink(t.TempDir(), cur) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSpool(t, &Verifier{}, &recorder{})
			tc.setup(filepath.Join(s.Dir, "queue", curName))
			if r, err := s.Enqueue(p, testAlert); err == nil {
				t.Fatalf("Enqueue = %v into a queue %s", r, tc.name)
			}
		})
	}
}

// TestNoRequestStranded: a request queued just as the drainer found the
// queue empty, by a fire that then found the drain lock taken, is verified
// by that drainer once it has released the lock.
func TestNoRequestStranded(t *testing.T) {
	dir := privateTempDir(t)
	rec := &recorder{}
	s := newSpool(t, &Verifier{}, rec)
	a := writeFile(t, filepath.Join(dir, "a"), "x", 0o644)
	late := writeFile(t, filepath.Join(dir, "late"), "x", 0o644)
	if _, err := s.Enqueue(a, testAlert); err != nil {
		t.Fatal(err)
	}
	once := true
	testHookQueueEmpty = func() {
		if !once {
			return
		}
		once = false
		fire := &Spool{Dir: s.Dir, Verifier: s.Verifier, Emit: rec.emit}
		if _, err := fire.Enqueue(late, testAlert); err != nil {
			t.Error(err)
		}
		if n, err := fire.Drain(context.Background()); n != 0 || err != nil {
			t.Errorf("the fire's Drain = %d, %v; want the lock taken", n, err)
		}
	}
	defer func() { testHookQueueEmpty = nil }()
	if n, err := s.Drain(context.Background()); n != 2 || err != nil || len(rec.lines) != 2 {
		t.Fatalf("Drain = %d, %v; verdicts %q", n, err, rec.lines)
	}
}

// TestEnqueueRefusesNUL: a path with a NUL byte (which would split its
// request in the journal) is refused, wherever the NUL is.
func TestEnqueueRefusesNUL(t *testing.T) {
	s := newSpool(t, &Verifier{}, &recorder{})
	for _, p := range []string{"\x00/etc/passwd", "/etc/\x00passwd", "/etc/passwd\x00"} {
		if _, err := s.Enqueue(p, testAlert); err == nil {
			t.Errorf("Enqueue(%q) accepted", p)
		}
	}
}
