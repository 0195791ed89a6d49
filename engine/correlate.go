package engine

import (
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// listNode is a node of an OSList of past events.
type listNode struct {
	prev, next *listNode
	ev         *pastEvent
}

// evList is OSSEC's OSList holding past events: a rule's
// sid_prev_matched history (sid: true, bounded by sid_prev_matched_max)
// or an if_matched_group rule's group history (unbounded).
type evList struct {
	first, last *listNode
	size, max   int
	sid         bool
	// ghosts are nodes of forgotten events (Options.Forget), before
	// first: counted, no longer linked. In a sid history, ghostRecs is
	// the number of forgotten events that were still in it when they
	// were forgotten and that the event list has not freed yet; its last
	// ghosts of them are still here (the older ones were dropped).
	ghosts, ghostRecs int
}

// addNode is OSList_AddData with a node the caller provides.
func (l *evList) addNode(n *listNode) *listNode {
	n.prev, n.next = l.last, nil
	if l.first == nil {
		l.first = n
	}
	if l.last != nil {
		l.last.next = n
	}
	l.last = n
	l.size++
	if l.max > 0 && l.size > l.max && l.ghosts > 0 {
		// The oldest node is a forgotten event's: OSSEC drops it.
		l.ghosts--
		l.size--
	} else if l.max > 0 && l.size > l.max && l.first.next != nil {
		old := l.first
		l.first = old.next
		l.first.prev = nil
		if l.sid {
			// Mark_EventNodeDelete: the event no longer owns a node here.
			old.ev.sidNode = nil
		}
		l.size--
	}
	return n
}

// remove is OSList_DeleteThisNode.
func (l *evList) remove(n *listNode) {
	switch {
	case n.prev != nil && n.next != nil:
		n.prev.next = n.next
		n.next.prev = n.prev
	case n.prev != nil:
		n.prev.next = nil
		l.last = n.prev
	case n.next != nil:
		n.next.prev = nil
		l.first = n.next
	default:
		l.first, l.last = nil, nil
	}
	l.size--
}

// removeOldest is OSList_DeleteOldestNode (which, as in OSSEC, does
// not update the size). It reports false, where OSSEC logs "No Oldest node
// to delete", when the list is empty.
// The node it unlinks, if any, is returned (nothing points at it any
// more).
func (l *evList) removeOldest() (bool, *listNode) {
	if l.ghosts > 0 {
		l.ghosts--
		return true, nil
	}
	if l.first == nil {
		return false, nil
	}
	n := l.first
	l.unlinkFirst()
	return true, n
}

// dropOldest is removeOldest on the group history h, keeping the node it
// unlinks for the next one remembered (unless it is a past event's own).
func (s *Session) dropOldest(h *evList) bool {
	ok, n := h.removeOldest()
	if n != nil && n != &n.ev.own {
		*n = listNode{next: s.spareNodes}
		s.spareNodes = n
	}
	return ok
}

// dropped notes that a group history no longer holds n.
func (l *evList) dropped(n *listNode) {
	if !l.sid {
		n.ev.groupRefs--
	}
}

// eventList is analysisd's global event list (OS_AddEvent): the events
// that generated alerts, newest first, trimmed when it grows past
// memory_size.
type eventList struct {
	first, last *pastEvent
	used, max   int
	// ghosts are the forgotten events (Options.Forget), older than last,
	// oldest first from ghostHead; used counts them.
	ghosts    []ghost
	ghostHead int
	// forgotTime is the newest time of a forgotten event; nforgot and
	// nfreed count the events forgotten and the ghosts freed.
	forgotTime      int64
	nforgot, nfreed int
	// inexact: a search reached the forgotten events within its
	// timeframe (the clock went back), so it may not have answered as
	// OSSEC would.
	inexact bool
}

// ghost is what freeing a forgotten event from the event list still
// does: remove its node from the sid history it was in (sid), or else
// remove the oldest node of the group histories its rule feeds (gen).
// The rules are given by ruleRef (16 bytes a ghost rather than 24: a
// host keeps one per alert until memory_size frees it).
type ghost struct {
	time     int64
	sid, gen uint32
}

// ruleRef is r's Index + 1, 0 for nil.
func ruleRef(r *ruleset.Rule) uint32 {
	if r == nil {
		return 0
	}
	return uint32(r.Index) + 1
}

// rule is the rule of a ruleRef.
func (e *Engine) rule(ref uint32) *ruleset.Rule { return e.rs.AllRules[ref-1] }

// unlinkFirst takes l's first node out of its linked nodes without
// counting it out, and tells the node's event that a group history no
// longer holds it (dropped).
func (l *evList) unlinkFirst() {
	n := l.first
	l.dropped(n)
	l.first = n.next
	if l.first != nil {
		l.first.prev = nil
	} else {
		l.last = nil
	}
	n.next = nil
}

// forget turns the oldest past event into a ghost: it leaves the lists,
// and what OSSEC would still do with it when it is freed is kept.
func (s *Session) forget() {
	l := &s.events
	p := l.last
	l.last = p.prev
	if l.last != nil {
		l.last.next = nil
	} else {
		l.first = nil
	}
	p.prev = nil
	g := ghost{time: p.time, gen: ruleRef(p.generated)}
	if p.sidNode != nil {
		// The oldest event still in its sid history: its first node.
		h := s.st(p.sidRule).sidHist
		h.unlinkFirst()
		h.ghosts++
		h.ghostRecs++
		g.sid = ruleRef(p.sidRule)
		p.sidNode = nil
	} else if p.generated != nil {
		for _, gr := range p.generated.GroupHistories {
			h := s.st(gr).groupHist
			for h != nil && h.first != nil && h.first.ev == p {
				h.unlinkFirst()
				h.ghosts++
			}
		}
	}
	if l.ghostHead > 0 && l.ghostHead == len(l.ghosts) {
		l.ghosts, l.ghostHead = l.ghosts[:0], 0
	}
	l.ghosts = append(l.ghosts, g)
	l.nforgot++
	if p.time > l.forgotTime {
		l.forgotTime = p.time
	}
	// Nothing points at p any more; its strings can go.
	*p = pastEvent{}
}

// freeGhost is freeEvent for the oldest forgotten event.
func (s *Session) freeGhost() {
	l := &s.events
	g := l.ghosts[l.ghostHead]
	l.ghosts[l.ghostHead] = ghost{}
	l.ghostHead++
	l.nfreed++
	if l.ghostHead == len(l.ghosts) {
		l.ghosts, l.ghostHead = l.ghosts[:0], 0
	} else if l.ghostHead >= 1024 && l.ghostHead*2 >= len(l.ghosts) {
		n := copy(l.ghosts, l.ghosts[l.ghostHead:])
		l.ghosts, l.ghostHead = l.ghosts[:n], 0
	}
	if g.sid != 0 {
		h := s.st(s.e.rule(g.sid)).sidHist
		present := h.ghosts == h.ghostRecs
		h.ghostRecs--
		if present {
			h.ghosts--
			h.size--
			return
		}
	}
	if g.gen != 0 {
		for _, gr := range s.e.rule(g.gen).GroupHistories {
			if gr.EventSearch != ruleset.SearchLastGroups {
				continue
			}
			// A history never filled is allocated lazily: nil is empty.
			if h := s.st(gr).groupHist; h == nil || !s.dropOldest(h) {
				s.logged = append(s.logged, "No Oldest node to delete")
			}
		}
	}
}

// reachForgotten notes that a search of timeframe tf at time now got to
// the end of the events it keeps, where forgotten ones it would have
// looked at may have been.
func (s *Session) reachForgotten(now int64, tf int) {
	l := &s.events
	if l.ghostHead < len(l.ghosts) && now-l.forgotTime <= int64(tf) {
		l.inexact = true
	}
}

// Inexact reports whether a correlation search may have answered
// differently from OSSEC because the session had forgotten events
// (Options.Forget) that the search would have looked at: only when its
// clock went back by more than the ruleset's longest timeframe.
func (s *Session) Inexact() bool { return s.events.inexact }

// remember stores the event that generated an alert for later
// correlation: in the rule's sid history, else in the group histories it
// feeds, and in the global event list.
func (s *Session) remember(ev *event, r *ruleset.Rule) {
	// Field by field into the zeroed entry: a composite literal is
	// built aside and copied, which costs as much again.
	p := s.newPastEvent()
	p.time, p.matched = ev.time, ev.matched
	p.decoder, p.special = ev.decoder, ev.special
	p.set = ev.set & pastMask
	if s.e.lean {
		s.keepLean(p, ev)
	} else {
		p.d.log, p.d.fullLog, p.hostname = ev.log, ev.fullLog, ev.hostname
		for i, sl := range pastSlots {
			p.d.vals[i] = ev.vals[sl]
		}
	}
	p.generated = r
	if r.KeepsSidHistory {
		st := s.st(r)
		if st.sidHist == nil {
			st.sidHist = &evList{max: s.e.sidMax, sid: true}
		}
		p.sidRule = r
		p.own.ev = p
		p.sidNode = st.sidHist.addNode(&p.own)
	} else if len(r.GroupHistories) > 0 {
		for _, g := range r.GroupHistories {
			if g.EventSearch == ruleset.SearchLastGroups {
				gs := s.st(g)
				if gs.groupHist == nil {
					gs.groupHist = &evList{}
				}
				n := &p.own
				if p.groupRefs > 0 {
					n = s.spareNodes
					if n != nil {
						s.spareNodes = n.next
						n.next = nil
					} else {
						n = &listNode{}
					}
				}
				n.ev = p
				gs.groupHist.addNode(n)
				p.groupRefs++
			}
		}
	}
	s.addEvent(p)
}

// keepLean fills p as Options.Lean says: the compared values copied
// into one string, the log and hostname only when a rule reads them, and
// no data at all when there is none of them.
func (s *Session) keepLean(p *pastEvent, ev *event) {
	if p.set != 0 || s.e.pastLog {
		p.d = &pastData{}
	}
	n := 0
	for _, sl := range pastSlots {
		n += len(ev.vals[sl])
	}
	if n > 0 {
		var b strings.Builder
		b.Grow(n)
		for _, sl := range pastSlots {
			b.WriteString(ev.vals[sl])
		}
		all := b.String()
		for i, sl := range pastSlots {
			p.d.vals[i], all = all[:len(ev.vals[sl])], all[len(ev.vals[sl]):]
		}
	}
	if s.e.pastLog {
		p.d.log = strings.Clone(ev.log)
	}
	if s.e.pastHost {
		if ev.hostname != s.pastHost {
			s.pastHost = strings.Clone(ev.hostname)
		}
		p.hostname = s.pastHost
	}
}

// newPastEvent takes a zeroed pastEvent and its data from the events
// the list freed (see recycle) or from a block of them, one allocation
// per 8 remembered events, or alone with Options.Forget (without data
// with Options.Lean, see keepLean).
func (s *Session) newPastEvent() *pastEvent {
	if s.e.lean {
		return &pastEvent{}
	}
	if s.e.forget {
		// A forgotten event's memory goes as soon as it is forgotten, not
		// with the last event of its block.
		f := &pastFull{}
		f.p.d = &f.d
		return &f.p
	}
	if p := s.spare; p != nil {
		s.spare = p.next
		p.next = nil
		return p
	}
	if len(s.pastBlock) == 0 {
		s.pastBlock = make([]pastFull, 8)
	}
	f := &s.pastBlock[0]
	s.pastBlock = s.pastBlock[1:]
	f.p.d = &f.d
	return &f.p
}

// addEvent is OS_AddEvent_List, with its trimming rule: once the list
// holds more than memory_size events, drop at least 10 of the oldest and
// then every one older than the largest frequency (in seconds, as OSSEC
// compares them).
func (s *Session) addEvent(p *pastEvent) {
	l := &s.events
	if l.first == nil {
		l.first, l.last = p, p
	} else {
		p.next = l.first
		l.first.prev = p
		l.first = p
	}
	l.used++
	if s.e.forget {
		for l.last != p && p.time-l.last.time > s.e.maxWindow {
			s.forget()
		}
	}
	if l.used <= l.max {
		return
	}
	for i := 0; l.used > 0 && (i < 10 || p.time-s.oldestTime() > int64(s.e.maxFreq)); i++ {
		l.used--
		if l.ghostHead < len(l.ghosts) {
			s.freeGhost()
			continue
		}
		old := l.last
		l.last = old.prev
		if l.last != nil {
			l.last.next = nil
		} else {
			l.first = nil
		}
		old.prev = nil
		s.freeEvent(old)
		s.recycle(old)
		if l.last == nil {
			break
		}
	}
}

// oldestTime is the time of the oldest event of the list, forgotten or
// not; the list is not empty.
func (s *Session) oldestTime() int64 {
	l := &s.events
	if l.ghostHead < len(l.ghosts) {
		return l.ghosts[l.ghostHead].time
	}
	return l.last.time
}

// freeEvent is what Free_Eventinfo does to the correlation lists.
func (s *Session) freeEvent(p *pastEvent) {
	if p.sidNode != nil {
		if h := s.st(p.sidRule).sidHist; h != nil {
			h.remove(p.sidNode)
		}
		p.sidNode = nil
		return
	}
	if g := p.generated; g != nil && len(g.GroupHistories) > 0 {
		for _, gr := range g.GroupHistories {
			if gr.EventSearch != ruleset.SearchLastGroups {
				continue
			}
			// A history never filled is allocated lazily: nil is empty.
			if h := s.st(gr).groupHist; h == nil || !s.dropOldest(h) {
				s.logged = append(s.logged, "No Oldest node to delete")
			}
		}
	}
}

// recycle keeps p, which the event list freed, for the next remembered
// event. The list frees its oldest event, and by then the group histories
// have dropped every node of it: p.groupRefs is 0 (no test of the engine
// reaches the check with another count). The check stands guard for that
// invariant, since reusing an event a history still points at would
// change that history's verdicts. Once memory_size
// is reached, an event is then freed for each one remembered, and the
// list stops allocating.
func (s *Session) recycle(p *pastEvent) {
	if s.e.forget || s.e.lean || p.groupRefs != 0 {
		return
	}
	d := p.d
	*d = pastData{}
	*p = pastEvent{d: d, next: s.spare}
	s.spare = p
}

// lastOwner is the rule whose last_events buffer r writes.
func lastOwner(r *ruleset.Rule) *ruleset.Rule {
	if r.LastEvents != nil {
		return r.LastEvents
	}
	return r
}

// freeLast is OS_FreeRuleLastEvents: it empties the buffer r uses, but
// only when r itself filled it.
func (s *Session) freeLast(r *ruleset.Rule) {
	if st := s.st(r); st.lastCopied {
		o := s.st(lastOwner(r))
		o.last = o.last[:0]
		st.lastCopied = false
	}
}

// setLast is OS_SetRuleLastEvent: entry idx of r's buffer becomes log
// and the list ends after it.
func (s *Session) setLast(r *ruleset.Rule, idx int, log string) {
	o := s.st(lastOwner(r))
	if idx > len(o.last) {
		return
	}
	// The buffer is never shared: moveLast hands it over whole.
	o.last = append(o.last[:idx], log)
	s.st(r).lastCopied = true
}

// moveLast is OS_MoveRuleLastEvents: the buffer goes to the event.
func (s *Session) moveLast(r *ruleset.Rule, ev *event) {
	st := s.st(r)
	if !st.lastCopied {
		return
	}
	o := s.st(lastOwner(r))
	ev.lastEvents = o.last
	o.last = nil
	st.lastCopied = false
}

func strEq(a *pastEvent, ev *event, sl slot) bool {
	x, ok1 := a.get(sl)
	y, ok2 := ev.get(sl)
	return ok1 && ok2 && x == y
}

func strDiffer(a *pastEvent, ev *event, sl slot) bool {
	x, ok1 := a.get(sl)
	y, ok2 := ev.get(sl)
	return ok1 && ok2 && x != y
}

// searchHistory is Search_LastSids (sid) and Search_LastGroups: walk a
// history from the newest event back, within the timeframe and below the
// rule's level, and fire once more than frequency events fit.
func (s *Session) searchHistory(ev *event, r *ruleset.Rule, h *evList, sids bool) bool {
	s.freeLast(r)
	if h == nil {
		return false
	}
	if h.last == nil {
		if h.ghosts > 0 {
			s.reachForgotten(ev.time, r.Timeframe)
		}
		return false
	}
	firstEv := h.last.ev
	freq := 0
	level := r.Level
	co := r.ContextOpts
	extra := r.AlertOpts&ruleset.SameExtraInfo != 0
	for n := h.last; n != nil; n = n.prev {
		p := n.ev
		if ev.time-p.time > int64(r.Timeframe) {
			return false
		}
		if p.matched >= level {
			return false
		}
		if co&ruleset.SameID != 0 && !strEq(p, ev, slotID) {
			continue
		}
		if co&ruleset.SameSrcIP != 0 && !strEq(p, ev, slotSrcIP) {
			continue
		}
		if extra {
			if co&ruleset.SameSrcPort != 0 && !strEq(p, ev, slotSrcPort) {
				continue
			}
			if co&ruleset.SameDstPort != 0 && !strEq(p, ev, slotDstPort) {
				continue
			}
			if co&ruleset.SameUser != 0 && !strEq(p, ev, slotDstUser) {
				continue
			}
			if co&ruleset.SameLocation != 0 && p.hostname != ev.hostname {
				continue
			}
			if co&ruleset.DifferentURL != 0 && !strDiffer(p, ev, slotURL) {
				continue
			}
			if co&ruleset.DifferentSrcGeoIP != 0 && !strDiffer(p, ev, slotSrcGeoIP) {
				continue
			}
		}
		if sids && freq <= 10 {
			s.setLast(r, freq, p.fullLog())
		}
		if freq < r.Frequency {
			if !sids && freq <= 10 {
				s.setLast(r, freq, p.fullLog())
			}
			freq++
			continue
		}
		ev.matched = level
		p.matched = level
		firstEv.matched = level
		s.moveLast(r, ev)
		return true
	}
	if h.ghosts > 0 {
		s.reachForgotten(ev.time, r.Timeframe)
	}
	return false
}

func (s *Session) searchLastSids(ev *event, r *ruleset.Rule) bool {
	if r.SidSearch == nil {
		s.freeLast(r)
		return false
	}
	return s.searchHistory(ev, r, s.st(r.SidSearch).sidHist, true)
}

func (s *Session) searchLastGroups(ev *event, r *ruleset.Rule) bool {
	return s.searchHistory(ev, r, s.st(r).groupHist, false)
}

// searchLastEvents is Search_LastEvents: the same walk over the global
// event list, for events of the same type whose log matches
// if_matched_regex.
func (s *Session) searchLastEvents(ev *event, r *ruleset.Rule) bool {
	s.freeLast(r)
	l := &s.events
	if l.first == nil {
		s.reachForgotten(ev.time, r.Timeframe)
		return false
	}
	firstEv := l.first
	typ := s.typeOf(ev.decoder, ev.special)
	freq := 0
	level := r.Level
	co := r.ContextOpts
	re := r.IfMatchedRegex()
	for p := l.first; p != nil; p = p.next {
		if ev.time-p.time > int64(r.Timeframe) {
			return false
		}
		if p.matched >= level {
			return false
		}
		if s.typeOf(p.decoder, p.special) != typ {
			continue
		}
		if re != nil && !re.Match(p.log()) {
			continue
		}
		if co&ruleset.SameUser != 0 && !strEq(p, ev, slotDstUser) {
			continue
		}
		if co&ruleset.SameID != 0 && !strEq(p, ev, slotID) {
			continue
		}
		if co&ruleset.SameSrcIP != 0 && !strEq(p, ev, slotSrcIP) {
			continue
		}
		if co&ruleset.DifferentURL != 0 && !strDiffer(p, ev, slotURL) {
			continue
		}
		if co&ruleset.DifferentSrcGeoIP != 0 && !strDiffer(p, ev, slotSrcGeoIP) {
			continue
		}
		if freq < r.Frequency {
			if freq <= 10 {
				s.setLast(r, freq, p.fullLog())
			}
			freq++
			continue
		}
		ev.matched = level
		p.matched = level
		firstEv.matched = level
		s.moveLast(r, ev)
		return true
	}
	s.reachForgotten(ev.time, r.Timeframe)
	return false
}

// diffPath is the file in which OSSEC keeps the last output of rule r for
// the event's host: the file system decides whether it can be stored and
// which hosts share it (see diffStore).
func diffPath(ev *event, r *ruleset.Rule) string {
	host := ev.hostname
	if host != "" && host[0] == '(' {
		host = host[1:]
		for i := 0; i < len(host); i++ {
			if host[i] == ')' {
				host = host[:i]
				break
			}
		}
	}
	path := "/queue/diff/" + host + "/" + itoa(r.ID) + "/last-entry"
	if len(path) > 2047 {
		path = path[:2047] // snprintf into OS_SIZE_2048
	}
	return path
}

// doDiff is <check_diff>: the rule matches when the event's log differs
// from the one last seen for this rule and host. The first one is only
// stored. OSSEC keeps it in queue/diff; a Session keeps it in memory.
func (s *Session) doDiff(ev *event, r *ruleset.Rule) bool {
	s.freeLast(r)
	if ev.size >= 8192 {
		return false
	}
	path := diffPath(ev, r)
	last, ok := s.diffs.lookup(path)
	if !ok {
		s.diffs.store(path, ev.log)
		return false
	}
	if last == ev.log {
		return false
	}
	s.diffs.store(path, ev.log)
	s.setLast(r, 0, "Previous output:")
	s.setLast(r, 1, last)
	s.moveLast(r, ev)
	return true
}
