//go:build linux

// Command record records what a real ossec-logtest prints for log lines,
// as conformance records (the format of ../shared/conformance, read by
// conformance.LoadFile), so that the native engine can be checked against
// them without OSSEC.
//
// Usage (as root: ossec-logtest chroots):
//
//	RULETEST_OSSEC_DIR=/var/ossec go run ./conformance/internal/record \
//	    -base ../shared/ossec-ruleset-4.3.0 -source diff/headers -seq 1 \
//	    -o conformance/testdata/extra-headers.jsonl headers.log
//
// Each input line becomes one record analysed by a fresh ossec-logtest
// (-seq 1), or runs of -seq N lines become sequence records, each fed to
// one process. Lines holding a NUL byte are left out (ossec-logtest reads
// them only up to the NUL). The real program runs under libfaketime with its
// clock started at -clock, which each record keeps as wall_clock, so that
// <time> and <weekday> rules see a known time.
//
// With -frozen the fake clock stands still at -clock and a "#sleep N" line
// moves it forward by exactly N seconds at that point of the input, without
// waiting: ossec-logtest reads time(NULL) when fgets returns a line, so
// a sequence records correlation over minutes (a 360 s timeframe) on
// whole-second boundaries. The clock is a libfaketime timestamp file inside
// the chroot; before each jump the recorder waits until ossec-logtest has
// read everything written so far.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/conformance"
	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/logtest"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// fakeTimeLib is where Debian's libfaketime package installs the library.
const fakeTimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

func run() error {
	ossecDir := flag.String("ossec", os.Getenv(logtest.EnvDir), "OSSEC installation with bin/ossec-logtest (default $"+logtest.EnvDir+")")
	base := flag.String("base", "", "ruleset directory (etc/ossec.conf, etc/decoder.xml, rules/)")
	hostname := flag.String("hostname", "melancia", "the manager's hostname")
	source := flag.String("source", "", "source name of the records, e.g. diff/headers; ids are SOURCE/L<line>")
	seq := flag.Int("seq", 1, "lines per process: 1 gives one record per line, N > 1 sequence records of N lines")
	clock := flag.String("clock", "2026-11-25T12:00:00Z", "RFC 3339 time the real ossec-logtest's clock starts at")
	lib := flag.String("faketime", fakeTimeLib, "the libfaketime library")
	out := flag.String("o", "", "output file (default standard output)")
	decoders := flag.String("decoders", "", "comma-separated extra decoder files (loaded as local_decoder.xml)")
	rules := flag.String("rules", "", "comma-separated extra rule files (loaded after the stock ones)")
	lists := flag.String("lists", "", "comma-separated CDB list text files (a rule names one as lists/NAME)")
	frozenFlag := flag.Bool("frozen", false, "the fake clock stands still; #sleep N moves it N seconds at once instead of pausing")
	flag.Parse()
	if *ossecDir == "" || *base == "" || *source == "" || flag.NArg() != 1 || *seq < 1 {
		flag.Usage()
		return errors.New("need -ossec, -base, -source and one input file")
	}
	at, err := time.Parse(time.RFC3339, *clock)
	if err != nil {
		return fmt.Errorf("-clock: %v", err)
	}
	if _, err := os.Stat(*lib); err != nil {
		return fmt.Errorf("libfaketime: %v (apt-get install faketime)", err)
	}
	// The children of this process (unshare, sh, ossec-logtest) inherit the fake clock.
	os.Setenv("LD_PRELOAD", *lib)
	os.Setenv("FAKETIME", "@"+at.UTC().Format("2006-01-02 15:04:05"))
	os.Setenv("TZ", "UTC")

	data, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		return err
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	b, err := logtest.NewBackend(*ossecDir, *hostname)
	if err != nil {
		return err
	}
	defer b.Close()
	cmd, err := b.Install(ruleset.Sources{Base: *base, Decoders: split(*decoders), Rules: split(*rules), Lists: split(*lists)})
	if err != nil {
		return err
	}
	if err := ownState(cmd.Dir); err != nil {
		return err
	}
	if *frozenFlag {
		if frozen, err = newFakeClock(cmd.Dir, at); err != nil {
			return err
		}
	}

	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	defer bw.Flush()

	type item struct {
		n     int // input line number
		text  string
		delay float64
	}
	var batch []item
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var texts []string
		var delays []float64
		for _, it := range batch {
			texts = append(texts, it.text)
			delays = append(delays, it.delay)
		}
		res, err := replay(ctx, cmd, texts, delays)
		if err != nil {
			return fmt.Errorf("%s:%d: %v", flag.Arg(0), batch[0].n, err)
		}
		var rec *conformance.Record
		if *seq == 1 {
			rec = conformance.FromResult(fmt.Sprintf("%s/L%d", *source, batch[0].n), *source, res[0])
			rec.WallClock = *clock
		} else {
			id := fmt.Sprintf("%s/L%d-%d", *source, batch[0].n, batch[len(batch)-1].n)
			rec = &conformance.Record{ID: id, Source: *source, WallClock: *clock}
			for k, r := range res {
				it := conformance.FromResult(fmt.Sprintf("%s#%d", id, k+1), "", r)
				it.DelayBeforeS = delays[k]
				rec.Sequence = append(rec.Sequence, it)
			}
		}
		batch = batch[:0]
		return conformance.WriteRecord(bw, rec)
	}
	delay := 0.0
	for i, l := range lines {
		if d, ok := bytes.CutPrefix(l, []byte("#sleep ")); ok {
			if *seq == 1 {
				return fmt.Errorf("%s:%d: #sleep needs -seq > 1", flag.Arg(0), i+1)
			}
			if delay, err = strconv.ParseFloat(string(d), 64); err != nil || delay <= 0 {
				return fmt.Errorf("%s:%d: #sleep wants a positive number of seconds", flag.Arg(0), i+1)
			}
			continue
		}
		if bytes.IndexByte(l, 0) >= 0 {
			fmt.Fprintf(os.Stderr, "%s:%d: left out: holds a NUL byte\n", flag.Arg(0), i+1)
			continue
		}
		batch = append(batch, item{i + 1, string(l), delay})
		delay = 0
		if len(batch) == *seq {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: %d lines recorded from %s\n", *source, len(lines), filepath.Base(flag.Arg(0)))
	return nil
}

// replay runs the lines (each split as fgets reads it) through one
// ossec-logtest process and returns one result per line, with a long
// line's further events in Extra. delays[i] is how long to wait before
// writing line i: with any delay, stdin is written line by line.
func replay(ctx context.Context, cmd *logtest.Command, lines []string, delays []float64) ([]engine.Result, error) {
	var pieces []string
	var counts []int
	wait := map[int]time.Duration{} // piece index -> pause before it
	for i, l := range lines {
		if delays[i] > 0 {
			wait[len(pieces)] = time.Duration(delays[i] * float64(time.Second))
		}
		p := logtestfmt.SplitInput(l)
		pieces = append(pieces, p...)
		counts = append(counts, len(p))
	}
	run := func(ctx context.Context, alerts bool, stdin []byte) ([]byte, []byte, error) {
		if err := resetState(cmd.Dir); err != nil {
			return nil, nil, err
		}
		if frozen != nil {
			// Every run (with and without -a) starts at the same time.
			if err := frozen.reset(); err != nil {
				return nil, nil, err
			}
		}
		if len(wait) > 0 {
			return streamRun(ctx, cmd, alerts, pieces, wait)
		}
		return cmd.Run(ctx, alerts, stdin)
	}
	res, err := logtest.Replay(ctx, run, pieces)
	if err != nil {
		return nil, err
	}
	out := make([]engine.Result, len(lines))
	k := 0
	for i, n := range counts {
		out[i] = res[k]
		out[i].Log = lines[i]
		for _, x := range res[k+1 : k+n] {
			if !x.Skipped {
				out[i].Extra = append(out[i].Extra, x)
			}
		}
		k += n
	}
	return out, nil
}

// installed lists the files of each installation directory as Install
// made it, before any run.
var installed = map[string]map[string]bool{}

// resetState gives a run the state a fresh installation has: check_diff
// keeps the previous output of a rule in queue/diff/HOST/RULE/last-entry,
// so every process starts with an empty queue/diff, as a session of the
// native engine does (without that directory OSSEC cannot store anything and
// never fires), and whatever earlier runs wrote elsewhere (a hostname such as
// ".." puts the file outside queue/diff) is removed.
func resetState(dir string) error {
	diff := filepath.Join(dir, "queue", "diff")
	if err := os.MkdirAll(diff, 0o755); err != nil {
		return err
	}
	if installed[dir] == nil {
		seen := map[string]bool{}
		err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
			seen[p] = true
			return err
		})
		if err != nil {
			return err
		}
		installed[dir] = seen
	}
	var extra []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !installed[dir][p] {
			extra = append(extra, p)
			if d.IsDir() {
				return fs.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range extra {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// streamRun runs ossec-logtest as cmd.Run does, but writes its input one
// line at a time, pausing before the lines that wait says.
func streamRun(ctx context.Context, cmd *logtest.Command, alerts bool, lines []string, wait map[int]time.Duration) ([]byte, []byte, error) {
	args := []string{"-D", cmd.Dir, "-c", cmd.Config}
	if alerts {
		args = append(args, "-a")
	}
	argv := append([]string{"--uts", "--", "sh", "-c", `hostname "$1" || exit 125; shift; exec "$@"`, "sh", cmd.Hostname, cmd.Binary}, args...)
	c := exec.CommandContext(ctx, "unshare", argv...)
	pr, in, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer pr.Close()
	c.Stdin = pr
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Start(); err != nil {
		in.Close()
		return nil, nil, err
	}
	exited := make(chan struct{})
	var exitErr error
	go func() {
		exitErr = c.Wait()
		close(exited)
	}()
	var werr error
	for i, l := range lines {
		if d := wait[i]; d > 0 && frozen != nil {
			if werr = drained(ctx, in, exited); werr != nil {
				break
			}
			if werr = frozen.advance(d); werr != nil {
				break
			}
		} else if d > 0 {
			time.Sleep(d)
		}
		if _, werr = io.WriteString(in, l+"\n"); werr != nil {
			break
		}
	}
	in.Close()
	<-exited
	if err := exitErr; err != nil {
		return nil, nil, fmt.Errorf("ossec-logtest: %v: %s", err, stderr.String())
	}
	return stdout.Bytes(), stderr.Bytes(), werr
}

// ownState gives the state directories of the installation to the user
// ossec-logtest runs as (it drops root after chrooting): OSSEC 4.3.0
// creates queue/fts/fts-queue at start and exits when it cannot.
func ownState(dir string) error {
	u, err := user.Lookup("ossec")
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, d := range []string{"fts", "diff"} {
		p := filepath.Join(dir, "queue", d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := os.Chown(p, uid, gid); err != nil {
			return err
		}
	}
	return nil
}

// frozen, when set (-frozen), is the fake clock of every run.
var frozen *fakeClock

// fakeClock is a libfaketime clock that stands still at t until moved: the
// file named by FAKETIME_TIMESTAMP_FILE holds an absolute time, read anew on
// every clock call (FAKETIME_NO_CACHE). ossec-logtest reads it after
// chrooting to dir, so the file's absolute path must name it both outside
// and inside dir: dir/<dir> is a symlink to "/", which inside the chroot is
// dir again.
type fakeClock struct {
	path       string
	start, now time.Time
}

func newFakeClock(dir string, start time.Time) (*fakeClock, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	link := filepath.Join(abs, abs)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return nil, err
	}
	if err := os.Symlink("/", link); err != nil {
		return nil, err
	}
	f := &fakeClock{path: filepath.Join(abs, "fakeclock"), start: start}
	if err := f.reset(); err != nil {
		return nil, err
	}
	os.Unsetenv("FAKETIME")
	os.Setenv("FAKETIME_TIMESTAMP_FILE", f.path)
	os.Setenv("FAKETIME_NO_CACHE", "1")
	return f, nil
}

// reset puts the clock back at its start.
func (f *fakeClock) reset() error {
	f.now = f.start
	return f.write()
}

// advance moves the clock forward by d at once.
func (f *fakeClock) advance(d time.Duration) error {
	f.now = f.now.Add(d)
	return f.write()
}

// write replaces the file in one rename, so that a reader never sees it
// half written.
func (f *fakeClock) write() error {
	tmp := f.path + ".new"
	if err := os.WriteFile(tmp, []byte(f.now.UTC().Format("2006-01-02 15:04:05")+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, f.path)
}

// drained returns once the reader of the pipe w has read everything
// written to it, and then has had settle to handle what it read: a line is
// stamped with the time when ossec-logtest's fgets returns it, before the
// clock may move.
func drained(ctx context.Context, w *os.File, exited <-chan struct{}) error {
	for {
		n, err := unix.IoctlGetInt(int(w.Fd()), unix.TIOCINQ)
		if err != nil {
			return fmt.Errorf("pipe: %v", err)
		}
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return errors.New("ossec-logtest exited before reading all its input")
		case <-time.After(20 * time.Millisecond):
		}
	}
	time.Sleep(settle)
	return nil
}

// settle is how long ossec-logtest gets to analyse the lines it has read
// before the clock moves (one line takes well under a millisecond).
const settle = 500 * time.Millisecond

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
