package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/clock"
	"github.com/ossec-ruletest/ossec-ruletest/internal/corpus"
	"github.com/ossec-ruletest/ossec-ruletest/internal/coverage"
	"github.com/ossec-ruletest/ossec-ruletest/internal/noise"
	"github.com/ossec-ruletest/ossec-ruletest/internal/report"
	"github.com/ossec-ruletest/ossec-ruletest/internal/untar"
)

func init() {
	RegisterCommand("noise", "replay a log corpus through the ruleset before and after a change: alerts, emails, lost alerts", noiseMain)
}

const noiseUsage = `usage: ossec-ruletest noise --before REF|DIR --after REF|DIR [flags] CORPUS...
       ossec-ruletest noise --merge [flags] SHARD.json...

Replays a log corpus (files, folders, gzip files, - for standard input)
through the ruleset as it was before and after a change, on the native
engine, on all cores, and reports per rule, per group, per level and in
total the events, alerts logged, emails and the reduction in percent, and
every lost alert: an event that alerted at or above --level before
(default: the before ruleset's email_alert_level) and does not after.

Each side is the base OSSEC installation (--base, or $OSSEC_RULESET) with
a rules layer on top (ossec.conf, decoders/, rules/, lists/), given as
  DIR    a directory (e.g. . for the working tree),
  REF    a git revision of the rules repository (--repo), read with
         git archive (the working tree is not touched),
  none   no layer: the base ruleset alone.

Corpus lines are ossec-logtest input lines, or OSSEC queue messages
"ID:LOCATION:TEXT" such as "8:(web01) 10.0.0.5->syscheck:CHECKSUM PATH"
(see the corpus package for the exact rule). Each source host (agent name,
else syslog hostname) gets its own engine sessions and clock, so the
result does not depend on the number of cores or shards.

An alert that runs an active response with a file name is followed up by
the next line of the same host naming that file (the verifier's verdict):
it is not lost when its follow-up alerts at the level.

Memory holds each host's correlation state (its events within the longest
timeframe of the rulesets, its file-integrity database, shared by both
sides). The replay collects garbage at GOGC=50, so that the process takes
about 1.5 times what it holds rather than 2 times, unless GOGC or
GOMEMLIMIT is set: 10,000 hosts (1.1 million events) take under 300 MB.

Exit codes: 0 done (no unaccepted lost alert, or no --fail-on-lost),
1 lost alerts with --fail-on-lost, or a ruleset or corpus error,
2 usage error, 130 interrupted.

Flags:
`

// noiseMain is the noise subcommand.
func noiseMain(args []string, stdout, stderr io.Writer) int {
	fl := NewFlagSet("noise", noiseUsage, stderr)
	before := fl.String("before", "", "the ruleset before the change: `REF|DIR|none`")
	after := fl.String("after", "", "the ruleset after the change: `REF|DIR|none`")
	base := fl.String("base", os.Getenv("OSSEC_RULESET"), "the base OSSEC installation directory (default $OSSEC_RULESET)")
	repo := fl.String("repo", "", "the git repository REFs name revisions of (default: the rules repository the current directory is in, else .)")
	level := fl.Int("level", 0, "the level of lost alerts (default: email_alert_level of the before ruleset)")
	knownFile := fl.String("known-changes", "", "accept the losses listed in `FILE` (lines \"BEFORE AFTER REASON\")")
	failOnLost := fl.Bool("fail-on-lost", false, "exit 1 when an alert is lost that no known change accepts")
	shard := fl.String("shard", "", "replay only the hosts of shard `K/N` (merge the N JSON reports with --merge)")
	merge := fl.Bool("merge", false, "merge the JSON reports of N shards given as arguments into one report")
	workers := fl.Int("j", 0, "number of workers (default: all cores)")
	jsonOut := fl.Bool("json", false, "print the report as JSON on stdout instead of text")
	junit := fl.String("junit", "", "also write the report as JUnit XML to `FILE`")
	markdown := fl.String("markdown", "", "also write the report as Markdown to `FILE` (e.g. $GITHUB_STEP_SUMMARY)")
	htmlOut := fl.String("html", "", "also write the report as a self-contained HTML page to `FILE`")
	hostname := fl.String("hostname", "manager", "the manager's hostname: given to events without a syslog header, and the host of the manager's own file-integrity events")
	plain := fl.Bool("plain", false, "read every corpus line as an ossec-logtest line, never as a queue message")
	year := fl.Int("year", 0, "the year of syslog timestamps (default: this year)")
	clockFlag := fl.String("clock", "log", "`CLOCK`: "+clock.Usage+"; a corpus is replayed as the manager received it, so the default is log (per host)")
	window := fl.Int("follow-window", 1000, "how many later events of a host may carry an alert's follow-up")
	maxLost := fl.Int("max-lost", 10000, "list at most `N` lost alerts (all are counted)")
	verbose := fl.Bool("v", false, "print the time taken and events per second on stderr")
	withCov := fl.String("with-coverage", "", "show the coverage report in `FILE` (coverage --json) on the --html page too")
	labels := fl.String("labels", "", "name the two rulesets in reports: `BEFORE,AFTER` (default: their REF or DIR)")
	if code, ok := ParseFlags(fl, args); !ok {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "ossec-ruletest noise: "+format+"\n", a...)
		return code
	}
	if *repo == "" {
		// REFs name revisions of the repository the current directory is
		// in, found upwards as run finds it (git ls-tree paths are taken
		// from its root).
		if r, err := findRepo("", false, *base); err == nil && r != "" {
			*repo = r
		} else {
			*repo = "."
		}
	}
	var known *noise.KnownChanges
	if *knownFile != "" {
		var err error
		if known, err = noise.ReadKnownChanges(*knownFile); err != nil {
			return fail(ExitUsage, "--known-changes: %v", err)
		}
	}
	var cov *coverage.Report
	if *withCov != "" {
		data, err := os.ReadFile(*withCov)
		if err != nil {
			return fail(ExitUsage, "--with-coverage: %v", err)
		}
		cov = new(coverage.Report)
		if err := json.Unmarshal(data, cov); err != nil {
			return fail(ExitUsage, "--with-coverage: %s: not a coverage JSON report: %v", *withCov, err)
		}
	}
	outputs := func(rep *noise.Report) int {
		r, _ := report.For("text")
		if *jsonOut {
			r, _ = report.For("json")
		}
		if err := r.Noise(stdout, rep); err != nil {
			return fail(ExitFailed, "%v", err)
		}
		for _, o := range []struct{ file, format string }{{*junit, "junit"}, {*markdown, "markdown"}, {*htmlOut, "html"}} {
			if o.file == "" {
				continue
			}
			if err := writeReportFile(o.file, o.format, rep, cov); err != nil {
				return fail(ExitFailed, "%v", err)
			}
		}
		if *failOnLost && rep.LostCount > 0 {
			fmt.Fprintf(stderr, "ossec-ruletest noise: %d lost alerts\n", rep.LostCount)
			return ExitFailed
		}
		return ExitOK
	}

	if *merge {
		if *before != "" || *after != "" || *shard != "" || known != nil {
			return fail(ExitUsage, "--merge takes shard reports, not --before, --after, --shard or --known-changes (give those to the shard runs)")
		}
		if fl.NArg() == 0 {
			return fail(ExitUsage, "--merge: give the JSON reports of the shards")
		}
		var shards []*noise.Report
		for _, f := range fl.Args() {
			data, err := os.ReadFile(f)
			if err != nil {
				return fail(ExitUsage, "%v", err)
			}
			r, err := noise.ReadJSON(bytes.NewReader(data))
			if err != nil {
				return fail(ExitUsage, "%s: not a noise JSON report: %v", f, err)
			}
			shards = append(shards, r)
		}
		rep, err := noise.Merge(shards)
		if err != nil {
			return fail(ExitUsage, "%v", err)
		}
		return outputs(rep)
	}

	if *before == "" || *after == "" || fl.NArg() == 0 {
		fl.Usage()
		return ExitUsage
	}
	var sh noise.Shard
	if *shard != "" {
		var err error
		if sh, err = noise.ParseShard(*shard); err != nil {
			return fail(ExitUsage, "--shard: %v", err)
		}
	}
	if *base != "" {
		if _, err := os.Stat(*base); err != nil {
			return fail(ExitUsage, "base ruleset: %v", err)
		}
	}
	clk, err := clock.Parse(*clockFlag)
	if err != nil {
		return fail(ExitUsage, "--clock: %v", err)
	}
	var sides [2]noise.Side
	for i, ref := range []string{*before, *after} {
		side, cleanup, err := loadSide(stderr, []string{"before", "after"}[i], *base, *repo, ref, *hostname)
		if err != nil {
			return fail(ExitFailed, "%s: %v", []string{"--before", "--after"}[i], err)
		}
		defer cleanup()
		sides[i] = side
	}

	if *labels != "" {
		b, a, ok := strings.Cut(*labels, ",")
		if !ok || b == "" || a == "" {
			return fail(ExitUsage, "--labels: want BEFORE,AFTER, got %q", *labels)
		}
		sides[0].Label, sides[1].Label = b, a
	}

	src, err := corpus.Open(fl.Args(), corpus.Options{Plain: *plain})
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	defer src.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		// The replay's live heap is most of the process (every host's
		// state): GOGC=50 keeps the process at 1.5 times it. 10,000
		// hosts: 387 -> 291 MB resident, CPU within the noise.
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	prog := newProgress(stderr, src)
	start := time.Now()
	rep, err := noise.Run(ctx, src, sides[0], sides[1], noise.Options{
		Level: *level, Workers: *workers, Shard: sh, Known: known, FollowWindow: *window,
		Year: *year, Clock: &clk, Inputs: fl.Args(), Progress: prog.update, MaxLost: *maxLost, Hostname: *hostname,
	})
	prog.done()
	if ctx.Err() != nil {
		return fail(ExitInterrupt, "interrupted")
	}
	if err != nil {
		return fail(ExitFailed, "%v", err)
	}
	if *verbose {
		d := time.Since(start)
		fmt.Fprintf(stderr, "replayed %d events through 2 rulesets in %.2fs: %.0f events/s\n", rep.Replayed, d.Seconds(), float64(rep.Replayed)/d.Seconds())
	}
	return outputs(rep)
}

func writeReportFile(file, format string, rep *noise.Report, cov *coverage.Report) error {
	r, err := report.For(format)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if format == "html" {
		err = report.HTML(&b, report.Page{Noise: rep, Coverage: cov})
	} else {
		err = r.Noise(&b, rep)
	}
	if err != nil {
		return err
	}
	return os.WriteFile(file, b.Bytes(), 0o644)
}

// loadSide loads the ruleset of one side: the base with the layer ref.
func loadSide(stderr io.Writer, which, base, repo, ref, hostname string) (noise.Side, func(), error) {
	nop := func() {}
	dir, label, cleanup, err := materialise(repo, ref)
	if err != nil {
		return noise.Side{}, nop, err
	}
	src, err := harness.Sources(base, dir)
	if err != nil {
		cleanup()
		return noise.Side{}, nop, err
	}
	rs, notes, err := harness.Load(src)
	if err != nil {
		cleanup()
		msg := err.Error()
		if dir != "" && dir != ref {
			msg = strings.ReplaceAll(msg, dir+string(filepath.Separator), ref+":")
		}
		return noise.Side{}, nop, errors.New(msg)
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "ossec-ruletest noise: %s: note: %s\n", which, n)
	}
	describeRuleset(stderr, "ossec-ruletest noise: "+which, base, ref, src, rs)
	name := func(p string) string {
		if dir != "" && dir != ref {
			if rest, ok := strings.CutPrefix(p, dir+string(filepath.Separator)); ok {
				return ref + ":" + filepath.ToSlash(rest)
			}
		}
		if base != "" {
			if rest, ok := strings.CutPrefix(p, filepath.Clean(base)+string(filepath.Separator)); ok {
				return "base:" + filepath.ToSlash(rest)
			}
		}
		if rel, err := filepath.Rel(".", p); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
		return p
	}
	side := noise.Side{
		Label:           label,
		EmailAlertLevel: rs.Config.EmailAlertLevel,
		NewAnalyzer:     noise.Native(rs, hostname),
		FileName:        name,
	}
	return side, cleanup, nil
}

// materialise returns the directory of a side's layer: ref itself when it
// is a directory, "" for none, or a temporary copy of the rules files of
// git revision ref of repo.
func materialise(repo, ref string) (dir, label string, cleanup func(), err error) {
	cleanup = func() {}
	if ref == "none" {
		return "", "base", cleanup, nil
	}
	if fi, err := os.Stat(ref); err == nil && fi.IsDir() {
		return ref, ref, cleanup, nil
	}
	git := func(args ...string) ([]byte, error) {
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("%q is neither a directory nor a git revision of %s: git %s: %v: %s", ref, repo, args[0], err, strings.TrimSpace(stderr.String()))
		}
		return out, nil
	}
	commit, err := git("rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return "", "", cleanup, err
	}
	short := strings.TrimSpace(string(commit))
	if len(short) > 12 {
		short = short[:12]
	}
	// The files a repository deploys (see harness.ReadRepo): etc/ holds
	// an installation-laid-out repository's ossec.conf and local_decoder.xml.
	list, err := git("ls-tree", "--name-only", ref, "--", "ossec.conf", "etc", "decoders", "rules", "lists")
	if err != nil {
		return "", "", cleanup, err
	}
	paths := strings.Fields(string(list))
	tmp, err := os.MkdirTemp("", "ossec-ruletest-noise-")
	if err != nil {
		return "", "", cleanup, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	if len(paths) > 0 {
		data, err := git(append([]string{"archive", "--format=tar", ref, "--"}, paths...)...)
		if err != nil {
			cleanup()
			return "", "", func() {}, err
		}
		if err := untar.Extract(tmp, bytes.NewReader(data)); err != nil {
			cleanup()
			return "", "", func() {}, fmt.Errorf("git archive %s: %v", ref, err)
		}
	}
	return tmp, fmt.Sprintf("%s (%s)", ref, short), cleanup, nil
}

// progress prints events per second and the time left on stderr, when it
// is a terminal and the run takes longer than a second.
type progress struct {
	w       io.Writer
	src     *corpus.Reader
	tty     bool
	start   time.Time
	last    time.Time
	printed bool
	total   int64
}

func newProgress(w io.Writer, src *corpus.Reader) *progress {
	p := &progress{w: w, src: src, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
			p.total = src.TotalSize()
		}
	}
	return p
}

func (p *progress) update(events int64) {
	if !p.tty {
		return
	}
	now := time.Now()
	el := now.Sub(p.start)
	if el < time.Second || now.Sub(p.last) < 250*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(events) / el.Seconds()
	eta := ""
	if read := p.src.BytesRead(); p.total > 0 && read > 0 {
		left := time.Duration(float64(el) * float64(p.total-read) / float64(read))
		eta = fmt.Sprintf(", %d%%, ETA %s", read*100/p.total, left.Round(time.Second))
	}
	fmt.Fprintf(p.w, "\r\033[K%d events, %.0f events/s%s", events, rate, eta)
	p.printed = true
}

func (p *progress) done() {
	if p.printed {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
