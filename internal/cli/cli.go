// Package cli implements the ossec-ruletest command: one file per
// subcommand, each registering itself with RegisterCommand from an init
// function, so that subcommands are added without editing this file.
//
//	ossec-ruletest run [flags] [PATH...]     run test cases (default: cases/)
//	ossec-ruletest logtest [flags]           a drop-in ossec-logtest
//
// Main returns the process exit code; cmd/ossec-ruletest/main.go is
// os.Exit(cli.Main()). The docker engines register from package dockercli,
// which only cmd/ossec-ruletest-docker links: ossec-ruletest runs that
// program for them (see Main).
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/internal/arverify"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Exit codes shared by the subcommands.
const (
	ExitOK        = 0   // success: every case passed
	ExitFailed    = 1   // a case failed, or the ruleset did not load
	ExitUsage     = 2   // bad command line, or nothing to run
	ExitRuleset   = 3   // run: the ruleset of the base and the repository does not load
	ExitInterrupt = 130 // interrupted (SIGINT, SIGTERM)
)

// command is a registered subcommand.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]*command{}

// RegisterCommand adds the subcommand name. summary is its one-line
// description for the help; an empty summary hides it from the help. A
// nil run is a command of DockerProgram (see ProvideCommand).
// It panics when name is taken: call it from init functions.
func RegisterCommand(name, summary string, run func(args []string, stdout, stderr io.Writer) int) {
	if _, dup := commands[name]; dup {
		panic("cli: command " + name + " registered twice")
	}
	commands[name] = &command{name: name, summary: summary, run: run}
}

// growStack gives the main goroutine, while it is shallow, the 16 KB
// stack that loading the stock ruleset reaches. A goroutine's stack grows
// by a copy that walks every frame on it and reads, for each function
// there, its frame tables: pages of the binary that nothing else reads.
// Grown here, the copy walks three frames; grown in the middle of the
// load, it made logtest's first verdict take 300-450 KB more resident
// memory (file pages, which the kernel maps 64 KB at a time).
//
//go:noinline
func growStack(i int) byte {
	var frame [12 << 10]byte
	return frame[i%len(frame)] // a use, so that the frame stays
}

// Main runs the command line of the process and returns its exit code.
// Installed under the name ossec-logtest, the program is the logtest
// subcommand, so it can stand in for OSSEC's. A command line that needs
// the docker engines (NeedsDocker), in a program that does not have them,
// runs DockerProgram instead.
func Main() int {
	growStack(len(os.Args))
	ruleset.SetPatternCache(patternCacheDir())
	switch filepath.Base(os.Args[0]) {
	case "ossec-logtest":
		code := Run(append([]string{"logtest"}, os.Args[1:]...), os.Stdout, os.Stderr)
		return patternCacheCheck(code, ruleset.PatternCacheError(), os.Stderr)
	case "ossec-ar-verify-file":
		// The docker-live engine installs this binary as the active
		// response in a manager image that has none: it is then the
		// program of cmd/ossec-ar-verify.
		return arverify.Main(os.Args, os.Stdout, os.Stderr)
	}
	if hasDocker() {
		os.Unsetenv(envDelegated) // for the programs this one runs
	} else if NeedsDocker(os.Args[1:]) {
		return runDockerProgram(os.Args[1:], os.Stderr)
	}
	code := Run(os.Args[1:], os.Stdout, os.Stderr)
	return patternCacheCheck(code, ruleset.PatternCacheError(), os.Stderr)
}

// patternCacheCheck is the exit code of a command that ended with code,
// when the pattern cache found out during the command that its file was
// wrong (err, see ruleset.PatternCacheError): it says so, and a command
// that succeeded fails, since its verdicts may be wrong.
func patternCacheCheck(code int, err error, stderr io.Writer) int {
	if err == nil {
		return code
	}
	fmt.Fprintf(stderr, "ossec-ruletest: %v\n", err)
	if code == 0 {
		return ExitFailed
	}
	return code
}

// EnvCache names the folder of the pattern cache (see
// ruleset.SetPatternCache); "off" keeps none. Unset, it is ossec-ruletest
// in the user's cache folder ($XDG_CACHE_HOME, ~/.cache).
const EnvCache = "RULETEST_CACHE"

// patternCacheDir returns the folder of the pattern cache ("" for none).
func patternCacheDir() string {
	switch dir := os.Getenv(EnvCache); dir {
	case "off":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(base, "ossec-ruletest")
	default:
		return dir
	}
}

// Run runs the subcommand args[0] with the other arguments.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return ExitUsage
	}
	switch args[0] {
	case "--version", "-version":
		io.WriteString(stdout, versionLine())
		return ExitOK
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok && c.run != nil {
				return c.run([]string{"-h"}, stdout, stderr)
			}
		}
		usage(stdout)
		return ExitOK
	}
	c, ok := commands[args[0]]
	if ok && c.run == nil {
		fmt.Fprintf(stderr, "ossec-ruletest: %s\n", dockerMissing(args[0]+" is a command of "+DockerProgram))
		return ExitUsage
	}
	if !ok {
		fmt.Fprintf(stderr, "ossec-ruletest: unknown command %q\n", args[0])
		usage(stderr)
		return ExitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("ossec-ruletest tests OSSEC rules and decoders.\n\nUsage: ossec-ruletest COMMAND [flags] [args]\n\nCommands:\n")
	summaries := map[string]string{}
	for n, c := range commands {
		switch {
		case c.summary == "":
		case c.run == nil:
			summaries[n] = c.summary + " (runs " + DockerProgram + ")"
		default:
			summaries[n] = c.summary
		}
	}
	names := make([]string, 0, len(summaries))
	for n := range summaries {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, summaries[n])
	}
	b.WriteString("\nRun 'ossec-ruletest help COMMAND' (or COMMAND -h) for a command's flags.\n")
	b.WriteString(exitCodesHelp)
	io.WriteString(w, b.String())
}

const exitCodesHelp = `
Exit codes:
  0    success (run: every case passed or was skipped)
  1    failure (run: a case failed; coverage, noise: a ruleset did not load)
  2    usage error, or no case found
  3    run, deploy: the ruleset (base and repository) does not load
  130  interrupted
  logtest exits as ossec-logtest does: 0, 1 on a configuration error,
  and with -U the unit test's code (0 passed, 1 level, 2 rule id,
  3 decoder differs, 255 decoder matched but no rule).
`

// ParseFlags parses a command's args with fl. When it returns false the
// command ends with code: ExitOK where help was asked for, ExitUsage for a
// bad flag (fl has said what is wrong).
func ParseFlags(fl *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, false
		}
		return ExitUsage, false
	}
	return 0, true
}

// NewFlagSet is the flag set of the subcommand name: errors and help go to
// stderr, help is usage followed by the flags' defaults.
func NewFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		io.WriteString(stderr, usage)
		fl.PrintDefaults()
	}
	return fl
}
