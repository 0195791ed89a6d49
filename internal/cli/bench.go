package cli

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/corpus"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

const benchUsage = `usage: ossec-ruletest bench [--base DIR] [--repo DIR | --no-repo] [--hostname NAME] [--min-time D] [--plain] [--against DIR] CORPUS...

Measures the native engine on the corpus, read as noise reads it (files,
folders, .gz, - for standard input; queue messages ID:LOCATION:TEXT as
such unless --plain): how long the ruleset run would use (the base, and
the rules repository the current directory is in, or --repo) takes to
load, then events per second and allocations per event when every event is
fed to one session (as one ossec-logtest process reads a file), repeated
until --min-time has passed. CPU time (user+system) and peak resident
memory come from getrusage.

--against DIR also runs the real ossec-logtest of the OSSEC installation
DIR (DIR/bin/ossec-logtest -D DIR -c DIR/etc/ossec.conf -q, as root) on
the corpus's log lines (queue messages are left out: ossec-logtest reads
lines), and this program's logtest the same way (ossec-ruletest logtest
-D DIR -c DIR/etc/ossec.conf -q), each once with no input for its load and
once with the lines, output to /dev/null, and prints their figures side
by side: the same work, one pass over the lines printing what
ossec-logtest -q prints. Peak memory is read from /proc where there is
one (getrusage's would count the memory of this process, which starts
them).
`

func init() {
	RegisterCommand("bench", "measure the native engine on a corpus of log lines", runBench)
}

// runBench is the bench subcommand.
func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage) }
	base := fs.String("base", os.Getenv("OSSEC_RULESET"), "ruleset directory (etc/ossec.conf, etc/decoder.xml, rules/)")
	repo := fs.String("repo", "", "the rules repository deployed on the base (default: the one the current directory is in)")
	noRepo := fs.Bool("no-repo", false, "measure the base alone")
	hostname := fs.String("hostname", "", "the manager's hostname (default: this machine's)")
	minTime := fs.Duration("min-time", time.Second, "run the corpus until this much time has passed")
	plain := fs.Bool("plain", false, "read every line as an ossec-logtest input line, never as a queue message")
	against := fs.String("against", "", "also measure the real ossec-logtest of the OSSEC installation `DIR`")
	corpora, err := parseMixed(fs, args)
	if err != nil {
		return 2
	}
	if *repo, err = findRepo(*repo, *noRepo, *base); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	if len(corpora) == 0 || (*base == "" && *repo == "") {
		if *base == "" && *repo == "" {
			fmt.Fprintln(stderr, "bench: no ruleset: give --base DIR or set OSSEC_RULESET, or run it in a rules repository")
		}
		fs.Usage()
		return 2
	}
	src, err := corpus.Open(corpora, corpus.Options{Plain: *plain})
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	var msgs []corpus.Event
	for {
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			src.Close()
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 2
		}
		msgs = append(msgs, ev)
	}
	src.Close()
	if *against != "" {
		// ossec-logtest reads log lines: both engines get those alone.
		lines := msgs[:0]
		for _, m := range msgs {
			if !m.Queued {
				lines = append(lines, m)
			}
		}
		if left := len(msgs) - len(lines); left > 0 {
			fmt.Fprintf(stderr, "bench: --against: %d queue messages left out (ossec-logtest reads log lines)\n", left)
		}
		msgs = lines
	}
	if len(msgs) == 0 {
		fmt.Fprintln(stderr, "bench: the corpus is empty")
		return 2
	}

	u0 := selfUsage()
	t0 := time.Now()
	rsrc, err := harness.Sources(*base, *repo)
	var rs *ruleset.Ruleset
	if err == nil {
		rs, _, err = harness.Load(rsrc)
	}
	load := time.Since(t0)
	loadCPU := selfUsage().cpu - u0.cpu
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	describeRuleset(stderr, "bench", *base, *repo, rsrc, rs)
	eng := engine.New(rs, engine.Options{Hostname: *hostname})
	s := eng.NewSession()
	// A plain line is read as ossec-logtest reads it, a queue message as
	// analysisd does.
	process := func(ev *corpus.Event) engine.Result {
		if ev.Queued {
			return s.ProcessMessage(ev.Message)
		}
		return s.Process(ev.Message.Text)
	}
	// One warm-up pass, as a long-running process would be warm.
	analysed := 0
	for i := range msgs {
		if r := process(&msgs[i]); !r.Skipped {
			analysed++
		}
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	u1 := selfUsage()
	start := time.Now()
	events, passes := 0, 0
	for passes == 0 || time.Since(start) < *minTime {
		for i := range msgs {
			process(&msgs[i])
		}
		events += len(msgs)
		passes++
	}
	elapsed := time.Since(start)
	u2 := selfUsage()
	runtime.ReadMemStats(&after)

	what := *base
	if *repo != "" {
		if what != "" {
			what += " + "
		}
		what += "repository " + *repo
	}
	fmt.Fprintf(stdout, "ruleset:          %s (%d rules, %d decoders) loaded in %s\n", what, len(rs.AllRules), len(rs.Decoders), load.Round(time.Microsecond))
	fmt.Fprintf(stdout, "corpus:           %d lines (%d analysed, the rest shorter than 2 bytes) x %d passes\n", len(msgs), analysed, passes)
	fmt.Fprintf(stdout, "events/second:    %.0f\n", float64(events)/elapsed.Seconds())
	fmt.Fprintf(stdout, "time/event:       %s\n", (elapsed / time.Duration(events)).Round(time.Nanosecond))
	fmt.Fprintf(stdout, "allocs/event:     %.2f\n", float64(after.Mallocs-before.Mallocs)/float64(events))
	fmt.Fprintf(stdout, "bytes/event:      %.0f\n", float64(after.TotalAlloc-before.TotalAlloc)/float64(events))
	var ours, real figures
	if u2.ok {
		ours = figures{loadCPU: loadCPU, cpu: u2.cpu - u1.cpu, events: events, maxRSS: u2.maxRSS}
	}
	if *against != "" {
		var lines bytes.Buffer
		for i := range msgs {
			lines.WriteString(msgs[i].Message.Text)
			lines.WriteByte('\n')
		}
		self, err := benchSelf()
		if err == nil {
			ours, err = benchLogtest(self, []string{"logtest"}, *against, lines.Bytes(), len(msgs))
		}
		if err == nil {
			real, err = benchLogtest(filepath.Join(*against, "bin", "ossec-logtest"), nil, *against, lines.Bytes(), len(msgs))
		}
		if err != nil {
			fmt.Fprintf(stderr, "bench: --against: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "against:          %s, both logtests as processes, one pass over the %d lines each\n", filepath.Join(*against, "bin", "ossec-logtest"), len(msgs))
	}
	if !ours.ok() && *against == "" {
		return 0
	}
	// CPU is user+system time, memory the peak resident set (getrusage,
	// or /proc for the processes of --against).
	fmt.Fprintf(stdout, "\n%-20s %14s", "", "ours")
	if *against != "" {
		fmt.Fprintf(stdout, " %14s", "ossec-logtest")
	}
	fmt.Fprintln(stdout)
	row := func(name string, f func(figures) string) {
		fmt.Fprintf(stdout, "%-20s %14s", name, f(ours))
		if *against != "" {
			fmt.Fprintf(stdout, " %14s", f(real))
		}
		fmt.Fprintln(stdout)
	}
	row("load cpu", func(f figures) string { return f.loadCPU.Round(time.Microsecond).String() })
	row("cpu/event", func(f figures) string { return (f.cpu / time.Duration(f.events)).Round(time.Nanosecond).String() })
	row("events/cpu-second", func(f figures) string {
		if !f.ok() {
			return "-" // too little CPU time to tell
		}
		return fmt.Sprintf("%.0f", float64(f.events)/f.cpu.Seconds())
	})
	row("peak memory", func(f figures) string {
		if f.maxRSS <= 0 {
			return "-" // a process of --against where there is no /proc
		}
		return fmt.Sprintf("%.1f MB", float64(f.maxRSS)/1e6)
	})
	if *against != "" && real.ok() && ours.ok() {
		fmt.Fprintf(stdout, "cpu/event: ossec-logtest's is %.1fx ours\n", (float64(real.cpu)/float64(real.events))/(float64(ours.cpu)/float64(ours.events)))
	}
	return 0
}

// figures are the CPU figures bench prints for one engine.
type figures struct {
	loadCPU, cpu time.Duration // load, and the events after it
	events       int
	maxRSS       int64
}

func (f figures) ok() bool { return f.events > 0 && f.cpu > 0 }

// benchSelf is the program bench runs as ours under --against.
var benchSelf = os.Executable

// benchLogtest runs the logtest bin (args, then ossec-logtest's -D DIR -c
// DIR/etc/ossec.conf -q) once without input (its load) and once on lines,
// and returns its figures: the events' CPU is the second run's less the
// first's. The second run's output goes to /dev/null (ossec-logtest
// writes each line unbuffered, and a write into a pipe costs it more than
// one to /dev/null): an error there names the exit status only.
func benchLogtest(bin string, args []string, dir string, lines []byte, n int) (figures, error) {
	args = append(args, "-D", dir, "-c", filepath.Join(dir, "etc", "ossec.conf"), "-q")
	run := func(in []byte) (procUsage, error) {
		cmd := exec.Command(bin, args...)
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		if in == nil {
			cmd.Stderr = &stderr
		}
		if err := cmd.Start(); err != nil {
			return procUsage{}, err
		}
		peak := watchPeakRSS(cmd.Process.Pid, bin)
		err := cmd.Wait()
		hwm := peak()
		if err != nil {
			msg := strings.TrimSpace(stderr.String())
			if len(msg) > 500 {
				msg = msg[len(msg)-500:]
			}
			if in != nil {
				msg = "on the corpus (its output went to /dev/null; run it by hand to see it)"
			}
			return procUsage{}, fmt.Errorf("%s: %v: %s", bin, err, msg)
		}
		u := childUsage(cmd.ProcessState)
		if !u.ok {
			return procUsage{}, fmt.Errorf("%s: no CPU figures on this system", bin)
		}
		// getrusage's peak of a child counts this process's memory
		// too: none is better than that one.
		u.maxRSS = hwm
		return u, nil
	}
	load, err := run(nil)
	if err != nil {
		return figures{}, err
	}
	all, err := run(lines)
	if err != nil {
		return figures{}, err
	}
	return figures{loadCPU: load.cpu, cpu: all.cpu - load.cpu, events: n, maxRSS: all.maxRSS}, nil
}

// watchPeakRSS follows the peak resident memory of the process pid, which
// runs bin, from /proc/PID/status (VmHWM) every millisecond, until the
// function it returns is called once the process has ended; that returns
// the highest peak read, or 0 where there is no /proc (or the process
// ended before a reading). A reading counts
// only once the process runs bin (its Name): before its exec, a process
// started by this one shares this one's memory. getrusage's peak would
// count that memory too.
func watchPeakRSS(pid int, bin string) func() int64 {
	name := filepath.Base(bin)
	if len(name) > 15 {
		name = name[:15] // the kernel keeps 15 bytes of a command's name
	}
	file := fmt.Sprintf("/proc/%d/status", pid)
	var peak int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if kb := statusHWM(file, name); kb*1024 > peak {
				peak = kb * 1024
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return peak
	}
}

// statusHWM is the VmHWM of a /proc/PID/status file, in kB, when the
// process there is named name; 0 otherwise (no such file, another
// process, or one that has ended: a zombie has no memory lines).
func statusHWM(file, name string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	var comm string
	var kb int64
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "Name":
			comm = strings.TrimSpace(v)
		case "VmHWM":
			kb, _ = strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	if comm != name {
		return 0
	}
	return kb
}
