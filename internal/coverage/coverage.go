// Package coverage finds which rules and decoders a set of test cases
// exercises. It watches the engine as an engine.Observer (the engine
// itself keeps no flags) through a harness.Backend of its own, and learns
// from the harness which assertions passed on which event.
//
// A rule is covered (positive) when it matched an event in some case. It
// has a negative case when some passing assertion establishes that it did
// not fire on an event: a passing "! rule ID", or a passing assertion that
// pins the outcome ("rule OTHER", "! rule", "noalert", "ut") of an event on
// which the engine tried the rule and the rule did not match. A decoder is
// covered when it became the decoder of an event.
//
// Rules and decoders are identified by file and id (name for decoders),
// so that the rulesets loaded for cases with files of their own count
// towards the same rules. Only rules and decoders of the files in scope
// (usually the rules repository's own) appear in the report.
//
//	c := coverage.New()
//	cfg := &harness.Config{Backend: c.Backend(harness.NewNative(host)), Asserted: ...}
//	... run the cases, calling c.Asserted for each passing assertion ...
//	rep := c.Report(rs, func(file string) bool { return strings.HasPrefix(file, repo) })
package coverage

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// ruleKey identifies a rule across rulesets.
type ruleKey struct {
	file string
	id   int
}

// decKey identifies a decoder across rulesets.
type decKey struct {
	file string
	line int
	name string
}

// Collector gathers coverage from any number of concurrent sessions.
type Collector struct {
	mu       sync.Mutex
	matched  map[ruleKey]int
	negative map[ruleKey][]string // case names
	// negativeID holds the cases of "! rule ID" assertions by id alone
	// (ruleKey.file empty): the id names the rule of the case's ruleset.
	negativeID map[ruleKey][]string
	positive   map[ruleKey][]string // case names (of passing assertions on events where the rule matched)
	decoders   map[decKey]int
	cases      map[string]bool
}

// New returns an empty Collector.
func New() *Collector {
	return &Collector{
		matched:    make(map[ruleKey]int),
		negative:   make(map[ruleKey][]string),
		negativeID: make(map[ruleKey][]string),
		positive:   make(map[ruleKey][]string),
		decoders:   make(map[decKey]int),
		cases:      make(map[string]bool),
	}
}

// EngineSource gives the engine of a ruleset; *harness.Native is one.
type EngineSource interface {
	Engine(src ruleset.Sources) (*engine.Engine, error)
}

// Backend returns a harness backend that runs the native engine of n (its
// ruleset cache, so one engine per ruleset) with an observer per session
// that reports to c.
func (c *Collector) Backend(n EngineSource) harness.Backend {
	return &backend{c: c, n: n}
}

type backend struct {
	c *Collector
	n EngineSource
}

func (b *backend) Name() string { return "native" }

func (b *backend) Open(ctx context.Context, src ruleset.Sources) (harness.Session, error) {
	eng, err := b.n.Engine(src)
	if err != nil {
		return nil, err
	}
	rec := &recorder{}
	s := eng.NewSession()
	s.SetObserver(rec)
	return &Session{c: b.c, s: s, rec: rec, rs: eng.Ruleset()}, nil
}

// SetClock sets the session's event time (harness.Clocked).
func (s *Session) SetClock(now func() time.Time) { s.s.SetClock(now) }

// ResponsesOnly implements harness.ResponsesOnly: the harness runs the
// active responses of the native engine's alerts.
func (s *Session) ResponsesOnly() {}

// recorder is the engine.Observer of one session: what the engine tried
// and matched for the event being processed.
type recorder struct {
	tried    []*ruleset.Rule
	matched  []*ruleset.Rule
	decoders []*ruleset.Decoder
}

func (r *recorder) DecoderTried(d *ruleset.Decoder)   {}
func (r *recorder) DecoderMatched(d *ruleset.Decoder) { r.decoders = append(r.decoders, d) }
func (r *recorder) RuleTried(x *ruleset.Rule)         { r.tried = append(r.tried, x) }
func (r *recorder) RuleMatched(x *ruleset.Rule)       { r.matched = append(r.matched, x) }

func (r *recorder) reset() {
	r.tried, r.matched, r.decoders = r.tried[:0], r.matched[:0], r.decoders[:0]
}

// Session is a harness session whose events are watched.
type Session struct {
	c   *Collector
	s   *engine.Session
	rec *recorder
	rs  *ruleset.Ruleset

	// lastTried and lastMatched are the rules of the last event processed.
	lastTried   map[*ruleset.Rule]bool
	lastMatched map[*ruleset.Rule]bool

	// tr, when the case explains, also watches the session; last is the
	// last result.
	tr   *engine.Trace
	last engine.Result
}

// Trace implements harness.Explaining.
func (s *Session) Trace() {
	if s.tr == nil {
		s.tr = engine.NewTrace(s.rs)
		s.s.SetObserver(engine.Observers(s.rec, s.tr))
	}
}

// Explain implements harness.Explaining.
func (s *Session) Explain(id int) (string, bool) {
	if s.tr == nil {
		return "", false
	}
	return s.tr.Explain(s.rs, harness.LastEvent(s.last), id).String(), true
}

// Process analyses m as the harness's native backend does and records
// what the engine tried and matched.
func (s *Session) Process(_ context.Context, m engine.Message) (engine.Result, error) {
	s.rec.reset()
	if s.tr != nil {
		s.tr.Reset()
	}
	res := harness.Feed(s.s, m)
	s.last = res
	s.lastTried = make(map[*ruleset.Rule]bool, len(s.rec.tried))
	s.lastMatched = make(map[*ruleset.Rule]bool, len(s.rec.matched))
	for _, r := range s.rec.tried {
		s.lastTried[r] = true
	}
	for _, r := range s.rec.matched {
		s.lastMatched[r] = true
	}
	s.c.mu.Lock()
	for r := range s.lastMatched {
		s.c.matched[keyOf(r)]++
	}
	for i, d := range s.rec.decoders {
		// The engine may report a decoder twice for one event.
		if slices.Index(s.rec.decoders, d) == i {
			s.c.decoders[decKey{d.Pos.File, d.Pos.Line, d.OwnName}]++
		}
	}
	s.c.mu.Unlock()
	return res, nil
}

// Close ends the session.
func (s *Session) Close() error { return nil }

func keyOf(r *ruleset.Rule) ruleKey { return ruleKey{r.Pos.File, r.ID} }

// Asserted records a passing assertion. It may be called concurrently.
func (c *Collector) Asserted(a harness.Assertion) {
	s, _ := a.Session.(*Session)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cases[a.Case] = true
	addCase := func(m map[ruleKey][]string, k ruleKey) {
		for _, x := range m[k] {
			if x == a.Case {
				return
			}
		}
		m[k] = append(m[k], a.Case)
	}
	// "! rule ID": ID did not fire.
	if a.Cmd == "rule" && a.Neg && len(a.Args) == 1 {
		if id, err := strconv.Atoi(a.Args[0]); err == nil {
			addCase(c.negativeID, ruleKey{id: id})
		}
		return
	}
	pins := (a.Cmd == "rule" && (!a.Neg || len(a.Args) == 0)) || a.Cmd == "noalert" || a.Cmd == "ut"
	if !pins || s == nil {
		// A -fresh line's session is not known: only "! rule ID" counts.
		return
	}
	for r := range s.lastMatched {
		addCase(c.positive, keyOf(r))
	}
	for r := range s.lastTried {
		if !s.lastMatched[r] {
			addCase(c.negative, keyOf(r))
		}
	}
}
