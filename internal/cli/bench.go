package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/corpus"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

const benchUsage = `usage: ossec-ruletest bench [--base DIR] [--repo DIR | --no-repo] [--hostname NAME] [--min-time D] [--plain] CORPUS...

Measures the native engine on the corpus, read as noise reads it (files,
folders, .gz, - for standard input; queue messages ID:LOCATION:TEXT as
such unless --plain): how long the ruleset run would use (the base, and
the rules repository the current directory is in, or --repo) takes to
load, then events per second and allocations per event when every event is
fed to one session (as one ossec-logtest process reads a file), repeated
until --min-time has passed.
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
	if len(msgs) == 0 {
		fmt.Fprintln(stderr, "bench: the corpus is empty")
		return 2
	}

	t0 := time.Now()
	rsrc, err := harness.Sources(*base, *repo)
	var rs *ruleset.Ruleset
	if err == nil {
		rs, _, err = harness.Load(rsrc)
	}
	load := time.Since(t0)
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
	return 0
}
