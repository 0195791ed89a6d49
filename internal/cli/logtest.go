package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/clock"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

func init() {
	RegisterCommand("logtest", "a drop-in ossec-logtest on the native engine (plus --json)", runLogtest)
}

// firstLineGCPercent is logtest's GOGC until its second line (see
// runLogtest): high enough that a stock load does not reach it.
const firstLineGCPercent = 400

// logtestStdin is where logtest reads log lines (tests replace it).
var logtestStdin io.Reader = os.Stdin

// defaultDir is ossec-logtest's default chroot directory (-D).
const defaultDir = "/var/ossec"

// logtestHelp is ossec-logtest's help text (print_header and help_logtest,
// on standard error), followed by what this implementation adds.
var logtestHelp = ` 
OSSEC HIDS v4.2.0 - OSSEC Foundation (contact@ossec.net)
https://www.ossec.net
  ossec-testrule: -[Vhdtva] [-c config] [-D dir] [-U rule:alert:decoder]
    -V          Version and license message
    -h          This help message
    -d          Execute in debug mode. This parameter
                can be specified multiple times
                to increase the debug level.
    -t          Test configuration
    -a          Alerts output
    -v          Verbose (full) output/rule debugging
    -c <config> Configuration file to use (default: /var/ossec/etc/ossec.conf)
    -D <dir>    Directory to chroot into (default: /var/ossec)
    -U <rule:alert:decoder>  Unit test. Refer to contrib/ossec-testing/runtests.py
 
`

const logtestExtraHelp = `ossec-ruletest logtest reads one log line per line of standard input and
prints what OSSEC 4.3.0's ossec-logtest prints, with the same flags. Also:
    --json            one JSON object per event on standard output: log,
                      phase1 {hostname, program_name, log}, decoder,
                      fields {name: value}, rule (id string or null), level,
                      description, alert, groups, mail, active_responses
                      [{command, location, args}], and jit_stack_limit
                      [patterns] when real OSSEC's PCRE2 JIT runs out of
                      stack on the line (so the manager does not match
                      them; -v prints a line for each)
    --fresh           a new session (correlation state) for every line, as if
                      each line ran in its own ossec-logtest process
    --hostname NAME   the manager's hostname, for lines without a syslog
                      header (default: this machine's, up to the first dot)
    --base DIR        the OSSEC installation to start from (default
                      $OSSEC_RULESET) when run from a rules repository
    --explain RULE    after each event, say why rule RULE did not fire on it
                      (its first failing condition, or the parent that did
                      not match), on standard error; with -v also under
                      each "Trying rule: RULE" line (-v alone prints
                      ossec-logtest's own output)
    --clock CLOCK     event time: arrival (default: the wall clock when the
                      line is read, as a live manager), log (each line's
                      syslog timestamp), or a fixed RFC 3339 time such as
                      2026-11-26T10:00:00Z (its zone is the local time of
                      <time> and <weekday>)
Without -c and -D, run in a rules repository (ossec.conf, rules/,
decoders/, etc/local_decoder.xml; from its root or any directory below),
it loads the repository deployed into the base and says on stderr what it
loaded; elsewhere it loads /var/ossec as ossec-logtest does. -D DIR reads
DIR/etc/ossec.conf and resolves the paths in it inside DIR (no chroot).
Active responses are loaded (and printed) with --json only, since
ossec-logtest does not read them.
Exit codes: 0; 1 when the configuration or ruleset does not load or a flag
is wrong; with -U, the unit test's code of the last line: 0 passed, 1 the
level differs, 2 the rule id differs, 3 the decoder differs (or none
matched), 255 the decoder matched but no rule did.
`

type logtestOpts struct {
	version, help, test, alerts, verbose, quiet, json, fresh bool
	debug                                                    int
	config, dir, ut, hostname, base                          string
	clock                                                    clock.Spec
	explain                                                  int
}

// parseLogtestArgs reads ossec-logtest's getopt string "VatvdhU:D:c:q"
// (flags may be grouped, an option's value may be attached or follow) and
// the long options of this implementation.
func parseLogtestArgs(args []string) (*logtestOpts, error) {
	o := &logtestOpts{base: os.Getenv("OSSEC_RULESET")}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if long, ok := strings.CutPrefix(a, "--"); ok {
			name, val, hasVal := strings.Cut(long, "=")
			needVal := func() (string, error) {
				if hasVal {
					return val, nil
				}
				if i+1 >= len(args) {
					return "", fmt.Errorf("--%s needs an argument", name)
				}
				i++
				return args[i], nil
			}
			var err error
			switch name {
			case "json":
				o.json = true
			case "fresh":
				o.fresh = true
			case "help":
				o.help = true
			case "hostname":
				o.hostname, err = needVal()
			case "base":
				o.base, err = needVal()
			case "explain":
				var v string
				if v, err = needVal(); err == nil {
					if o.explain, err = strconv.Atoi(v); err != nil || o.explain < 0 {
						err = fmt.Errorf("--explain %q: not a rule id", v)
					}
				}
			case "clock":
				var v string
				if v, err = needVal(); err == nil {
					o.clock, err = clock.Parse(v)
				}
			default:
				return nil, fmt.Errorf("unknown option --%s", name)
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			continue // getopt leaves operands alone; ossec-logtest ignores them
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			switch c {
			case 'V':
				o.version = true
			case 'a':
				o.alerts = true
			case 't':
				o.test = true
			case 'v':
				o.verbose = true
			case 'd':
				o.debug++
			case 'h':
				o.help = true
			case 'q':
				o.quiet = true
			case 'U', 'D', 'c':
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, fmt.Errorf("option requires an argument -- '%c'", c)
					}
					i++
					val = args[i]
				}
				switch c {
				case 'U':
					o.ut = val
				case 'D':
					o.dir = val
				default:
					o.config = val
				}
				j = len(a)
			default:
				return nil, fmt.Errorf("invalid option -- '%c'", c)
			}
		}
	}
	return o, nil
}

// logtestSourcesRepo decides what to load: -c/-D as ossec-logtest, else
// the rules repository the current directory is in (its path is returned)
// on the base, else /var/ossec.
func logtestSourcesRepo(o *logtestOpts) (ruleset.Sources, string, string, error) {
	if o.config != "" || o.dir != "" {
		dir := o.dir
		if dir == "" {
			dir = defaultDir
		}
		cfg := o.config
		if cfg == "" {
			cfg = dir + "/etc/ossec.conf"
		}
		return ruleset.Sources{Base: dir, Config: cfg}, cfg, "", nil
	}
	if repo, err := findRepo("", false, o.base); err == nil && repo != "" {
		src, err := harness.Sources(o.base, repo)
		// Name the configuration that is there: the repository's, else
		// the base's, else none (OSSEC's defaults).
		cfg := "(no ossec.conf: OSSEC's defaults)"
		switch {
		case src.Repo != nil && src.Repo.Config != "":
			cfg = src.Repo.Config
		case o.base != "":
			cfg = filepath.Join(o.base, "etc", "ossec.conf")
		}
		return src, cfg, repo, err
	}
	base := o.base
	if base == "" {
		base = defaultDir
	}
	return ruleset.Sources{Base: base}, base + "/etc/ossec.conf", "", nil
}

// ossecLog formats a line as OSSEC's logging functions do.
func ossecLog(format string, args ...any) string {
	return time.Now().Format("2006/01/02 15:04:05") + " " + fmt.Sprintf(format, args...) + "\n"
}

// runLogtest is the logtest subcommand.
func runLogtest(args []string, stdout, stderr io.Writer) int {
	o, err := parseLogtestArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest logtest: %v\n", err)
		io.WriteString(stderr, logtestHelp)
		return 1
	}
	if o.help {
		io.WriteString(stderr, logtestHelp)
		io.WriteString(stderr, logtestExtraHelp)
		return 0
	}
	if o.version {
		io.WriteString(stderr, " \nOSSEC HIDS v4.2.0 - OSSEC Foundation\n \n"+
			"This program is free software; you can redistribute it and/or modify\n"+
			"it under the terms of the GNU General Public License (version 2) as \n"+
			"published by the Free Software Foundation. For more details, go to \n"+
			"http://www.ossec.net/main/license/\n\n")
		return 0
	}
	var utRule, utAlert, utDecoder string
	if o.ut != "" {
		var ok1, ok2 bool
		var rest string
		utRule, rest, ok1 = strings.Cut(o.ut, ":")
		utAlert, utDecoder, ok2 = strings.Cut(rest, ":")
		if !ok1 || !ok2 {
			fmt.Fprint(stderr, ossecLog("%s: -U requires the matching format to be \"<rule_id>:<alert_level>:<decoder_name>\"", logtestfmt.Program))
			return 1
		}
	}

	src, cfgName, repo, err := logtestSourcesRepo(o)
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest logtest: %v\n", err)
		return 1
	}
	src.ActiveResponse = o.json
	// The load, the engine and the first line run without a collection
	// (unless GOGC is set): they leave some megabytes of garbage, and
	// collecting it would cost a run on one line about a tenth of its CPU.
	// From the second line on, the session's own setting applies (below).
	gogc := os.Getenv("GOGC") == ""
	var sessionGC int // from the second line on: the setting found (Go's default, 100)
	if gogc {
		sessionGC = debug.SetGCPercent(firstLineGCPercent)
		defer debug.SetGCPercent(sessionGC)
	}
	rs, notes, err := harness.Load(src)
	for _, n := range notes {
		fmt.Fprintf(stderr, "note: %s\n", n)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		fmt.Fprint(stderr, ossecLog("%s(1202): ERROR: Configuration error at '%s'. Exiting.", logtestfmt.Program, cfgName))
		return 1
	}
	for _, w := range rs.Warnings {
		fmt.Fprintln(stderr, w)
	}
	if repo != "" {
		// Run from a rules repository: say what loaded, once.
		describeRuleset(stderr, "ossec-ruletest logtest", src.Base, repo, src, rs)
	}
	noBaseHint := repo != "" && src.Base == ""
	// What ReadDecodeXML's callers in testrule.c log: the legacy pair
	// (etc/decoder.xml, etc/local_decoder.xml, which logs even when the
	// local file is absent) or each configured decoder file unless -q.
	if rs.LegacyDecoders {
		fmt.Fprint(stderr, ossecLog("%s: INFO: Reading local decoder file.", logtestfmt.Program))
	} else if !o.quiet {
		for _, f := range rs.DecoderFiles {
			fmt.Fprint(stderr, ossecLog("%s: INFO: Reading decoder file %s.", logtestfmt.Program, f))
		}
	}
	// Then each <list> as configured, -q or not.
	for _, l := range rs.Lists {
		fmt.Fprint(stderr, ossecLog("%s: INFO: Reading the lists file: '%s'", logtestfmt.Program, l.Configured))
	}
	if o.test {
		return 0
	}

	var tracer *logtestfmt.Tracer
	if o.verbose && !o.alerts {
		tracer = new(logtestfmt.Tracer)
	}
	var why *engine.Trace
	if o.explain != 0 {
		r := rs.ByID[o.explain]
		if r == nil {
			fmt.Fprintf(stderr, "ossec-ruletest logtest: --explain %d: no such rule in the ruleset\n", o.explain)
			return 1
		}
		why = engine.NewTrace(rs, r)
	}
	eng := engine.New(rs, engine.Options{Hostname: o.hostname})
	fmt.Fprint(stderr, ossecLog("%s: INFO: Started (pid: %d).", logtestfmt.Program, os.Getpid()))
	if !o.alerts && !o.json {
		io.WriteString(stderr, logtestfmt.Banner)
	}

	out := bufio.NewWriter(stdout)
	defer out.Flush()
	alerts := &logtestfmt.AlertWriter{W: out, Location: "stdin"}
	clk := clock.New(o.clock, nil)
	newSession := func() *engine.Session {
		s := eng.NewSession()
		s.SetClock(clk.Now)
		switch {
		case tracer != nil && why != nil:
			s.SetObserver(engine.Observers(tracer, why))
		case tracer != nil:
			s.SetObserver(tracer)
		case why != nil:
			s.SetObserver(why)
		}
		return s
	}
	sess := newSession()
	exit, lines := 0, 0
	in := bufio.NewReaderSize(logtestStdin, 64*1024)
	// In the default mode the events' text, all of the output, goes to
	// stderr through a buffer flushed whenever the input has no more
	// lines at hand (so a line typed is answered at once) and before
	// anything else is written: the same bytes in one write per 64 KiB
	// instead of one per event (ossec-logtest's unbuffered stderr is half
	// its time on a large file).
	events := stderr
	flush := func() {}
	if !o.json && !o.alerts && o.ut == "" && why == nil {
		w := bufio.NewWriterSize(stderr, 64*1024)
		events, flush = w, func() { w.Flush() }
		defer flush()
	}
	for {
		if in.Buffered() == 0 {
			flush()
		}
		line, err := in.ReadString('\n')
		if line == "" && err != nil {
			if !errors.Is(err, io.EOF) {
				flush()
				fmt.Fprintf(stderr, "ossec-ruletest logtest: %v\n", err)
				return 1
			}
			return exit
		}
		line = strings.TrimSuffix(line, "\n")
		if lines++; lines == 2 && gogc {
			// From the second line on, Go's setting: a long session
			// keeps up to memory_size past events, and collecting at
			// Go's default 100% growth keeps it well within
			// ossec-logtest's memory (24 MB against 34 MB on 200,000
			// stock events; 50% saved 3 MB for a tenth more CPU).
			debug.SetGCPercent(sessionGC)
		}
		if o.fresh {
			sess = newSession()
		}
		clk.Line(line)
		var now time.Time // the alert's time, read only for --alerts
		if o.alerts {
			now = clk.Now()
		}
		if why != nil {
			why.Reset()
		}
		res := sess.Process(line)
		switch {
		case o.json:
			if err := logtestfmt.WriteJSON(out, &res); err != nil {
				fmt.Fprintf(stderr, "ossec-ruletest logtest: %v\n", err)
				return 1
			}
		case o.alerts:
			if err := alerts.Write(&res, now); err != nil {
				fmt.Fprintf(stderr, "ossec-ruletest logtest: %v\n", err)
				return 1
			}
			if err := logtestfmt.WriteAlertModeLog(stderr, &res); err != nil {
				fmt.Fprintf(stderr, "ossec-ruletest logtest: %v\n", err)
				return 1
			}
		default:
			popts := logtestfmt.PrintOptions{NoDecoderList: noDecoderList(rs, &res), Verbose: o.verbose}
			if tracer != nil {
				popts.Trace = tracer.Take()
				if why != nil {
					popts.Trace = withReasons(popts.Trace, why.Reasons(rs.ByID[o.explain]), o.explain)
				}
			}
			if err := logtestfmt.WriteEvent(events, &res, popts); err != nil {
				flush()
				fmt.Fprintf(stderr, "ossec-ruletest logtest: %v\n", err)
				return 1
			}
		}
		if noBaseHint && (res.Decoder == "" || res.Rule == nil || res.Rule.ID < 10) {
			flush()
			// A line no decoder or rule of the repository knows, with no
			// stock rules loaded: say so once, plainly.
			fmt.Fprintln(stderr, "ossec-ruletest logtest: note: no base ruleset is loaded, only the repository's rules and decoders: stock decoders and rules (sshd, syslog, ...) are not there. Set OSSEC_RULESET or --base to the OSSEC installation.")
			noBaseHint = false
		}
		if why != nil {
			last := res
			for _, x := range res.Extra {
				if !x.Skipped {
					last = x
				}
			}
			out.Flush()
			fmt.Fprintf(stderr, "**Explain:\n%s\n", why.Explain(rs, last, o.explain))
		}
		if o.ut != "" {
			for _, ev := range append([]engine.Result{res}, res.Extra...) {
				if ev.Skipped || ev.Error != "" {
					continue
				}
				code, stop := unitTestOutput(stdout, out, stderr, &ev, utRule, utAlert, utDecoder)
				exit = code
				if stop {
					return code
				}
			}
		}
		out.Flush()
	}
}

// withReasons adds, under each "Trying rule: ID" line of -v's trace for
// the rule --explain names, the reason it did not match ("every condition
// held" when it did). reasons are the distinct reasons of the event.
func withReasons(trace []string, reasons []engine.Reason, id int) []string {
	prefix := "    Trying rule: " + strconv.Itoa(id) + " - "
	out := make([]string, 0, len(trace)+len(reasons))
	k := 0
	for _, l := range trace {
		out = append(out, l)
		if strings.HasPrefix(l, prefix) && k < len(reasons) {
			out = append(out, "       (why: "+reasons[k].String()+")")
			if k+1 < len(reasons) {
				k++
			}
		}
	}
	return out
}

// unitTestOutput prints what ossec-logtest -U prints after an event and
// returns the exit code it would end with; stop is true when it exits at
// once (the decoder matched but no rule did).
func unitTestOutput(stdout io.Writer, out *bufio.Writer, stderr io.Writer, r *engine.Result, rule, alert, decoder string) (code int, stop bool) {
	name := r.Decoder
	if name == "" {
		name = "(null)"
	}
	fmt.Fprintf(stderr, "lf->decoder_info->name: '%s'\n", name)
	fmt.Fprintf(stderr, "ut_decoder_name       : '%s'\n", decoder)
	code, _ = harness.UnitTest(*r, rule, alert, decoder)
	switch {
	case code == 255:
		out.Flush()
		fmt.Fprint(stderr, ossecLog("%s: No rule matched for decoder '%s'. Verify that rules exist for this decoder and check if rules have required dependencies (if_sid, if_matched_sid, if_matched_group, etc.).", logtestfmt.Program, r.Decoder))
		return 255, true
	case code == 0:
		fmt.Fprintf(out, "%d\n", 0)
	case r.Decoder != "" && code == 3:
		fmt.Fprintf(stderr, "decoder matched : '%s'\n", r.Decoder)
		fmt.Fprintf(stderr, "decoder expected: '%s'\n", decoder)
	case r.Decoder == "":
		fmt.Fprintf(stderr, "decoder matched : 'NULL'\n")
	}
	return code, false
}

// noDecoderList reports whether ossec-logtest had no decoder list for the
// event (OS_GetFirstOSDecoder returned none): it then prints no phase 2
// header.
func noDecoderList(rs *ruleset.Ruleset, r *engine.Result) bool {
	if r.Phase1.HasProgramName {
		return len(rs.ProgramNameDecoders) == 0
	}
	return len(rs.NoProgramNameDecoders) == 0
}
