package docker

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// These tests need a Docker engine; they build the stand-in image locally
// (nothing is pulled) from testdata/fakelogtest, a static binary that
// prints ossec-logtest's format, so they test the container plumbing and
// not the analysis engine.

var (
	fakeOnce sync.Once
	fakeBin  string
	fakeErr  error
)

// dockerOrSkip returns a pool on the default endpoint or skips the test,
// saying why.
func dockerOrSkip(t *testing.T) *dockertest.Pool {
	t.Helper()
	testenv.NeedDocker(t)
	cfg := Config{}
	cfg.defaults()
	pool, err := connect(context.Background(), cfg)
	if err != nil {
		t.Skipf("no Docker engine reachable: %v", err)
	}
	return pool
}

// fakeLogtest builds testdata/fakelogtest as a static binary, once.
func fakeLogtest(t *testing.T) string {
	t.Helper()
	fakeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dockerengine-fake")
		if err != nil {
			fakeErr = err
			return
		}
		fakeBin = filepath.Join(dir, "ossec-ruletest")
		cmd := exec.Command("go", "build", "-o", fakeBin, "./testdata/fakelogtest")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fakeErr = fmt.Errorf("building fakelogtest: %v\n%s", err, out)
		}
	})
	if fakeErr != nil {
		t.Fatal(fakeErr)
	}
	return fakeBin
}

func standinConfig(t *testing.T) Config {
	return Config{Image: ImageStandin, Executable: fakeLogtest(t), Log: testWriter{t}}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// runContainers lists the containers, running or not, of one run.
func runContainers(t *testing.T, pool *dockertest.Pool, runID string) []dc.APIContainers {
	t.Helper()
	list, err := pool.Client.ListContainers(dc.ListContainersOptions{All: true,
		Filters: map[string][]string{"label": {LabelRun + "=" + runID}}})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

var caseFiles = []File{{Path: "etc/ossec.conf", Data: []byte("<ossec_config/>\n")}}

func TestLifecycle(t *testing.T) {
	pool := dockerOrSkip(t)
	m, err := Start(context.Background(), standinConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	list := runContainers(t, pool, m.RunID())
	if len(list) != 1 || list[0].ID != m.ContainerID() {
		t.Fatalf("containers of run %s: %+v, want exactly %s", m.RunID(), list, m.ContainerID())
	}
	c := list[0]
	if c.Labels[LabelManaged] != "1" || c.Labels[LabelOwner] != ownerLabel() || !strings.HasPrefix(c.Image, StandinRepository+":") {
		t.Errorf("container labels %v image %s", c.Labels, c.Image)
	}
	lt, err := m.OpenLogtest(context.Background(), caseFiles, false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := lt.Next(context.Background(), "Nov 26 10:00:00 host sshd[1]: fail one")
	if err != nil {
		t.Fatal(err)
	}
	got := out.Block
	if out.Alert != "" {
		t.Errorf("a session without -a gave an alert: %q", out.Alert)
	}
	for _, want := range []string{
		"**Phase 1: Completed pre-decoding.\n       full event: 'Nov 26 10:00:00 host sshd[1]: fail one'\n",
		"decoder: 'sshd'", "Rule id: '100200'", alertLine,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("block lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, syncLinePfx) {
		t.Errorf("block holds the sync line:\n%s", got)
	}
	// A line ossec-logtest skips gives no block, and the next line still
	// gets its own.
	if got, err := lt.Next(context.Background(), "x"); err != nil || got.Block != "" {
		t.Errorf("short line: %q, %v; want empty block", got.Block, err)
	}
	if got, err := lt.Next(context.Background(), "plain line"); err != nil || !strings.Contains(got.Block, "full event: 'plain line'") || strings.Contains(got.Block, "Rule id") {
		t.Errorf("plain line: %q, %v", got.Block, err)
	}
	if err := lt.Close(); err != nil {
		t.Errorf("Close of logtest: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if list := runContainers(t, pool, m.RunID()); len(list) != 0 {
		t.Errorf("after Close, containers of the run are left: %+v", list)
	}
	// After Close, the manager says why it cannot serve.
	_, err = m.OpenLogtest(context.Background(), caseFiles, false)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeClosed {
		t.Errorf("OpenLogtest after Close: %v, want CodeClosed", err)
	}
}

func TestParallelSessionsKeepTheirOwnState(t *testing.T) {
	pool := dockerOrSkip(t)
	m, err := Start(context.Background(), standinConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		m.Close()
		if list := runContainers(t, pool, m.RunID()); len(list) != 0 {
			t.Errorf("containers left: %+v", list)
		}
	}()
	const n = 4
	var wg sync.WaitGroup
	results := make([][]Output, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lt, err := m.OpenLogtest(context.Background(), caseFiles, true)
			if err != nil {
				errs[i] = err
				return
			}
			// A line without alert first: the -a process starts at the
			// first alert and must catch up on it.
			if b, err := lt.Next(context.Background(), "warm-up line"); err != nil || b.Alert != "" {
				errs[i] = fmt.Errorf("warm-up line: %q, %v", b.Alert, err)
				return
			}
			// Session i sends i+1 failures: only sessions with three or
			// more see rule 100201, on their third line.
			for j := 0; j <= i; j++ {
				b, err := lt.Next(context.Background(), fmt.Sprintf("session %d fail %d", i, j))
				if err != nil {
					errs[i] = err
					return
				}
				results[i] = append(results[i], b)
			}
			errs[i] = lt.Close()
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("session %d: %v", i, errs[i])
		}
		if len(results[i]) != i+1 {
			t.Fatalf("session %d: %d results, want %d", i, len(results[i]), i+1)
		}
		for j, out := range results[i] {
			wantRule, wantAlert := "Rule id: '100200'", "Rule: 100200 (level 3)"
			if j == 2 {
				wantRule, wantAlert = "Rule id: '100201'", "Rule: 100201 (level 10)"
			}
			line := fmt.Sprintf("session %d fail %d", i, j)
			if !strings.Contains(out.Block, wantRule) || !strings.Contains(out.Block, "full event: '"+line+"'") {
				t.Errorf("session %d line %d: want %s for its own line, got:\n%s", i, j, wantRule, out.Block)
			}
			if !strings.Contains(out.Alert, wantAlert) || !strings.Contains(out.Alert, "\n"+line+"\n") {
				t.Errorf("session %d line %d: want alert %s for its own line, got:\n%s", i, j, wantAlert, out.Alert)
			}
		}
	}
}

func TestLogtestFailureIsReportedAndCleanedUp(t *testing.T) {
	pool := dockerOrSkip(t)
	m, err := Start(context.Background(), standinConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	lt, err := m.OpenLogtest(context.Background(), caseFiles, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lt.Next(context.Background(), "crash-now")
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeExec || !strings.Contains(err.Error(), "crashing as asked") {
		t.Errorf("crash: %v; want CodeExec quoting the process's output", err)
	}
	if _, err2 := lt.Next(context.Background(), "after the crash"); !errors.Is(err2, err) && (err2 == nil || err2.Error() != err.Error()) {
		t.Errorf("a broken session must keep failing the same way: %v", err2)
	}
	lt.Close()

	// A ruleset without etc/ossec.conf: ossec-logtest exits at start.
	lt2, err := m.OpenLogtest(context.Background(), []File{{Path: "rules/x.xml", Data: []byte("<group/>")}}, false)
	if err == nil {
		_, err = lt2.Next(context.Background(), "some line")
		lt2.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "Configuration error") {
		t.Errorf("missing ossec.conf: %v; want ossec-logtest's own error", err)
	}
	m.Close()
	if list := runContainers(t, pool, m.RunID()); len(list) != 0 {
		t.Errorf("containers left: %+v", list)
	}
}

func TestContextEndRemovesContainer(t *testing.T) {
	pool := dockerOrSkip(t)
	ctx, cancel := context.WithCancel(context.Background())
	m, err := Start(ctx, standinConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	lt, err := m.OpenLogtest(context.Background(), caseFiles, false)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := lt.Next(context.Background(), "sleep-now")
		done <- err
	}()
	cancel() // the run's timeout or Ctrl-C through a NotifyContext
	err = <-done
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeClosed || !strings.Contains(err.Error(), "context ended") {
		t.Errorf("Next on a hung line after cancel: %v; want CodeClosed naming the context", err)
	}
	lt.Close()
	if err := m.Close(); err != nil {
		t.Errorf("Close after cancel: %v", err)
	}
	if list := runContainers(t, pool, m.RunID()); len(list) != 0 {
		t.Errorf("containers left after cancel: %+v", list)
	}
}

func TestNextHonoursItsContext(t *testing.T) {
	dockerOrSkip(t)
	m, err := Start(context.Background(), standinConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	lt, err := m.OpenLogtest(context.Background(), caseFiles, false)
	if err != nil {
		t.Fatal(err)
	}
	defer lt.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = lt.Next(ctx, "sleep-now")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next past its deadline: %v; want DeadlineExceeded", err)
	}
}

func TestDaemonAbsent(t *testing.T) {
	// No Docker needed: a socket path where nothing listens.
	sock := "unix://" + filepath.Join(t.TempDir(), "docker.sock")
	_, err := Start(context.Background(), Config{Image: ImageStandin, Endpoint: sock})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeDaemon {
		t.Fatalf("Start with a dead endpoint: %v; want CodeDaemon", err)
	}
	if !strings.Contains(err.Error(), sock) || !strings.Contains(err.Error(), "cannot reach the Docker daemon") {
		t.Errorf("error does not name the endpoint: %v", err)
	}
}

func TestImageMissing(t *testing.T) {
	dockerOrSkip(t)
	const img = "ossec-ruletest-no-such-image:never"
	_, err := Start(context.Background(), Config{Image: img})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeImage {
		t.Fatalf("Start with a missing image: %v; want CodeImage", err)
	}
	if !strings.Contains(err.Error(), `"`+img+`"`) || !strings.Contains(err.Error(), "Docker endpoint ") {
		t.Errorf("error does not name the image and the endpoint: %v", err)
	}
}

func TestRuntimeFiles(t *testing.T) {
	if rt, err := RuntimeFiles(fakeLogtest(t)); err != nil || rt != nil {
		t.Errorf("RuntimeFiles(static fake) = %v, %v; want nothing", rt, err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to use as a dynamically linked binary")
	}
	rt, err := RuntimeFiles(sh)
	if err != nil {
		t.Fatal(err)
	}
	if len(rt) < 2 || !strings.Contains(rt[0].Path, "ld-") {
		t.Fatalf("RuntimeFiles(%s) = %v; want the loader first, then libraries", sh, rt)
	}
	libc := false
	for _, f := range rt[1:] {
		libc = libc || path.Base(f.Path) == "libc.so.6"
		if path.Dir(f.Path) != RuntimeLibDir {
			t.Errorf("library %s not in %s", f.Path, RuntimeLibDir)
		}
	}
	if !libc {
		t.Errorf("RuntimeFiles(%s) = %v: no libc.so.6", sh, rt)
	}
	if _, err := RuntimeFiles("/etc/hostname"); err == nil || !strings.Contains(err.Error(), "not an ELF") {
		t.Errorf("RuntimeFiles(a text file) = %v", err)
	}
}

func TestSweepRemovesContainersOfDeadRuns(t *testing.T) {
	pool := dockerOrSkip(t)
	// A process that has ended: its pid is free (and if reused, its start
	// time differs).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	deadOwner := fmt.Sprintf("%s %d %s", host, cmd.Process.Pid, "1")
	ref, err := ensureStandin(context.Background(), pool, standinConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	runID := "stale" + newRunID()
	c, err := pool.Client.CreateContainer(dc.CreateContainerOptions{Config: &dc.Config{Image: ref,
		Labels: map[string]string{LabelManaged: "1", LabelRun: runID, LabelOwner: deadOwner}}})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true})
	// A container of a live owner (this process) must stay.
	liveID := "live" + newRunID()
	c2, err := pool.Client.CreateContainer(dc.CreateContainerOptions{Config: &dc.Config{Image: ref,
		Labels: map[string]string{LabelManaged: "1", LabelRun: liveID, LabelOwner: ownerLabel()}}})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c2.ID, Force: true})

	m, err := Start(context.Background(), standinConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if list := runContainers(t, pool, runID); len(list) != 0 {
		t.Errorf("container of a dead run survived the sweep: %+v", list)
	}
	if list := runContainers(t, pool, liveID); len(list) != 1 {
		t.Errorf("container of a live owner was swept: %+v", list)
	}
}

// TestInterruptRemovesContainer runs a child process (this test binary)
// that starts a manager and waits, sends it SIGINT, and checks that the
// container is gone and that the child died of the signal.
func TestInterruptRemovesContainer(t *testing.T) {
	if os.Getenv("DOCKERENGINE_INTERRUPT_CHILD") != "" {
		interruptChild(t)
		return
	}
	pool := dockerOrSkip(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestInterruptRemovesContainer$", "-test.v")
	cmd.Env = append(os.Environ(), "DOCKERENGINE_INTERRUPT_CHILD=1", "DOCKERENGINE_FAKE="+fakeLogtest(t))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The child prints "RUN <id>" once its container runs and a logtest
	// session is open.
	var runID string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "RUN "); ok {
			runID = id
			break
		}
	}
	go io.Copy(io.Discard, out)
	if runID == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child never started its manager; stderr %s", stderr.String())
	}
	if list := runContainers(t, pool, runID); len(list) != 1 {
		t.Fatalf("child's container not running: %+v", list)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child exit: %v; want death by SIGINT", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("child exit status %v; want killed by SIGINT", ee)
	}
	if list := runContainers(t, pool, runID); len(list) != 0 {
		t.Errorf("container left after SIGINT: %+v\nchild stderr: %s", list, stderr.String())
	}
}

func interruptChild(t *testing.T) {
	m, err := Start(context.Background(), Config{Image: ImageStandin, Executable: os.Getenv("DOCKERENGINE_FAKE")})
	if err != nil {
		t.Fatal(err)
	}
	lt, err := m.OpenLogtest(context.Background(), caseFiles, false)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("RUN %s\n", m.RunID())
	lt.Next(context.Background(), "sleep-now") // blocks until the signal
	time.Sleep(time.Minute)
	t.Fatal("child was not killed by the signal")
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, bin := range []string{fakeBin, realBin} {
		if bin != "" {
			os.RemoveAll(filepath.Dir(bin))
		}
	}
	os.Exit(code)
}
