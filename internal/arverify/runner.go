//go:build linux

package arverify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Runner runs an external program. Package managers ask their databases
// through a Runner, so tests inject fakes.
type Runner interface {
	// Run runs argv (argv[0] an absolute path) and returns its standard
	// output and exit status. err is set only when the program could
	// not be run to completion (not found, killed at the timeout, output
	// too large); a non-zero exit status alone is not an error.
	Run(ctx context.Context, argv []string) (stdout []byte, status int, err error)
}

// DefaultCommandTimeout bounds every external command.
const DefaultCommandTimeout = 30 * time.Second

// maxOutput bounds what the program keeps of a command's standard output.
const maxOutput = 64 << 20

// ErrOutputTooLarge is returned by ExecRunner when a command prints more than
// it keeps.
var ErrOutputTooLarge = errors.New("command output too large")

// ExecRunner runs programs directly (never through a shell) with an absolute
// path, no standard input, a fixed minimal environment, and a timeout after
// which the program and every process it started are asked to end (SIGTERM:
// rpm closes its Berkeley DB environment cleanly, which a SIGKILL mid-write
// can leave needing recovery) and, Grace later, killed (SIGKILL).
type ExecRunner struct {
	Timeout time.Duration // DefaultCommandTimeout when zero
	Grace   time.Duration // DefaultKillGrace when zero
}

// DefaultKillGrace is how long a command has to end after SIGTERM.
const DefaultKillGrace = 5 * time.Second

// Run implements Runner.
func (r ExecRunner) Run(ctx context.Context, argv []string) ([]byte, int, error) {
	if len(argv) == 0 || !filepath.IsAbs(argv[0]) {
		return nil, -1, fmt.Errorf("refusing to run %q: not an absolute path", argv)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultCommandTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "LANG=C"}
	cmd.Dir = "/"
	// The program runs in a process group of its own, and the timeout
	// kills the whole group, so that no helper it started outlives it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	grace := r.Grace
	if grace <= 0 {
		grace = DefaultKillGrace
	}
	var mu sync.Mutex
	var kill *time.Timer
	cmd.Cancel = func() error {
		pgid := cmd.Process.Pid
		mu.Lock()
		kill = time.AfterFunc(grace, func() { syscall.Kill(-pgid, syscall.SIGKILL) })
		mu.Unlock()
		return syscall.Kill(-pgid, syscall.SIGTERM)
	}
	cmd.WaitDelay = grace + time.Second
	var out limitedBuffer
	out.limit = maxOutput
	cmd.Stdout = &out
	// Standard error is read and dropped, so the program never blocks on
	// a full pipe; its wording is not stable enough to parse.
	cmd.Stderr = &limitedBuffer{limit: 64 << 10}
	err := cmd.Run()
	mu.Lock()
	if kill != nil && kill.Stop() {
		// The leader ended within the grace: whatever it started and
		// left behind in its group goes now.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	mu.Unlock()
	if ctx.Err() != nil {
		return nil, -1, fmt.Errorf("%s: killed after %v", argv[0], timeout)
	}
	if out.over {
		return nil, -1, fmt.Errorf("%s: %w", argv[0], ErrOutputTooLarge)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ee.Exited() {
			return out.Bytes(), ee.ExitCode(), nil
		}
		return nil, -1, fmt.Errorf("%s: %v", argv[0], err)
	}
	if err != nil {
		return nil, -1, fmt.Errorf("%s: %w", argv[0], err)
	}
	return out.Bytes(), 0, nil
}

// limitedBuffer keeps at most limit bytes and remembers that it overflowed.
// It is an io.Writer only: with bytes.Buffer's ReadFrom promoted (an
// embedded Buffer), io.Copy, which exec uses, would read the whole output
// past the limit.
type limitedBuffer struct {
	buf   bytes.Buffer
	limit int
	over  bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.buf.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return b.buf.Write(p)
}

// Bytes is what the buffer kept.
func (b *limitedBuffer) Bytes() []byte { return b.buf.Bytes() }

// lookBinary returns the first of the absolute candidates that is a file
// owned by root and not writable by group or others, or "".
func lookBinary(candidates ...string) string {
	for _, c := range candidates {
		if trustedRootFile(c, true) {
			return c
		}
	}
	return ""
}
