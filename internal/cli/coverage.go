package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/coverage"
	"github.com/ossec-ruletest/ossec-ruletest/internal/report"
)

func init() {
	RegisterCommand("coverage", "run the cases and report which rules and decoders they exercise", coverageMain)
}

const coverageUsage = `usage: ossec-ruletest coverage [flags] [PATH...]

Runs the cases (as run does, on the native engine; default: cases/) and
reports which rules and decoders of the rules repository they exercised,
per file, with each rule's file:line: a rule is covered when it matched an
event; it has a negative case when a passing assertion established that it
did not fire on an event ("! rule ID", or an assertion on the rule of an
event the engine tried it on). The engine is watched by an observer; it
keeps no coverage flags.

Exit codes: 0 the requirements hold, 1 they do not (or a case failed, or
the ruleset did not load), 2 usage error, 130 interrupted.

Flags:
`

// coverageMain is the coverage subcommand.
func coverageMain(args []string, stdout, stderr io.Writer) int {
	fl := NewFlagSet("coverage", coverageUsage, stderr)
	base := fl.String("base", os.Getenv("OSSEC_RULESET"), "the base OSSEC installation directory (default $OSSEC_RULESET)")
	repo := fl.String("repo", "", "the rules repository (default: the one the current directory is in, found upwards; its cases/ by default)")
	hostname := fl.String("hostname", "manager", "the manager's hostname, given to events without a syslog header")
	minPct := fl.Float64("min", 0, "fail when less than `PERCENT` of the rules, or of the decoders, are covered")
	requireNeg := fl.Bool("require-negative", false, "fail when a covered rule has no negative case")
	all := fl.Bool("all", false, "cover the base ruleset's rules and decoders too, not only the repository's")
	jsonOut := fl.Bool("json", false, "print the report as JSON on stdout instead of text")
	junit := fl.String("junit", "", "also write the report as JUnit XML to `FILE`")
	markdown := fl.String("markdown", "", "also write the report as Markdown to `FILE`")
	htmlOut := fl.String("html", "", "also write the report as a self-contained HTML page to `FILE`")
	if code, ok := ParseFlags(fl, args); !ok {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "ossec-ruletest coverage: "+format+"\n", a...)
		return code
	}
	var err error
	if *repo, err = findRepo(*repo, false, *base); err != nil {
		return fail(ExitUsage, "%v", err)
	}
	paths := fl.Args()
	if len(paths) == 0 {
		paths = []string{filepath.Join(*repo, "cases")}
	}
	files, err := caseFiles(paths)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	if len(files) == 0 {
		return fail(ExitUsage, "no case files (.txtar, .ini) in %s", strings.Join(paths, " "))
	}
	if *repo == "" && !*all {
		return fail(ExitUsage, "no rules repository here: give --repo (or --all to cover the base ruleset)")
	}
	absRepo := ""
	if *repo != "" {
		if absRepo, err = filepath.Abs(*repo); err != nil {
			return fail(ExitUsage, "%v", err)
		}
	}

	// The universe: every rule and decoder of the repository on the base.
	src, err := harness.Sources(*base, absRepo)
	if err != nil {
		return fail(ExitFailed, "%v", err)
	}
	rs, notes, err := harness.Load(src)
	if err != nil {
		return fail(ExitFailed, "loading the ruleset: %v", err)
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "ossec-ruletest coverage: %s\n", n)
	}
	describeRuleset(stderr, "ossec-ruletest coverage", *base, *repo, src, rs)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	col := coverage.New()
	native := harness.NewNative(*hostname)
	arBin, err := selfARBin()
	if err != nil {
		return fail(ExitFailed, "active responses: %v", err)
	}
	defer os.RemoveAll(arBin)
	cfg := &harness.Config{Backend: col.Backend(native), Base: *base, Repo: absRepo, Context: ctx, Asserted: col.Asserted, ARBin: arBin}
	results := runCases(cfg, files, false, stderr)
	if ctx.Err() != nil {
		return fail(ExitInterrupt, "interrupted")
	}
	failed, skipped := 0, 0
	for _, r := range results {
		switch r.Status {
		case harness.Failed:
			failed++
			fmt.Fprintf(stderr, "--- FAIL: %s\n%s", r.File, r.Log)
		case harness.Skipped:
			skipped++
		}
	}

	inScope := func(file string) bool {
		if *all {
			return true
		}
		return strings.HasPrefix(file, absRepo+string(filepath.Separator))
	}
	trim := ""
	if absRepo != "" {
		trim = absRepo + string(filepath.Separator)
	}
	rep := col.Report(rs, inScope, trim, coverage.Requirements{Min: *minPct, RequireNegative: *requireNeg})

	r, _ := report.For("text")
	if *jsonOut {
		r, _ = report.For("json")
	}
	if err := r.Coverage(stdout, rep); err != nil {
		return fail(ExitFailed, "%v", err)
	}
	for _, o := range []struct{ file, format string }{{*junit, "junit"}, {*markdown, "markdown"}, {*htmlOut, "html"}} {
		if o.file == "" {
			continue
		}
		fr, _ := report.For(o.format)
		var b bytes.Buffer
		if err := fr.Coverage(&b, rep); err != nil {
			return fail(ExitFailed, "%v", err)
		}
		if err := os.WriteFile(o.file, b.Bytes(), 0o644); err != nil {
			return fail(ExitFailed, "%v", err)
		}
	}
	if skipped > 0 {
		fmt.Fprintf(stderr, "ossec-ruletest coverage: %d cases skipped (no base ruleset?): their rules count as not covered\n", skipped)
	}
	if failed > 0 {
		return fail(ExitFailed, "%d cases failed", failed)
	}
	if !rep.Passed() {
		return ExitFailed
	}
	return ExitOK
}
