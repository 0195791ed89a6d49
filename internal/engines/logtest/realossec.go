// Package realossec is the `logtest` engine: it runs cases on a real OSSEC
// 4.3.0 ossec-logtest and parses what it prints (package logtestfmt).
//
// ossec-logtest needs root: it chroots into its -D directory. For each
// ruleset, the engine builds a temporary directory laid out like an OSSEC
// installation (etc/ossec.conf, etc/decoder.xml, rules/, lists, and the
// installation's etc/internal_options.conf) and runs
//
//	ossec-logtest -D TMP -c TMP/etc/ossec.conf
//
// ossec-logtest marks neither the start nor the end of an event's output
// and prints nothing for lines shorter than 2 bytes, so a session does not
// keep one process: for every event it replays all the lines of the session
// so far in a fresh process (stdin closed, output complete at exit) and
// takes the last event (see Replay). The replay is exact except for the
// wall clock (timeframes and <time> rules see the time of the replay).
//
//	b := &logtest.Backend{Dir: "/var/ossec", Hostname: "melancia"}
//	s, err := b.Open(ctx, src)
//	res, err := s.Process(ctx, engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: line})
package logtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
)

// EnvDir names the environment variable that gives the OSSEC installation
// directory when --ossec-dir is not set.
const EnvDir = "RULETEST_OSSEC_DIR"

// RunFunc runs ossec-logtest once on the whole of stdin, with -a when
// alerts is set, and returns its standard output and standard error. A
// non-zero exit is an error that includes what the program said.
type RunFunc func(ctx context.Context, alerts bool, stdin []byte) (stdout, stderr []byte, err error)

// Replay feeds lines (already split as fgets reads them, see logtestfmt.SplitInput) to one
// fresh ossec-logtest through run and returns one result per line: Skipped
// for lines shorter than 2 bytes. When an event generated an alert, a
// second run with -a supplies its groups and mail flag.
func Replay(ctx context.Context, run RunFunc, lines []string) ([]engine.Result, error) {
	in := joinLines(lines)
	_, stderr, err := run(ctx, false, in)
	if err != nil {
		return nil, err
	}
	parsed, err := logtestfmt.Parse(bytes.NewReader(stderr))
	if err != nil {
		return nil, err
	}
	res, err := logtestfmt.Align(lines, parsed)
	if err != nil {
		return nil, err
	}
	alerted := false
	for _, r := range res {
		alerted = alerted || r.Alert
	}
	if !alerted {
		return res, nil
	}
	stdout, _, err := run(ctx, true, in)
	if err != nil {
		return nil, err
	}
	alerts, err := logtestfmt.ParseAlerts(bytes.NewReader(stdout))
	if err != nil {
		return nil, err
	}
	if err := logtestfmt.MergeAlerts(res, alerts); err != nil {
		return nil, err
	}
	return res, nil
}

func joinLines(lines []string) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Command runs an ossec-logtest binary on an installation directory.
type Command struct {
	// Binary is the ossec-logtest program.
	Binary string
	// Dir is the -D directory (chroot) and Config the -c file.
	Dir, Config string
	// Hostname, when set and not the machine's, is the server hostname
	// ossec-logtest sees: it then runs in a new UTS namespace
	// (`unshare --uts`, root only) whose hostname is set first.
	Hostname string
	// Scratch is true when Dir is a private installation this package
	// built: every run then starts from an empty queue/diff, where
	// check_diff rules keep their previous output (ossec-logtest writes
	// it there, so a replay would otherwise see the earlier run's state).
	Scratch bool
	// QueueOwner, when set, owns the directories under queue/ that a
	// scratch installation creates anew (ossec-logtest writes there as
	// the installation's user, not as root).
	QueueOwner *Owner

	// scratch makes the runs of a scratch installation one at a time:
	// they share its queue/diff, which each run empties first (the cases
	// that share a ruleset share its installation, and run several at a
	// time: one's emptying raced another's chown, and a run could see
	// another's check_diff state).
	scratch sync.Mutex
}

// Run implements RunFunc.
func (c *Command) Run(ctx context.Context, alerts bool, stdin []byte) ([]byte, []byte, error) {
	if c.Scratch {
		c.scratch.Lock()
		defer c.scratch.Unlock()
		diff := filepath.Join(c.Dir, "queue", "diff")
		if err := os.RemoveAll(diff); err != nil {
			return nil, nil, err
		}
		if err := os.MkdirAll(diff, 0o755); err != nil {
			return nil, nil, err
		}
		if c.QueueOwner != nil {
			if err := c.QueueOwner.chown(diff); err != nil {
				return nil, nil, err
			}
		}
	}
	args := []string{"-D", c.Dir, "-c", c.Config}
	if alerts {
		args = append(args, "-a")
	}
	name, argv := c.Binary, args
	if c.Hostname != "" && c.Hostname != shortHostname() {
		unshare, err := exec.LookPath("unshare")
		if err != nil {
			return nil, nil, fmt.Errorf("ossec-logtest: hostname %q differs from this machine's and unshare is missing: %v", c.Hostname, err)
		}
		name = unshare
		argv = append([]string{"--uts", "--", "sh", "-c", `hostname "$1" || exit 125; shift; exec "$@"`, "sh", c.Hostname, c.Binary}, args...)
	}
	cmd := exec.CommandContext(ctx, name, argv...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(lastLines(stderr.String(), 5))
		return nil, nil, fmt.Errorf("%s %s: %v: %s", c.Binary, strings.Join(args, " "), err, msg)
	}
	return stdout.Bytes(), stderr.Bytes(), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// shortHostname is gethostname() without the domain, as ossec-logtest
// uses it.
func shortHostname() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	if i := strings.IndexByte(h, '.'); i >= 0 {
		h = h[:i]
	}
	return h
}

// FindBinary returns dir's bin/ossec-logtest, or an error saying what is
// missing.
func FindBinary(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("no OSSEC installation: set --ossec-dir or " + EnvDir)
	}
	bin := filepath.Join(dir, "bin", "ossec-logtest")
	st, err := os.Stat(bin)
	if err != nil {
		return "", fmt.Errorf("no ossec-logtest in %s: %v", dir, err)
	}
	if st.Mode()&0o111 == 0 || !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not an executable file", bin)
	}
	return bin, nil
}

// copyFile copies src to dst, creating dst's directory.
func copyFile(dst, src string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeFile(dst, data)
}

func writeFile(dst string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}
