package harness

import (
	"context"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Backend is an analysis engine the cases can run on: the native Go engine,
// a real ossec-logtest, a manager container.
type Backend interface {
	// Name is the name --engine selects it by ("native", "logtest", ...).
	Name() string
	// Open loads the ruleset described by src (or finds it in a cache) and
	// starts a session on it: one session holds the correlation state of
	// one case.
	Open(ctx context.Context, src ruleset.Sources) (Session, error)
}

// Session feeds events to one engine session, in order.
type Session interface {
	// Process analyses one event and returns what the engine did with it.
	Process(ctx context.Context, m engine.Message) (engine.Result, error)
	// Close ends the session and frees what it holds.
	Close() error
}

// UnsupportedError is what a Session returns for an event its engine
// cannot take (ossec-logtest reads only log lines, not file-integrity
// events). The harness reports it as a skip of the case, not a failure.
type UnsupportedError struct {
	Engine string
	What   string
}

func (e *UnsupportedError) Error() string {
	return "engine " + e.Engine + " cannot " + e.What
}
