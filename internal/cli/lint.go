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

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/lint"
)

func init() {
	RegisterCommand("lint", "warn of OSSEC's traps in rule and decoder files", lintMain)
}

const lintUsage = `usage: ossec-ruletest lint [flags] [PATH...]

Loads the ruleset (the base, then the rules repository) and warns, with
file:line:col and a code, of what OSSEC accepts but reads otherwise than
one expects, in the rule and decoder files given (files, or folders of .xml
files; default: the repository's rule and decoder files: rules/, decoders/
and etc/local_decoder.xml):

`

// lintMain is the lint subcommand.
func lintMain(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("lint", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		io.WriteString(stderr, lintUsage)
		codes := make([]string, 0, len(lint.Codes))
		for c, what := range lint.Codes {
			codes = append(codes, fmt.Sprintf("  %-26s %s\n", c, what))
		}
		sort.Strings(codes)
		io.WriteString(stderr, strings.Join(codes, "")+"\nExit codes: 0 no warning, 1 warnings (or the ruleset did not load), 2 usage error.\n\nFlags:\n")
		fl.PrintDefaults()
	}
	base := fl.String("base", os.Getenv("OSSEC_RULESET"), "the base OSSEC installation directory (default $OSSEC_RULESET)")
	repo := fl.String("repo", "", "the rules repository (default: the current directory, when it has rules)")
	noRepo := fl.Bool("no-repo", false, "load no rules repository: lint the base's files given as PATH")
	if code, ok := ParseFlags(fl, args); !ok {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "ossec-ruletest lint: "+format+"\n", a...)
		return code
	}
	var err error
	if !*noRepo {
		if *repo, err = findRepo(*repo, false, *base); err != nil {
			return fail(ExitUsage, "%v", err)
		}
	} else {
		*repo = ""
	}
	paths := fl.Args()
	if len(paths) == 0 {
		if *repo == "" {
			return fail(ExitUsage, "no rules repository here and no PATH: give --repo or the files to lint")
		}
		if paths = repoLintPaths(*repo); len(paths) == 0 {
			return fail(ExitUsage, "%s has no rules/, decoders/ or etc/local_decoder.xml to lint", *repo)
		}
	}
	files, err := xmlFiles(paths)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	src, err := harness.Sources(*base, *repo)
	if err != nil {
		return fail(ExitFailed, "%v", err)
	}
	rs, _, err := harness.Load(src)
	if err != nil {
		return fail(ExitFailed, "loading the ruleset: %v", err)
	}
	found := lint.Check(rs, files)
	for _, f := range found {
		fmt.Fprintln(stdout, f)
	}
	fmt.Fprintf(stderr, "%s in %s\n", plural(len(found), "warning"), plural(len(files), "file"))
	if len(found) > 0 {
		return ExitFailed
	}
	return ExitOK
}

// repoLintPaths returns the places of a rules repository that hold its own
// rule and decoder files, where they exist: rules/, decoders/ and
// etc/local_decoder.xml (where an installation keeps a local decoder).
func repoLintPaths(repo string) []string {
	var out []string
	for _, p := range []string{"rules", "decoders", filepath.Join("etc", "local_decoder.xml")} {
		if _, err := os.Stat(filepath.Join(repo, p)); err == nil {
			out = append(out, filepath.Join(repo, p))
		}
	}
	return out
}

// plural says n things, as "1 warning" or "2 warnings".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// xmlFiles lists the .xml files of paths (files, or folders searched
// recursively).
func xmlFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && len(paths) > 1 {
				continue // a repository without decoders/
			}
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".xml") {
				out = append(out, path)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
