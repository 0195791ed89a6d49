package engine

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Options configure an Engine.
type Options struct {
	// Hostname is the manager's hostname, used for events without a
	// syslog header. Default: os.Hostname() up to its first dot.
	Hostname string
	// Now is the clock: an event's time is Now() when it is read, in
	// whole seconds, as OSSEC uses time(NULL). Default time.Now. Its
	// Location gives the local time <time> and <weekday> compare with.
	// A Session may have its own (Session.SetClock).
	Now func() time.Time
	// Forget lets sessions drop the past events no correlation search
	// can reach any more (older than every timeframe of the ruleset
	// before the newest event), keeping only what OSSEC's list trimming
	// needs of them: memory then follows the events of the last
	// timeframe, not all events. Verdicts are the same as long as a
	// session's clock does not go back past what it forgot
	// (Session.Inexact).
	Forget bool
	// Lean makes sessions keep of a past event only what a verdict
	// depends on, copied out of the event's line: the values that
	// correlation searches compare, its log only when a rule has
	// <if_matched_regex>, its hostname (one copy per session) only when a
	// rule has <same_location/>. Its full log is not kept, so Results have
	// no LastEvents (the earlier logs a correlated alert lists). Memory
	// then follows the number of past events, not the length of their
	// lines. For replays that read verdicts only (noise).
	Lean bool
}

// Observer watches a Session work (Session.SetObserver). Its methods are
// only called when an Observer is set, so tracing costs nothing otherwise.
// They are called from the goroutine that runs Process, in the order the
// engine works.
type Observer interface {
	// DecoderTried is called before a top-level or child decoder's
	// program name / prematch is tested.
	DecoderTried(d *ruleset.Decoder)
	// DecoderMatched is called when d becomes the event's decoder
	// (OSSEC's lf->decoder_info is set to it).
	DecoderMatched(d *ruleset.Decoder)
	// RuleTried is called when a rule is tried ("Trying rule: ...").
	RuleTried(r *ruleset.Rule)
	// RuleMatched is called when every condition of r held, before its
	// children are tried ("*Rule N matched.").
	RuleMatched(r *ruleset.Rule)
}

// ChildrenObserver is an Observer that also wants to know when the
// children of a matched rule are about to be tried (where ossec-logtest -v
// prints "*Trying child rules."): that depends on the rule's place in the
// tree (its RuleNode), which RuleMatched does not say.
type ChildrenObserver interface {
	Observer
	// TryingChildren is called after RuleMatched(r) when the node where r
	// matched has children, before the first of them is tried.
	TryingChildren(r *ruleset.Rule)
}

// Engine is a compiled ruleset ready to analyse events. It is immutable
// and may serve any number of Sessions concurrently.
type Engine struct {
	rs       *ruleset.Ruleset
	hostname string
	now      func() time.Time

	pname   []*decNode // OSSEC's forpname list
	nopname []*decNode // OSSEC's nopname list
	ndec    int
	// maxOrder is the largest number of <order> entries of any decoder:
	// the size of an event's dynamic-field table.
	maxOrder int

	// matches are the RuleMatch of each rule, by Rule.Index, made when
	// the rule first matches (see match); byID finds a rule by its id
	// as written in a forwarded alert, made when the first one comes.
	matches []atomicRuleMatch
	byID    func() map[string]*ruleset.Rule
	memSize int
	maxFreq int
	sidMax  int
	// stIdx is, by Rule.Index, where a rule's correlation state is in
	// Session.rules: 0, a slot that stays zero, for the many rules that
	// keep none. nstate is the number of slots.
	stIdx  []int32
	nstate int
	// maxWindow is the longest timeframe of a correlation search: past
	// events older than that are never looked at again.
	maxWindow int64
	// forget is Options.Forget, lean Options.Lean.
	forget, lean bool
	// pastLog and pastHost say whether a rule reads the log
	// (if_matched_regex) or the hostname (same_location) of past events.
	pastLog, pastHost bool

	// sonic compiles the SonicWall plugin's patterns when it first runs
	// (nil when no decoder uses it).
	sonic func() *sonicPatterns
	pn    pnameIndex
	nlits int // number of literals the filters look for
	// nodes are the nodes of the rule tree (see ruleNode), roots the
	// top ones (as rs.Rules), kids the children lists of the nodes
	// (positions in nodes).
	nodes []ruleNode
	roots []*ruleNode
	kids  []int32
	// quick are the quick checks of the rules' log patterns (see
	// ruleNode.q).
	quick []quickCheck
	// byDec and decLists are the lists of children by decoder (see
	// decIndex).
	byDec    []decIndex
	decLists []decChildren
	// values are the filters of the patterns rules run on decoded fields,
	// made when first needed (see valuesOf).
	values []atomic.Pointer[valueFilters]
	// nopByFirst are, by the first byte of a log, the positions in
	// nopname of the decoders that may match it.
	nopByFirst [256][]int32

	// scratch holds the *scratch buffers sessions borrow while they
	// analyse a message.
	scratch sync.Pool
	// specials are the decoders of special messages (specialDecoderFor).
	specials map[[2]string]*specialDecoder
}

// scratch is what a session needs only while it analyses a message: the
// event, the literal scan of its log (kilobytes, by the number of
// literals of the ruleset), the arena of result fields and the capture
// buffers. Sessions borrow it from their engine, so that a caller that
// keeps many sessions (noise: two per host) pays for as many as analyse
// at once, not for every session.
type scratch struct {
	ev          event
	sc          logScan
	arena       arena
	subs, subs2 []string
}

// borrow takes a scratch from the engine's pool for s.
func (s *Session) borrow() *scratch {
	x, _ := s.e.scratch.Get().(*scratch)
	if x == nil {
		x = &scratch{}
		x.ev.dyn = make([]string, s.e.maxOrder)
		x.ev.dynSet = make([]bool, s.e.maxOrder)
		x.ev.arena = &x.arena
	}
	s.x, s.sc, s.subs, s.subs2 = x, &x.sc, x.subs[:0], x.subs2[:0]
	return x
}

// giveBack returns the borrowed scratch to the pool.
func (s *Session) giveBack() {
	x := s.x
	x.subs, x.subs2 = s.subs[:0], s.subs2[:0]
	s.x, s.sc, s.subs, s.subs2 = nil, nil, nil, nil
	s.e.scratch.Put(x)
}

// decNode is a decoder in the engine's decoder tree.
type decNode struct {
	d        *ruleset.Decoder
	children []*decNode
	pre, re  *patFilter // filters of the prematch and the regex (nil: none)
	// preQ is the quick check of the prematch (see quickCheck), and
	// getNext the decoder's get_next, so that a decoder whose prematch
	// cannot match is passed over from its node.
	preQ    quickCheck
	idx     int32
	getNext bool
}

// dynName is the name of the dynamic field that the <order> entry i of
// n's decoder sets ("" for a static field).
func (n *decNode) dynName(i int) string {
	if o := &n.d.Order[i]; o.Kind == ruleset.FieldDynamic {
		return o.Name
	}
	return ""
}

// New prepares rs for analysis. rs must not change afterwards.
func New(rs *ruleset.Ruleset, opts Options) *Engine {
	e := &Engine{rs: rs, hostname: opts.Hostname, now: opts.Now}
	if e.hostname == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		if i := strings.IndexByte(h, '.'); i >= 0 {
			h = h[:i]
		}
		e.hostname = h
	}
	if e.now == nil {
		e.now = time.Now
	}

	// The decoders, numbered in depth-first order, then their nodes in
	// one array.
	num := make(map[*ruleset.Decoder]int32, len(rs.Decoders))
	var number func(d *ruleset.Decoder)
	number = func(d *ruleset.Decoder) {
		if _, ok := num[d]; ok {
			return
		}
		num[d] = int32(len(num))
		for _, c := range d.Children {
			number(c)
		}
	}
	for _, d := range rs.Decoders {
		number(d)
	}
	for _, d := range rs.ProgramNameDecoders {
		number(d)
	}
	for _, d := range rs.NoProgramNameDecoders {
		number(d)
	}
	nodes := make([]decNode, len(num))
	for d, i := range num {
		n := &nodes[i]
		n.d, n.idx = d, i
		if len(d.Children) > 0 {
			n.children = make([]*decNode, len(d.Children))
			for k, c := range d.Children {
				n.children[k] = &nodes[num[c]]
			}
		}
		if len(d.Order) > e.maxOrder {
			e.maxOrder = len(d.Order)
		}
		if d.Plugin == ruleset.PluginSonicWall && e.sonic == nil {
			e.sonic = sync.OnceValue(compileSonic)
		}
	}
	e.pname = make([]*decNode, len(rs.ProgramNameDecoders))
	for i, d := range rs.ProgramNameDecoders {
		e.pname[i] = &nodes[num[d]]
	}
	e.nopname = make([]*decNode, len(rs.NoProgramNameDecoders))
	for i, d := range rs.NoProgramNameDecoders {
		e.nopname[i] = &nodes[num[d]]
	}
	e.ndec = len(nodes)
	e.indexProgramNames()
	var t litTable
	e.buildDecoderFilters(&t, nodes)
	e.indexNoProgramName()
	e.buildRuleTree(&t)
	e.nlits = int(t.n)
	e.pn.ruleP = nil // in the nodes now

	// Both are made as needed: a run on one line needs a few rules'
	// RuleMatch and no id, and making them all would take 250 KB of the
	// 6.6 MB it allocates (stock ruleset).
	e.matches = make([]atomicRuleMatch, len(rs.AllRules))
	e.byID = sync.OnceValue(func() map[string]*ruleset.Rule {
		m := make(map[string]*ruleset.Rule, len(rs.AllRules))
		for _, r := range rs.AllRules {
			m[itoa(r.ID)] = r
		}
		return m
	})

	e.memSize = rs.Config.MemorySize
	if e.memSize <= 0 {
		e.memSize = 8192
	}
	if e.memSize < 2048 {
		e.memSize = 2048
	}
	e.maxFreq = rs.Config.MaxFrequency
	if e.maxFreq == 0 {
		for _, r := range rs.AllRules {
			if r.Frequency > e.maxFreq {
				e.maxFreq = r.Frequency
			}
		}
	}
	e.sidMax = rs.Config.SidPrevMatchedMax
	if e.sidMax <= 0 {
		e.sidMax = 128
	}
	e.forget, e.lean = opts.Forget, opts.Lean
	e.specials = make(map[[2]string]*specialDecoder, len(specialDecoders))
	for _, k := range specialDecoders {
		e.specials[k] = newSpecialDecoder(rs, k[0], k[1])
	}
	e.indexRuleState()
	return e
}

// indexRuleState gives a slot of per-session state to each rule that may
// keep some: an <ignore> time, a last_events buffer (its own or the one it
// writes), a sid or group history, a correlation search or check_diff. A
// session of the stock ruleset then holds a few hundred slots, not one
// per rule.
func (e *Engine) indexRuleState() {
	need := make([]bool, len(e.rs.AllRules))
	for _, r := range e.rs.AllRules {
		if r.IgnoreTime() != 0 || r.KeepsSidHistory || r.EventSearch != ruleset.SearchNone ||
			r.ContextOpts&ruleset.SameDoDiff != 0 || r.LastEvents != nil {
			need[r.Index] = true
		}
		if r.LastEvents != nil {
			need[r.LastEvents.Index] = true
		}
		if r.SidSearch != nil {
			need[r.SidSearch.Index] = true
		}
		for _, g := range r.GroupHistories {
			need[g.Index] = true
		}
		if r.EventSearch != ruleset.SearchNone && int64(r.Timeframe) > e.maxWindow {
			e.maxWindow = int64(r.Timeframe)
		}
		e.pastLog = e.pastLog || r.IfMatchedRegex() != nil
		e.pastHost = e.pastHost || r.ContextOpts&ruleset.SameLocation != 0
	}
	e.stIdx = make([]int32, len(e.rs.AllRules))
	e.nstate = 1
	for i, n := range need {
		if n {
			e.stIdx[i] = int32(e.nstate)
			e.nstate++
		}
	}
}

// st is the correlation state of rule r in the session. The slots are
// allocated by chunks of stChunk on first use: a session touches few.
func (s *Session) st(r *ruleset.Rule) *ruleState {
	i := s.e.stIdx[r.Index]
	if s.rules == nil {
		s.rules = make([][]ruleState, (s.e.nstate+stChunk-1)/stChunk)
	}
	c := s.rules[i/stChunk]
	if c == nil {
		c = make([]ruleState, stChunk)
		s.rules[i/stChunk] = c
	}
	return &c[i%stChunk]
}

const stChunk = 16

// Ruleset returns the ruleset the engine runs.
func (e *Engine) Ruleset() *ruleset.Ruleset { return e.rs }

// atomicRuleMatch holds a rule's RuleMatch once made.
type atomicRuleMatch = atomic.Pointer[RuleMatch]

// match returns the RuleMatch of r, made on its first call for r (and
// shared by every result after).
func (e *Engine) match(r *ruleset.Rule) *RuleMatch {
	p := &e.matches[r.Index]
	if m := p.Load(); m != nil {
		return m
	}
	// Two sessions may make it at once: the first stored is kept.
	if m := newRuleMatch(r); p.CompareAndSwap(nil, m) {
		return m
	}
	return p.Load()
}

// newRuleMatch makes the RuleMatch of r.
func newRuleMatch(r *ruleset.Rule) *RuleMatch {
	m := &RuleMatch{
		ID:          r.ID,
		Level:       r.Level,
		Description: r.Description,
		File:        r.Pos.File,
		Line:        r.Pos.Line,
		Rule:        r,
	}
	if details := r.InfoDetails(); len(details) > 0 {
		// Of the exact length: the RuleMatch is shared, an append to its
		// info makes a copy (as to its groups).
		m.Info = make([]Info, len(details))
		for i, d := range details {
			m.Info[i] = Info{Type: infoTypeName(d.Type), Data: d.Data}
		}
	}
	if r.Groups == "" {
		return m
	}
	m.Groups = make([]string, 0, strings.Count(r.Groups, ",")+1)
	g := r.Groups
	for g != "" {
		i := strings.IndexByte(g, ',')
		if i < 0 {
			m.Groups = append(m.Groups, g)
			break
		}
		if i > 0 {
			m.Groups = append(m.Groups, g[:i])
		}
		g = g[i+1:]
	}
	if len(m.Groups) == 0 {
		m.Groups = nil
	}
	// Capped: the RuleMatch is shared, an append to its groups makes a copy.
	m.Groups = m.Groups[:len(m.Groups):len(m.Groups)]
	return m
}

func infoTypeName(t ruleset.InfoType) string {
	switch t {
	case ruleset.InfoLink:
		return "Link"
	case ruleset.InfoCVE:
		return "CVE"
	case ruleset.InfoOSVDB:
		return "OSVDB"
	case ruleset.InfoBugtrackID:
		return "BUGTRACKID"
	}
	return "Text"
}

// itoa is strconv.Itoa, short for the many places that print a rule id.
func itoa(n int) string { return strconv.Itoa(n) }

// Session is the state of one analysisd / ossec-logtest process:
// correlation history, first-time-seen entries, accumulator, ignore
// timers. It is not safe for concurrent use.
type Session struct {
	e *Engine
	// x is the scratch borrowed while a message is analysed (nil
	// otherwise).
	x *scratch

	// obs and childObs watch the session (nil: no one does); now is its
	// clock.
	obs       Observer
	childObs  ChildrenObserver
	explainer Explainer
	now       func() time.Time

	// jitHits are the patterns that PCRE2's JIT stack limit cost a match
	// on the current event (Result.JITStackLimit).
	jitHits []string

	// decType holds the type a plugin decoder gave its decoder (OSSEC
	// writes it into the shared decoder), 0 when unchanged; nil until a
	// plugin sets one.
	decType []ruleset.Category

	rules  [][]ruleState // by chunks, see st; nil until one is used
	events eventList
	fts    ftsState
	acm    acmState
	diffs  diffStore
	rk     map[string]map[string]bool
	// hostinfo are the lines of OSSEC's queue/fts/hostinfo: ip + ports.
	hostinfo []string
	sk       skState

	// subs and subs2 are capture buffers, in x.
	subs  []string
	subs2 []string

	// sc is the literal scan of the current event's log, x.sc.
	sc *logScan

	// pastBlock are the past events allocated and not used yet, spare
	// the ones the event list freed (linked by next), spareNodes the
	// group-history nodes dropped (linked by next).
	pastBlock  []pastFull
	spare      *pastEvent
	spareNodes *listNode

	// logged holds what analysisd would write to its log (merror) while
	// handling the current event; analyze moves it into the Result.
	logged []string

	// pastHost is the copy of the hostname lean past events share.
	pastHost string

	// The last "hostname->location" built for an alert, reused while
	// they do not change.
	alertHost, alertLoc, alertHostLoc string

	// The receive time's local clock reading, recomputed when the second
	// changes.
	clockSec  int64
	clockLoc  *time.Location
	clockHour string
	clockWday int
}

// ruleState is the per-rule state analysisd keeps in RuleInfo.
type ruleState struct {
	timeIgnored int64
	// last is the rule's last_events buffer (used through the rules whose
	// Rule.LastEvents names this one); lastCopied is the rule's own
	// last_events_copied flag.
	last       []string
	lastCopied bool
	sidHist    *evList // sid_prev_matched
	groupHist  *evList // group_search of an if_matched_group rule
}

// NewSession starts a fresh analysisd state.
func (e *Engine) NewSession() *Session {
	s := &Session{e: e, now: e.now}
	s.events.max = e.memSize
	s.fts.init()
	return s
}

// Release lets go of the session's spare past events, which the next
// event allocates again: a caller that keeps many idle sessions (one per
// host) releases the ones it has not used for a while. The correlation
// state is kept.
//
// With Options.Forget, it also forgets the past events that no event at
// now or later could reach (see Inexact when a later event comes earlier).
func (s *Session) Release(now time.Time) {
	if s.e.forget {
		t := now.Unix()
		l := &s.events
		for l.last != nil && t-l.last.time > s.e.maxWindow {
			s.forget()
		}
	}
	s.pastBlock, s.spare, s.spareNodes = nil, nil, nil
}

// SetObserver makes o watch the events the session analyses from now on
// (nil: none). An observed session takes the same decisions; it only
// visits every decoder and rule OSSEC tries, so it is slower.
func (s *Session) SetObserver(o Observer) {
	s.obs = o
	s.childObs, _ = o.(ChildrenObserver)
	s.explainer, _ = o.(Explainer)
}

// SetClock makes now the session's clock from the next event on (nil: the
// engine's, Options.Now): an event's time is now() when it is read, in
// whole seconds.
func (s *Session) SetClock(now func() time.Time) {
	if now == nil {
		now = s.e.now
	}
	s.now = now
}

// maxLine is how much of a line ossec-logtest's fgets reads at once
// (OS_MAXSTR - 8 - 1): longer lines are analysed as several events.
const maxLine = 6144 - 8 - 1

// Process analyses one line as ossec-logtest does: the line (without
// its newline) becomes the message "1:stdin:<line>". ossec-logtest reads
// its input with fgets into a 6135-byte buffer, so a longer line, or a
// string with embedded newlines, is analysed as several events: the
// first in the result, the others (except skipped ones) in Extra.
func (s *Session) Process(line string) Result {
	piece, rest := nextPiece(line)
	var r Result
	s.processLine(piece, &r)
	for rest != "" {
		piece, rest = nextPiece(rest)
		var x Result
		if s.processLine(piece, &x); !x.Skipped {
			r.Extra = append(r.Extra, x)
		}
	}
	return r
}

// nextPiece splits off what one fgets call of ossec-logtest reads.
func nextPiece(s string) (piece, rest string) {
	n := min(len(s), maxLine)
	if i := strings.IndexByte(s[:n], '\n'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s[:n], s[n:]
}

// processLine analyses one line into res (the zero Result).
func (s *Session) processLine(line string, res *Result) {
	if len(line) < 2 || line[0] == 0 || line[1] == 0 {
		res.Log, res.Skipped = line, true
		return
	}
	s.processMessage(Message{Queue: QueueLocalFile, Location: "stdin", Text: line}, res)
}

// ProcessMessage analyses one queue message: Location and Text are the
// parts of "<queue>:<location>:<text>" (a location holding ':' is split
// again the way OS_CleanMSG splits). Syscheck, rootcheck and
// host-information messages go to their special decoders, everything else
// is a log line. The analysis is ossec-logtest's (see the package
// documentation for how it differs from a running analysisd). A message
// analysisd rejects or drops before rule matching has Error set.
func (s *Session) ProcessMessage(m Message) Result {
	var r Result
	s.processMessage(m, &r)
	return r
}

// processMessage is ProcessMessage into res (the zero Result): a Result is
// large, and filling the caller's saves copying it on the way out.
func (s *Session) processMessage(m Message, res *Result) {
	if s.x == nil {
		s.borrow()
		defer s.giveBack()
	}
	res.Log = m.Text
	s.jitHits = s.jitHits[:0]
	location, text := m.Location, m.Text
	if strings.IndexByte(location, ':') >= 0 || (location != "" && location[0] == '(' && !strings.Contains(location, "->")) {
		var err error
		location, text, err = splitMessage(location + ":" + text)
		if err != nil {
			res.Error = err.Error()
			return
		}
	}
	ev := &s.x.ev
	ev.reset()
	now := s.now()
	ev.time = now.Unix()
	if ev.time != s.clockSec || now.Location() != s.clockLoc {
		s.clockSec, s.clockLoc = ev.time, now.Location()
		s.clockHour = now.Format("15:04:05")
		s.clockWday = int(now.Weekday())
	}
	ev.hour, ev.wday = s.clockHour, s.clockWday
	if err := s.preDecode(ev, location, text); err != nil {
		res.Error = err.Error()
		return
	}
	res.Phase1 = Phase1{
		FullEvent:      ev.fullLog,
		Timestamp:      ev.timestamp,
		Hostname:       ev.hostname,
		ProgramName:    ev.programName,
		HasProgramName: ev.hasProgramName,
		Log:            ev.log,
	}
	ev.size = len(ev.log)
	switch m.Queue {
	case QueueSyscheck:
		if !s.decodeSyscheck(ev) {
			res.Error = "integrity checksum unchanged, first seen or malformed: dropped"
			return
		}
	case QueueRootcheck:
		s.decodeRootcheck(ev)
	case QueueHostinfo:
		if !s.decodeHostinfo(ev) {
			res.Error = "host information unchanged or malformed: dropped"
			return
		}
	default:
		s.decode(ev)
	}
	if ev.special != nil {
		ev.size = len(ev.log)
	}
	if ev.decoder != nil {
		res.Decoder = ev.decoder.d.Name
		res.DecoderOwnName = ev.decoder.d.OwnName
	} else if ev.special != nil {
		res.Decoder = ev.special.name
	}
	if len(ev.fields) > 0 {
		res.Fields = ev.arena.keep(ev.fields)
	}
	ev.fields = nil
	if ev.decoder != nil && ev.decoder.d.Accumulate {
		res.Accumulated = true
		s.accumulate(ev)
	}
	s.analyze(ev, res)
	if len(s.jitHits) > 0 {
		res.JITStackLimit = append([]string(nil), s.jitHits...)
	}
}

// noteJIT records p when it did not match subj because PCRE2's JIT stack
// runs out on it in real OSSEC (the pattern alone would match).
func (s *Session) noteJIT(p *osregex.Pattern, subj string) {
	if !p.JITStackLimited(subj) {
		return
	}
	for _, h := range s.jitHits {
		if h == p.String() {
			return
		}
	}
	s.jitHits = append(s.jitHits, p.String())
}

// typeOf is the type of the event's decoder as analysisd sees it now.
func (s *Session) typeOf(n *decNode, special *specialDecoder) ruleset.Category {
	if n == nil {
		if special != nil {
			return special.typ
		}
		return ruleset.CategorySyslog
	}
	if s.decType != nil && s.decType[n.idx] != 0 {
		return s.decType[n.idx]
	}
	if n.d.Type == 0 {
		return ruleset.CategorySyslog
	}
	return n.d.Type
}

// exec runs p on s and returns the end offset of the match, or -1.
func exec(p *osregex.Pattern, s string, dst []string) (int, []string) {
	end, subs, ok := p.Exec(s, dst)
	if !ok {
		return -1, subs
	}
	return end, subs
}

// setDecType records the type a plugin decoder gives its decoder n.
func (s *Session) setDecType(n *decNode, t ruleset.Category) {
	if s.decType == nil {
		s.decType = make([]ruleset.Category, s.e.ndec)
	}
	s.decType[n.idx] = t
}
