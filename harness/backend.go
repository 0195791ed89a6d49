package harness

import (
	"context"
	"time"

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

// Clocked is a Session whose event time the harness sets: the cases'
// clock command and run --clock need one. A Session that is not Clocked
// analyses events on its engine's own wall clock.
type Clocked interface {
	// SetClock makes now the time of the events processed from now on.
	SetClock(now func() time.Time)
}

// Explaining is a Session that can say why a rule did not fire on the last
// event it analysed (the case command explain). Tracing costs time, so the
// harness turns it on only for cases that use explain.
type Explaining interface {
	// Trace makes the session record, from the next event on, what the
	// engine tried and why rules failed.
	Trace()
	// Explain says why rule id did not fire on the last event; ok is
	// false when the session was not tracing.
	Explain(id int) (text string, ok bool)
}

// Producer is a Session whose engine analyses events of its own after one
// it was fed: a live manager reads back the verdict its active response
// wrote. Produced returns the next such event, waiting at most wait.
type Producer interface {
	Produced(ctx context.Context, wait time.Duration) (engine.Result, error)
}

// WallClock is a Backend none of whose sessions is Clocked: they read
// events on the wall clock. A case that sets the clock is skipped before a
// session is opened for it (opening one can cost seconds: a live manager
// restarts its daemons).
type WallClock interface {
	Backend
	WallClockOnly()
}

// ResponsesOnly is a Session whose engine reports the active responses an
// alert triggers (Result.ActiveResponses) but runs none, as the native
// engine: the harness runs them itself, from Config.ARBin, as ossec-execd
// would, for the produced command (see ResponseDir).
type ResponsesOnly interface {
	ResponsesOnly()
}

// noClock is why a case that sets the clock is skipped on an engine.
func noClock(engine string) string {
	return "engine " + engine + " reads events on its own wall clock: a case with a clock command (or run --clock other than arrival) needs --engine native"
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
