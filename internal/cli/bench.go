package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

const benchUsage = `usage: ossec-ruletest bench [--base DIR] [--hostname NAME] [--min-time D] CORPUS...

Measures the native engine on the lines of the corpus files: how long the
ruleset of --base takes to load, then events per second and allocations per
event when all lines are fed to one session (as one ossec-logtest process
reads a file), repeated until --min-time has passed.
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
	hostname := fs.String("hostname", "", "the manager's hostname (default: this machine's)")
	minTime := fs.Duration("min-time", time.Second, "run the corpus until this much time has passed")
	corpora, err := parseMixed(fs, args)
	if err != nil {
		return 2
	}
	if len(corpora) == 0 || *base == "" {
		if *base == "" {
			fmt.Fprintln(stderr, "bench: no ruleset: give --base DIR or set OSSEC_RULESET")
		}
		fs.Usage()
		return 2
	}
	var lines []string
	for _, p := range corpora {
		data, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 2
		}
		for l := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		fmt.Fprintln(stderr, "bench: the corpus is empty")
		return 2
	}

	t0 := time.Now()
	rs, err := ruleset.Load(ruleset.Sources{Base: *base})
	load := time.Since(t0)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	eng := engine.New(rs, engine.Options{Hostname: *hostname})
	s := eng.NewSession()
	// One warm-up pass, as a long-running process would be warm.
	analysed := 0
	for _, l := range lines {
		if r := s.Process(l); !r.Skipped {
			analysed++
		}
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	events, passes := 0, 0
	for passes == 0 || time.Since(start) < *minTime {
		for _, l := range lines {
			s.Process(l)
		}
		events += len(lines)
		passes++
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	fmt.Fprintf(stdout, "ruleset:          %s (%d rules, %d decoders) loaded in %s\n", *base, len(rs.AllRules), len(rs.Decoders), load.Round(time.Microsecond))
	fmt.Fprintf(stdout, "corpus:           %d lines (%d analysed, the rest shorter than 2 bytes) x %d passes\n", len(lines), analysed, passes)
	fmt.Fprintf(stdout, "events/second:    %.0f\n", float64(events)/elapsed.Seconds())
	fmt.Fprintf(stdout, "time/event:       %s\n", (elapsed / time.Duration(events)).Round(time.Nanosecond))
	fmt.Fprintf(stdout, "allocs/event:     %.2f\n", float64(after.Mallocs-before.Mallocs)/float64(events))
	fmt.Fprintf(stdout, "bytes/event:      %.0f\n", float64(after.TotalAlloc-before.TotalAlloc)/float64(events))
	return 0
}
