// Command fakelogtest imitates ossec-logtest's output format for the docker
// engine's lifecycle tests, so that they do not depend on the analysis
// engine: it checks that -c names a readable file, prints a Phase 1 block
// for every line of two bytes or more, decodes "sshd" lines and keeps a
// per-process count of "fail" lines (rule 100201 fires on the third), which
// shows that each session has its own state. With -a it prints the alerts
// in the alerts.log format on stdout instead. A line "crash-now" makes it
// exit with code 3; "sleep-now" makes it hang. Run as
// "fakelogtest standin-entrypoint CMD..." it is the stand-in image's
// entrypoint, as ossec-ruletest is.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/docker/layout"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "standin-entrypoint" {
		os.Exit(layout.EntrypointMain(os.Args[2:], os.Stderr))
	}
	dir := flag.String("D", "/var/ossec", "directory")
	cfg := flag.String("c", "/var/ossec/etc/ossec.conf", "config")
	alertsOnly := flag.Bool("a", false, "print alerts only, on stdout")
	flag.Parse()
	if _, err := os.ReadFile(*cfg); err != nil {
		fmt.Fprintf(os.Stderr, "ossec-testrule(1202): ERROR: Configuration error at '%s'. Exiting.\n", *cfg)
		os.Exit(1)
	}
	if fi, err := os.Stat(*dir + "/queue/fts"); err != nil || !fi.IsDir() {
		fmt.Fprintf(os.Stderr, "ossec-testrule(1206): ERROR: no %s/queue/fts\n", *dir)
		os.Exit(1)
	}
	out := os.Stderr
	if *alertsOnly {
		out, _ = os.Open(os.DevNull)
	} else {
		fmt.Fprint(out, "ossec-testrule: Type one log per line.\n\n")
	}
	fails := 0
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 2 {
			continue
		}
		switch line {
		case "crash-now":
			fmt.Fprintln(out, "fakelogtest: crashing as asked")
			os.Exit(3)
		case "sleep-now":
			time.Sleep(time.Hour)
		}
		fmt.Fprint(out, "\n\n**Phase 1: Completed pre-decoding.\n")
		fmt.Fprintf(out, "       full event: '%s'\n", line)
		fmt.Fprint(out, "       hostname: 'ruletest'\n       program_name: '(null)'\n")
		fmt.Fprintf(out, "       log: '%s'\n", line)
		if strings.Contains(line, "sshd") {
			fmt.Fprint(out, "\n**Phase 2: Completed decoding.\n       decoder: 'sshd'\n")
		}
		if strings.Contains(line, "fail") {
			fails++
			id, level := 100200, 3
			if fails == 3 {
				id, level = 100201, 10
			}
			fmt.Fprintf(out, "\n**Phase 3: Completed filtering (rules).\n       Rule id: '%d'\n       Level: '%d'\n", id, level)
			fmt.Fprintf(out, "       Description: 'fake failure %d'\n**Alert to be generated.\n\n\n", fails)
			if *alertsOnly {
				mail := ""
				if level >= 10 {
					mail = " mail "
				}
				fmt.Fprintf(os.Stdout, "** Alert 1795688356.%d:%s - fake,failures,\n2026 Nov 26 10:00:00 ruletest->stdin\nRule: %d (level %d) -> 'fake failure %d'\n%s\n\n",
					fails, mail, id, level, fails, line)
			}
		}
	}
}
