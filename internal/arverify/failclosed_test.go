//go:build linux

package arverify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFingerprintKeysOnContent: two files whose inode, device, size, mode
// and times are all alike (a change within the same second on a file system
// with 1-second timestamps) but whose content differs have different
// fingerprints, so the skip shortcut never hides the change.
func TestFingerprintKeysOnContent(t *testing.T) {
	dir := t.TempDir()
	a, err := OpenFile(writeFile(t, dir+"/a", "content A", 0o644))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenFile(writeFile(t, dir+"/b", "content B", 0o644))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.Dev, b.Ino, b.Mtime, b.Ctime = a.Dev, a.Ino, a.Mtime, a.Ctime
	fa, fb := fingerprintFile(context.Background(), a), fingerprintFile(context.Background(), b)
	if fa == "" || fa == fb {
		t.Fatalf("fingerprints %q and %q", fa, fb)
	}
	c, _ := OpenFile(writeFile(t, dir+"/c", "content A", 0o600))
	defer c.Close()
	if fc := fingerprintFile(context.Background(), c); fc == fa {
		t.Fatalf("same content, other mode: same fingerprint %q", fc)
	}
}

// TestSpoolSkipsOnlyTheSameContent: a path verified within the window is
// skipped only while its content is the one verified.
func TestSpoolSkipsOnlyTheSameContent(t *testing.T) {
	dir := privateTempDir(t)
	p := writeFile(t, dir+"/f", "one", 0o644)
	rec := &recorder{}
	s := newSpool(t, &Verifier{}, rec)
	fire := func() {
		s.Enqueue(p, testAlert)
		s.Drain(context.Background())
	}
	fire()
	fire()
	if len(rec.lines) != 1 {
		t.Fatalf("unchanged: %d verdicts %q", len(rec.lines), rec.lines)
	}
	info, _ := os.Stat(p)
	writeFile(t, p, "two", 0o644)
	os.Chtimes(p, info.ModTime(), info.ModTime())
	fire()
	if len(rec.lines) != 2 {
		t.Fatalf("same size and mtime, other content: %d verdicts %q", len(rec.lines), rec.lines)
	}
}

// TestSpoolArrivalOrder: requests are verified oldest first, whatever
// their names hash to.
func TestSpoolArrivalOrder(t *testing.T) {
	dir := privateTempDir(t)
	rec := &recorder{}
	s := newSpool(t, &Verifier{}, rec)
	s.Workers = 1
	var want []string
	for i := 0; i < 30; i++ {
		p := writeFile(t, filepath.Join(dir, strings.Repeat("q", i+1)), "x", 0o644)
		if _, err := s.Enqueue(p, testAlert); err != nil {
			t.Fatal(err)
		}
		want = append(want, "file unmanaged ("+p+") changed [alert "+testAlert+"]")
	}
	s.Drain(context.Background())
	if strings.Join(rec.lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("order:\n%s\nwant:\n%s", strings.Join(rec.lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestSpoolBounded: a full queue refuses a new path with ErrQueueFull (a
// duplicate of a queued path still collapses).
func TestSpoolBounded(t *testing.T) {
	dir := privateTempDir(t)
	s := newSpool(t, &Verifier{}, &recorder{})
	s.MaxQueue = 3
	var paths []string
	for i := 0; i < 4; i++ {
		paths = append(paths, writeFile(t, filepath.Join(dir, string(rune('a'+i))), "x", 0o644))
	}
	for _, p := range paths[:3] {
		if r, err := s.Enqueue(p, testAlert); r != Queued || err != nil {
			t.Fatalf("Enqueue = %v, %v", r, err)
		}
	}
	if r, err := s.Enqueue(paths[0], testAlert); r != AlreadyQueued || err != nil {
		t.Fatalf("duplicate in a full queue: %v, %v", r, err)
	}
	if _, err := s.Enqueue(paths[3], testAlert); err == nil || !strings.Contains(err.Error(), ErrQueueFull.Error()) {
		t.Fatalf("fourth path in a queue of 3: %v", err)
	}
}

// ossecInstall makes an OSSEC directory whose configuration writes
// verdicts to a file, and returns it and that file.
func ossecInstall(t *testing.T, conf string, mode os.FileMode) (string, string) {
	t.Helper()
	ossec := t.TempDir()
	for _, d := range []string{"etc", "logs", "var", "active-response/bin"} {
		os.MkdirAll(filepath.Join(ossec, d), 0o755)
	}
	verdicts := filepath.Join(ossec, "logs", "verdicts.log")
	writeFile(t, filepath.Join(ossec, "etc", "ossec-ar-verify.conf"),
		"verdict_file = "+verdicts+"\npackage_managers = none\nno_puppet = yes\n"+conf, mode)
	return ossec, verdicts
}

// TestActiveResponseFailsClosed: every way activeResponse can end for an
// "add" writes one verdict line, unverified with the reason's code, with
// the alert id.
func TestActiveResponseFailsClosed(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("the configuration file must be root's")
	}
	// Never write to the host's syslog.
	saved := DefaultSyslogSockets
	DefaultSyslogSockets = []string{filepath.Join(t.TempDir(), "no-syslog")}
	defer func() { DefaultSyslogSockets = saved }()
	target := writeFile(t, filepath.Join(privateTempDir(t), "f"), "x", 0o644)
	other := writeFile(t, filepath.Join(privateTempDir(t), "g"), "x", 0o644)
	argv := func(name string) []string { return ossecPath{}.argv(name) }
	for _, tc := range []struct {
		name, conf string
		mode       os.FileMode
		argv       []string
		before     func(ossec string)
		want       string // the line's end
		drained    bool   // the queue's other request is verified too
	}{
		{name: "no name", argv: argv("-"), want: "(-): no-name [alert " + testAlert + "]"},
		{name: "null name", argv: append(argv("/x")[:7:7], "(null)"), want: "(-): no-name [alert " + testAlert + "]"},
		{name: "cut name", argv: argv("/" + strings.Repeat("d", 250) + "/" + strings.Repeat("d", 250) + "/" + strings.Repeat("d", 250)), want: `\...): name-cut [alert ` + testAlert + "]"},
		{name: "directory", argv: argv(filepath.Dir(target)), want: "): directory [alert " + testAlert + "]"},
		{name: "bad arguments", argv: []string{"ossec-ar-verify-file", "add", "-", "-", testAlert}, want: "(-): bad-arguments [alert " + testAlert + "]"},
		{name: "queue full", conf: "max_queue = 1\n", argv: argv(target), drained: true, before: func(ossec string) {
			s := &Spool{Dir: filepath.Join(ossec, "var", "ossec-ar-verify")}
			if err := s.Prepare(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Enqueue(other, "1.1"); err != nil {
				t.Fatal(err)
			}
			// Another process holds the drain lock.
		}, want: "): queue-full [alert " + testAlert + "]"},
		{name: "verified", argv: argv(target), want: "(" + target + ") changed [alert " + testAlert + "]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ossec, verdicts := ossecInstall(t, tc.conf, 0o600)
			if tc.before != nil {
				tc.before(ossec)
			}
			activeResponse(tc.argv, ossec)
			data, _ := os.ReadFile(verdicts)
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			if !strings.HasSuffix(lines[0], tc.want) {
				t.Fatalf("verdicts %q, want the first ending %q", data, tc.want)
			}
			if want := map[bool]int{false: 1, true: 2}[tc.drained]; len(lines) != want {
				t.Fatalf("%d verdicts, want %d: %q", len(lines), want, data)
			}
		})
	}
	// A configuration others could write is refused, and still the
	// request gets a verdict (through syslog or its fallback file).
	t.Run("config refused", func(t *testing.T) {
		ossec, _ := ossecInstall(t, "", 0o666)
		if code := activeResponse(argv(target), ossec); code != 1 {
			t.Fatalf("exit %d", code)
		}
		fallback := filepath.Join(ossec, "logs", "ossec-ar-verify.log")
		log, _ := os.ReadFile(filepath.Join(ossec, "logs", "active-responses.log"))
		if !strings.Contains(string(log), "): config-refused [alert "+testAlert+"]") {
			t.Fatalf("active-responses.log:\n%s", log)
		}
		if data, err := os.ReadFile(fallback); !strings.HasSuffix(string(data), " ossec-ar-verify: file unverified ("+target+"): config-refused [alert "+testAlert+"]\n") {
			t.Fatalf("fallback %q, %v", data, err)
		}
	})
}

// panicManager panics on every check.
type panicManager struct{}

func (panicManager) Name() string { return "Panic" }
func (panicManager) Check(context.Context, *File) (ConfigResult, error) {
	panic("a bug")
}

// TestDrainSurvivesAPanic: a bug while verifying one file ends in an
// internal-error verdict for it, and the other files are verified.
func TestDrainSurvivesAPanic(t *testing.T) {
	dir := privateTempDir(t)
	rec := &recorder{}
	s := newSpool(t, &Verifier{Configs: []ConfigManager{panicManager{}}}, rec)
	for i := 0; i < 3; i++ {
		s.Enqueue(writeFile(t, filepath.Join(dir, string(rune('a'+i))), "x", 0o644), testAlert)
	}
	if n, err := s.Drain(context.Background()); n != 3 || err != nil {
		t.Fatalf("Drain = %d, %v", n, err)
	}
	for _, l := range rec.lines {
		if !strings.HasSuffix(l, "): internal-error [alert "+testAlert+"]") {
			t.Errorf("verdict %q", l)
		}
	}
	if len(rec.lines) != 3 {
		t.Fatalf("verdicts %q", rec.lines)
	}
}
