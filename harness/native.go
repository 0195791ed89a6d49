package harness

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Native is the Backend of the pure-Go engine. It loads each distinct set
// of sources once and shares the compiled *ruleset.Ruleset between the
// cases that use it: loading is the expensive part, sessions are cheap.
type Native struct {
	// Hostname is the manager's hostname, which OSSEC gives events that
	// carry no syslog header.
	Hostname string

	mu    sync.Mutex
	cache map[string]*loadResult
	notes []string
	order []string // cache keys, oldest first
}

// maxCached is how many rulesets a Native keeps: the repository's own
// (shared by most cases) and those of the last cases with files of their own.
const maxCached = 8

type loadResult struct {
	once  sync.Once
	rs    *ruleset.Ruleset
	notes []string
	eng   *engine.Engine
	err   error
}

// NewNative returns a native backend whose manager hostname is hostname.
func NewNative(hostname string) *Native {
	return &Native{Hostname: hostname}
}

// Name returns "native".
func (n *Native) Name() string { return "native" }

// Open returns a new engine session on the ruleset of src, loading it on
// first use.
func (n *Native) Open(ctx context.Context, src ruleset.Sources) (Session, error) {
	eng, err := n.Engine(src)
	if err != nil {
		return nil, err
	}
	return &nativeSession{s: eng.NewSession(), rs: eng.Ruleset()}, nil
}

// Engine returns the (cached) engine for src.
func (n *Native) Engine(src ruleset.Sources) (*engine.Engine, error) {
	key, err := SourcesKey(src)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	if n.cache == nil {
		n.cache = make(map[string]*loadResult)
	}
	lr, ok := n.cache[key]
	if ok {
		// Most recently used last.
		for i, k := range n.order {
			if k == key {
				n.order = append(append(n.order[:i:i], n.order[i+1:]...), key)
				break
			}
		}
	} else {
		lr = new(loadResult)
		n.cache[key] = lr
		n.order = append(n.order, key)
		if len(n.order) > maxCached {
			delete(n.cache, n.order[0])
			n.order = n.order[1:]
		}
	}
	n.mu.Unlock()
	lr.once.Do(func() {
		lr.rs, lr.notes, lr.err = Load(src)
		if lr.err == nil {
			lr.eng = engine.New(lr.rs, engine.Options{Hostname: n.Hostname})
			n.addNotes(lr.notes)
			for _, w := range lr.rs.Warnings {
				n.addNotes([]string{w.String()})
			}
		}
	})
	return lr.eng, lr.err
}

type nativeSession struct {
	s  *engine.Session
	rs *ruleset.Ruleset
	// tr, when tracing, watches the session; last is the last result.
	tr   *engine.Trace
	last engine.Result
}

// Process feeds m to the engine session (see Feed).
func (s *nativeSession) Process(_ context.Context, m engine.Message) (engine.Result, error) {
	if s.tr != nil {
		s.tr.Reset()
	}
	s.last = Feed(s.s, m)
	return s.last, nil
}

// Feed gives m to an engine session as the native engine does: a log line
// typed into ossec-logtest (queue 1, location stdin) goes through
// Session.Process, so that lines too short to analyse are skipped and
// lines too long are cut into several events, as ossec-logtest reads
// them; any other message through Session.ProcessMessage.
func Feed(s *engine.Session, m engine.Message) engine.Result {
	if m.Queue == engine.QueueLocalFile && m.Location == "stdin" && !strings.Contains(m.Text, "\n") {
		return s.Process(m.Text)
	}
	return s.ProcessMessage(m)
}

// Trace implements Explaining.
func (s *nativeSession) Trace() {
	if s.tr == nil {
		s.tr = engine.NewTrace(s.rs)
		s.s.SetObserver(s.tr)
	}
}

// Explain implements Explaining.
func (s *nativeSession) Explain(id int) (string, bool) {
	if s.tr == nil {
		return "", false
	}
	return s.tr.Explain(s.rs, LastEvent(s.last), id).String(), true
}

func (s *nativeSession) Close() error { return nil }

// ResponsesOnly implements ResponsesOnly.
func (s *nativeSession) ResponsesOnly() {}

// SetClock sets the session's event time (Clocked).
func (s *nativeSession) SetClock(now func() time.Time) { s.s.SetClock(now) }

func (n *Native) addNotes(notes []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range notes {
		if !slices.Contains(n.notes, s) {
			n.notes = append(n.notes, s)
		}
	}
}

// Notes returns what loading left out (see Load) and the warnings of the
// rulesets loaded (ruleset.Ruleset.Warnings), once per distinct note.
func (n *Native) Notes() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.notes)
}
