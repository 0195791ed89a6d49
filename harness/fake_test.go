package harness

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// fakeBackend is an engine whose verdicts are written in the event itself,
// so that the case commands can be tested apart from the real engine. A log
// line is a list of words:
//
//	dec=NAME own=CHILD rule=ID level=N alert mail group=G field=NAME:VALUE ar=CMD:ARG=VALUE
//
// "count" makes the rule id the number of events the session has seen
// (state kept per session). A line of one character is skipped, as
// ossec-logtest does. A file-integrity message decodes as "fake-syscheck"
// with the fields queue, location and text.
type fakeBackend struct {
	mu      sync.Mutex
	opened  int
	sources []ruleset.Sources
	msgs    []engine.Message
}

func (b *fakeBackend) Name() string { return "fake" }

func (b *fakeBackend) Open(_ context.Context, src ruleset.Sources) (Session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.opened++
	b.sources = append(b.sources, src)
	return &fakeSession{b: b}, nil
}

type fakeSession struct {
	b    *fakeBackend
	seen int
}

func (s *fakeSession) Close() error { return nil }

func (s *fakeSession) Process(_ context.Context, m engine.Message) (engine.Result, error) {
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, m)
	s.b.mu.Unlock()
	s.seen++
	r := engine.Result{Log: m.Text}
	if m.Queue == engine.QueueSyscheck {
		r.Decoder = "fake-syscheck"
		r.Fields = []engine.Field{{Name: "queue", Value: string(m.Queue)}, {Name: "location", Value: m.Location}, {Name: "text", Value: m.Text}}
		return r, nil
	}
	if m.Queue == 'U' {
		return r, &UnsupportedError{Engine: "fake", What: "feed queue U"}
	}
	if len(m.Text) < 2 {
		r.Skipped = true
		return r, nil
	}
	var match *engine.RuleMatch
	for _, w := range strings.Fields(m.Text) {
		k, v, _ := strings.Cut(w, "=")
		switch k {
		case "dec":
			r.Decoder = v
		case "own":
			r.DecoderOwnName = v
		case "rule":
			id, _ := strconv.Atoi(v)
			match = &engine.RuleMatch{ID: id}
		case "count":
			match = &engine.RuleMatch{ID: s.seen}
		case "level":
			match.Level, _ = strconv.Atoi(v)
		case "group":
			match.Groups = append(match.Groups, v)
		case "alert":
			r.Alert = true
		case "mail":
			r.Mail = true
		case "field":
			n, val, _ := strings.Cut(v, ":")
			r.Fields = append(r.Fields, engine.Field{Name: n, Value: val})
		case "ar":
			cmd, arg, _ := strings.Cut(v, ":")
			a := engine.ActiveResponse{Command: cmd, Location: "local", Args: map[string]string{}}
			if an, av, ok := strings.Cut(arg, "="); ok {
				a.Args[an] = av
			}
			r.ActiveResponses = append(r.ActiveResponses, a)
		}
	}
	r.Rule = match
	return r, nil
}

// wallClockBackend is the fake engine marked as reading the wall clock
// only (harness.WallClock).
type wallClockBackend struct{ fakeBackend }

func (b *wallClockBackend) WallClockOnly() {}
