package engine

import (
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// analyze is the rule loop of ossec-logtest's OS_ReadMSG: it finds the
// rule the event matches, applies ignore timers and the ignore list,
// decides logging and mail, keeps the event for correlation and selects
// the active responses.
func (s *Session) analyze(ev *event, res *Result) {
	typ := s.typeOf(ev.decoder, ev.special)
	var cur *ruleset.Rule
	dec := ev.decoderID()
	for _, top := range s.e.roots {
		if typ == categoryOSSECAlert {
			if ev.generated == nil {
				return
			}
			cur = ev.generated
		} else if top.rule.Category != typ {
			continue
		} else if cur = s.checkRule(ev, top, dec); cur == nil {
			continue
		}
		res.Rule = s.e.match(cur)
		if cur.Level == 0 {
			return
		}
		if cur.IgnoreTime() != 0 {
			st := s.st(cur)
			switch {
			case st.timeIgnored == 0:
				st.timeIgnored = ev.time
			case ev.time-st.timeIgnored < int64(cur.IgnoreTime()):
				return
			default:
				st.timeIgnored = 0
			}
		}
		if cur.CheckIgnore() != 0 && s.ignored(ev, cur) {
			return
		}
		if cur.AlertOpts&ruleset.DoLogAlert != 0 {
			res.Alert = true
			res.Mail = cur.AlertOpts&ruleset.DoMailAlert != 0
			s.alertOutput(ev, cur, res)
		}
		if len(cur.ActiveResponses()) > 0 {
			res.ActiveResponses = s.activeResponses(ev, cur)
		}
		s.remember(ev, cur)
		if len(s.logged) > 0 {
			res.Logged = append([]string(nil), s.logged...)
			s.logged = s.logged[:0]
		}
		return
	}
}

// checkRule is OS_CheckIfRuleMatch: whether rule r (and then which of its
// children, depth first) matches the event, whose decoder ID is dec. It
// returns the rule that generates the alert, or nil.
func (s *Session) checkRule(ev *event, node *ruleNode, dec int) *ruleset.Rule {
	r := node.rule
	if obs := s.obs; obs != nil {
		obs.RuleTried(r)
		if ex := s.explainer; ex != nil && ex.Explains(r) {
			ex.RuleExplained(r, s.whyNot(ev, node, dec))
		}
	}
	if node.decodedAs != 0 && int(node.decodedAs) != dec {
		return nil
	}
	if ev.set&node.needSlots != node.needSlots || node.slow && !cheapChecks(ev, r) {
		return nil
	}
	if node.pname >= 0 {
		if !ev.hasProgramName {
			return nil
		}
		if ev.pn == nil {
			ev.pn = s.e.pnameLookup(ev.programName)
		}
		if !ev.pn.bit(int(node.pname)) {
			return nil
		}
	}
	if node.hasID && !matchSlot(ev, slotID, r.EventID(), r.EventIDPCRE2, s.e.valuesOf(node).id) {
		return nil
	}
	if node.hasMatch {
		switch s.test(node.matchF, ev.log, 0) {
		case no:
			return nil
		case maybe:
			if m := node.matchPattern(); !m.Match(ev.log) {
				s.noteJIT(m, ev.log)
				return nil
			}
		}
	}
	if node.hasRegex {
		switch s.test(node.regexF, ev.log, 0) {
		case no:
			return nil
		case maybe:
			if x := node.regexPattern(); !x.Match(ev.log) {
				s.noteJIT(x, ev.log)
				return nil
			}
		}
	}
	if r.HasAction() {
		a, ok := ev.get(slotAction)
		if !ok || a != r.Action() {
			return nil
		}
	}
	if url, urlPCRE2 := r.URL(), r.URLPCRE2(); url != nil || urlPCRE2 != nil {
		u, ok := ev.get(slotURL)
		if !ok {
			return nil
		}
		vf := s.e.valuesOf(node)
		if url != nil && !matchValue(url, vf.url, u) {
			return nil
		}
		if urlPCRE2 != nil && !matchValue(urlPCRE2, vf.urlPCRE2, u) {
			return nil
		}
	}
	fields := r.Fields()
	for i := range fields {
		if !s.matchDynamic(ev, &fields[i]) {
			return nil
		}
	}
	if r.AlertOpts&ruleset.DoPacketInfo != 0 {
		if list := r.SrcIP(); len(list) > 0 {
			ip, ok := ev.get(slotSrcIP)
			if !ok || !ipFoundList(ip, list) {
				return nil
			}
		}
		if list := r.DstIP(); len(list) > 0 {
			ip, ok := ev.get(slotDstIP)
			if !ok || !ipFoundList(ip, list) {
				return nil
			}
		}
		rf := s.e.valuesOf(node)
		if !matchSlot(ev, slotSrcPort, r.SrcPort(), r.SrcPortPCRE2(), rf.srcPort) ||
			!matchSlot(ev, slotDstPort, r.DstPort(), r.DstPortPCRE2(), rf.dstPort) {
			return nil
		}
	}
	if r.AlertOpts&ruleset.DoExtraInfo != 0 {
		if name := r.CompiledRule(); name != "" {
			f := compiledRules[name]
			if f == nil || !f(ev) {
				return nil
			}
		}
		rf := s.e.valuesOf(node)
		if p := first(r.User(), r.UserPCRE2()); p != nil {
			if u, ok := ev.get(slotDstUser); ok {
				if !matchValue(p, rf.user, u) {
					return nil
				}
			} else if u, ok := ev.get(slotSrcUser); ok {
				if !matchValue(p, rf.user, u) {
					return nil
				}
			} else {
				return nil
			}
		}
		if !matchSlot(ev, slotSrcGeoIP, r.SrcGeoIP(), r.SrcGeoIPPCRE2(), nil) ||
			!matchSlot(ev, slotDstGeoIP, r.DstGeoIP(), r.DstGeoIPPCRE2(), nil) {
			return nil
		}
		if r.MaxSize() > 0 && ev.size < r.MaxSize() {
			return nil
		}
		if t := r.Time(); t != nil {
			h := ev.hour[:5]
			in := h >= t.Start && h <= t.End
			if in == t.Negate {
				return nil
			}
		}
		if w := r.Weekday(); w != nil {
			if ev.wday < 0 || ev.wday > 6 || w.Days[ev.wday] == w.Negate {
				return nil
			}
		}
		if !matchSlot(ev, slotData, r.ExtraData(), r.ExtraDataPCRE2(), rf.data) {
			return nil
		}
		if p := first(r.Hostname(), r.HostnamePCRE2()); p != nil {
			if !ev.hasHostname || !matchValue(p, rf.hostname, ev.hostname) {
				return nil
			}
		}
		if !matchSlot(ev, slotStatus, r.Status(), r.StatusPCRE2(), rf.status) {
			return nil
		}
		if r.ContextOpts&ruleset.SameDoDiff != 0 && !s.doDiff(ev, r) {
			return nil
		}
	}
	if r.AlertOpts&ruleset.DoFTS != 0 {
		if ev.decoderFTS() == 0 && !ev.ftsDone {
			return nil
		}
		if !ev.ftsDone && !s.firstTimeSeen(ev) {
			return nil
		}
	}
	for _, l := range r.Lists() {
		if !s.listMatch(ev, l) {
			return nil
		}
	}
	if r.Context && r.ContextOpts&ruleset.SameDoDiff == 0 {
		switch r.EventSearch {
		case ruleset.SearchLastSids:
			if !s.searchLastSids(ev, r) {
				return nil
			}
		case ruleset.SearchLastGroups:
			if !s.searchLastGroups(ev, r) {
				return nil
			}
		case ruleset.SearchLastEvents:
			if !s.searchLastEvents(ev, r) {
				return nil
			}
		}
	}
	if obs := s.obs; obs != nil {
		children := s.e.children(node)
		obs.RuleMatched(r)
		if co := s.childObs; co != nil && len(children) > 0 {
			co.TryingChildren(r)
		}
		for _, c := range children {
			if m := s.checkRule(ev, &s.e.nodes[c], dec); m != nil {
				return m
			}
		}
	} else if children := s.e.childrenFor(node, dec); len(children) > 0 {
		sc := s.scan(ev.log)
		nodes, quick := s.e.nodes, s.e.quick
		for _, i := range children {
			c := &nodes[i]
			if c.ruledOut(ev, sc, quick) {
				continue
			}
			if m := s.checkRule(ev, c, dec); m != nil {
				return m
			}
		}
	}
	if r.AlertOpts&ruleset.NoAlert != 0 {
		return nil
	}
	return r
}

// cheapChecks runs, ahead of the pattern matches, the conditions of r
// that need no pattern: a field the rule matches on must be present,
// <action>, maxsize, <time> and <weekday>. They have no side effects, so
// checking them earlier than OSSEC does cannot change the outcome; it
// only saves pattern matches.
func cheapChecks(ev *event, r *ruleset.Rule) bool {
	if r.HasAction() {
		if a, ok := ev.get(slotAction); !ok || a != r.Action() {
			return false
		}
	}
	if (r.EventID() != nil || r.EventIDPCRE2 != nil) && !ev.has(slotID) {
		return false
	}
	if (r.URL() != nil || r.URLPCRE2() != nil) && !ev.has(slotURL) {
		return false
	}
	if r.AlertOpts&ruleset.DoPacketInfo != 0 {
		if len(r.SrcIP()) > 0 && !ev.has(slotSrcIP) || len(r.DstIP()) > 0 && !ev.has(slotDstIP) ||
			(r.SrcPort() != nil || r.SrcPortPCRE2() != nil) && !ev.has(slotSrcPort) ||
			(r.DstPort() != nil || r.DstPortPCRE2() != nil) && !ev.has(slotDstPort) {
			return false
		}
	}
	if r.AlertOpts&ruleset.DoExtraInfo != 0 {
		if (r.User() != nil || r.UserPCRE2() != nil) && !ev.has(slotDstUser) && !ev.has(slotSrcUser) ||
			(r.SrcGeoIP() != nil || r.SrcGeoIPPCRE2() != nil) && !ev.has(slotSrcGeoIP) ||
			(r.DstGeoIP() != nil || r.DstGeoIPPCRE2() != nil) && !ev.has(slotDstGeoIP) ||
			(r.ExtraData() != nil || r.ExtraDataPCRE2() != nil) && !ev.has(slotData) ||
			(r.Status() != nil || r.StatusPCRE2() != nil) && !ev.has(slotStatus) ||
			r.MaxSize() > 0 && ev.size < r.MaxSize() {
			return false
		}
		if t := r.Time(); t != nil {
			h := ev.hour[:5]
			if (h >= t.Start && h <= t.End) == t.Negate {
				return false
			}
		}
		if w := r.Weekday(); w != nil {
			if ev.wday < 0 || ev.wday > 6 || w.Days[ev.wday] == w.Negate {
				return false
			}
		}
	}
	return true
}

// quickChecks splits cheapChecks for a rule into the slots it needs set
// (a mask of ev.set) and whether anything else remains (slow): when not
// slow, cheapChecks is exactly the mask test.
func quickChecks(r *ruleset.Rule) (need uint32, slow bool) {
	add := func(cond bool, sl slot) {
		if cond {
			need |= 1 << sl
		}
	}
	slow = r.HasAction()
	add(r.EventID() != nil || r.EventIDPCRE2 != nil, slotID)
	add(r.URL() != nil || r.URLPCRE2() != nil, slotURL)
	if r.AlertOpts&ruleset.DoPacketInfo != 0 {
		add(len(r.SrcIP()) > 0, slotSrcIP)
		add(len(r.DstIP()) > 0, slotDstIP)
		add(r.SrcPort() != nil || r.SrcPortPCRE2() != nil, slotSrcPort)
		add(r.DstPort() != nil || r.DstPortPCRE2() != nil, slotDstPort)
	}
	if r.AlertOpts&ruleset.DoExtraInfo != 0 {
		add(r.SrcGeoIP() != nil || r.SrcGeoIPPCRE2() != nil, slotSrcGeoIP)
		add(r.DstGeoIP() != nil || r.DstGeoIPPCRE2() != nil, slotDstGeoIP)
		add(r.ExtraData() != nil || r.ExtraDataPCRE2() != nil, slotData)
		add(r.Status() != nil || r.StatusPCRE2() != nil, slotStatus)
		slow = slow || r.User() != nil || r.UserPCRE2() != nil || r.MaxSize() > 0 || r.Time() != nil || r.Weekday() != nil
	}
	return need, slow
}

func first(a, b *osregex.Pattern) *osregex.Pattern {
	if a != nil {
		return a
	}
	return b
}

// matchSlot checks an OS_Match pattern, or its PCRE2 variant when there
// is none, against a decoded field; a rule with neither passes, and a rule
// with one fails on an event without the field. f is the pattern's
// filter (see matchValue).
func matchSlot(ev *event, sl slot, m, pcre2 *osregex.Pattern, f *patFilter) bool {
	p := first(m, pcre2)
	if p == nil {
		return true
	}
	v, ok := ev.get(sl)
	return ok && matchValue(p, f, v)
}

// matchDynamic is a rule's <field name="x">: the dynamic field x as the
// event's (final) decoder names it, matched with OS_Regex.
func (s *Session) matchDynamic(ev *event, f *ruleset.FieldMatch) bool {
	if ev.decoder == nil {
		return false
	}
	for j := range ev.decoder.d.Order {
		if name := ev.decoder.dynName(j); name != "" && strings.EqualFold(name, f.Name) {
			if j >= len(ev.dynSet) || !ev.dynSet[j] {
				return false
			}
			return f.Pattern.Match(ev.dyn[j])
		}
	}
	return false
}

// listMatch is OS_DBSearch for one <list> of a rule.
func (s *Session) listMatch(ev *event, l *ruleset.ListRule) bool {
	var key string
	var ok bool
	switch l.Field {
	case ruleset.ListSrcIP:
		key, ok = ev.get(slotSrcIP)
	case ruleset.ListSrcPort:
		key, ok = ev.get(slotSrcPort)
	case ruleset.ListDstIP:
		key, ok = ev.get(slotDstIP)
	case ruleset.ListDstPort:
		key, ok = ev.get(slotDstPort)
	case ruleset.ListUser:
		if key, ok = ev.get(slotSrcUser); !ok {
			key, ok = ev.get(slotDstUser)
		}
	case ruleset.ListURL:
		key, ok = ev.get(slotURL)
	case ruleset.ListID:
		key, ok = ev.get(slotID)
	case ruleset.ListHostname:
		key, ok = ev.hostname, ev.hasHostname
	case ruleset.ListProgramName:
		key, ok = ev.programName, ev.hasProgramName
	case ruleset.ListStatus:
		key, ok = ev.get(slotStatus)
	case ruleset.ListAction:
		key, ok = ev.get(slotAction)
	}
	if !ok {
		return false
	}
	return dbSearch(l, key)
}

// dbSearch is OS_DBSearch's lookup, including its quirks: a list that
// is configured but cannot be opened makes the key searches return -1,
// and address_match_key_value passes when the value does NOT match.
func dbSearch(l *ruleset.ListRule, key string) bool {
	if l.List == nil {
		return false
	}
	open := l.List.Loaded
	entries := l.List.Entries
	keyFound := func() int {
		if !open {
			return -1
		}
		if _, ok := entries[key]; ok {
			return 1
		}
		return 0
	}
	addrFound := func() (string, int) {
		if !open {
			return "", -1
		}
		if v, ok := entries[key]; ok {
			return v, 1
		}
		for k := len(key); k > 0; k-- {
			if key[k-1] == '.' {
				if v, ok := entries[key[:k]]; ok {
					return v, 1
				}
			}
		}
		return "", 0
	}
	valueMatches := func(v string) bool {
		return l.CheckValue != nil && l.CheckValue.Match(v)
	}
	switch l.Lookup {
	case ruleset.LookupMatchKey:
		return keyFound() == 1
	case ruleset.LookupNotMatchKey:
		return keyFound() != 1
	case ruleset.LookupMatchKeyValue:
		if !open {
			return false
		}
		v, ok := entries[key]
		return ok && valueMatches(v)
	case ruleset.LookupAddressMatchKey:
		_, r := addrFound()
		return r != 0
	case ruleset.LookupNotAddressMatchKey:
		_, r := addrFound()
		return r == 0
	case ruleset.LookupAddressMatchKeyValue:
		if !open {
			return true
		}
		v, r := addrFound()
		return !(r == 1 && valueMatches(v))
	}
	return false
}

// alertOutput fills what ossec-logtest -a prints for the alert, and
// frees the rule's last events as OS_LogOutput does when it printed them
// from the rule rather than from the event.
func (s *Session) alertOutput(ev *event, r *ruleset.Rule, res *Result) {
	switch {
	case ev.hostIsLocation:
		res.AlertLocation = ev.location
	case ev.hostname == s.alertHost && ev.location == s.alertLoc:
		res.AlertLocation = s.alertHostLoc
	default:
		res.AlertLocation = ev.hostname + "->" + ev.location
		s.alertHost, s.alertLoc, s.alertHostLoc = ev.hostname, ev.location, res.AlertLocation
	}
	for _, sl := range [...]slot{slotSrcIP, slotSrcPort, slotDstIP, slotDstPort, slotDstUser} {
		if v, ok := ev.get(sl); ok {
			if res.AlertFields == nil {
				res.AlertFields = ev.arena.fields()
			}
			res.AlertFields = append(res.AlertFields, Field{Name: slotLabel[sl], Value: v})
		}
	}
	res.AlertFields = ev.arena.keep(res.AlertFields)
	res.AlertLog = ev.fullLog
	if ev.lastEvents != nil {
		if !s.e.lean {
			res.LastEvents = ev.lastEvents
		}
		return
	}
	if owner := r.LastEvents; owner != nil {
		if l := s.st(owner).last; len(l) > 0 && !s.e.lean {
			res.LastEvents = append([]string(nil), l...)
		}
		if s.st(r).lastCopied {
			o := s.st(owner)
			o.last = o.last[:0]
			s.st(r).lastCopied = false
		}
	}
}
