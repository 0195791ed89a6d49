package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Reason is the first condition of a rule that an event did not meet, in
// the order OSSEC checks them (OS_CheckIfRuleMatch).
type Reason struct {
	// Option is the rule option that failed, as written in rules
	// ("decoded_as", "match", "field", "frequency", ...); "" when every
	// condition held.
	Option string
	// Detail says how: the pattern as OSSEC compiled it and the text it
	// was tried on, the missing field, the count of earlier events, ...
	Detail string
}

// Held reports whether every condition of the rule held.
func (r Reason) Held() bool { return r.Option == "" }

func (r Reason) String() string {
	if r.Held() {
		return "every condition held"
	}
	return r.Option + ": " + r.Detail
}

// Explainer is an Observer that also hears, for the rules it asks about,
// the first condition that failed (or that all held) each time such a rule
// is tried. The reason is worked out before the rule's own check, without
// touching the session's state, and only when an Explainer watches.
type Explainer interface {
	Observer
	// Explains reports whether RuleExplained should be called for r.
	Explains(r *ruleset.Rule) bool
	// RuleExplained is called right after RuleTried(r).
	RuleExplained(r *ruleset.Rule, why Reason)
}

// opt is the name of the option that holds the pattern checkRule uses:
// name when m is set, else name_pcre2.
func opt(name string, m *osregex.Pattern) string {
	if m != nil {
		return name
	}
	return name + "_pcre2"
}

// pattern describes p as OSSEC runs it, for a Reason.
func pattern(p *osregex.Pattern) string {
	src := strconv.Quote(p.String())
	re, isPCRE := p.PCRE2()
	switch {
	case !isPCRE:
		return src + " (" + p.Kind().String() + ", run as a string comparison)"
	case p.Kind() == osregex.KindPCRE2:
		return src + " (pcre2)"
	}
	return src + " (" + p.Kind().String() + ", compiled to PCRE2 " + strconv.Quote(re) + ")"
}

func noMatch(p *osregex.Pattern, what, text string) string {
	return pattern(p) + " did not match " + what + " " + strconv.Quote(text)
}

// slotReason checks pattern m (or pcre2) on a decoded field as matchSlot
// does.
func slotReason(ev *event, sl slot, m, pcre2 *osregex.Pattern) (string, bool) {
	if m == nil && pcre2 == nil {
		return "", true
	}
	p := first(m, pcre2)
	if p == nil {
		return "", true
	}
	v, ok := ev.get(sl)
	if !ok {
		return "the event has no " + slotLabel[sl] + " field", false
	}
	if !p.Match(v) {
		return noMatch(p, slotLabel[sl], v), false
	}
	return "", true
}

// whyNot is checkRule's sequence of conditions for node's rule, without
// side effects: the first that fails on ev.
func (s *Session) whyNot(ev *event, node *ruleNode, dec int) Reason {
	r := node.rule
	fail := func(opt, format string, a ...any) Reason {
		return Reason{Option: opt, Detail: fmt.Sprintf(format, a...)}
	}
	if r.DecodedAs != 0 && r.DecodedAs != dec {
		got := "no decoder matched"
		if ev.decoder != nil {
			got = "the event was decoded by " + strconv.Quote(ev.decoder.d.Name)
		} else if ev.special != nil {
			got = "the event was decoded by " + strconv.Quote(ev.special.name)
		}
		return fail("decoded_as", "wants decoder %q; %s", r.DecodedAsName, got)
	}
	if p := first(r.ProgramName(), r.ProgramNamePCRE2()); p != nil {
		if !ev.hasProgramName {
			return fail(opt("program_name", r.ProgramName()), "the event has no program name (no syslog header with one)")
		}
		if !p.Match(ev.programName) {
			return fail(opt("program_name", r.ProgramName()), "%s", noMatch(p, "the program name", ev.programName))
		}
	}
	if d, ok := slotReason(ev, slotID, r.EventID(), r.EventIDPCRE2); !ok {
		return fail(opt("id", r.EventID()), "%s", d)
	}
	if p := node.matchPattern(); p != nil && !p.Match(ev.log) {
		return fail(opt("match", r.Match()), "%s", noMatch(p, "the log", ev.log))
	}
	if p := node.regexPattern(); p != nil && !p.Match(ev.log) {
		name := "regex"
		if r.Regex() == nil {
			name = "pcre2"
		}
		return fail(name, "%s", noMatch(p, "the log", ev.log))
	}
	if r.HasAction() {
		a, ok := ev.get(slotAction)
		if !ok {
			return fail("action", "wants %q; the event has no action field", r.Action())
		}
		if a != r.Action() {
			return fail("action", "wants %q (compared exactly); the action is %q", r.Action(), a)
		}
	}
	if url, urlPCRE2 := r.URL(), r.URLPCRE2(); url != nil || urlPCRE2 != nil {
		u, ok := ev.get(slotURL)
		if !ok {
			return fail("url", "the event has no url field")
		}
		if url != nil && !url.Match(u) {
			return fail("url", "%s", noMatch(url, "url", u))
		}
		if urlPCRE2 != nil && !urlPCRE2.Match(u) {
			return fail("url_pcre2", "%s", noMatch(urlPCRE2, "url", u))
		}
	}
	fields := r.Fields()
	for i := range fields {
		if d, ok := s.fieldReason(ev, &fields[i]); !ok {
			return fail("field", "%s", d)
		}
	}
	if r.AlertOpts&ruleset.DoPacketInfo != 0 {
		for _, x := range []struct {
			opt  string
			sl   slot
			list []ruleset.IPMatch
		}{{"srcip", slotSrcIP, r.SrcIP()}, {"dstip", slotDstIP, r.DstIP()}} {
			if len(x.list) == 0 {
				continue
			}
			ip, ok := ev.get(x.sl)
			if !ok {
				return fail(x.opt, "the event has no %s field", slotLabel[x.sl])
			}
			if !ipFoundList(ip, x.list) {
				texts := make([]string, len(x.list))
				for i, m := range x.list {
					texts[i] = m.Text
				}
				return fail(x.opt, "%s %q is not in %s", slotLabel[x.sl], ip, strings.Join(texts, ", "))
			}
		}
		if d, ok := slotReason(ev, slotSrcPort, r.SrcPort(), r.SrcPortPCRE2()); !ok {
			return fail(opt("srcport", r.SrcPort()), "%s", d)
		}
		if d, ok := slotReason(ev, slotDstPort, r.DstPort(), r.DstPortPCRE2()); !ok {
			return fail(opt("dstport", r.DstPort()), "%s", d)
		}
	}
	if r.AlertOpts&ruleset.DoExtraInfo != 0 {
		if name := r.CompiledRule(); name != "" {
			f := compiledRules[name]
			if f == nil {
				return fail("compiled_rule", "%s is not a compiled rule of OSSEC 4.3.0: it never matches", name)
			}
			if !f(ev) {
				return fail("compiled_rule", "%s returned false", name)
			}
		}
		if p := first(r.User(), r.UserPCRE2()); p != nil {
			u, ok := ev.get(slotDstUser)
			label := "dstuser"
			if !ok {
				u, ok = ev.get(slotSrcUser)
				label = "srcuser"
			}
			if !ok {
				return fail(opt("user", r.User()), "the event has neither a dstuser nor a srcuser field")
			}
			if !p.Match(u) {
				return fail(opt("user", r.User()), "%s", noMatch(p, label, u))
			}
		}
		if d, ok := slotReason(ev, slotSrcGeoIP, r.SrcGeoIP(), r.SrcGeoIPPCRE2()); !ok {
			return fail(opt("srcgeoip", r.SrcGeoIP()), "%s", d)
		}
		if d, ok := slotReason(ev, slotDstGeoIP, r.DstGeoIP(), r.DstGeoIPPCRE2()); !ok {
			return fail(opt("dstgeoip", r.DstGeoIP()), "%s", d)
		}
		if r.MaxSize() > 0 && ev.size < r.MaxSize() {
			return fail("maxsize", "the log is %d bytes, shorter than maxsize=%d", ev.size, r.MaxSize())
		}
		if t := r.Time(); t != nil {
			h := ev.hour[:5]
			if (h >= t.Start && h <= t.End) == t.Negate {
				if t.Negate {
					return fail("time", "the event time %s (the manager's clock, not the log's) is within %s-%s, and the rule wants a time outside it", ev.hour, t.Start, t.End)
				}
				return fail("time", "the event time %s (the manager's clock, not the log's) is not within %s-%s", ev.hour, t.Start, t.End)
			}
		}
		if w := r.Weekday(); w != nil {
			if ev.wday < 0 || ev.wday > 6 || w.Days[ev.wday] == w.Negate {
				var days []string
				for i, on := range w.Days {
					if on != w.Negate {
						days = append(days, weekdays[i])
					}
				}
				day := "?"
				if ev.wday >= 0 && ev.wday <= 6 {
					day = weekdays[ev.wday]
				}
				return fail("weekday", "the event's day %s (the manager's clock) is not one of %s", day, strings.Join(days, ", "))
			}
		}
		if d, ok := slotReason(ev, slotData, r.ExtraData(), r.ExtraDataPCRE2()); !ok {
			return fail(opt("extra_data", r.ExtraData()), "%s", d)
		}
		if p := first(r.Hostname(), r.HostnamePCRE2()); p != nil {
			if !ev.hasHostname {
				return fail(opt("hostname", r.Hostname()), "the event has no hostname")
			}
			if !p.Match(ev.hostname) {
				return fail(opt("hostname", r.Hostname()), "%s", noMatch(p, "the hostname", ev.hostname))
			}
		}
		if d, ok := slotReason(ev, slotStatus, r.Status(), r.StatusPCRE2()); !ok {
			return fail(opt("status", r.Status()), "%s", d)
		}
		if r.ContextOpts&ruleset.SameDoDiff != 0 {
			if ev.size >= 8192 {
				return fail("check_diff", "the log is %d bytes; OSSEC compares at most 8191", ev.size)
			}
			last, ok := s.diffs.lookup(diffPath(ev, r))
			if !ok {
				return fail("check_diff", "no earlier output of this rule for host %q: this one is stored, nothing to compare", ev.hostname)
			}
			if last == ev.log {
				return fail("check_diff", "the output is the same as the last one stored for host %q", ev.hostname)
			}
		}
	}
	if r.AlertOpts&ruleset.DoFTS != 0 {
		if ev.decoderFTS() == 0 && !ev.ftsDone {
			return fail("if_fts", "the event's decoder has no <fts> fields")
		}
		if !ev.ftsDone && s.ftsSeen(ev) {
			return fail("if_fts", "already seen: %q is in the first-time-seen store", ftsKey(ev))
		}
	}
	for _, l := range r.Lists() {
		if d, ok := s.listReason(ev, l); !ok {
			return fail("list", "%s", d)
		}
	}
	if r.Context && r.ContextOpts&ruleset.SameDoDiff == 0 {
		if d, ok := s.contextReason(ev, r); !ok {
			opt := "if_matched_sid"
			switch {
			case r.Frequency > 0:
				opt = "frequency"
			case r.EventSearch == ruleset.SearchLastGroups:
				opt = "if_matched_group"
			case r.EventSearch == ruleset.SearchLastEvents:
				opt = "if_matched_regex"
			}
			return fail(opt, "%s", d)
		}
	}
	return Reason{}
}

var weekdays = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// fieldReason is matchDynamic with the reason it fails.
func (s *Session) fieldReason(ev *event, f *ruleset.FieldMatch) (string, bool) {
	if ev.decoder == nil {
		return fmt.Sprintf("%q: no decoder matched, so there are no dynamic fields", f.Name), false
	}
	var names []string
	for j := range ev.decoder.d.Order {
		name := ev.decoder.dynName(j)
		if name == "" {
			continue
		}
		names = append(names, name)
		if strings.EqualFold(name, f.Name) {
			if j >= len(ev.dynSet) || !ev.dynSet[j] {
				return fmt.Sprintf("%q is not decoded for this event (decoder %q)", f.Name, ev.decoder.d.Name), false
			}
			if !f.Pattern.Match(ev.dyn[j]) {
				return fmt.Sprintf("%q: %s", f.Name, noMatch(f.Pattern, "the value", ev.dyn[j])), false
			}
			return "", true
		}
	}
	have := "none"
	if len(names) > 0 {
		have = strings.Join(names, ", ")
	}
	return fmt.Sprintf("%q: decoder %q has no such dynamic field (its dynamic fields: %s; the static ones such as user or srcip are matched with their own options)", f.Name, ev.decoder.d.Name, have), false
}

// listReason is listMatch with the reason it fails.
func (s *Session) listReason(ev *event, l *ruleset.ListRule) (string, bool) {
	if s.listMatch(ev, l) {
		return "", true
	}
	if l.List == nil {
		return fmt.Sprintf("%s: no <list> in ossec.conf names it, so OSSEC never loads it", l.Name), false
	}
	if !l.List.Loaded {
		return fmt.Sprintf("%s: the list could not be loaded", l.Name), false
	}
	return fmt.Sprintf("%s (lookup %s on %s): the event's value does not pass", l.Name, lookupName(l.Lookup), listFieldName(l.Field)), false
}

func lookupName(l ruleset.ListLookup) string {
	switch l {
	case ruleset.LookupMatchKey:
		return "match_key"
	case ruleset.LookupNotMatchKey:
		return "not_match_key"
	case ruleset.LookupMatchKeyValue:
		return "match_key_value"
	case ruleset.LookupAddressMatchKey:
		return "address_match_key"
	case ruleset.LookupNotAddressMatchKey:
		return "not_address_match_key"
	case ruleset.LookupAddressMatchKeyValue:
		return "address_match_key_value"
	}
	return "?"
}

func listFieldName(f ruleset.ListField) string {
	switch f {
	case ruleset.ListSrcIP:
		return "srcip"
	case ruleset.ListSrcPort:
		return "srcport"
	case ruleset.ListDstIP:
		return "dstip"
	case ruleset.ListDstPort:
		return "dstport"
	case ruleset.ListUser:
		return "user"
	case ruleset.ListURL:
		return "url"
	case ruleset.ListID:
		return "id"
	case ruleset.ListHostname:
		return "hostname"
	case ruleset.ListProgramName:
		return "program_name"
	case ruleset.ListStatus:
		return "status"
	case ruleset.ListAction:
		return "action"
	}
	return "?"
}

// newestFirst returns a function that gives l's events newest first, then
// nil (at once for a nil list).
func newestFirst(l *evList) func() *pastEvent {
	var cur *listNode
	if l != nil {
		cur = l.last
	}
	return func() *pastEvent {
		if cur == nil {
			return nil
		}
		p := cur.ev
		cur = cur.prev
		return p
	}
}

// contextReason walks the history a correlating rule searches, as
// searchHistory and searchLastEvents do, counting without side effects.
func (s *Session) contextReason(ev *event, r *ruleset.Rule) (string, bool) {
	need := r.Frequency + 1
	var what string
	var next func() *pastEvent
	switch r.EventSearch {
	case ruleset.SearchLastSids:
		if r.SidSearch == nil {
			return fmt.Sprintf("rule %d is not loaded: nothing is ever found", r.IfMatchedSID), false
		}
		what = fmt.Sprintf("earlier events that matched rule %d", r.IfMatchedSID)
		next = newestFirst(s.st(r.SidSearch).sidHist)
	case ruleset.SearchLastGroups:
		what = "earlier events in the groups of if_matched_group"
		next = newestFirst(s.st(r).groupHist)
	default:
		what = "earlier events of the same type"
		if x := r.IfMatchedRegex(); x != nil {
			what += " matching if_matched_regex " + strconv.Quote(x.String())
		}
		cur := s.events.first
		next = func() *pastEvent {
			p := cur
			if p != nil {
				cur = p.next
			}
			return p
		}
	}
	co := r.ContextOpts
	extra := r.AlertOpts&ruleset.SameExtraInfo != 0
	typ := s.typeOf(ev.decoder, ev.special)
	k := 0
	stop := "no more earlier events"
	for p := next(); p != nil; p = next() {
		if ev.time-p.time > int64(r.Timeframe) {
			stop = fmt.Sprintf("the next earlier one is %d s old, outside timeframe=%d", ev.time-p.time, r.Timeframe)
			break
		}
		if p.matched >= r.Level {
			stop = fmt.Sprintf("an earlier event in the window already fired a rule of level >= %d (OSSEC stops there)", r.Level)
			break
		}
		if r.EventSearch == ruleset.SearchLastEvents {
			if s.typeOf(p.decoder, p.special) != typ {
				continue
			}
			if x := r.IfMatchedRegex(); x != nil && !x.Match(p.log()) {
				continue
			}
		}
		if r.EventSearch == ruleset.SearchLastEvents && !sameAsLastEvents(p, ev, co) ||
			r.EventSearch != ruleset.SearchLastEvents && !sameAs(p, ev, co, extra) {
			continue
		}
		k++
		if k >= need {
			return "", true
		}
	}
	same := contextNames(co)
	if same != "" {
		same = " with " + same
	}
	freq := ""
	if r.Frequency > 0 {
		freq = fmt.Sprintf(" (frequency=\"%d\": OSSEC wants frequency+1 earlier events, so it fires on the %s)", r.Frequency, ordinal(r.Frequency+2))
	}
	return fmt.Sprintf("%d of the %d %s%s within %d s%s; %s", k, need, what, same, r.Timeframe, freq, stop), false
}

// sameAs is the same_*/different_* filter of the history walks.
func sameAs(p *pastEvent, ev *event, co ruleset.ContextOpts, extra bool) bool {
	if co&ruleset.SameID != 0 && !strEq(p, ev, slotID) ||
		co&ruleset.SameSrcIP != 0 && !strEq(p, ev, slotSrcIP) {
		return false
	}
	if !extra {
		return true
	}
	return !(co&ruleset.SameSrcPort != 0 && !strEq(p, ev, slotSrcPort) ||
		co&ruleset.SameDstPort != 0 && !strEq(p, ev, slotDstPort) ||
		co&ruleset.SameUser != 0 && !strEq(p, ev, slotDstUser) ||
		co&ruleset.SameLocation != 0 && p.hostname != ev.hostname ||
		co&ruleset.DifferentURL != 0 && !strDiffer(p, ev, slotURL) ||
		co&ruleset.DifferentSrcGeoIP != 0 && !strDiffer(p, ev, slotSrcGeoIP))
}

// sameAsLastEvents is the filter of Search_LastEvents, which knows fewer
// options than the history walks.
func sameAsLastEvents(p *pastEvent, ev *event, co ruleset.ContextOpts) bool {
	return !(co&ruleset.SameUser != 0 && !strEq(p, ev, slotDstUser) ||
		co&ruleset.SameID != 0 && !strEq(p, ev, slotID) ||
		co&ruleset.SameSrcIP != 0 && !strEq(p, ev, slotSrcIP) ||
		co&ruleset.DifferentURL != 0 && !strDiffer(p, ev, slotURL) ||
		co&ruleset.DifferentSrcGeoIP != 0 && !strDiffer(p, ev, slotSrcGeoIP))
}

func contextNames(co ruleset.ContextOpts) string {
	var n []string
	for _, x := range []struct {
		o    ruleset.ContextOpts
		name string
	}{
		{ruleset.SameID, "same_id"}, {ruleset.SameSrcIP, "same_source_ip"}, {ruleset.SameSrcPort, "same_src_port"},
		{ruleset.SameDstPort, "same_dst_port"}, {ruleset.SameUser, "same_user"}, {ruleset.SameLocation, "same_location"},
		{ruleset.DifferentURL, "different_url"}, {ruleset.DifferentSrcGeoIP, "different_srcgeoip"},
	} {
		if co&x.o != 0 {
			n = append(n, x.name)
		}
	}
	return strings.Join(n, ", ")
}

func ordinal(n int) string {
	suf := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suf = "st"
	case n%10 == 2:
		suf = "nd"
	case n%10 == 3:
		suf = "rd"
	}
	return strconv.Itoa(n) + suf + " event"
}
