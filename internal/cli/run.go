package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
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

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/clock"
	"github.com/ossec-ruletest/ossec-ruletest/internal/initest"
	"github.com/ossec-ruletest/ossec-ruletest/internal/lint"
)

func init() {
	RegisterCommand("run", "run test cases (.txtar, and OSSEC's .ini rule tests)", runRun)
}

const runUsage = `usage: ossec-ruletest run [flags] [PATH...]

Runs the case files (.txtar) and OSSEC rule test files (.ini) given, and
those in the folders given (recursively); default: cases/. The ruleset of
a case is the base OSSEC installation (--base, or $OSSEC_RULESET), this
rules repository's ossec.conf, decoders/ and rules/ (--repo), and the
files of the case's own archive. It prints failing cases with their log
and ends with the line "N passed, M failed".

Set ` + harness.UpdateEnv + `=1 (or --update) to rewrite the golden output of failing
'cmp stdout' commands in the case files.

Exit codes: 0 every case passed (some may have been skipped), 1 a case
failed, or every case was skipped, or (with CI=true) a case that needs a
base ruleset was skipped for want of one (--allow-skips accepts both),
2 usage error or no case found, 3 the ruleset (base and repository)
does not load, 130 interrupted.

Flags:
`

// runRun is the run subcommand.
func runRun(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("run", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		io.WriteString(stderr, runUsage)
		fl.PrintDefaults()
	}
	engineName, hostname := engineFlags(fl)
	base := fl.String("base", os.Getenv("OSSEC_RULESET"), "the base OSSEC installation directory (etc/, rules/) (default $OSSEC_RULESET)")
	repo := fl.String("repo", "", "the rules repository whose ossec.conf, decoders/, rules/ and lists/ lie on the base (default: the current directory, when it has them)")
	noRepo := fl.Bool("no-repo", false, "load no rules repository: only the base and the cases' own files")
	jsonOut := fl.Bool("json", false, "print the results as JSON on stdout (the summary line goes to stderr)")
	junit := fl.String("junit", "", "also write the results as JUnit XML to `FILE`")
	verbose := fl.Bool("v", false, "print the log of every case, passed ones too")
	update := fl.Bool("update", false, "rewrite golden 'cmp stdout' output in the case files (as "+harness.UpdateEnv+"=1)")
	shard := fl.String("shard", "", "run only shard `K/N` of the cases (N CI jobs, K in 1..N): every Nth case, from the Kth, in file order")
	xfailFile := fl.String("expected-failures", "", "a `FILE` of cases expected to fail, one per line: CASE REASON (CASE: FILE.ini:LINE, or a .txtar file)")
	clockFlag := fl.String("clock", "arrival", "`CLOCK` the cases start on: "+clock.Usage+"; a case's clock command changes it")
	watch := fl.Bool("watch", false, "after the run, run again on every save: the case files that changed, or all cases when a file of the repository's ruleset changed (one engine cache: unchanged rulesets are not reloaded)")
	allowSkips := fl.Bool("allow-skips", false, "pass when every case was skipped, and, with CI=true, when a case that needs a base ruleset was skipped for want of one")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if *base != "" {
		if _, err := os.Stat(*base); err != nil {
			fmt.Fprintf(stderr, "ossec-ruletest run: base ruleset: %v\n", err)
			return ExitUsage
		}
	}
	var err error
	if *repo, err = findRepo(*repo, *noRepo, *base); err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest run: %v\n", err)
		return ExitUsage
	}
	paths := fl.Args()
	if len(paths) == 0 {
		paths = []string{filepath.Join(*repo, "cases")}
	}
	if *watch {
		return watchRun(withoutWatch(args[:len(args)-fl.NArg()]), *repo, paths, *hostname, stdout, stderr)
	}
	files, err := caseFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest run: %v\n", err)
		return ExitUsage
	}
	shardK, shardN := 1, 1
	if *shard != "" {
		if shardK, shardN, err = parseShard(*shard); err != nil {
			fmt.Fprintf(stderr, "ossec-ruletest run: --shard: %v\n", err)
			return ExitUsage
		}
	}
	var xfails []xfail
	if *xfailFile != "" {
		if xfails, err = readExpectedFailures(*xfailFile); err != nil {
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
	rs, code := preloadRuleset(stderr, "ossec-ruletest run", *base, *repo)
	if code != ExitOK {
		return code
	}
	// Lint warnings for the repository's own files (not the base's).
	if *repo != "" {
		if lf, err := xmlFiles([]string{filepath.Join(*repo, "rules"), filepath.Join(*repo, "decoders")}); err == nil {
			for _, f := range lint.Check(rs, lf) {
				fmt.Fprintf(stderr, "lint: %s\n", f)
			}
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	backend, err := openEngine(ctx, *engineName, EngineOptions{Hostname: *hostname})
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest run: %v\n", err)
		return ExitUsage
	}
	if c, ok := backend.(io.Closer); ok {
		defer func() {
			if err := c.Close(); err != nil {
				fmt.Fprintf(stderr, "ossec-ruletest run: closing engine %s: %v\n", backend.Name(), err)
			}
		}()
	}

	if *base == "" {
		// A manager image's own installation is the base of its cases.
		if ib, ok := backend.(interface {
			ImageBase(context.Context) (string, error)
		}); ok {
			if *base, err = ib.ImageBase(ctx); err != nil {
				fmt.Fprintf(stderr, "ossec-ruletest run: the image's installation as base: %v\n", err)
				return ExitFailed
			}
		}
	}

	clk, err := clock.Parse(*clockFlag)
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest run: --clock: %v\n", err)
		return ExitUsage
	}
	cfg := &harness.Config{Backend: backend, Base: *base, Repo: *repo, UpdateScripts: *update, Context: ctx, Clock: clk}
	var before map[string][]byte
	if *update || os.Getenv(harness.UpdateEnv) != "" {
		before = map[string][]byte{}
		for _, f := range files {
			if strings.HasSuffix(f, ".txtar") {
				before[f], _ = os.ReadFile(f)
			}
		}
	}
	results, total := runCasesShard(cfg, files, *verbose, stderr, shardK, shardN)
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
	nx := applyExpectedFailures(results, xfails, *xfailFile, stderr)
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
				if *base != "" {
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
		fmt.Fprintf(stderr, "%d failed as expected (%s)\n", nx, *xfailFile)
	}
	if *jsonOut {
		writeJSONReport(stdout, results, passed, failed, skipped)
		fmt.Fprintln(stderr, summary)
	} else {
		writeTextReport(stdout, results, *verbose)
		if skipped > 0 {
			fmt.Fprintf(stdout, "%d skipped\n", skipped)
		}
		fmt.Fprintln(stdout, summary)
	}
	if *junit != "" {
		if err := writeJUnit(*junit, results); err != nil {
			fmt.Fprintf(stderr, "ossec-ruletest run: --junit: %v\n", err)
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
	if !*allowSkips {
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
		script string             // the txtar file to run ("" when res is final)
		file   string             // the file to name in the results
		pos    string             // for a .ini line: "FILE.ini:LINE"
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
		if tmp == "" {
			if tmp, err = os.MkdirTemp("", "ossec-ruletest-ini"); err != nil {
				fail(err)
				continue
			}
		}
		dir := filepath.Join(tmp, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			fail(err)
			continue
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
			script := filepath.Join(dir, c.Name+".txtar")
			if err := os.WriteFile(script, txtar.Format(c.Archive), 0o644); err != nil {
				fail(err)
				break
			}
			jobs = append(jobs, job{script: script, file: f, pos: filepath.Join(filepath.Dir(f), c.Name)})
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
	var scripts []string
	for _, j := range jobs {
		if j.script != "" {
			scripts = append(scripts, j.script)
		}
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

func writeTextReport(w io.Writer, results []harness.CaseResult, verbose bool) {
	for _, r := range results {
		var head string
		switch r.Status {
		case harness.Failed:
			head = "--- FAIL"
		case statusXFail:
			fmt.Fprintf(w, "--- XFAIL: %s (%s): %s\n", r.Name, r.File, r.SkipReason)
			continue
		case harness.Skipped:
			if !verbose {
				fmt.Fprintf(w, "--- SKIP: %s (%s): %s\n", r.Name, r.File, r.SkipReason)
				continue
			}
			head = "--- SKIP"
		default:
			if !verbose {
				continue
			}
			head = "--- PASS"
		}
		fmt.Fprintf(w, "%s: %s (%s, %.3fs)\n", head, r.Name, r.File, r.Duration.Seconds())
		for _, l := range strings.Split(strings.TrimRight(r.Log, "\n"), "\n") {
			if l != "" {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
}

// jsonCase is a case of the --json report: the result, and for a failed
// case where it failed (file and line of the failing command, or of the
// file that did not load) and the message.
type jsonCase struct {
	harness.CaseResult
	Failure *jsonFailure `json:"failure,omitempty"`
}

type jsonFailure struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// failurePos matches "FAIL: FILE:LINE: MESSAGE" in a case log.
var failurePos = regexp.MustCompile(`(?m)^FAIL: (.+?):(\d+): (.*)$`)

func failureOf(r harness.CaseResult) *jsonFailure {
	if r.Status != harness.Failed {
		return nil
	}
	if m := failurePos.FindStringSubmatch(r.Log); m != nil {
		line, _ := strconv.Atoi(m[2])
		return &jsonFailure{File: m[1], Line: line, Message: m[3]}
	}
	return &jsonFailure{File: r.File, Message: lastLine(r.Log)}
}

func writeJSONReport(w io.Writer, results []harness.CaseResult, passed, failed, skipped int) {
	cases := make([]jsonCase, len(results))
	for i, r := range results {
		cases[i] = jsonCase{CaseResult: r, Failure: failureOf(r)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(struct {
		Passed  int        `json:"passed"`
		Failed  int        `json:"failed"`
		Skipped int        `json:"skipped"`
		Cases   []jsonCase `json:"cases"`
	}{passed, failed, skipped, cases})
}

// JUnit XML, as CI systems read it.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(path string, results []harness.CaseResult) error {
	s := junitSuite{Name: "ossec-ruletest", Tests: len(results)}
	var total float64
	for _, r := range results {
		c := junitCase{Name: r.Name, Classname: filepath.ToSlash(filepath.Dir(r.File)), File: r.File, Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
		total += r.Duration.Seconds()
		switch r.Status {
		case harness.Failed:
			s.Failures++
			c.Failure = &junitMessage{Message: firstFailure(r.Log), Text: r.Log}
		case harness.Skipped:
			s.Skipped++
			c.Skipped = &junitMessage{Message: r.SkipReason}
		case statusXFail:
			s.Skipped++
			c.Skipped = &junitMessage{Message: "expected failure: " + r.SkipReason}
		}
		s.Cases = append(s.Cases, c)
	}
	s.Time = fmt.Sprintf("%.3f", total)
	data, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{s}}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), append(data, '\n')...), 0o644)
}

// firstFailure is the "FAIL: file:line: ..." line of a case log.
func firstFailure(log string) string {
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "FAIL: ") {
			return strings.TrimPrefix(l, "FAIL: ")
		}
	}
	return lastLine(log)
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
