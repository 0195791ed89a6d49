// Command gen writes the worked example's corpus of a fleet under
// file-integrity monitoring (package fleet): gzip-compressed when the
// output name ends in .gz.
//
//	go run ./examples/fleet/gen -o examples/fleet/corpus.log.gz
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/examples/fleet"
)

func main() {
	cfg := fleet.DefaultConfig()
	out := flag.String("o", "-", "output `FILE` (- for stdout; .gz compresses)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	flag.IntVar(&cfg.Hosts, "hosts", cfg.Hosts, "number of servers")
	flag.IntVar(&cfg.Days, "days", cfg.Days, "number of days after the baseline scan")
	flag.Parse()
	if err := run(*out, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string, cfg fleet.Config) error {
	var w io.Writer = os.Stdout
	var closers []io.Closer
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		w = f
		closers = append(closers, f)
	}
	if strings.HasSuffix(out, ".gz") {
		zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		// A fixed header (no name, no time) keeps the file reproducible.
		w = zw
		closers = append([]io.Closer{zw}, closers...)
	}
	st, err := fleet.Generate(w, cfg)
	if err != nil {
		return err
	}
	for _, c := range closers {
		if err := c.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "%d lines: %d file-integrity events (%d baseline), verdicts %v, %d other syslog lines, tamperings %q\n",
		st.Lines, st.FIM, st.Baseline, st.Verdicts, st.OtherSyslog, st.Tamperings)
	return nil
}
