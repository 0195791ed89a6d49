package harness

import (
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/clock"
)

// UnitTester returns, when cfg runs on the native engine, a function that
// decides the case of an OSSEC .ini line without running its script: the
// script `logtest -fresh LINE` then `ut CHECK` (`! ut CHECK` with
// wantFail), as initest writes it. The function feeds line to a fresh
// session on the ruleset of the base and the repository and applies ut
// the way those commands do. It returns true only when the case passes;
// false says nothing (the line may read as a file argument, the check may
// not parse, the case may fail): run the script then, for the verdict and
// its log. It returns nil when no case can be decided so: another engine,
// an Asserted hook, a ruleset that does not load (the script says why).
//
// A case decided so costs a few microseconds instead of a work folder,
// a script file and a testscript run.
func (cfg *Config) UnitTester() func(line, check string, wantFail bool) bool {
	n, ok := cfg.Backend.(*Native)
	if !ok || cfg.Asserted != nil || cfg.UpdateScripts {
		return nil
	}
	src, err := Sources(cfg.Base, cfg.Repo)
	if err != nil {
		return nil
	}
	eng, err := n.Engine(src)
	if err != nil {
		return nil
	}
	return func(line, check string, wantFail bool) bool {
		if name, isFile := strings.CutPrefix(line, "<"); isFile && name != "" && !strings.ContainsAny(name, " \t") {
			return false // logtest would read the file name
		}
		rule, alert, decoder, ok := splitCheck(check)
		if !ok {
			return false
		}
		s := eng.NewSession()
		clk := clock.New(cfg.Clock, nil)
		s.SetClock(clk.Now)
		clk.Line(line)
		res := LastEvent(Feed(s, engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: line}))
		code := 0 // a line skipped leaves ossec-logtest's exit code at 0
		if !res.Skipped && res.Error == "" {
			code, _ = UnitTest(res, rule, alert, decoder)
		}
		return (code == 0) != wantFail
	}
}

// splitCheck splits ut's RULE:ALERT:DECODER.
func splitCheck(s string) (rule, alert, decoder string, ok bool) {
	rule, rest, ok1 := strings.Cut(s, ":")
	alert, decoder, ok2 := strings.Cut(rest, ":")
	return rule, alert, decoder, ok1 && ok2
}
