//go:build linux

package arverify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// recorder collects emitted verdict lines.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) emit(v Verdict) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, v.Line())
	return nil
}

func newSpool(t *testing.T, v *Verifier, rec *recorder) *Spool {
	t.Helper()
	s := &Spool{Dir: filepath.Join(t.TempDir(), "state"), Verifier: v, Emit: rec.emit}
	if err := s.Prepare(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSpoolCollapsesDuplicates(t *testing.T) {
	dir := privateTempDir(t)
	a := writeFile(t, dir+"/a", "a", 0o644)
	b := writeFile(t, dir+"/b", "b", 0o644)
	rec := &recorder{}
	s := newSpool(t, &Verifier{}, rec)
	var results []EnqueueResult
	for _, p := range []string{a, a, b, a} {
		r, err := s.Enqueue(p, testAlert)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	if want := []EnqueueResult{Queued, AlreadyQueued, Queued, AlreadyQueued}; !equalResults(results, want) {
		t.Fatalf("Enqueue results %v, want %v", results, want)
	}
	n, err := s.Drain(context.Background())
	if err != nil || n != 2 || len(rec.lines) != 2 {
		t.Fatalf("Drain = %d, %v; lines %q", n, err, rec.lines)
	}
	// Verified and unchanged: queued, but its earlier verdict answers
	// within the window.
	again := func(what string, verdicts int) {
		t.Helper()
		if r, err := s.Enqueue(a, testAlert); r != Queued || err != nil {
			t.Fatalf("%s: Enqueue = %v, %v", what, r, err)
		}
		before := len(rec.lines)
		if n, err := s.Drain(context.Background()); n != 1 || err != nil {
			t.Fatalf("%s: Drain = %d, %v", what, n, err)
		}
		if got := len(rec.lines) - before; got != verdicts {
			t.Fatalf("%s: %d verdicts, want %d: %q", what, got, verdicts, rec.lines[before:])
		}
	}
	again("unchanged", 0)
	// Changed since: verified again.
	writeFile(t, a, "a2", 0o644)
	again("changed", 1)
	// Past the window: verified again even if unchanged.
	s.Now = func() time.Time { return time.Now().Add(DefaultWindow + time.Second) }
	again("long ago", 1)
}

func equalResults(a, b []EnqueueResult) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSpoolOneDrainer: while another process drains, Drain leaves the queue
// to it; after it releases the lock, nothing is stranded.
func TestSpoolOneDrainer(t *testing.T) {
	dir := privateTempDir(t)
	rec := &recorder{}
	s := newSpool(t, &Verifier{}, rec)
	lock, err := os.OpenFile(filepath.Join(s.Dir, "drain.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		s.Enqueue(writeFile(t, filepath.Join(dir, "f", string(rune('a'+i))), "x", 0o644), testAlert)
	}
	if n, err := s.Drain(context.Background()); n != 0 || err != nil {
		t.Fatalf("Drain while locked = %d, %v", n, err)
	}
	lock.Close()
	if n, err := s.Drain(context.Background()); n != 5 || err != nil || len(rec.lines) != 5 {
		t.Fatalf("Drain after unlock = %d, %v, lines %d", n, err, len(rec.lines))
	}
	if p, _ := s.pending(); p != 0 {
		t.Fatalf("left in queue: %d", p)
	}
}

// TestSpoolBurst: many concurrent invocations for few paths verify each
// path once or a few times, never once per invocation, and lose none.
func TestSpoolBurst(t *testing.T) {
	dir := privateTempDir(t)
	var paths []string
	for i := 0; i < 20; i++ {
		paths = append(paths, writeFile(t, filepath.Join(dir, "burst", string(rune('a'+i))), "x", 0o644))
	}
	rec := &recorder{}
	base := newSpool(t, &Verifier{}, rec)
	var wg sync.WaitGroup
	for i := 0; i < 400; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := &Spool{Dir: base.Dir, Verifier: base.Verifier, Emit: rec.emit}
			if _, err := s.Enqueue(paths[i%len(paths)], testAlert); err != nil {
				t.Error(err)
			}
			if _, err := s.Drain(context.Background()); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	seen := map[string]int{}
	for _, l := range rec.lines {
		seen[l]++
	}
	if len(seen) != len(paths) {
		t.Fatalf("verified %d distinct paths, want %d", len(seen), len(paths))
	}
	if len(rec.lines) > 4*len(paths) {
		t.Fatalf("%d verifications for %d paths and 400 invocations", len(rec.lines), len(paths))
	}
	t.Logf("400 invocations, %d paths: %d verifications", len(paths), len(rec.lines))
}

// TestSpoolChecksAncestors: the spool is used by path, so a directory
// above it that someone else can change (rename, replace with a link) is
// refused, not only the spool directory itself.
func TestSpoolChecksAncestors(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give directories to another user")
	}
	base := privateTempDir(t)
	for _, tc := range []struct {
		name  string
		setup func(p string) string // returns the spool dir
	}{
		{"parent owned by another user", func(p string) string {
			os.Mkdir(p, 0o755)
			os.Chown(p, 65534, 65534)
			return filepath.Join(p, "state")
		}},
		{"parent writable by its group", func(p string) string {
			os.Mkdir(p, 0o775)
			os.Chmod(p, 0o775)
			return filepath.Join(p, "state")
		}},
		{"grandparent writable by others", func(p string) string {
			os.MkdirAll(filepath.Join(p, "ossec"), 0o755)
			os.Chmod(p, 0o777)
			return filepath.Join(p, "ossec", "state")
		}},
		{"grandparent a user's link", func(p string) string {
			real := p + "-real"
			os.MkdirAll(filepath.Join(real, "ossec"), 0o755)
			os.Symlink(real, p)
			os.Lchown(p, 65534, 65534)
			return filepath.Join(p, "ossec", "state")
		}},
		{"sticky parent, its child another user's", func(p string) string {
			os.MkdirAll(filepath.Join(p, "var"), 0o755)
			os.Chmod(p, os.ModeSticky|0o777)
			os.Chown(filepath.Join(p, "var"), 65534, 65534)
			return filepath.Join(p, "var", "state")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.setup(filepath.Join(base, strings.ReplaceAll(tc.name, " ", "_")))
			if err := (&Spool{Dir: d}).Prepare(); err == nil {
				t.Fatal("Prepare accepted it")
			}
		})
	}
	// The spool directory itself owned by another user, even 0700.
	other := filepath.Join(base, "others")
	os.Mkdir(other, 0o700)
	os.Chown(other, 65534, 65534)
	if err := (&Spool{Dir: other}).Prepare(); err == nil || !strings.Contains(err.Error(), "must be owned by uid") {
		t.Fatalf("a spool owned by another user: %v", err)
	}
	// A sticky parent whose child is ours is fine (as /tmp/x).
	p := filepath.Join(base, "sticky")
	os.MkdirAll(filepath.Join(p, "var"), 0o755)
	os.Chmod(p, os.ModeSticky|0o777)
	if err := (&Spool{Dir: filepath.Join(p, "var", "state")}).Prepare(); err != nil {
		t.Fatal(err)
	}
}

func TestSpoolRefusesSharedDir(t *testing.T) {
	d := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(d, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(d, 0o777)
	s := &Spool{Dir: d}
	if err := s.Prepare(); err == nil || !strings.Contains(err.Error(), "mode 0700") {
		t.Fatalf("Prepare on a shared dir: %v", err)
	}
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(t.TempDir(), link)
	s = &Spool{Dir: link}
	if err := s.Prepare(); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Prepare on a link: %v", err)
	}
}

// TestMainActiveResponse runs Main as ossec-execd does, with a FileEmitter
// configuration, and checks the verdict line and the log; with an unusable
// spool directory the verdict is still written.
func TestMainActiveResponse(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("Main's configuration file must be root's")
	}
	for _, tc := range []struct {
		name, extra string
		code        int
		logLines    int
	}{
		{"spool", "", 0, 2},
		{"no spool", "state_dir = /nonexistent/dir/state\n", 1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ossec := t.TempDir()
			for _, d := range []string{"etc", "logs", "var", "active-response/bin"} {
				os.MkdirAll(filepath.Join(ossec, d), 0o755)
			}
			verdicts := filepath.Join(ossec, "logs", "verdicts.log")
			writeFile(t, filepath.Join(ossec, "etc", "ossec-ar-verify.conf"),
				"# test\nverdict_file = "+verdicts+"\npackage_managers = none\nno_puppet = yes\n"+tc.extra, 0o600)
			target := writeFile(t, filepath.Join(privateTempDir(t), "a (b)\tfile ok"), "x", 0o644)
			argv := execdArgv("syscheck", target)
			argv[0] = filepath.Join(ossec, "active-response", "bin", "ossec-ar-verify-file")
			code := activeResponse(argv, ossec)
			log, _ := os.ReadFile(filepath.Join(ossec, "logs", "active-responses.log"))
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, log)
			}
			data, err := os.ReadFile(verdicts)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			want := " ossec-ar-verify: file unmanaged (" + EscapePath(target) + ") changed [alert " + testAlert + "]"
			if len(lines) != 1 || !strings.HasSuffix(lines[0], want) {
				t.Fatalf("verdict file %q, want one line ending %q", data, want)
			}
			if !utf8.Valid(log) || strings.Count(string(log), "\n") != tc.logLines || !strings.Contains(string(log), " add - - 1700000000.4242 106002 syscheck ") {
				t.Fatalf("active-responses.log:\n%s", log)
			}
		})
	}
}

// TestAppendSafelyRefusesLinks: a log replaced by a link (the OSSEC user
// could do that in logs/) is never written through.
func TestAppendSafelyRefusesLinks(t *testing.T) {
	dir := t.TempDir()
	victim := writeFile(t, filepath.Join(dir, "shadow"), "secret\n", 0o600)
	link := filepath.Join(dir, "active-responses.log")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if err := appendSafely(link, 0o640, []byte("x\n")); err == nil {
		t.Fatal("appended through a symbolic link")
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := appendSafely(fifo, 0o640, []byte("x\n")); err == nil {
		t.Fatal("appended to a FIFO")
	}
	// A FIFO someone holds open for reading (the open alone succeeds).
	reader, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if err := appendSafely(fifo, 0o640, []byte("x\n")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("appended to a FIFO with a reader: %v", err)
	}
	if data, _ := os.ReadFile(victim); string(data) != "secret\n" {
		t.Fatalf("victim changed: %q", data)
	}
}
