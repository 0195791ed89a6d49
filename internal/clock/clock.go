// Package clock is the event time that run, logtest, noise and the cases
// share: OSSEC gives an event the time the manager read it (analysisd's
// time(NULL) on arrival), and correlation windows, <time>, <weekday> and
// ignore timers compare that time, never the log line's own timestamp.
//
// A Spec says where event time comes from:
//
//	arrival   the wall clock when the line is read, as a live manager
//	log       each line's syslog timestamp (a line without one keeps the
//	          time of the line before), as if the manager had received the
//	          line when it was logged: a recorded corpus replayed
//	TIME      a fixed instant, RFC 3339 (2026-11-26T10:00:00Z); its zone
//	          is the manager's local time for <time> and <weekday>
//
// run and logtest default to arrival. noise replays a recorded corpus and
// defaults to log, per host. In a case, the clock is the wall clock until a
// `clock` command takes control of it (see the harness package).
package clock

import (
	"fmt"
	"strings"
	"time"
)

// Mode is where event time comes from.
type Mode int

// The modes of a Spec.
const (
	Arrival Mode = iota // the wall clock
	Log                 // the line's syslog timestamp
	Fixed               // a set instant, advanced only on request
)

// Spec is a parsed --clock value.
type Spec struct {
	Mode Mode
	At   time.Time // the instant of Fixed
}

// Usage describes the values Parse accepts, for flag help.
const Usage = "event time: arrival (the wall clock, as a live manager), log (each line's syslog timestamp), or a fixed RFC 3339 instant such as 2026-11-26T10:00:00Z"

// Parse reads a --clock value.
func Parse(s string) (Spec, error) {
	switch s {
	case "arrival", "":
		return Spec{Mode: Arrival}, nil
	case "log":
		return Spec{Mode: Log}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return Spec{}, fmt.Errorf("clock %q: want arrival, log, or an RFC 3339 time such as 2026-11-26T10:00:00Z", s)
	}
	return Spec{Mode: Fixed, At: t}, nil
}

// String is the value Parse reads back.
func (s Spec) String() string {
	switch s.Mode {
	case Log:
		return "log"
	case Fixed:
		return s.At.Format(time.RFC3339)
	}
	return "arrival"
}

// Clock is the clock of one session: call Line with each line before it is
// analysed and give Now to the engine.
type Clock struct {
	mode Mode
	cur  time.Time
	wall func() time.Time
}

// New returns a clock following spec; wall is the wall clock (nil:
// time.Now).
func New(spec Spec, wall func() time.Time) *Clock {
	if wall == nil {
		wall = time.Now
	}
	c := &Clock{mode: spec.Mode, wall: wall}
	switch spec.Mode {
	case Fixed:
		c.cur = spec.At
	case Log:
		c.cur = wall()
	}
	return c
}

// Mode returns the clock's current mode.
func (c *Clock) Mode() Mode { return c.mode }

// Now is the time an event read now gets.
func (c *Clock) Now() time.Time {
	if c.mode == Arrival {
		return c.wall()
	}
	return c.cur
}

// Set stops the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mode, c.cur = Fixed, t
}

// Advance moves the clock d forward; an arrival clock stops at its
// current reading first.
func (c *Clock) Advance(d time.Duration) {
	if c.mode == Arrival {
		c.mode, c.cur = Fixed, c.wall()
	}
	c.cur = c.cur.Add(d)
}

// FollowLog makes each line's syslog timestamp the event time from now on.
func (c *Clock) FollowLog() {
	if c.mode == Arrival {
		c.cur = c.wall()
	}
	c.mode = Log
}

// Line tells the clock the line about to be analysed: in log mode, its
// syslog timestamp becomes the time, in the year and zone of the current
// reading.
func (c *Clock) Line(text string) {
	if c.mode != Log {
		return
	}
	if t, ok := LogTime(text, c.cur.Year(), c.cur.Location()); ok {
		c.cur = t
	}
}

// LogTime reads the timestamp a log line starts with: syslog's
// "Jan _2 15:04:05" (in year and loc) or an RFC 3339 one.
func LogTime(text string, year int, loc *time.Location) (time.Time, bool) {
	if len(text) >= 15 && text[3] == ' ' {
		t, err := time.Parse("Jan _2 15:04:05", text[:15])
		if err == nil {
			return time.Date(year, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), true
		}
	}
	if len(text) >= 19 && text[4] == '-' && text[10] == 'T' {
		end := strings.IndexByte(text, ' ')
		if end < 0 {
			end = len(text)
		}
		if t, err := time.Parse(time.RFC3339Nano, text[:end]); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
