package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/conformance"
	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/logtest"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

const diffUsage = `usage: ossec-ruletest diff --against DIR [--base DIR] [--hostname NAME] [--fresh] LOGFILE...

Runs every line of the log files through the native engine and through the
real ossec-logtest of the OSSEC installation DIR (default $RULETEST_OSSEC_DIR;
it must be run as root: ossec-logtest chroots), on the ruleset of --base
(default: the installation's own), and prints each field on which they
disagree. Each file is one session (one ossec-logtest process); --fresh gives
every line a session of its own. Exit status 1 when they disagree.
`

// ossecDir is the --ossec-dir flag of the logtest engine.
var ossecDir string

func init() {
	RegisterCommand("diff", "compare the native engine with a real ossec-logtest on log files", runDiff)
	RegisterEngine("logtest", func(fs *flag.FlagSet) {
		fs.StringVar(&ossecDir, "ossec-dir", os.Getenv(logtest.EnvDir),
			"logtest engine: the OSSEC installation `dir` whose bin/ossec-logtest runs the cases (default $"+logtest.EnvDir+"; needs root)")
	}, func(_ context.Context, o EngineOptions) (harness.Backend, error) {
		return logtest.NewBackend(ossecDir, o.Hostname)
	})
}

// runDiff is the diff subcommand.
func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, diffUsage) }
	against := fs.String("against", os.Getenv(logtest.EnvDir), "OSSEC installation directory (bin/ossec-logtest)")
	base := fs.String("base", "", "ruleset directory (etc/ossec.conf, etc/decoder.xml, rules/); default --against")
	hostname := fs.String("hostname", "", "the manager's hostname (default: this machine's)")
	fresh := fs.Bool("fresh", false, "analyse every line in a fresh session")
	logs, err := parseMixed(fs, args)
	if err != nil {
		return 2
	}
	if len(logs) == 0 {
		fs.Usage()
		return 2
	}
	if *against == "" {
		fmt.Fprintln(stderr, "diff: no OSSEC installation: give --against DIR or set "+logtest.EnvDir)
		return 2
	}
	if *base == "" {
		*base = *against
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	src := ruleset.Sources{Base: *base}
	rs, err := ruleset.Load(src)
	if err != nil {
		fmt.Fprintf(stderr, "diff: %v\n", err)
		return 2
	}
	eng := engine.New(rs, engine.Options{Hostname: *hostname})
	b, err := logtest.NewBackend(*against, *hostname)
	if err != nil {
		fmt.Fprintf(stderr, "diff: %v\n", err)
		return 2
	}
	defer b.Close()
	cmd, err := b.Install(src)
	if err != nil {
		fmt.Fprintf(stderr, "diff: %v\n", err)
		return 2
	}

	status, total, differing := 0, 0, 0
	for _, path := range logs {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "diff: %v\n", err)
			status = 2
			continue
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(data) == 0 {
			lines = nil
		}
		var groups [][]string
		for _, l := range lines {
			groups = append(groups, logtestfmt.SplitInput(l))
		}
		real, err := replayGroups(ctx, cmd.Run, groups, *fresh)
		if err != nil {
			fmt.Fprintf(stderr, "diff: %s: real ossec-logtest: %v\n", path, err)
			status = 2
			continue
		}
		s := eng.NewSession()
		for i, l := range lines {
			if *fresh {
				s = eng.NewSession()
			}
			native := s.Process(l)
			total++
			n := printDiffs(stdout, fmt.Sprintf("%s:%d", path, i+1), real[i], native)
			if n > 0 {
				differing++
			}
		}
	}
	fmt.Fprintf(stdout, "%d of %d lines differ\n", differing, total)
	if status == 0 && differing > 0 {
		status = 1
	}
	return status
}

// replayGroups runs the pieces of each input line through the real
// ossec-logtest, all in one process or, with fresh, one process per line,
// and returns one result per line with the further pieces in Extra.
func replayGroups(ctx context.Context, run logtest.RunFunc, groups [][]string, fresh bool) ([]engine.Result, error) {
	var results []engine.Result
	if fresh {
		for _, g := range groups {
			rs, err := logtest.Replay(ctx, run, g)
			if err != nil {
				return nil, err
			}
			results = append(results, rs...)
		}
	} else {
		var all []string
		for _, g := range groups {
			all = append(all, g...)
		}
		var err error
		if results, err = logtest.Replay(ctx, run, all); err != nil {
			return nil, err
		}
	}
	out := make([]engine.Result, len(groups))
	k := 0
	for i, g := range groups {
		out[i] = results[k]
		for _, x := range results[k+1 : k+len(g)] {
			if !x.Skipped {
				out[i].Extra = append(out[i].Extra, x)
			}
		}
		k += len(g)
	}
	return out, nil
}

// printDiffs prints the fields on which native differs from real, for the
// line's event and its further events, and returns how many there were.
func printDiffs(w io.Writer, where string, real, native engine.Result) int {
	n := 0
	show := func(label string, r, g engine.Result) {
		for _, d := range conformance.Compare(conformance.Observed(r), conformance.Observed(g)) {
			fmt.Fprintf(w, "%s%s: %s: native %s, real %s\n", where, label, d.Field, jsonText(d.Got), jsonText(d.Want))
			n++
		}
	}
	show("", real, native)
	for k := 0; k < max(len(real.Extra), len(native.Extra)); k++ {
		var r, g engine.Result
		if k < len(real.Extra) {
			r = real.Extra[k]
		}
		if k < len(native.Extra) {
			g = native.Extra[k]
		}
		show(fmt.Sprintf(" (event %d of the line)", k+2), r, g)
	}
	return n
}

func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
