// Package noise replays a log corpus through two rulesets, "before" and
// "after" a change, and reports what the change does to the alerts: per
// rule, per group, per level and in total, how many events alerted, how
// many alerts would be emailed, the reduction in percent, and every event
// that alerted at or above a level before and no longer does ("lost
// alerts").
//
// # Sessions and parallelism
//
// OSSEC keeps one correlation state for the whole manager. A replay keeps
// one per source host instead (corpus.Event.Host: the agent name, else the
// syslog hostname): each host has its own before and after engine
// sessions, fed that host's events in corpus order, with its own clock
// taken from the syslog timestamps of its lines (Options.Clock, by
// default clock.Log: the corpus is replayed as the manager received it;
// clock.Arrival replays it on the wall clock, as if it arrived now, and a
// fixed instant gives every event that time). Correlation between
// events of one host (frequency, if_matched_sid, the file-integrity
// database of an agent) behaves as in OSSEC; correlation across hosts does
// not happen. Events without a host (the manager's own file-integrity
// events, lines without a syslog header) belong to Options.Hostname, so
// that the manager's verdict lines, which carry its hostname, follow up its
// own file-integrity alerts. In exchange, the result does not depend on how hosts are
// spread over workers or shards: a run on one core, on all cores, or as N
// shards merged gives the same report. Hosts go to workers by a stable
// hash of their name, and to shards (Shard) by another.
//
// # Follow-ups
//
// An alert that starts an active response with a file name (as rule
// 106002 starts ossec-ar-verify-file) is answered later by a line of the
// same host that names the file: the verifier's verdict. The first later
// event of the host, within FollowWindow of its events, with a decoded
// field equal to that file name is the alert's follow-up. An event counts
// as alerting at or above the level when it or its follow-up does, so
// that demoting file-integrity alerts in favour of verified verdicts
// loses nothing as long as the verdicts alert. A lost alert is reported
// with its rule and the rule of its follow-up on each side.
//
// # Known changes
//
// Losses a change makes on purpose are accepted by a known-changes file
// (ParseKnownChanges): "BEFORE AFTER REASON" lines, where AFTER is the
// rule the event ends on after the change (its follow-up's rule when it
// has one).
package noise

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/clock"
	"github.com/ossec-ruletest/ossec-ruletest/internal/corpus"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Session analyses events in order, keeping correlation state; an
// *engine.Session is one.
type Session interface {
	Process(line string) engine.Result
	ProcessMessage(m engine.Message) engine.Result
}

// Analyzer starts sessions; it is used by one goroutine.
type Analyzer interface {
	NewSession() Session
}

// Side is one of the two rulesets compared.
type Side struct {
	// Label names the ruleset in reports ("stock", "HEAD~1", "rules/").
	Label string
	// EmailAlertLevel is the ruleset's <email_alert_level>, the default
	// threshold of lost alerts (from the before side).
	EmailAlertLevel int
	// NewAnalyzer returns an analyzer whose clock is now. It is called
	// once per worker.
	NewAnalyzer func(now func() time.Time) Analyzer
	// FileName, when set, rewrites the rule file names in reports (to
	// hide the temporary directory a git revision was written to).
	FileName func(path string) string
}

// Native returns the NewAnalyzer of a Side that runs the native engine on
// rs, with hostname as the manager's hostname. Its sessions forget the
// past events no correlation search can reach any more
// (engine.Options.Forget), so that a host's memory follows its events of
// the ruleset's longest timeframe, not all of them, and keep of those
// only what verdicts depend on (engine.Options.Lean), not their lines.
func Native(rs *ruleset.Ruleset, hostname string) func(now func() time.Time) Analyzer {
	return func(now func() time.Time) Analyzer {
		return nativeAnalyzer{engine.New(rs, engine.Options{Hostname: hostname, Now: now, Forget: true, Lean: true})}
	}
}

type nativeAnalyzer struct{ e *engine.Engine }

func (a nativeAnalyzer) NewSession() Session { return a.e.NewSession() }

// Source yields corpus events until io.EOF; *corpus.Reader is one.
type Source interface {
	Next() (corpus.Event, error)
}

// Options control a replay.
type Options struct {
	// Level is the threshold of lost alerts: an event that alerted at
	// this level or higher before and not after is lost. Default: the
	// before side's EmailAlertLevel.
	Level int
	// Workers is the number of goroutines replaying (default GOMAXPROCS).
	Workers int
	// Shard selects the hosts of one shard; the zero Shard is all.
	Shard Shard
	// Known accepts listed losses.
	Known *KnownChanges
	// FollowWindow is how many later events of the same host may carry
	// an alert's follow-up (default 1000).
	FollowWindow int
	// Year is the year of syslog timestamps, which have none (default:
	// the current year).
	Year int
	// Clock is where event time comes from (nil: clock.Log, each line's
	// timestamp in Year).
	Clock *clock.Spec
	// MaxLost is how many lost alerts the report lists (default 10000);
	// it counts them all.
	MaxLost int
	// Hostname is the host of events that name none: the manager's
	// hostname as its own syslog lines give it.
	Hostname string
	// Inputs name the corpus in the report.
	Inputs []string
	// Progress, when set, is called from time to time with the number of
	// events read so far.
	Progress func(events int64)

	// idle overrides idleEvents (tests).
	idle int64
}

// Shard is part K of N (1 <= K <= N) of the hosts; N == 0 means all.
type Shard struct {
	K, N int
}

// ParseShard parses "K/N".
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want K/N, e.g. 1/4", s)
	}
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 1 <= K <= N", s)
	}
	return Shard{K: ki, N: ni}, nil
}

func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// Contains reports whether the events of host belong to the shard.
func (s Shard) Contains(host string) bool {
	return s.N == 0 || int(hostHash(host)%uint32(s.N)) == s.K-1
}

// ShardOf returns which of n shards (1-based) the key belongs to, by the
// same hash noise uses for hosts: FNV-1a (32 bits) modulo n.
func ShardOf(key string, n int) int {
	return int(hostHash(key)%uint32(n)) + 1
}

func hostHash(host string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(host))
	return h.Sum32()
}

// workerOf spreads hosts over workers independently of the shard hash.
func workerOf(host string, n int) int {
	h := hostHash(host) * 0x9e3779b1
	return int((h>>16 | h<<16) % uint32(n))
}

const batchSize = 256

// Run replays src through before and after and returns the report.
func Run(ctx context.Context, src Source, before, after Side, opts Options) (*Report, error) {
	if opts.Level <= 0 {
		opts.Level = before.EmailAlertLevel
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.FollowWindow <= 0 {
		opts.FollowWindow = 1000
	}
	if opts.Year == 0 {
		opts.Year = time.Now().Year()
	}
	if opts.MaxLost <= 0 {
		opts.MaxLost = 10000
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	workers := make([]*worker, opts.Workers)
	chans := make([]chan []corpus.Event, opts.Workers)
	var wg sync.WaitGroup
	for i := range workers {
		w := newWorker(before, after, &opts)
		workers[i] = w
		ch := make(chan []corpus.Event, 8)
		chans[i] = ch
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range ch {
				for j := range batch {
					w.process(&batch[j])
				}
			}
			w.finish()
		}()
	}

	batches := make([][]corpus.Event, opts.Workers)
	var readErr error
	var n int64
	for {
		if n&0xfff == 0 {
			if err := ctx.Err(); err != nil {
				readErr = err
				break
			}
			if opts.Progress != nil && n > 0 {
				opts.Progress(n)
			}
		}
		ev, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		n++
		if ev.Host == "" {
			ev.Host = opts.Hostname
		}
		if !opts.Shard.Contains(ev.Host) {
			continue
		}
		i := workerOf(ev.Host, opts.Workers)
		if batches[i] == nil {
			batches[i] = make([]corpus.Event, 0, batchSize)
		}
		batches[i] = append(batches[i], ev)
		if len(batches[i]) == batchSize {
			chans[i] <- batches[i]
			batches[i] = nil
		}
	}
	for i, b := range batches {
		if len(b) > 0 {
			chans[i] <- b
		}
		close(chans[i])
	}
	wg.Wait()
	if opts.Progress != nil {
		opts.Progress(n)
	}
	if readErr != nil {
		return nil, readErr
	}

	acc := newAccum(opts.Level, opts.MaxLost, opts.Known)
	for _, w := range workers {
		acc.merge(w.acc)
	}
	acc.events = n
	rep := acc.report()
	rep.Before = SideInfo{Label: before.Label, EmailAlertLevel: before.EmailAlertLevel}
	rep.After = SideInfo{Label: after.Label, EmailAlertLevel: after.EmailAlertLevel}
	rep.Level = opts.Level
	rep.Inputs = opts.Inputs
	rep.Shard = opts.Shard.String()
	return rep, nil
}

// Outcome is what one ruleset made of an event.
type Outcome struct {
	Rule  int  `json:"rule,omitempty"`
	Level int  `json:"level,omitempty"`
	Alert bool `json:"alert,omitempty"`
	Mail  bool `json:"mail,omitempty"`
}

func (o Outcome) notable(level int) bool { return o.Alert && o.Level >= level }

// FollowUp is the event that answered an alert's active response.
type FollowUp struct {
	Seq     int64   `json:"seq"`
	Source  string  `json:"source"`
	Line    int     `json:"line"`
	Log     string  `json:"log"`
	Outcome Outcome `json:"outcome"`
}

// worker replays the events of its hosts.
type worker struct {
	opts  *Options
	an    [2]Analyzer
	names [2]func(string) string
	cur   time.Time
	epoch time.Time
	hosts map[string]*hostState
	acc   *accum
	// n counts the worker's events.
	n int64
}

// idleEvents is how many events of other hosts a worker sees before it
// releases a host's scratch buffers (see releaseIdle).
const idleEvents = 4096

func (w *worker) idleEvents() int64 {
	if w.opts.idle > 0 {
		return w.opts.idle
	}
	return idleEvents
}

// releaser is a Session that can let go of its scratch buffers between
// events (*engine.Session.Release).
type releaser interface{ Release(now time.Time) }

// inexacter is a Session that tells whether forgetting past events may
// have changed a verdict (*engine.Session.Inexact).
type inexacter interface{ Inexact() bool }

// releaseIdle lets go of the scratch buffers of the hosts that had no
// event in the last idleEvents events of the worker, and of their past
// events that no event at the time of the worker's last event or later
// can reach: what an idle host keeps is its lasting correlation state.
// A host whose next event comes earlier than that, where a search looks
// for what was forgotten, is counted in Report.InexactHosts.
func (w *worker) releaseIdle() {
	for _, h := range w.hosts {
		if h.released || w.n-h.used < w.idleEvents() {
			continue
		}
		for _, s := range h.sess {
			if r, ok := s.(releaser); ok {
				r.Release(w.cur)
			}
		}
		h.released = true
	}
}

type hostState struct {
	sess  [2]Session
	clock time.Time
	n     int64
	// used is the worker's event count when the host last had one;
	// released says that its sessions' scratch buffers were let go.
	used     int64
	released bool
	queue    []*pending // oldest first
	waiting  [2]map[string][]*pending
}

// pending is an alert that waits for its follow-up on one side or both.
type pending struct {
	seq    int64
	source string
	line   int
	host   string
	log    string
	hostN  int64
	own    [2]Outcome
	wait   [2]bool
	follow [2]*FollowUp
	done   bool
}

func newWorker(before, after Side, opts *Options) *worker {
	w := &worker{
		opts:  opts,
		hosts: make(map[string]*hostState),
		acc:   newAccum(opts.Level, opts.MaxLost, opts.Known),
		epoch: time.Date(opts.Year, 1, 1, 0, 0, 0, 0, time.UTC),
		names: [2]func(string) string{before.FileName, after.FileName},
	}
	now := func() time.Time { return w.cur }
	w.an[0] = before.NewAnalyzer(now)
	w.an[1] = after.NewAnalyzer(now)
	return w
}

func (w *worker) host(name string) *hostState {
	h := w.hosts[name]
	if h == nil {
		h = &hostState{clock: w.epoch}
		for s := range 2 {
			h.sess[s] = w.an[s].NewSession()
			h.waiting[s] = make(map[string][]*pending)
		}
		// Both sides see the same file-integrity messages: one database
		// serves them when their <syscheck> settings agree.
		if b, ok := h.sess[0].(*engine.Session); ok {
			if a, ok := h.sess[1].(*engine.Session); ok {
				a.ShareIntegrity(b)
			}
		}
		w.hosts[name] = h
	}
	return h
}

func (w *worker) process(ev *corpus.Event) {
	h := w.host(ev.Host)
	h.n++
	w.n++
	h.used, h.released = w.n, false
	if idle := w.idleEvents(); w.n%idle == 0 {
		w.releaseIdle()
	}
	switch c := w.opts.Clock; {
	case c != nil && c.Mode == clock.Arrival:
		h.clock = time.Now()
	case c != nil && c.Mode == clock.Fixed:
		h.clock = c.At
	default:
		if t, ok := corpus.SyslogTime(ev.Message.Text, w.opts.Year); ok {
			h.clock = t
		}
	}
	w.cur = h.clock
	w.expire(h)

	var own [2]Outcome
	var file [2]string
	skipped := true
	for s := range 2 {
		var r engine.Result
		if ev.Queued {
			r = h.sess[s].ProcessMessage(ev.Message)
		} else {
			r = h.sess[s].Process(ev.Message.Text)
		}
		r = mainResult(r)
		if !r.Skipped && r.Error == "" {
			skipped = false
		}
		own[s] = w.acc.count(s, &r, w.names[s])
		file[s] = arFilename(&r)
		// The event may answer an earlier alert of this host.
		for _, f := range r.Fields {
			q := h.waiting[s][f.Value]
			if len(q) == 0 {
				continue
			}
			p := q[0]
			if len(q) == 1 {
				delete(h.waiting[s], f.Value)
			} else {
				h.waiting[s][f.Value] = q[1:]
			}
			p.follow[s] = &FollowUp{Seq: ev.Seq, Source: ev.Source, Line: ev.Line, Log: ev.Message.Text, Outcome: own[s]}
			p.wait[s] = false
			w.settle(p)
			break
		}
	}
	if skipped {
		w.acc.skipped++
	}
	if file[0] == "" && file[1] == "" {
		w.judge(ev.Seq, ev.Source, ev.Line, ev.Host, ev.Message.Text, own, [2]*FollowUp{})
		return
	}
	p := &pending{seq: ev.Seq, source: ev.Source, line: ev.Line, host: ev.Host, log: ev.Message.Text, hostN: h.n, own: own}
	for s := range 2 {
		if file[s] != "" {
			p.wait[s] = true
			h.waiting[s][file[s]] = append(h.waiting[s][file[s]], p)
		}
	}
	h.queue = append(h.queue, p)
}

// expire gives up waiting for follow-ups older than the window.
func (w *worker) expire(h *hostState) {
	for len(h.queue) > 0 {
		p := h.queue[0]
		if !p.done && p.hostN+int64(w.opts.FollowWindow) >= h.n {
			break
		}
		h.queue = h.queue[1:]
		if !p.done {
			w.giveUp(h, p)
		}
	}
	if len(h.queue) == 0 {
		h.queue = nil
	}
}

func (w *worker) giveUp(h *hostState, p *pending) {
	for s := range 2 {
		if !p.wait[s] {
			continue
		}
		p.wait[s] = false
		for file, q := range h.waiting[s] {
			for i, x := range q {
				if x == p {
					q = append(q[:i:i], q[i+1:]...)
					if len(q) == 0 {
						delete(h.waiting[s], file)
					} else {
						h.waiting[s][file] = q
					}
					break
				}
			}
		}
	}
	w.settle(p)
}

func (w *worker) settle(p *pending) {
	if p.done || p.wait[0] || p.wait[1] {
		return
	}
	p.done = true
	w.judge(p.seq, p.source, p.line, p.host, p.log, p.own, p.follow)
}

// finish gives up on the follow-ups still awaited at the end of the corpus.
func (w *worker) finish() {
	for _, h := range w.hosts {
		for _, s := range h.sess {
			if x, ok := s.(inexacter); ok && x.Inexact() {
				w.acc.inexact++
				break
			}
		}
		for _, p := range h.queue {
			if !p.done {
				w.giveUp(h, p)
			}
		}
		h.queue = nil
	}
}

// judge records an event whose outcome on both sides is final.
func (w *worker) judge(seq int64, source string, line int, host, log string, own [2]Outcome, follow [2]*FollowUp) {
	level := w.opts.Level
	var notable [2]bool
	for s := range 2 {
		notable[s] = own[s].notable(level) || (follow[s] != nil && follow[s].Outcome.notable(level))
	}
	if !notable[0] {
		return
	}
	cause := own[0].Rule
	if !own[0].notable(level) {
		cause = follow[0].Outcome.Rule
	}
	final := own[1].Rule
	if follow[1] != nil {
		final = follow[1].Outcome.Rule
	}
	t := w.acc.transition(cause, own[1].Rule, final)
	t.Events++
	if notable[1] {
		return
	}
	t.Lost++
	w.acc.lose(Lost{
		Seq: seq, Source: source, Line: line, Host: host, Log: log,
		Before: own[0], After: own[1],
		BeforeFollowUp: follow[0], AfterFollowUp: follow[1],
		BeforeRule: cause, FinalRule: final,
	})
}

// mainResult is the event of r that counts: r, or for a line ossec-logtest
// cuts into several events, the one with the highest alert level.
func mainResult(r engine.Result) engine.Result {
	best := r
	for _, x := range r.Extra {
		if x.Skipped || x.Error != "" {
			continue
		}
		if best.Skipped || best.Error != "" || level(x) > level(best) {
			best = x
		}
	}
	return best
}

func level(r engine.Result) int {
	if r.Rule == nil || !r.Alert {
		return -1
	}
	return r.Rule.Level
}

func arFilename(r *engine.Result) string {
	for _, ar := range r.ActiveResponses {
		if f := ar.Args["filename"]; f != "" {
			return f
		}
	}
	return ""
}
