package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// isRulesRepo reports whether dir looks like a rules repository (an
// ossec.conf, rules/, decoders/ or etc/local_decoder.xml) rather than an
// OSSEC installation (which has etc/internal_options.conf or bin/).
func isRulesRepo(dir string) bool {
	exists := func(p string) bool { _, err := os.Stat(filepath.Join(dir, p)); return err == nil }
	if exists("etc/internal_options.conf") || exists("bin") {
		return false
	}
	return exists("ossec.conf") || exists("etc/ossec.conf") || exists("decoders") ||
		exists("rules") || exists("etc/local_decoder.xml")
}

// findRepo returns the rules repository a command works on: dir when
// given (an error when it is not one), none with noRepo, else the first
// directory from the current one upwards that is one, stopping at the top
// of a git work tree. The base installation is never its own repository.
// A found repository is named relative to the current directory.
func findRepo(dir string, noRepo bool, base string) (string, error) {
	if noRepo {
		return "", nil
	}
	if dir != "" {
		fi, err := os.Stat(dir)
		if err != nil {
			return "", fmt.Errorf("--repo: %v", err)
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("--repo %s: not a directory", dir)
		}
		if !isRulesRepo(dir) {
			return "", fmt.Errorf("--repo %s: not a rules repository (no ossec.conf, etc/ossec.conf, rules/, decoders/ or etc/local_decoder.xml)", dir)
		}
		return dir, nil
	}
	cwd, err := os.Getwd()
	if err != nil {
		return "", nil
	}
	absBase := ""
	if base != "" {
		absBase, _ = filepath.Abs(base)
	}
	rel := "."
	for d := cwd; ; {
		if isRulesRepo(d) {
			if d == absBase {
				return "", nil
			}
			return rel, nil
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return "", nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", nil
		}
		d = up
		if rel == "." {
			rel = ".."
		} else {
			rel = filepath.Join(rel, "..")
		}
	}
}

// describeRuleset prints, once, what a command loaded: the base and the
// repository, with their counts of rules and decoders, and when there is
// no base, that the stock rules are not loaded.
func describeRuleset(w io.Writer, cmd, base, repo string, src ruleset.Sources, rs *ruleset.Ruleset) {
	inRepo := map[string]bool{}
	if src.Repo != nil {
		for _, f := range src.Repo.Files {
			inRepo[f] = true
		}
	}
	var repoRules, repoDecoders int
	for _, r := range rs.AllRules {
		if inRepo[r.Pos.File] {
			repoRules++
		}
	}
	for _, d := range rs.Decoders {
		if inRepo[d.Pos.File] {
			repoDecoders++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: loaded %s and %s: ", cmd, plural(len(rs.AllRules), "rule"), plural(len(rs.Decoders), "decoder"))
	if base != "" {
		fmt.Fprintf(&b, "base %s", base)
	} else {
		b.WriteString("no base (no stock rules or decoders: set OSSEC_RULESET or --base)")
	}
	if repo != "" {
		fmt.Fprintf(&b, ", repository %s (%s, %s)", repo, plural(repoRules, "rule"), plural(repoDecoders, "decoder"))
	} else {
		b.WriteString(", no rules repository")
	}
	fmt.Fprintln(w, b.String())
	for _, d := range rs.Warnings {
		if d.Code == ruleset.CodeRepoUnlisted {
			fmt.Fprintf(w, "%s: %s\n", cmd, d.String())
		}
	}
}

// preloadRuleset loads the ruleset of base and repo, prints what it loaded
// or, when it does not load, every error, once, and returns ExitRuleset.
func preloadRuleset(w io.Writer, cmd, base, repo string, native *harness.Native) (*ruleset.Ruleset, int) {
	src, err := harness.Sources(base, repo)
	if err == nil {
		var rs *ruleset.Ruleset
		// Its notes (files left out without a base) are the engine's,
		// printed after the cases.
		if native != nil {
			// Through the native engine's cache: its cases without files
			// of their own then find the ruleset loaded.
			var eng interface{ Ruleset() *ruleset.Ruleset }
			if eng, err = native.Engine(src); err == nil {
				rs = eng.Ruleset()
			}
		} else {
			rs, _, err = harness.Load(src)
		}
		if err == nil {
			describeRuleset(w, cmd, base, repo, src, rs)
			return rs, ExitOK
		}
	}
	what := "base " + base
	if base == "" {
		what = "no base: set OSSEC_RULESET or --base for the stock rules"
	}
	if repo != "" {
		what += ", repository " + repo
	}
	fmt.Fprintf(w, "%s: the ruleset does not load (%s):\n%v\n", cmd, what, err)
	return nil, ExitRuleset
}

// caseRuleRe finds the rule ids a case asserts on.
var caseRuleRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^[ \t]*(?:\[[^\]]*\][ \t]*)?(?:![ \t]*)?rule[ \t]+(\d+)`)
})

// missingRules returns the rule ids the case file names (rule N) that
// neither rs nor the case's own archive defines.
func missingRules(file string, rs *ruleset.Ruleset) []int {
	data, err := os.ReadFile(file)
	if err != nil || rs == nil {
		return nil
	}
	script := data
	if i := bytes.Index(data, []byte("\n-- ")); i >= 0 {
		script = data[:i]
	}
	var out []int
	for _, m := range caseRuleRe().FindAllSubmatch(script, -1) {
		id, err := strconv.Atoi(string(m[1]))
		if err != nil || rs.ByID[id] != nil || slices.Contains(out, id) {
			continue
		}
		if bytes.Contains(data, []byte(`id="`+string(m[1])+`"`)) {
			continue // defined in the case's archive
		}
		out = append(out, id)
	}
	return out
}
