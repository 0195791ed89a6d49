package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/clock"
)

// UpdateEnv is the environment variable that, set to a non-empty value,
// makes a run rewrite the golden output of failing `cmp stdout` commands in
// the case files instead of failing (testscript's UpdateScripts).
const UpdateEnv = "RULETEST_UPDATE"

// Config says how cases run.
type Config struct {
	// Backend is the engine the cases run on.
	Backend Backend
	// Base is the OSSEC installation directory the ruleset starts from
	// (etc/ossec.conf, etc/decoder.xml, rules/); "" for none. The [base]
	// condition is true when it is set.
	Base string
	// Repo is the rules repository whose ossec.conf, decoders/, rules/ and
	// lists/ lie on the base; "" for none.
	Repo string
	// UpdateScripts rewrites golden output in the case files; it is also
	// turned on by the UpdateEnv environment variable.
	UpdateScripts bool
	// ContinueOnError goes on after a failed command, to report every
	// failure of a case at once.
	ContinueOnError bool
	// Context, when set, is passed to the Backend (Open, Process); a
	// cancelled context stops the engines. Default: context.Background().
	Context context.Context
	// Clock is where event time comes from when a case starts (default
	// clock.Arrival, the wall clock); the case's clock command changes it.
	// Engines whose time cannot be set run only arrival-clock cases.
	Clock clock.Spec
	// ARBin is the directory of the programs active responses run, by
	// their <executable> (as OSSEC's active-response/bin): the native
	// engine runs from it the responses whose events a case's produced
	// command asks for (see ResponseDir). "" runs none.
	ARBin string
	// Asserted, when set, is called after an assertion command (decoded,
	// rule, alert, noalert, ar, ut) passed, with the event it judged. It
	// may be called from several goroutines at once.
	Asserted func(a Assertion)
	// WorkRoot, when set, is the folder in which RunFiles makes the cases'
	// work directories, a case file always in the same one (named after
	// the file's path, emptied before each run): the ruleset files a case
	// writes there then have the same paths from run to run, so that the
	// engine's cache still holds their ruleset when they did not change
	// (run --watch). Two RunFiles with the same WorkRoot must not run at
	// once: each empties the folders of its files before it runs them.
	// "" makes a temporary folder per RunFiles, removed after it.
	WorkRoot string

	// file is the case file, when RunFiles runs one case per Params.
	file string
}

// Assertion is an assertion that held, as reported to Config.Asserted.
type Assertion struct {
	Case    string   // the case file (or the case name when not known)
	Cmd     string   // "rule", "noalert", ...
	Neg     bool     // the command was negated with !
	Args    []string // its arguments
	Session Session  // the session that produced the event (nil for a -fresh line)
	Event   engine.Result
}

func (cfg *Config) ctx() context.Context {
	if cfg.Context != nil {
		return cfg.Context
	}
	return context.Background()
}

type stateKey struct{}

// Params returns the testscript parameters that run cases with cfg: the
// case commands (Commands), the conditions [base] and [engine:NAME], and a
// per-case engine session. The caller sets Dir or Files.
func (cfg *Config) Params() testscript.Params {
	return testscript.Params{
		Setup: func(env *testscript.Env) error {
			st := &caseState{cfg: cfg, workdir: env.WorkDir, t: env.T(), file: cfg.file, clock: clock.New(cfg.Clock, nil)}
			env.Values[stateKey{}] = st
			env.Defer(st.close)
			return nil
		},
		Condition:       cfg.condition,
		Cmds:            Commands(),
		UpdateScripts:   cfg.UpdateScripts || os.Getenv(UpdateEnv) != "",
		ContinueOnError: cfg.ContinueOnError,
	}
}

func (cfg *Config) condition(cond string) (bool, error) {
	switch {
	case cond == "base":
		return cfg.Base != "", nil
	case strings.HasPrefix(cond, "engine:"):
		return cfg.Backend != nil && cfg.Backend.Name() == strings.TrimPrefix(cond, "engine:"), nil
	}
	return false, fmt.Errorf("unknown condition %q (known: base, engine:NAME)", cond)
}

// Commands returns the case commands by name: logtest, syscheck, clock,
// decoded, rule, alert, noalert, ar and ut.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"logtest":  cmdLogtest,
		"syscheck": cmdSyscheck,
		"clock":    cmdClock,
		"explain":  cmdExplain,
		"produced": cmdProduced,
		"decoded":  asserting("decoded", cmdDecoded),
		"rule":     asserting("rule", cmdRule),
		"alert":    asserting("alert", cmdAlert),
		"noalert":  asserting("noalert", cmdNoalert),
		"ar":       asserting("ar", cmdAR),
		"ut":       asserting("ut", cmdUT),
	}
}

// asserting wraps an assertion command so that Config.Asserted hears of
// it when it holds (a failing command does not return: it ends the case).
func asserting(name string, cmd func(*testscript.TestScript, bool, []string)) func(*testscript.TestScript, bool, []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		cmd(ts, neg, args)
		st := state(ts)
		ev := st.last
		if name == "ut" && st.analysed != nil {
			ev = st.analysed
		}
		st.asserted(ts, name, neg, args, ev)
	}
}

// caseState is the engine state of one case.
type caseState struct {
	cfg     *Config
	file    string
	workdir string
	t       testscript.T
	sess    Session
	last    *event
	// analysed is the last event of the session that was analysed (not
	// skipped, not rejected): the one ossec-logtest -U judges.
	analysed *event
	// freshLast is true when the last event went to a fresh session.
	freshLast bool
	// files is what the session's integrity database knows, by agent and
	// path; versions counts generated file contents.
	files    map[string]knownFile
	versions int
	// clock gives the case's sessions their event time.
	clock *clock.Clock
	// execd runs the active responses of the native engine's alerts.
	execd *execd
}

// event is one event fed, with what the engine made of it.
type event struct {
	what string // the input, as the user wrote it, for failure messages
	res  engine.Result
	sess Session // the session it went to, nil for a -fresh line
}

// asserted reports an assertion that held on ev to Config.Asserted.
func (st *caseState) asserted(ts *testscript.TestScript, cmd string, neg bool, args []string, ev *event) {
	if st.cfg.Asserted == nil || ev == nil {
		return
	}
	name := st.file
	if name == "" {
		name = ts.Name()
	}
	st.cfg.Asserted(Assertion{Case: name, Cmd: cmd, Neg: neg, Args: args, Session: ev.sess, Event: ev.res})
}

func state(ts *testscript.TestScript) *caseState {
	st, _ := ts.Value(stateKey{}).(*caseState)
	if st == nil {
		ts.Fatalf("harness: case state missing (Params.Setup not run)")
	}
	return st
}

// session returns the case's session, opening it on first use.
func (st *caseState) session(ts *testscript.TestScript) Session {
	if st.sess == nil {
		st.sess = st.open(ts)
		st.files = map[string]knownFile{}
	}
	return st.sess
}

// open starts a session on the case's ruleset.
func (st *caseState) open(ts *testscript.TestScript) Session {
	if st.cfg.Backend == nil {
		ts.Fatalf("harness: no engine configured")
	}
	if _, ok := st.cfg.Backend.(WallClock); ok && st.clock.Mode() != clock.Arrival {
		st.t.Skip(noClock(st.cfg.Backend.Name())) // before a session that can cost seconds
	}
	src, err := Sources(st.cfg.Base, st.cfg.Repo, st.workdir)
	if err != nil {
		ts.Fatalf("%s", st.tidy(err.Error()))
	}
	sess, err := st.cfg.Backend.Open(st.cfg.ctx(), src)
	if err != nil {
		ts.Fatalf("loading the ruleset (engine %s):\n%s", st.cfg.Backend.Name(), st.tidy(err.Error()))
	}
	if x, ok := sess.(Explaining); ok && st.explains() {
		x.Trace()
	}
	if c, ok := sess.(Clocked); ok {
		c.SetClock(st.clock.Now)
	} else if st.clock.Mode() != clock.Arrival {
		sess.Close()
		st.t.Skip(noClock(st.cfg.Backend.Name()))
	}
	if n, ok := st.cfg.Backend.(interface{ Notes() []string }); ok {
		for _, note := range n.Notes() {
			ts.Logf("note: %s", st.tidy(note))
		}
	}
	return sess
}

// explains reports whether the case may use the explain command: its
// sessions must trace from their first event. When the case file is not
// known (cases run by go test from a directory), every case traces.
func (st *caseState) explains() bool {
	if st.file == "" {
		return true
	}
	data, err := os.ReadFile(st.file)
	return err != nil || regexp.MustCompile(`(?m)^\s*(\[[^]]*\]\s*)?explain\b`).Match(data)
}

// tidy shows the case's own files by their archive names, not by the
// temporary directory they were extracted to, and, when the case file is
// known, "name:LINE" positions also as the line of the case file.
func (st *caseState) tidy(s string) string {
	if st.workdir == "" {
		return s
	}
	s = strings.ReplaceAll(s, st.workdir+string(os.PathSeparator), "")
	if st.file == "" {
		return s
	}
	data, err := os.ReadFile(st.file)
	if err != nil {
		return s
	}
	markers := map[string]int{} // archive file name -> line of its marker
	for i, l := range strings.Split(string(data), "\n") {
		if name, ok := strings.CutPrefix(l, "-- "); ok && strings.HasSuffix(name, " --") {
			markers[strings.TrimSuffix(name, " --")] = i + 1
		}
	}
	return archivePos().ReplaceAllStringFunc(s, func(m string) string {
		sub := archivePos().FindStringSubmatch(m)
		at, ok := markers[sub[1]]
		if !ok {
			return m
		}
		n, _ := strconv.Atoi(sub[2])
		return fmt.Sprintf("%s (%s:%d)", m, st.file, at+n)
	})
}

// archivePos matches "name:LINE" of a case's archive file in a message.
var archivePos = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`((?:rules|decoders|lists)/[^\s:]+|ossec\.conf):(\d+)(?::\d+)?`)
})

func (st *caseState) close() {
	if st.sess != nil {
		st.sess.Close()
		st.sess = nil
	}
}

// feed processes one message and records it as the last event. With
// fresh, the message goes to a session of its own (as a line given to a new
// ossec-logtest process), and the case's session is left as it was.
func (st *caseState) feed(ts *testscript.TestScript, m engine.Message, what string, fresh bool) engine.Result {
	var sess Session
	if fresh {
		sess = st.open(ts)
		defer sess.Close()
		st.analysed = nil
	} else {
		if st.sess == nil || st.freshLast {
			st.analysed = nil
		}
		sess = st.session(ts)
	}
	st.freshLast = fresh
	st.clock.Line(m.Text)
	res, err := sess.Process(st.cfg.ctx(), m)
	var unsup *UnsupportedError
	if errors.As(err, &unsup) {
		st.t.Skip(err.Error())
	}
	if err != nil {
		ts.Fatalf("engine %s: %s: %v", st.cfg.Backend.Name(), what, err)
	}
	for _, n := range LastEvent(res).Notes {
		ts.Logf("note: %s: %s", what, n)
	}
	st.last = &event{what: what, res: LastEvent(res)}
	if !fresh {
		st.last.sess = sess
	}
	if !st.last.res.Skipped && st.last.res.Error == "" {
		st.analysed = st.last
	}
	if _, ok := sess.(ResponsesOnly); ok && !fresh {
		st.responder().queue(res, m.Location, st.clock.Now(), what)
	}
	return res
}

// responder returns the case's execd.
func (st *caseState) responder() *execd {
	if st.execd == nil {
		st.execd = &execd{workdir: st.workdir, bin: st.cfg.ARBin}
	}
	return st.execd
}

// LastEvent returns the event of r that assertions apply to: r itself, or,
// when a line too long for ossec-logtest became several events, the last of
// them that was analysed (as ossec-logtest's -U judges the last event).
func LastEvent(r engine.Result) engine.Result {
	for i := len(r.Extra) - 1; i >= 0; i-- {
		if !r.Extra[i].Skipped {
			return r.Extra[i]
		}
	}
	return r
}

// lastEvent returns the event the assertions apply to.
func (st *caseState) lastEvent(ts *testscript.TestScript, cmd string) *event {
	if st.last == nil {
		ts.Fatalf("%s: no event fed yet (use logtest or syscheck first)", cmd)
	}
	return st.last
}
