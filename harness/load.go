package harness

import (
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Load loads src as ruleset.Load does, with two allowances for running
// without a base installation (no Base, no Config), so that the rules of a
// repository that need no stock rule can be tested alone (NoBaseSources):
//
//   - OSSEC hangs every rule below a top-level rule of its category, which
//     an installation defines in rules/rules_config.xml; Load puts in their
//     place the category roots of nobase_rules.xml (ids 1 to 7, level 0,
//     noalert).
//   - A rule file with a rule below a stock rule that is not there (an
//     if_sid naming a rule no file defines) cannot load, as OSSEC itself
//     would refuse it: Load leaves such files out, says so in the returned
//     notes, and loads the rest. Cases for those rules say [!base] skip.
//
// With a base, Load is ruleset.Load.
func Load(src ruleset.Sources) (*ruleset.Ruleset, []string, error) {
	if src.Base != "" || src.Config != "" {
		rs, err := ruleset.Load(src)
		return rs, nil, err
	}
	_, rs, notes, err := noBase(src)
	return rs, notes, err
}

// NoBaseSources returns the sources Load loads for src when src has no
// base (see Load), with its notes, so that other engines (a stand-in
// manager container) load what the native engine loads. src with a base
// is returned as it is. The error is that of loading the result, if any.
func NoBaseSources(src ruleset.Sources) (ruleset.Sources, []string, error) {
	if src.Base != "" || src.Config != "" {
		return src, nil, nil
	}
	out, _, notes, err := noBase(src)
	return out, notes, err
}

func noBase(src ruleset.Sources) (ruleset.Sources, *ruleset.Ruleset, []string, error) {
	var notes []string
	roots, err := noBaseRules()
	if err != nil {
		return src, nil, nil, err
	}
	src.FirstRules = append([]string{roots}, src.FirstRules...)
	for {
		rs, err := ruleset.Load(src)
		if err == nil {
			return src, rs, notes, nil
		}
		candidates := slices.Clone(src.Rules)
		if src.Repo != nil {
			for p, f := range src.Repo.Files {
				if strings.HasPrefix(p, "rules/") {
					candidates = append(candidates, f)
				}
			}
		}
		drop := filesNeedingBase(err, candidates)
		if len(drop) == 0 {
			return src, nil, notes, err
		}
		var e *ruleset.Error
		errors.As(err, &e)
		noted := map[string]bool{}
		for _, d := range e.Diagnostics {
			if d.Code == ruleset.CodeRuleIfSID && slices.Contains(drop, d.Pos.File) && !noted[d.Pos.File] {
				noted[d.Pos.File] = true
				notes = append(notes, fmt.Sprintf("no base ruleset: %s is not loaded: %s", filepath.ToSlash(d.Pos.File), d.String()))
			}
		}
		src.Rules = slices.DeleteFunc(slices.Clone(src.Rules), func(f string) bool { return slices.Contains(drop, f) })
		if src.Repo != nil {
			r := &ruleset.Repo{Config: src.Repo.Config, Files: map[string]string{}}
			for p, f := range src.Repo.Files {
				if !slices.Contains(drop, f) {
					r.Files[p] = f
				}
			}
			src.Repo = r
		}
	}
}

// filesNeedingBase returns the files among rules whose errors in err's
// diagnostics are all if_sid errors (a rule below a missing rule). A file
// with another error too is not left out: that error is reported.
func filesNeedingBase(err error, rules []string) []string {
	var e *ruleset.Error
	if !errors.As(err, &e) {
		return nil
	}
	var files, other []string
	for _, d := range e.Errors() {
		if !slices.Contains(rules, d.Pos.File) {
			continue
		}
		if d.Code != ruleset.CodeRuleIfSID {
			other = append(other, d.Pos.File)
		} else if !slices.Contains(files, d.Pos.File) {
			files = append(files, d.Pos.File)
		}
	}
	return slices.DeleteFunc(files, func(f string) bool { return slices.Contains(other, f) })
}

//go:embed nobase_rules.xml
var noBaseXML []byte

var noBaseOnce struct {
	sync.Once
	path string
	err  error
}

// noBaseRules returns the path of nobase_rules.xml written out (once per
// content) in the temporary directory, for the loader to read.
func noBaseRules() (string, error) {
	noBaseOnce.Do(func() {
		sum := sha256.Sum256(noBaseXML)
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("ossec-ruletest-%x", sum[:6]))
		path := filepath.Join(dir, "nobase_rules.xml")
		if data, err := os.ReadFile(path); err == nil && string(data) == string(noBaseXML) {
			noBaseOnce.path = path
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			noBaseOnce.err = err
			return
		}
		tmp, err := os.CreateTemp(dir, "nobase-*.xml")
		if err != nil {
			noBaseOnce.err = err
			return
		}
		_, err = tmp.Write(noBaseXML)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		noBaseOnce.path, noBaseOnce.err = path, err
	})
	return noBaseOnce.path, noBaseOnce.err
}
