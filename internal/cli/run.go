package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/arverify"
	"github.com/ossec-ruletest/ossec-ruletest/internal/clock"
	"github.com/ossec-ruletest/ossec-ruletest/internal/initest"
	"github.com/ossec-ruletest/ossec-ruletest/internal/lint"
	"github.com/ossec-ruletest/ossec-ruletest/internal/report"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

func init() {
	RegisterCommand("run", "run test cases (.txtar, and OSSEC's .ini rule tests)", runRun)
}

const runUsage = `usage: ossec-ruletest run [flags] [PATH...]

Runs the case files (.txtar) and OSSEC rule test files (.ini) given, and
those in the folders given (recursively); default: the repository's
cases/. The ruleset of a case is the base OSSEC installation (--base, or
$OSSEC_RULESET), the rules repository deployed into it (--repo, default:
the repository the current directory is in; its rules/X.xml replaces the
base's rules/X.xml, its ossec.conf's own <rules> list is what loads), and
the files of the case's own archive. It says on stderr what it loaded,
prints failing cases with their log and ends with the line
"N passed, M failed".

Set ` + harness.UpdateEnv + `=1 (or --update) to rewrite the golden output of failing
'cmp stdout' commands in the case files.

Exit codes: 0 every case passed (some may have been skipped), 1 a case
failed, or every case was skipped, or (with CI=true) a case that needs a
base ruleset was skipped for want of one (--allow-skips accepts both),
2 usage error or no case found, 3 the ruleset (base and repository)
does not load, 130 interrupted.

Flags:
`

// runFlags are the values of run's flags.
type runFlags struct {
	engineName, hostname, base, repo, junit, markdown, shard, xfailFile, clockFlag, arBin *string
	noRepo, jsonOut, verbose, update, watch, allowSkips                                   *bool
}

// newRunFlags returns run's flag set, whose errors and help go to stderr,
// and the values its flags set. NeedsDocker parses a command line with it
// too (engineCommands).
func newRunFlags(stderr io.Writer) (*flag.FlagSet, *runFlags) {
	fl := NewFlagSet("run", runUsage, stderr)
	f := &runFlags{}
	f.engineName, f.hostname = engineFlags(fl)
	f.base = fl.String("base", os.Getenv("OSSEC_RULESET"), "the base OSSEC installation directory (etc/, rules/) (default $OSSEC_RULESET)")
	f.repo = fl.String("repo", "", "the rules repository whose ossec.conf, decoders/, rules/ and lists/ lie on the base (default: the one the current directory is in, found upwards)")
	f.noRepo = fl.Bool("no-repo", false, "load no rules repository: only the base and the cases' own files")
	f.jsonOut = fl.Bool("json", false, "print the results as JSON on stdout (the summary line goes to stderr)")
	f.junit = fl.String("junit", "", "also write the results as JUnit XML to `FILE`")
	f.markdown = fl.String("markdown", "", "also write the results as Markdown to `FILE` (a CI job summary)")
	f.verbose = fl.Bool("v", false, "print the log of every case, passed ones too")
	f.update = fl.Bool("update", false, "rewrite golden 'cmp stdout' output in the case files (as "+harness.UpdateEnv+"=1)")
	f.shard = fl.String("shard", "", "run only shard `K/N` of the cases (N CI jobs, K in 1..N): every Nth case, from the Kth, in file order")
	f.xfailFile = fl.String("expected-failures", "", "a `FILE` of cases expected to fail, one per line: CASE REASON (CASE: FILE.ini:LINE, or a .txtar file)")
	f.clockFlag = fl.String("clock", "arrival", "`CLOCK` the cases start on: "+clock.Usage+"; a case's clock command changes it")
	f.watch = fl.Bool("watch", false, "after the run, run again on every save: the case files that changed, or all cases when a file of the repository's ruleset changed (one engine cache: unchanged rulesets are not reloaded)")
	f.arBin = fl.String("ar-bin", "", "the `DIR`ectory of the programs the native engine runs for active responses, by their <executable> (as OSSEC's active-response/bin) (default: this program, which is the ossec-ar-verify-file active response too)")
	f.allowSkips = fl.Bool("allow-skips", false, "pass when every case was skipped, and, with CI=true, when a case that needs a base ruleset was skipped for want of one")
	return fl, f
}

// runRun is the run subcommand.
func runRun(args []string, stdout, stderr io.Writer) int {
	fl, opt := newRunFlags(stderr)
	if code, ok := ParseFlags(fl, args); !ok {
		return code
	}
	if *opt.base != "" {
		if _, err := os.Stat(*opt.base); err != nil {
			fmt.Fprintf(stderr, "ossec-ruletest run: base ruleset: %v\n", err)
			return ExitUsage
		}
	}
	var err error
	if *opt.repo, err = findRepo(*opt.repo, *opt.noRepo, *opt.base); err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest run: %v\n", err)
		return ExitUsage
	}
	paths := fl.Args()
	if len(paths) == 0 {
		paths = []string{filepath.Join(*opt.repo, "cases")}
	}
	if *opt.watch {
		return watchRun(withoutWatch(args[:len(args)-fl.NArg()]), *opt.repo, paths, *opt.hostname, stdout, stderr)
	}
	files, err := caseFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest run: %v\n", err)
		return ExitUsage
	}
	shardK, shardN := 1, 1
	if *opt.shard != "" {
		if shardK, shardN, err = parseShard(*opt.shard); err != nil {
			fmt.Fprintf(stderr, "ossec-ruletest run: --shard: %v\n", err)
			return ExitUsage
		}
	}
	var xfails []xfail
	if *opt.xfailFile != "" {
		if xfails, err = readExpectedFailures(*opt.xfailFile); err != nil {
			fmt.Fprintf(stderr, "ossec-ruletest run: --expected-failures: %v\n", err)
			return ExitUsage
		}
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "ossec-ruletest run: no case files (.txtar, .ini) in %s\n", strings.Join(paths, " "))
		return ExitUsage
	}
	// The ruleset of the base and the repository loads once, before the
	// cases: when it does not, that is said once, not once per case.
	// (Another engine without --base takes its base from where it runs, a
	// manager image or installation: a native load without one would say
	// nothing about that, so it is left to the engine.)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var native *harness.Native // the native engine, opened first: the load is its
	if *opt.engineName == "native" {
		b, err := openEngine(ctx, *opt.engineName, EngineOptions{Hostname: *opt.hostname})
		if err != nil {
			fmt.Fprintf(stderr, "ossec-ruletest run: %v\n", err)
			return ExitUsage
		}
		native = b.(*harness.Native)
	}
	var rs *ruleset.Ruleset
	if native != nil || *opt.base != "" {
		var code int
		if rs, code = preloadRuleset(stderr, "ossec-ruletest run", *opt.base, *opt.repo, native); code != ExitOK {
			return code
		}
	}
	// Lint warnings for the repository's own files (not the base's).
	if *opt.repo != "" && rs != nil {
		if lf, err := xmlFiles(repoLintPaths(*opt.repo)); err == nil && len(lf) > 0 {
			for _, f := range lint.Check(rs, lf) {
				// The loader's own warnings are among the notes run prints.
				if _, own := lint.Codes[f.Code]; own {
					fmt.Fprintf(stderr, "lint: %s\n", f)
				}
			}
		}
	}

	var backend harness.Backend = native
	if native == nil {
		backend, err = openEngine(ctx, *opt.engineName, EngineOptions{Hostname: *opt.hostname})
	}
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest run: %v\n", err)
		if ctx.Err() != nil {
			return ExitInterrupt
		}
		return ExitUsage
	}
	if c, ok := backend.(io.Closer); ok {
		defer func() {
			if err := c.Close(); err != nil {
				fmt.Fprintf(stderr, "ossec-ruletest run: closing engine %s: %v\n", backend.Name(), err)
			}
		}()
	}

	if *opt.base == "" {
		// The engine's own installation is the base of its cases: a
		// manager image's, or the --ossec-dir whose ossec-logtest runs.
		if ib, ok := backend.(interface {
			InstallationBase(context.Context) (string, error)
		}); ok {
			if *opt.base, err = ib.InstallationBase(ctx); err != nil {
				if ctx.Err() != nil {
					fmt.Fprintln(stderr, "ossec-ruletest run: interrupted")
					return ExitInterrupt
				}
				fmt.Fprintf(stderr, "ossec-ruletest run: the engine's installation as base: %v\n", err)
				return ExitFailed
			}
		}
	}

	clk, err := clock.Parse(*opt.clockFlag)
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest run: --clock: %v\n", err)
		return ExitUsage
	}
	if *opt.arBin == "" && native != nil {
		dir, err := selfARBin()
		if err != nil {
			fmt.Fprintf(stderr, "ossec-ruletest run: active responses: %v\n", err)
			return ExitFailed
		}
		defer os.RemoveAll(dir)
		*opt.arBin = dir
	}
	cfg := &harness.Config{Backend: backend, Base: *opt.base, Repo: *opt.repo, UpdateScripts: *opt.update, Context: ctx, Clock: clk, ARBin: *opt.arBin, WorkRoot: watchWorkRoot}
	var before map[string][]byte
	if *opt.update || os.Getenv(harness.UpdateEnv) != "" {
		before = map[string][]byte{}
		for _, f := range files {
			if strings.HasSuffix(f, ".txtar") {
				before[f], _ = os.ReadFile(f)
			}
		}
	}
	results, total := runCasesShard(cfg, files, *opt.verbose, stderr, shardK, shardN)
	for _, f := range files {
		if old, ok := before[f]; ok {
			if now, err := os.ReadFile(f); err == nil && !bytes.Equal(now, old) {
				fmt.Fprintf(stderr, "updated %s: its golden output was rewritten\n", f)
			}
		}
	}
	if len(results) == 0 && total > 0 {
		fmt.Fprintf(stderr, "note: shard %d/%d has no case (%d cases in all, fewer than %d shards): nothing to run\n", shardK, shardN, total, shardN)
	}
	nx := applyExpectedFailures(results, xfails, *opt.xfailFile, stderr)
	if n, ok := backend.(interface{ Notes() []string }); ok {
		for _, note := range n.Notes() {
			fmt.Fprintf(stderr, "note: %s\n", note)
		}
	}

	passed, failed, skipped, needBase := 0, 0, 0, 0
	for _, r := range results {
		switch r.Status {
		case harness.Passed:
			passed++
		case harness.Failed:
			failed++
			if ids := missingRules(r.File, rs); len(ids) > 0 {
				msg := "no base ruleset is loaded (set OSSEC_RULESET or --base)"
				if *opt.base != "" {
					msg = "neither the base nor the repository defines them"
				}
				fmt.Fprintf(stderr, "note: %s names rule %s, which is not loaded: %s\n", r.File, joinInts(ids), msg)
			}
		case statusXFail:
		default:
			skipped++
			if r.NeedsBase {
				needBase++
			}
		}
	}
	summary := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if nx > 0 {
		fmt.Fprintf(stderr, "%d failed as expected (%s)\n", nx, *opt.xfailFile)
	}
	rep := &report.Cases{Results: results, Verbose: *opt.verbose}
	if *opt.jsonOut {
		writeCaseResults(stdout, "json", rep)
		fmt.Fprintln(stderr, summary)
	} else {
		writeCaseResults(stdout, "text", rep)
	}
	for _, out := range []struct{ flag, format, file string }{{"junit", "junit", *opt.junit}, {"markdown", "markdown", *opt.markdown}} {
		if out.file == "" {
			continue
		}
		if err := writeCaseResultsFile(out.file, out.format, rep); err != nil {
			fmt.Fprintf(stderr, "ossec-ruletest run: --%s: %v\n", out.flag, err)
			return ExitFailed
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "ossec-ruletest run: interrupted")
		return ExitInterrupt
	}
	if failed > 0 {
		return ExitFailed
	}
	if !*opt.allowSkips {
		// A gate that tested nothing must not pass.
		// (An empty shard has no case at all: it passes, with its note.)
		if len(results) > 0 && skipped == len(results) {
			fmt.Fprintf(stderr, "ossec-ruletest run: every case (%d) was skipped: nothing was tested (--allow-skips to accept)\n", skipped)
			return ExitFailed
		}
		if needBase > 0 && os.Getenv("CI") == "true" {
			fmt.Fprintf(stderr, "ossec-ruletest run: CI=true and %d case(s) that need a base ruleset were skipped for want of one: give --base, $OSSEC_RULESET or a manager image (--allow-skips to accept)\n", needBase)
			return ExitFailed
		}
	}
	return ExitOK
}

// caseFiles lists the .txtar and .ini files among paths and below the
// folders among them, each folder's in name order.
func caseFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(path, ".txtar") || strings.HasSuffix(path, ".ini") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// parseShard parses "K/N" with 1 <= K <= N.
func parseShard(s string) (k, n int, err error) {
	ks, ns, ok := strings.Cut(s, "/")
	if ok {
		k, err = strconv.Atoi(ks)
		if err == nil {
			n, err = strconv.Atoi(ns)
		}
	}
	if !ok || err != nil || n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("%q is not K/N with 1 <= K <= N", s)
	}
	return k, n, nil
}

// runCases runs the files: txtar cases as they are, and every log line of
// an .ini file as a case of its own (initest.Cases), named FILE.ini:LINE,
// so that a failing line hides no other. The warnings of .ini files go to
// stderr. Results come in file order.
func runCases(cfg *harness.Config, files []string, verbose bool, stderr io.Writer) []harness.CaseResult {
	results, _ := runCasesShard(cfg, files, verbose, stderr, 1, 1)
	return results
}

// runCasesShard is runCases for shard k of n: the cases (a .txtar file, a
// log line of an .ini file) are dealt out in file order, the first to shard
// 1, the second to shard 2, ..., so that shards differ by one case at most.
// total is the number of cases of all the shards.
func runCasesShard(cfg *harness.Config, files []string, verbose bool, stderr io.Writer, k, n int) (results []harness.CaseResult, total int) {
	type job struct {
		script string             // the txtar file to run ("" when res is final or ini is set)
		file   string             // the file to name in the results
		pos    string             // for a .ini line: "FILE.ini:LINE"
		ini    *initest.Case      // for a .ini line: its case, written out only when run
		dir    string             // where to write it
		res    harness.CaseResult // a result known without running
	}
	var jobs []job
	tmp := ""
	defer func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}()
	for i, f := range files {
		if !strings.HasSuffix(f, ".ini") {
			jobs = append(jobs, job{script: f, file: f})
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".ini")
		fail := func(err error) {
			jobs = append(jobs, job{file: f, res: harness.CaseResult{Name: name, File: f, Status: harness.Failed, Log: err.Error() + "\n"}})
		}
		parsed, err := initest.Parse(f)
		if err != nil {
			fail(err)
			continue
		}
		for _, w := range parsed.Warnings {
			fmt.Fprintf(stderr, "%s:%d: warning: %s\n", f, w.Line, w.Msg)
		}
		cases := initest.Cases(parsed)
		if len(cases) == 0 {
			if iniAllComments(f) {
				// A test file commented out whole (the stock unbound.ini):
				// nothing to run, and said so.
				jobs = append(jobs, job{file: f, res: harness.CaseResult{Name: name, File: f, Status: harness.Skipped, SkipReason: "every line is a comment or blank: no test"}})
				continue
			}
			fail(fmt.Errorf("%s: no test: an .ini rule test needs a [section] with rule, alert and decoder and at least one valid 'log N pass|fail = LINE'", f))
			continue
		}
		for _, c := range cases {
			jobs = append(jobs, job{ini: &c, dir: strconv.Itoa(i), file: f, pos: filepath.Join(filepath.Dir(f), c.Name)})
		}
	}
	total = len(jobs)
	var mine []job
	for i, j := range jobs {
		if i%n == k-1 {
			mine = append(mine, j)
		}
	}
	jobs = mine
	// The lines of .ini files that pass are decided without their
	// scripts when the engine can (harness.UnitTester); the others are
	// written out and run, for their verdict and log.
	var unitTest func(line, check string, wantFail bool) bool
	if !verbose {
		unitTest = cfg.UnitTester()
	}
	var scripts []string
	for i := range jobs {
		j := &jobs[i]
		if j.ini == nil {
			if j.script != "" {
				scripts = append(scripts, j.script)
			}
			continue
		}
		name := strings.TrimSuffix(filepath.Base(j.file), ".ini")
		if unitTest != nil {
			start := time.Now()
			if unitTest(j.ini.Log.Text, j.ini.Section.Check().String(), j.ini.Log.Expect == initest.Fail) {
				j.res = harness.CaseResult{Name: j.ini.Name, File: j.file, Status: harness.Passed, Duration: time.Since(start)}
				j.ini = nil
				continue
			}
		}
		var err error
		if tmp == "" {
			tmp, err = os.MkdirTemp("", "ossec-ruletest-ini")
		}
		dir := filepath.Join(tmp, j.dir)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		script := filepath.Join(dir, j.ini.Name+".txtar")
		if err == nil {
			err = os.WriteFile(script, txtar.Format(j.ini.Archive), 0o644)
		}
		if err != nil {
			j.res = harness.CaseResult{Name: name, File: j.file, Status: harness.Failed, Log: err.Error() + "\n"}
			j.ini = nil
			continue
		}
		j.script = script
		scripts = append(scripts, script)
	}
	ran := harness.RunFiles(cfg, scripts, verbose)
	results = make([]harness.CaseResult, 0, len(jobs))
	next := 0
	for _, j := range jobs {
		if j.script == "" {
			results = append(results, j.res)
			continue
		}
		r := ran[next]
		next++
		if j.pos != "" {
			// A line of a .ini file: name its position, not the
			// generated script's.
			r.Log = regexp.MustCompile(regexp.QuoteMeta(r.File)+`:\d+`).ReplaceAllLiteralString(r.Log, j.pos)
			r.Log = strings.ReplaceAll(r.Log, r.File, j.pos)
			r.File = j.file
		}
		results = append(results, r)
	}
	return results, total
}

// writeCaseResults writes the case results in a format of package report.
func writeCaseResults(w io.Writer, format string, c *report.Cases) error {
	r, err := report.ForCases(format)
	if err != nil {
		return err
	}
	return r.Cases(w, c)
}

// writeCaseResultsFile writes the case results to the file path.
func writeCaseResultsFile(path, format string, c *report.Cases) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = writeCaseResults(f, format, c)
	return errors.Join(err, f.Close())
}

func lastLine(log string) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	return lines[len(lines)-1]
}

func joinInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}

// iniAllComments reports whether every line of the .ini file is blank or a
// comment (; or #).
func iniAllComments(file string) bool {
	data, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && l[0] != ';' && l[0] != '#' {
			return false
		}
	}
	return true
}

// selfARBin returns a new directory in which ossec-ar-verify-file is this
// program (Main runs the active response under that name): the default
// --ar-bin. The caller removes it.
func selfARBin() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "ruletest-ar-bin-")
	if err != nil {
		return "", err
	}
	if err := os.Symlink(exe, filepath.Join(dir, arverify.DefaultCommandName)); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
