package ruleset

import (
	"math"
	"slices"
	"strings"
	"unsafe"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ossecxml"
)

// ruleLimit is OS_SIZE_2048, loadmemory's limit in rules.c.
const ruleLimit = 2048

// maxRuleInfoDetails is MAX_RULEINFODETAIL.
const maxRuleInfoDetails = 32

// loadRules reads the rule files in order (Rules_OP_ReadRules), then
// fixes the levels (_setlevels).
func (l *loader) loadRules() {
	l.defTimeframe = l.rs.Config.DefaultTimeframe
	// The maps of the rules start at the size they end at when the
	// prefetch counted the rules (growing, they leave about their size
	// again to collect and rehash as often).
	n := l.pre.ruleCount()
	l.rulesByID = make(map[int]*Rule, n)
	l.nodeRule = make(map[int32]int32, n)
	for _, f := range l.src.FirstRules {
		l.readRuleFile(cfgPath{name: f, path: f})
	}
	for _, f := range l.includes {
		l.readRuleFile(f)
	}
	for _, f := range l.src.Rules {
		l.readRuleFile(cfgPath{name: f, path: f})
	}
	for _, r := range l.rs.AllRules {
		r.Level = finalLevel(l.ilevel[r.Index])
	}
	// In a ruleset that loaded, each id has one rule, which is in the
	// tree and in rulesByID (only a load that fails can leave rules of
	// one id, or rules given nodes but not registered): rulesByID is
	// the map a walk of the tree builds (TestByIDFromTree). The
	// exception is an id under 10 that overwrite="yes" repeats: each
	// rule of it is a root, and the walk meets the first root first.
	if !l.failed {
		if l.lowIDRepeated {
			for _, n := range slices.Backward(l.rs.Rules) {
				if n.Rule.ID < 10 {
					l.rulesByID[n.Rule.ID] = n.Rule
				}
			}
		}
		l.rs.ByID = l.rulesByID
	}
}

// finalLevel is _setlevels: 9900 (level 0) becomes 0, levels of 100 and
// more are divided by 100; others (accuracy="0") stay.
func finalLevel(ilevel int) int {
	if ilevel == 9900 {
		return 0
	}
	if ilevel >= 100 {
		return ilevel / 100
	}
	return ilevel
}

// walk visits every rule node depth first, parents before children.
func (l *loader) walk(f func(*RuleNode)) {
	var rec func([]*RuleNode)
	rec = func(nodes []*RuleNode) {
		for _, n := range nodes {
			f(n)
			rec(n.Children)
		}
	}
	rec(l.rs.Rules)
}

func (l *loader) readRuleFile(f cfgPath) {
	file := f.path
	if f.inBase {
		file = l.basePath(f.path)
	}
	doc, found := l.readXML(file, file, true, CodeFileRead)
	if !found {
		l.ruleFileFailed = true
		if f.pos.File != "" {
			l.errf(f.pos, CodeFileNotFound, "rule file %q not found", f.name)
		} else {
			l.errf(Pos{File: file}, CodeFileNotFound, "rule file not found")
		}
		return
	}
	if doc == nil {
		l.ruleFileFailed = true
		return
	}
	l.rs.RuleFiles = append(l.rs.RuleFiles, file)
	roots := doc.RootsIn(&l.roots)
	if roots == nil {
		l.ruleFileFailed = true
		l.errf(Pos{File: file, Line: 1, Col: 1}, CodeRuleRoot, "no <group> in rule file")
		return
	}
	// OSSEC checks every top-level element before it reads a rule. A bad
	// one stops this file only: the later files are read for their errors.
	badRoot := false
	for _, g := range roots {
		if !strings.EqualFold(g.Name, "group") {
			badRoot = true
			l.errf(xpos(file, g.Pos), CodeRuleRoot, "invalid element <%s>: only <group> is allowed at the top of a rule file", g.Name)
		} else if len(g.Attrs) != 1 || !strings.EqualFold(g.Attrs[0].Name, "name") {
			badRoot = true
			l.errf(xpos(file, g.Pos), CodeRuleRoot, "<group> needs exactly one attribute, name")
		}
	}
	if badRoot {
		l.ruleFileFailed = true
		return
	}
	// OSSEC stops at the first group or rule in error; the others are read
	// to report their errors too.
	for _, g := range roots {
		l.checkContainer(file, g)
		rules := g.ChildrenIn(&l.groupKids)
		if rules == nil {
			l.errf(xpos(file, g.Pos), CodeRuleGroupEmpty, "group %q has no rule", g.Attrs[0].Value)
			continue
		}
		for _, n := range rules {
			if !l.readRule(file, g.Attrs[0].Value, n) {
				l.markRuleFailed(n)
			}
		}
	}
}

// markRuleFailed records that the rule of element n did not load, so
// that the rules below it do not report it missing.
func (l *loader) markRuleFailed(n *ossecxml.Node) {
	l.ruleFailed = true
	for _, a := range n.Attrs {
		if strings.EqualFold(a.Name, "id") && isNum(a.Value) {
			if id, ok := scanInt(a.Value, 6); ok {
				l.failedRules[id] = true
			}
		}
	}
}

// consequence reports whether a rule's missing parent (rule sid, or 0 for
// a parent found by level, group or category) may only be missing because
// an earlier rule or rule file did not load; such an error is not reported
// (the load has failed already).
func (l *loader) consequence(sid int) bool {
	if l.ruleFileFailed || l.failedRules[sid] {
		return true
	}
	return sid == 0 && l.ruleFailed
}

// ruleSrc holds what the elements of one <rule> gave before compilation.
type ruleSrc struct {
	regex, pcre2, match, matchPCRE2                      acc
	url, urlPCRE2, ifMatchedRegex, ifMatchedGroup        acc
	user, id, srcport, dstport, srcgeoip, dstgeoip       acc
	status, hostname, extraData, programName             acc
	userP, idP, srcportP, dstportP, srcgeoipP, dstgeoipP acc
	statusP, hostnameP, extraDataP, programNameP         acc
	group, comment, info, cve, ifSID, ifLevel, ifGroup   acc
	action                                               acc
	infoCount                                            int
	lists                                                []*ListRule
}

// scanInt is sscanf("%Nd") on a string of digits: at most width digits;
// ok is false when there are none.
func scanInt(s string, width int) (int, bool) {
	if len(s) > width {
		s = s[:width]
	}
	if s == "" {
		return 0, false
	}
	return atoi(s), true
}

var caseSensitiveOptions = map[string]bool{
	"same_id": true, "different_url": true, "different_srcip": true,
	"different_srcgeoip": true, "not_same_id": true,
}

var categories = map[string]Category{
	"firewall": CategoryFirewall,
	"ids":      CategoryIDS,
	"syslog":   CategorySyslog,
	"web-log":  CategoryWebLog,
	"squid":    CategorySquid,
	"windows":  CategoryWindows,
	"ossec":    CategoryOSSEC,
}

var compiledRules = map[string]bool{
	"check_id_size":                         true,
	"comp_srcuser_dstuser":                  true,
	"comp_mswin_targetuser_calleruser_diff": true,
	"is_simple_http_request":                true,
	"is_valid_crawler":                      true,
}

var listFields = map[string]ListField{
	"srcip": ListSrcIP, "srcport": ListSrcPort, "dstip": ListDstIP, "dstport": ListDstPort,
	"user": ListUser, "url": ListURL, "id": ListID, "hostname": ListHostname,
	"program_name": ListProgramName, "status": ListStatus, "action": ListAction,
}

var listLookups = map[string]ListLookup{
	"match_key": LookupMatchKey, "not_match_key": LookupNotMatchKey,
	"match_key_value": LookupMatchKeyValue, "address_match_key": LookupAddressMatchKey,
	"not_address_match_key": LookupNotAddressMatchKey, "address_match_key_value": LookupAddressMatchKeyValue,
}

func ignoreFields(s string) FTSFields {
	var f FTSFields
	for _, t := range []struct {
		word string
		bit  FTSFields
	}{{"user", FTSDstUser}, {"srcip", FTSSrcIP}, {"dstip", FTSDstIP}, {"id", FTSID},
		{"location", FTSLocation}, {"data", FTSData}, {"name", FTSName}} {
		if strings.Contains(s, t.word) {
			f |= t.bit
		}
	}
	return f
}

// readRule reads one <rule> (the body of Rules_OP_ReadRules' loop) and
// adds it to the tree. It returns false when OSSEC would stop. Each step
// stops at its first error, in OSSEC's order: the attributes, each element
// (ruleOptions, flagOptions), the checks of the whole, the patterns, the
// place in the tree.
func (l *loader) readRule(file, groupName string, n *ossecxml.Node) bool {
	at := xpos(file, n.Pos)
	if !strings.EqualFold(n.Name, "rule") {
		l.errf(at, CodeRuleElement, "invalid element <%s> in a group: only <rule> is allowed", n.Name)
		return false
	}
	a, ok := l.readRuleAttrs(file, n)
	if !ok {
		return false
	}
	if !a.overwrite {
		if _, dup := l.rulesByID[a.id]; dup {
			l.errf(at, CodeRuleDuplicate, "duplicate rule id %d (first defined at %s)", a.id, posString(l.rulesByID[a.id].Pos))
			return false
		}
	}
	// One reader serves every rule: it is large (the text of each option)
	// and lives only while its rule is read.
	rr := &l.rr
	*rr = ruleReader{l: l, file: file, r: l.newRule(a, at), x: RuleExtras{MaxSize: a.maxsize, IgnoreTime: a.ignore}}
	rr.s.group = acc{text: groupName, set: true, first: seg{0, n.Pos, false}}
	kids := n.ChildrenIn(&l.kids)
	if kids == nil {
		l.errf(at, CodeRuleNoOptions, "rule %d has no options", a.id)
		return false
	}
	l.checkContainer(file, n)
	for _, e := range kids {
		if !rr.option(e) {
			return false
		}
	}
	if !rr.finish() || !rr.compile() {
		return false
	}
	return rr.place(a.ilevel(), a.overwrite)
}

// ruleAttrs are the attributes of a <rule>.
type ruleAttrs struct {
	id, level, maxsize, timeframe, frequency, accuracy, ignore int
	noalert, overwrite                                         bool
}

// ilevel is the rule's internal level: level x 100 (level 0 counts as
// 99), unless accuracy="0".
func (a *ruleAttrs) ilevel() int {
	il := a.level
	if il == 0 {
		il = 99
	}
	if a.accuracy != 0 {
		il *= 100
	}
	return il
}

// number returns where the numeric attribute name goes and how many
// digits OSSEC reads of it (sscanf "%4d", "%6d", ...); nil for another name.
func (a *ruleAttrs) number(name string) (*int, int) {
	switch name {
	case "id":
		return &a.id, 6
	case "level":
		return &a.level, 4
	case "maxsize":
		return &a.maxsize, 4
	case "timeframe":
		return &a.timeframe, 5
	case "frequency":
		return &a.frequency, 4
	case "accuracy":
		return &a.accuracy, 4
	case "ignore":
		return &a.ignore, 6
	}
	return nil, 0
}

// readRuleAttrs reads the attributes of a <rule>; id and level are required.
func (l *loader) readRuleAttrs(file string, n *ossecxml.Node) (ruleAttrs, bool) {
	at := xpos(file, n.Pos)
	if len(n.Attrs) == 0 {
		l.errf(at, CodeRuleIDLevel, "rule needs an id and a level")
		return ruleAttrs{}, false
	}
	a := ruleAttrs{id: -1, level: -1, timeframe: l.defTimeframe, accuracy: 1}
	for _, attr := range n.Attrs {
		name := strings.ToLower(attr.Name)
		switch name {
		case "noalert":
			a.noalert = true
			continue
		case "overwrite":
			switch attr.Value {
			case "yes":
				a.overwrite = true
			case "no":
				a.overwrite = false
			default:
				l.errf(xpos(file, attr.ValuePos), CodeRuleAttr, "invalid overwrite %q: must be yes or no", attr.Value)
				return a, false
			}
			continue
		}
		dst, width := a.number(name)
		if dst == nil {
			l.errf(xpos(file, attr.Pos), CodeRuleAttr, "invalid rule attribute %q (allowed: id, level, maxsize, timeframe, frequency, accuracy, noalert, ignore, overwrite)", attr.Name)
			return a, false
		}
		if !isNum(attr.Value) {
			l.errf(xpos(file, attr.ValuePos), CodeRuleAttr, "invalid %s %q: must be an integer", attr.Name, attr.Value)
			return a, false
		}
		if v, ok := scanInt(attr.Value, width); ok {
			*dst = v
		}
	}
	if a.id == -1 || a.level == -1 {
		l.errf(at, CodeRuleIDLevel, "rule needs an id and a level")
		return a, false
	}
	return a, true
}

// newRule makes the Rule of attributes a, with the alert options they
// set.
func (l *loader) newRule(a ruleAttrs, at Pos) *Rule {
	// Rules come from slabs: one allocation per 64 rules costs less
	// than 64 (a Rule is large), and the ruleset keeps them all anyway.
	if len(l.ruleSlab) == 0 {
		l.ruleSlab = make([]Rule, 64)
	}
	r := &l.ruleSlab[0]
	l.ruleSlab = l.ruleSlab[1:]
	*r = Rule{ID: a.id, Frequency: a.frequency, Timeframe: a.timeframe, Category: CategorySyslog, Pos: at}
	if a.noalert {
		r.AlertOpts |= NoAlert
	}
	if l.rs.Config.EmailAlertLevel <= a.level {
		r.AlertOpts |= DoMailAlert
	}
	if l.rs.Config.LogAlertLevel <= a.level {
		r.AlertOpts |= DoLogAlert
	}
	if a.overwrite {
		r.AlertOpts |= DoOverwrite
	}
	if a.maxsize > 0 {
		r.AlertOpts |= DoExtraInfo
	}
	if a.frequency > l.rs.Config.MaxFrequency {
		l.rs.Config.MaxFrequency = a.frequency
	}
	return r
}

// ruleReader is the state of readRule for one <rule>: the rule being
// built, the text its elements gave, and the settings that few rules
// have (which the rule points to once they are all known, if it has any).
type ruleReader struct {
	l    *loader
	file string
	r    *Rule
	s    ruleSrc
	c    FieldConditions
	x    RuleExtras
}

// what names the rule in pattern errors.
func (rr *ruleReader) what() string { return "rule " + itoa(rr.r.ID) }

// option reads one element of the rule.
func (rr *ruleReader) option(e *ossecxml.Node) bool {
	rr.l.checkOption(rr.file, e)
	name := strings.ToLower(e.Name)
	if caseSensitiveOptions[name] && name != e.Name {
		name = ""
	}
	if f, ok := flagOptions[name]; ok {
		rr.l.checkAttrs(rr.file, e, 0)
		f.apply(rr.r)
		return true
	}
	if t, ok := textOptions[name]; ok {
		rr.l.checkAttrs(rr.file, e, 0)
		rr.text(t.field(&rr.s), e, e.Content)
		rr.r.AlertOpts |= t.alert
		if t.context {
			rr.r.Context = true
		}
		return true
	}
	read, ok := ruleOptions[name]
	if !ok {
		rr.l.errf(xpos(rr.file, e.Pos), CodeRuleOption, "rule %d: invalid option <%s>", rr.r.ID, e.Name)
		return false
	}
	rr.l.checkAttrs(rr.file, e, ruleOptionAttrs[name])
	return read(rr, e)
}

// ruleOptionAttrs are the number of attributes OSSEC reads on each
// element of a rule (none on the others): the type of <info>, the name of
// <field>, all those of <list>.
var ruleOptionAttrs = map[string]int{"info": 1, "field": 1, "list": math.MaxInt}

// text appends content (of element e) to a as loadmemory does; a value
// too long is dropped with a warning, as OSSEC drops it.
func (rr *ruleReader) text(a *acc, e *ossecxml.Node, content string) {
	if !a.add(content, e.ContentPos, content == e.Content, ruleLimit) {
		rr.l.warnf(xpos(rr.file, e.ContentPos), CodeRuleTooLong, "rule %d: <%s> value too long (2 KiB): OSSEC drops it", rr.r.ID, e.Name)
	}
}

// bad reports an invalid value of element e and returns false.
func (rr *ruleReader) bad(e *ossecxml.Node, format string, args ...any) bool {
	rr.l.errf(xpos(rr.file, e.ContentPos), CodeRuleValue, "rule %d: "+format, append([]any{rr.r.ID}, args...)...)
	return false
}

// Masks of the not_same_* elements (rules.h NOT_SAME_*): OSSEC's twelve
// option bits but one. not_same_agent clears SameLocation.
const (
	contextBits  ContextOpts = 0xfff
	notSameUser              = contextBits &^ SameUser     // 0xffe
	notSameSrcIP             = contextBits &^ SameSrcIP    // 0xffd
	notSameID                = contextBits &^ SameID       // 0xffb
	notSameAgent             = contextBits &^ SameLocation // 0xff7
)

// flagOption is an element whose content is ignored: it clears context
// bits (keep, a not_same_* mask), sets others, sets alert options, and
// may make the rule correlate.
type flagOption struct {
	keep    ContextOpts // mask applied first; 0 for none
	set     ContextOpts
	alert   AlertOpts
	context bool
}

func (f flagOption) apply(r *Rule) {
	if f.keep != 0 {
		r.ContextOpts &= f.keep
	}
	r.ContextOpts |= f.set
	r.AlertOpts |= f.alert
	if f.context {
		r.Context = true
	}
}

// flagOptions are the same_*/different_*/not_same_* elements, check_diff
// and if_fts.
var flagOptions = map[string]flagOption{
	"same_source_ip":     {set: SameSrcIP},
	"not_same_source_ip": {keep: notSameSrcIP},
	"same_src_port":      {set: SameSrcPort, alert: SameExtraInfo},
	"same_dst_port":      {set: SameDstPort, alert: SameExtraInfo},
	"same_id":            {set: SameID},
	"not_same_id":        {keep: notSameID},
	"same_user":          {set: SameUser, alert: SameExtraInfo},
	"not_same_user":      {keep: notSameUser},
	"same_location":      {set: SameLocation, alert: SameExtraInfo},
	"not_same_agent":     {keep: notSameAgent},
	"different_url":      {set: DifferentURL, alert: SameExtraInfo},
	"different_srcip":    {set: DifferentSrcIP, alert: SameExtraInfo},
	"different_srcgeoip": {set: DifferentSrcGeoIP, alert: SameExtraInfo},
	"check_diff":         {set: SameDoDiff, alert: DoExtraInfo, context: true},
	"if_fts":             {alert: DoFTS},
}

// textOption is an element whose content is accumulated as text (a
// pattern compiled once the rule is read, a group, an if_sid list, ...).
type textOption struct {
	field   func(*ruleSrc) *acc
	alert   AlertOpts
	context bool // if_matched_*: the rule correlates
}

var textOptions = map[string]textOption{
	"regex":              {field: func(s *ruleSrc) *acc { return &s.regex }},
	"pcre2":              {field: func(s *ruleSrc) *acc { return &s.pcre2 }},
	"match":              {field: func(s *ruleSrc) *acc { return &s.match }},
	"match_pcre2":        {field: func(s *ruleSrc) *acc { return &s.matchPCRE2 }},
	"group":              {field: func(s *ruleSrc) *acc { return &s.group }},
	"user":               {field: func(s *ruleSrc) *acc { return &s.user }, alert: DoExtraInfo},
	"srcgeoip":           {field: func(s *ruleSrc) *acc { return &s.srcgeoip }, alert: DoExtraInfo},
	"dstgeoip":           {field: func(s *ruleSrc) *acc { return &s.dstgeoip }, alert: DoExtraInfo},
	"id":                 {field: func(s *ruleSrc) *acc { return &s.id }},
	"srcport":            {field: func(s *ruleSrc) *acc { return &s.srcport }, alert: DoPacketInfo},
	"dstport":            {field: func(s *ruleSrc) *acc { return &s.dstport }, alert: DoPacketInfo},
	"status":             {field: func(s *ruleSrc) *acc { return &s.status }, alert: DoExtraInfo},
	"hostname":           {field: func(s *ruleSrc) *acc { return &s.hostname }, alert: DoExtraInfo},
	"extra_data":         {field: func(s *ruleSrc) *acc { return &s.extraData }, alert: DoExtraInfo},
	"program_name":       {field: func(s *ruleSrc) *acc { return &s.programName }},
	"user_pcre2":         {field: func(s *ruleSrc) *acc { return &s.userP }, alert: DoExtraInfo},
	"srcgeoip_pcre2":     {field: func(s *ruleSrc) *acc { return &s.srcgeoipP }, alert: DoExtraInfo},
	"dstgeoip_pcre2":     {field: func(s *ruleSrc) *acc { return &s.dstgeoipP }, alert: DoExtraInfo},
	"id_pcre2":           {field: func(s *ruleSrc) *acc { return &s.idP }},
	"srcport_pcre2":      {field: func(s *ruleSrc) *acc { return &s.srcportP }, alert: DoPacketInfo},
	"dstport_pcre2":      {field: func(s *ruleSrc) *acc { return &s.dstportP }, alert: DoPacketInfo},
	"status_pcre2":       {field: func(s *ruleSrc) *acc { return &s.statusP }, alert: DoExtraInfo},
	"hostname_pcre2":     {field: func(s *ruleSrc) *acc { return &s.hostnameP }, alert: DoExtraInfo},
	"extra_data_pcre2":   {field: func(s *ruleSrc) *acc { return &s.extraDataP }, alert: DoExtraInfo},
	"program_name_pcre2": {field: func(s *ruleSrc) *acc { return &s.programNameP }},
	"action":             {field: func(s *ruleSrc) *acc { return &s.action }},
	"url":                {field: func(s *ruleSrc) *acc { return &s.url }},
	"url_pcre2":          {field: func(s *ruleSrc) *acc { return &s.urlPCRE2 }},
	"if_sid":             {field: func(s *ruleSrc) *acc { return &s.ifSID }},
	"if_group":           {field: func(s *ruleSrc) *acc { return &s.ifGroup }},
	"if_matched_regex":   {field: func(s *ruleSrc) *acc { return &s.ifMatchedRegex }, context: true},
	"if_matched_group":   {field: func(s *ruleSrc) *acc { return &s.ifMatchedGroup }, context: true},
}

// ruleOptions read the other elements of a rule.
var ruleOptions = map[string]func(*ruleReader, *ossecxml.Node) bool{
	"decoded_as":       (*ruleReader).decodedAs,
	"cve":              (*ruleReader).cve,
	"info":             (*ruleReader).info,
	"time":             (*ruleReader).time,
	"weekday":          (*ruleReader).weekday,
	"description":      (*ruleReader).description,
	"srcip":            (*ruleReader).srcIP,
	"dstip":            (*ruleReader).dstIP,
	"field":            (*ruleReader).field,
	"list":             (*ruleReader).list,
	"compiled_rule":    (*ruleReader).compiledRule,
	"category":         (*ruleReader).category,
	"if_level":         (*ruleReader).ifLevel,
	"if_matched_sid":   (*ruleReader).ifMatchedSID,
	"options":          (*ruleReader).options,
	"ignore":           (*ruleReader).ignore,
	"check_if_ignored": (*ruleReader).checkIfIgnored,
}

func (rr *ruleReader) decodedAs(e *ossecxml.Node) bool {
	r := rr.r
	r.DecodedAs = rr.l.decoderID(e.Content)
	r.DecodedAsName = e.Content
	if r.DecodedAs == 0 {
		// After a decoder error the name may be that of a decoder
		// that did not load.
		if !rr.l.decoderFailed {
			rr.l.errf(xpos(rr.file, e.ContentPos), CodeRuleDecoder, "rule %d: invalid decoder name %q", r.ID, e.Content)
		}
		return false
	}
	return true
}

func (rr *ruleReader) cve(e *ossecxml.Node) bool {
	rr.infoDetail(InfoCVE, e.Content)
	rr.text(&rr.s.cve, e, e.Content)
	return true
}

func (rr *ruleReader) info(e *ossecxml.Node) bool {
	t, ok := infoType(e)
	if !ok {
		rr.l.errf(xpos(rr.file, e.Pos), CodeRuleInfo, "rule %d: <info> attribute must be type=\"text|link|cve|osvdb\" (OSSEC 4.3.0 loops forever on anything else)", rr.r.ID)
		return false
	}
	rr.infoDetail(t, e.Content)
	rr.text(&rr.s.info, e, e.Content)
	return true
}

// infoDetail adds an <info> or <cve> entry as OSSEC does (which drops
// entries past MAX_RULEINFODETAIL, counting in its own way).
func (rr *ruleReader) infoDetail(t InfoType, content string) {
	x := &rr.x
	if x.InfoDetails == nil {
		x.InfoDetails = []InfoDetail{{t, content}}
		return
	}
	rr.s.infoCount += len(x.InfoDetails) - 1
	if rr.s.infoCount <= maxRuleInfoDetails {
		x.InfoDetails = append(x.InfoDetails, InfoDetail{t, content})
	}
}

func (rr *ruleReader) time(e *ossecxml.Node) bool {
	tr, ok := parseTime(e.Content)
	if !ok {
		return rr.bad(e, "invalid time %q", e.Content)
	}
	rr.x.Time = tr
	rr.r.AlertOpts |= DoExtraInfo
	return true
}

func (rr *ruleReader) weekday(e *ossecxml.Node) bool {
	w, ok := parseWeekday(e.Content)
	if !ok {
		return rr.bad(e, "invalid weekday %q", e.Content)
	}
	rr.x.Weekday = w
	rr.r.AlertOpts |= DoExtraInfo
	return true
}

// description: OSSEC replaces the first newline of each with a space.
func (rr *ruleReader) description(e *ossecxml.Node) bool {
	rr.text(&rr.s.comment, e, strings.Replace(e.Content, "\n", " ", 1))
	return true
}

func (rr *ruleReader) srcIP(e *ossecxml.Node) bool { return rr.ip(e, &rr.c.SrcIP) }
func (rr *ruleReader) dstIP(e *ossecxml.Node) bool { return rr.ip(e, &rr.c.DstIP) }

func (rr *ruleReader) ip(e *ossecxml.Node, dst *[]IPMatch) bool {
	ip, ok := parseIP(e.Content)
	if !ok {
		return rr.bad(e, "invalid IP address %q", e.Content)
	}
	*dst = append(*dst, ip)
	rr.r.AlertOpts |= DoPacketInfo
	return true
}

func (rr *ruleReader) field(e *ossecxml.Node) bool {
	l, r := rr.l, rr.r
	if len(e.Attrs) == 0 {
		l.errf(xpos(rr.file, e.Pos), CodeRuleField, "rule %d: <field> needs a name attribute (OSSEC 4.3.0 crashes without one)", r.ID)
		return false
	}
	if !strings.EqualFold(e.Attrs[0].Name, "name") {
		l.errf(xpos(rr.file, e.Attrs[0].Pos), CodeRuleField, "rule %d: bad attribute %q for <field>", r.ID, e.Attrs[0].Name)
		return false
	}
	if len(rr.c.Fields) >= l.rs.Config.DecoderOrderSize {
		l.errf(xpos(rr.file, e.Pos), CodeRuleField, "rule %d: more than %d <field> elements", r.ID, l.rs.Config.DecoderOrderSize)
		return false
	}
	a := acc{}
	a.add(e.Content, e.ContentPos, true, 1<<30)
	p := l.compile(osregex.KindRegex, &a, 0, rr.file, rr.what())
	if p == nil {
		return false
	}
	rr.c.Fields = append(rr.c.Fields, FieldMatch{Name: e.Attrs[0].Value, Pattern: p})
	return true
}

func (rr *ruleReader) list(e *ossecxml.Node) bool {
	lr, ok := rr.l.readListRule(rr.file, rr.r.ID, e)
	if !ok {
		return false
	}
	rr.s.lists = append(rr.s.lists, lr)
	return true
}

func (rr *ruleReader) compiledRule(e *ossecxml.Node) bool {
	if !compiledRules[e.Content] {
		return rr.bad(e, "compiled rule %q not found", e.Content)
	}
	rr.x.CompiledRule = e.Content
	rr.r.AlertOpts |= DoExtraInfo
	return true
}

func (rr *ruleReader) category(e *ossecxml.Node) bool {
	c, ok := categories[e.Content]
	if !ok {
		return rr.bad(e, "invalid category %q", e.Content)
	}
	rr.r.Category = c
	return true
}

func (rr *ruleReader) ifLevel(e *ossecxml.Node) bool {
	if !isNum(e.Content) {
		return rr.bad(e, "invalid if_level %q", e.Content)
	}
	rr.text(&rr.s.ifLevel, e, e.Content)
	return true
}

func (rr *ruleReader) ifMatchedSID(e *ossecxml.Node) bool {
	rr.r.Context = true
	if !isNum(e.Content) {
		return rr.bad(e, "invalid if_matched_sid %q", e.Content)
	}
	rr.r.IfMatchedSID = atoi(e.Content)
	return true
}

// alertOptions are the values of <options>: the bits each sets, or
// clears.
var alertOptions = map[string]struct{ set, clear AlertOpts }{
	"alert_by_email": {set: DoMailAlert},
	"no_email_alert": {clear: DoMailAlert},
	"log_alert":      {set: DoLogAlert},
	"no_log":         {clear: DoLogAlert},
	"no_ar":          {set: NoAR},
}

func (rr *ruleReader) options(e *ossecxml.Node) bool {
	o, ok := alertOptions[e.Content]
	if !ok {
		return rr.bad(e, "invalid options %q (alert_by_email, no_email_alert, log_alert, no_log, no_ar)", e.Content)
	}
	rr.r.AlertOpts = rr.r.AlertOpts&^o.clear | o.set
	return true
}

func (rr *ruleReader) ignore(e *ossecxml.Node) bool {
	if rr.x.Ignore |= ignoreFields(e.Content); rr.x.Ignore == 0 {
		return rr.bad(e, "wrong ignore option %q", e.Content)
	}
	return true
}

func (rr *ruleReader) checkIfIgnored(e *ossecxml.Node) bool {
	if rr.x.CheckIgnore |= ignoreFields(e.Content); rr.x.CheckIgnore == 0 {
		return rr.bad(e, "wrong check_if_ignored option %q", e.Content)
	}
	return true
}

// finish checks the rule as a whole and copies the texts of its
// elements into it.
func (rr *ruleReader) finish() bool {
	r, s := rr.r, &rr.s
	if (r.ContextOpts != 0 || r.Frequency != 0) && !r.Context {
		rr.l.errf(r.Pos, CodeRuleContext, "rule %d: frequency or same_*/different_* options need if_matched_sid, if_matched_group or if_matched_regex", r.ID)
		return false
	}
	r.Groups = s.group.text
	r.Description, r.HasDescription = s.comment.text, s.comment.set
	r.IfSID = s.ifSID.text
	rr.x.Info, rr.x.CVE = s.info.text, s.cve.text
	rr.x.IfLevel, rr.x.IfGroup = s.ifLevel.text, s.ifGroup.text
	rr.c.Action, rr.c.HasAction = s.action.text, s.action.set
	return true
}

// pattern compiles a (nil when it was not given) as kind.
func (rr *ruleReader) pattern(a *acc, kind osregex.Kind) (*osregex.Pattern, bool) {
	if !a.set {
		return nil, true
	}
	flags := osregex.Flags(0)
	if kind == osregex.KindPCRE2 {
		flags = osregex.Caseless
	}
	p := rr.l.compile(kind, a, flags, rr.file, rr.what())
	return p, p != nil
}

// either compiles the OS_Match pattern m when given, else the PCRE2
// pattern p.
func (rr *ruleReader) either(m, p *acc, dm, dp **osregex.Pattern) bool {
	var ok bool
	if m.set {
		*dm, ok = rr.pattern(m, osregex.KindMatch)
	} else {
		*dp, ok = rr.pattern(p, osregex.KindPCRE2)
	}
	return ok
}

// compile compiles the rule's patterns in OSSEC's order (which decides
// which error is reported first).
func (rr *ruleReader) compile() bool {
	r, s, c, x := rr.r, &rr.s, &rr.c, &rr.x
	var ok bool
	if x.Regex, ok = rr.pattern(&s.regex, osregex.KindRegex); !ok {
		return false
	}
	if r.PCRE2, ok = rr.pattern(&s.pcre2, osregex.KindPCRE2); !ok {
		return false
	}
	if !rr.either(&s.match, &s.matchPCRE2, &x.Match, &x.MatchPCRE2) {
		return false
	}
	// <id> and <srcport> compile both kinds; the others one of them.
	if c.EventID, ok = rr.pattern(&s.id, osregex.KindMatch); !ok {
		return false
	}
	if r.EventIDPCRE2, ok = rr.pattern(&s.idP, osregex.KindPCRE2); !ok {
		return false
	}
	if c.SrcPort, ok = rr.pattern(&s.srcport, osregex.KindMatch); !ok {
		return false
	}
	if c.SrcPortPCRE2, ok = rr.pattern(&s.srcportP, osregex.KindPCRE2); !ok {
		return false
	}
	for _, f := range []struct {
		m, p   *acc
		dm, dp **osregex.Pattern
	}{
		{&s.dstport, &s.dstportP, &c.DstPort, &c.DstPortPCRE2},
		{&s.status, &s.statusP, &c.Status, &c.StatusPCRE2},
		{&s.hostname, &s.hostnameP, &c.Hostname, &c.HostnamePCRE2},
		{&s.extraData, &s.extraDataP, &c.ExtraData, &c.ExtraDataPCRE2},
		{&s.programName, &s.programNameP, &c.ProgramName, &c.ProgramNamePCRE2},
		{&s.user, &s.userP, &c.User, &c.UserPCRE2},
		{&s.srcgeoip, &s.srcgeoipP, &c.SrcGeoIP, &c.SrcGeoIPPCRE2},
		{&s.dstgeoip, &s.dstgeoipP, &c.DstGeoIP, &c.DstGeoIPPCRE2},
		{&s.url, &s.urlPCRE2, &c.URL, &c.URLPCRE2},
	} {
		if !rr.either(f.m, f.p, f.dm, f.dp) {
			return false
		}
	}
	if x.IfMatchedGroup, ok = rr.pattern(&s.ifMatchedGroup, osregex.KindMatch); !ok {
		return false
	}
	if x.IfMatchedRegex, ok = rr.pattern(&s.ifMatchedRegex, osregex.KindRegex); !ok {
		return false
	}
	c.Lists = keptLists(s.lists)
	return true
}

// place binds the rule's active responses and puts it in the tree: at
// the top (ids below 10), over the rule it overwrites, or below its
// parents.
func (rr *ruleReader) place(ilevel int, overwrite bool) bool {
	l, r, s := rr.l, rr.r, &rr.s
	hasIfSID, hasIfGroup := s.ifSID.set, s.ifGroup.set
	if s.ifMatchedGroup.set && !hasIfSID && !hasIfGroup {
		rr.x.IfGroup, hasIfGroup = s.ifMatchedGroup.text, true
	}
	if r.IfMatchedSID != 0 && !hasIfSID && !hasIfGroup {
		r.IfSID, hasIfSID = itoa(r.IfMatchedSID), true
	}
	rr.x.ActiveResponses = l.activeResponses(r, ilevel)
	r.conds, r.extras = kept(&rr.c), kept(&rr.x)
	if r.Context {
		r.LastEvents = r
	}
	switch {
	case r.ID < 10:
		l.addRule(r, ilevel)
		node := l.newNode(r, nil)
		l.rs.Rules = insertNode(l.rs.Rules, node, ilevel, l.ilevel)
		r.Nodes = []*RuleNode{node}
		if _, ok := l.rulesByID[r.ID]; ok {
			l.lowIDRepeated = true // by overwrite="yes": a second root
		}
		l.rulesByID[r.ID] = r
	case overwrite:
		if !l.overwrite(r, ilevel, s) {
			if !l.consequence(r.ID) {
				l.errf(r.Pos, CodeRuleOverwrite, "rule %d: overwrite=\"yes\" but no rule %d was loaded before", r.ID, r.ID)
			}
			return false
		}
		return true
	default:
		if !l.attach(rr.file, r, ilevel, hasIfSID, hasIfGroup, s) {
			return false
		}
	}
	l.eventSearch(r)
	return true
}

// addRule registers r in AllRules.
func (l *loader) addRule(r *Rule, ilevel int) {
	r.Index = len(l.rs.AllRules)
	l.rs.AllRules = append(l.rs.AllRules, r)
	l.ilevel = append(l.ilevel, ilevel)
}

// insertNode is _OS_AddRule: n goes before the first node of a lower
// internal level, after the nodes of the same level.
func insertNode(nodes []*RuleNode, n *RuleNode, ilevel int, levels []int) []*RuleNode {
	for i, m := range nodes {
		if ilevel > levels[m.Rule.Index] {
			nodes = append(nodes, nil)
			copy(nodes[i+1:], nodes[i:])
			nodes[i] = n
			return nodes
		}
	}
	return append(nodes, n)
}

func infoType(e *ossecxml.Node) (InfoType, bool) {
	if len(e.Attrs) == 0 {
		return InfoText, true
	}
	a := e.Attrs[0]
	if !strings.EqualFold(a.Name, "type") {
		return 0, false
	}
	switch a.Value {
	case "text":
		return InfoText, true
	case "link":
		return InfoLink, true
	case "cve":
		return InfoCVE, true
	case "osvdb":
		return InfoOSVDB, true
	}
	return 0, false
}

// keptLists is what OS_AddListRule leaves on a rule: it returns the
// next-to-last element of the list it appends to, so a rule with three or
// more <list> keeps only its last two.
func keptLists(lists []*ListRule) []*ListRule {
	if len(lists) >= 3 {
		return lists[len(lists)-2:]
	}
	return lists
}

func (l *loader) readListRule(file string, id int, e *ossecxml.Node) (*ListRule, bool) {
	lr := &ListRule{Name: e.Content, Pos: xpos(file, e.Pos)}
	if len(e.Attrs) == 0 {
		l.errf(lr.Pos, CodeRuleList, "rule %d: <list> needs a field attribute", id)
		return nil, false
	}
	for _, a := range e.Attrs {
		switch strings.ToLower(a.Name) {
		case "lookup":
			v, ok := listLookups[strings.ToLower(a.Value)]
			if !ok {
				l.errf(xpos(file, a.ValuePos), CodeRuleList, "rule %d: invalid list lookup %q", id, a.Value)
				return nil, false
			}
			lr.Lookup = v
		case "field":
			v, ok := listFields[strings.ToLower(a.Value)]
			if !ok {
				l.errf(xpos(file, a.ValuePos), CodeRuleList, "rule %d: invalid list field %q", id, a.Value)
				return nil, false
			}
			lr.Field = v
		case "check_value":
			p, err := osregex.Compile(osregex.KindMatch, a.Value, 0)
			if err != nil {
				l.errf(xpos(file, a.ValuePos), patternCode(err), "rule %d: invalid check_value pattern %q: %v", id, a.Value, err)
				return nil, false
			}
			lr.CheckValue = p
		default:
			l.errf(xpos(file, a.Pos), CodeRuleList, "rule %d: invalid list attribute %q", id, a.Name)
			return nil, false
		}
	}
	if lr.Field == 0 {
		l.errf(lr.Pos, CodeRuleList, "rule %d: <list> needs a field attribute", id)
		return nil, false
	}
	lr.List = l.findList(e.Content)
	return lr, true
}

// activeResponses is Rule_AddAR: the active responses bound to r.
func (l *loader) activeResponses(r *Rule, ilevel int) []*ActiveResponse {
	real := 0
	if ilevel == 9900 {
		real = 0
	} else if ilevel >= 100 {
		real = ilevel / 100
	}
	if real == 0 || r.AlertOpts&NoAR != 0 {
		return nil
	}
	var bound []*ActiveResponse
	for _, ar := range l.rs.ActiveResponses {
		mark := false
		if ar.Level != 0 && real >= ar.Level {
			mark = true
		}
		if ar.RulesGroup != nil && ar.RulesGroup.Match(r.Groups) {
			mark = true
		}
		if ar.RulesID != "" && rulesIDMatch(ar.RulesID, r.ID) {
			mark = true
		}
		if mark {
			bound = append(bound, ar)
		}
	}
	return bound
}

// rulesIDMatch reads an active response's rules_id as Rule_AddAR does:
// numbers separated by commas and spaces; it stops at anything else.
func rulesIDMatch(s string, id int) bool {
	i := 0
	for i < len(s) {
		switch c := s[i]; {
		case c == ' ' || c == ',':
			i++
		case isDigit(c):
			if atoi(s[i:]) == id {
				return true
			}
			j := strings.IndexByte(s[i:], ',')
			if j < 0 {
				return false
			}
			i += j + 1
		default:
			return false
		}
	}
	return false
}

// overwrite is OS_AddRuleInfo: the settings of r replace those of the
// loaded rule with the same id, which keeps its place in the tree, its
// category, ignore settings, info details, PCRE2 patterns, lists and fields.
func (l *loader) overwrite(r *Rule, ilevel int, s *ruleSrc) bool {
	var old *Rule
	l.walk(func(n *RuleNode) {
		if old == nil && n.Rule.ID == r.ID {
			old = n.Rule
		}
	})
	if old == nil {
		return false
	}
	l.ilevel[old.Index] = ilevel
	old.Frequency, old.Timeframe = r.Frequency, r.Timeframe
	old.Groups = r.Groups
	old.Description, old.HasDescription = r.Description, r.HasDescription
	old.IfMatchedSID = r.IfMatchedSID
	old.AlertOpts, old.ContextOpts, old.Context = r.AlertOpts, r.ContextOpts, r.Context
	old.DecodedAs, old.DecodedAsName = r.DecodedAs, r.DecodedAsName
	if r.ContextOpts&SameDoDiff != 0 && old.LastEvents == nil {
		old.LastEvents = old
	}

	c := *old.conditions()
	c.SrcIP, c.DstIP = r.SrcIP(), r.DstIP()
	c.SrcPort, c.DstPort, c.User, c.URL, c.EventID = r.SrcPort(), r.DstPort(), r.User(), r.URL(), r.EventID()
	c.Status, c.Hostname, c.ProgramName, c.ExtraData = r.Status(), r.Hostname(), r.ProgramName(), r.ExtraData()
	c.Action, c.HasAction = r.Action(), r.HasAction()
	old.conds = kept(&c)

	x := *old.extraSettings()
	x.MaxSize, x.IgnoreTime = r.MaxSize(), r.IgnoreTime()
	x.Match, x.Regex = r.Match(), r.Regex()
	x.Time, x.Weekday = r.Time(), r.Weekday()
	x.Info, x.CVE = r.Info(), r.CVE()
	x.IfMatchedRegex, x.IfMatchedGroup = r.IfMatchedRegex(), r.IfMatchedGroup()
	x.ActiveResponses = r.ActiveResponses()
	x.CompiledRule = r.CompiledRule()
	x.Overwritten = r.Pos
	old.extras = kept(&x)
	// The overwriting rule's own correlation marks (OS_MarkID on it) still
	// happen in OSSEC, but on a copy nobody reads: only the target of an
	// if_matched_sid starts keeping its history.
	if r.IfMatchedSID != 0 {
		l.walk(func(n *RuleNode) {
			if n.Rule.ID == r.IfMatchedSID {
				n.Rule.KeepsSidHistory = true
			}
		})
	}
	return true
}

// attach is OS_AddChild.
func (l *loader) attach(file string, r *Rule, ilevel int, hasIfSID, hasIfGroup bool, s *ruleSrc) bool {
	l.addRule(r, ilevel)
	at := r.Pos
	switch {
	case hasIfSID:
		sid := r.IfSID
		val := false
		for i := 0; i <= len(sid); i++ {
			var ch byte
			if i < len(sid) {
				ch = sid[i]
			}
			switch {
			case ch == ',' || ch == ' ':
				val = false
			case isDigit(ch) || ch == 0:
				if !val {
					target := atoi(sid[i:])
					if !l.addToRule(attachSpec{sid: target}, l.rs.Rules, r, ilevel) {
						pos := s.ifSID.posAt(file, i)
						if l.consequence(target) {
							return false
						}
						if target == 0 {
							l.errf(pos, CodeRuleIfSID, "rule %d: if_sid %q: an empty entry attaches by category, and no top-level rule has category %d", r.ID, sid, r.Category)
						} else {
							l.errf(pos, CodeRuleIfSID, "rule %d: if_sid names rule %d, which is not loaded (yet)", r.ID, target)
						}
						return false
					}
					val = true
				}
			default:
				l.errf(s.ifSID.posAt(file, i), CodeRuleIfSID, "rule %d: if_sid %q must list rule ids separated by commas or spaces", r.ID, sid)
				return false
			}
		}
	case s.ifLevel.set:
		lv := atoi(r.IfLevel())
		if lv == 0 {
			l.warnf(s.ifLevel.posAt(file, -1), CodeRuleNotAttached, "rule %d: if_level %q is 0: OSSEC does not load the rule", r.ID, r.IfLevel())
			l.unregister(r)
			return true
		}
		if !l.addToRule(attachSpec{level: lv * 100}, l.rs.Rules, r, ilevel) {
			if l.consequence(0) {
				return false
			}
			l.errf(s.ifLevel.posAt(file, -1), CodeRuleIfLevel, "rule %d: no rule of level %d or more for if_level", r.ID, lv)
			return false
		}
	case hasIfGroup:
		if !l.addToRule(attachSpec{group: r.IfGroup(), byGroup: true}, l.rs.Rules, r, ilevel) {
			if l.consequence(0) {
				return false
			}
			pos := s.ifGroup.posAt(file, -1)
			if !s.ifGroup.set {
				pos = s.ifMatchedGroup.posAt(file, -1)
			}
			l.errf(pos, CodeRuleIfGroup, "rule %d: no rule in group %q for if_group", r.ID, r.IfGroup())
			return false
		}
	default:
		if !l.addToRule(attachSpec{}, l.rs.Rules, r, ilevel) {
			if l.consequence(0) {
				return false
			}
			l.errf(at, CodeRuleCategory, "rule %d: no top-level rule of its category to attach to (give if_sid, if_group or if_level)", r.ID)
			return false
		}
	}
	l.rulesByID[r.ID] = r
	return true
}

// unregister drops the last rule added by addRule, which has no node.
// (A rule that fails half attached stays: the load fails anyway.)
func (l *loader) unregister(r *Rule) {
	if n := len(l.rs.AllRules); n > 0 && l.rs.AllRules[n-1] == r && len(r.Nodes) == 0 {
		l.rs.AllRules = l.rs.AllRules[:n-1]
		l.ilevel = l.ilevel[:n-1]
	}
}

// attachByWalk turns off addToRuleFast and eventSearch's shortcut (tests
// compare both).
var attachByWalk = false

// attachSpec says where _AddtoRule attaches a rule: below rule sid (when
// not 0), else below a group, else below a level, else by category.
type attachSpec struct {
	sid     int
	level   int
	group   string
	byGroup bool
}

// addToRule is _AddtoRule. In each list of sibling nodes it scans left to
// right: a node of rule sid gets r as a child and ends the scan of that
// list (later siblings and their subtrees are not searched); other nodes
// are searched recursively. Every node of the group (by OS_WordMatch) or
// of at least the level gets r, and the search goes on below it. By
// category, only the first top-level node of r's category gets it.
func (l *loader) addToRule(spec attachSpec, nodes []*RuleNode, r *Rule, ilevel int) bool {
	if spec.sid != 0 && !attachByWalk {
		if done, found := l.addToRuleFast(spec.sid, r, ilevel); done {
			return found
		}
	}
	found := false
	for _, n := range nodes {
		p := n.Rule
		switch {
		case spec.sid != 0:
			if p.ID == spec.sid {
				r.Category = p.Category
				if r.LastEvents == nil && p.LastEvents != nil {
					r.LastEvents = p.LastEvents
				}
				l.link(n, r, ilevel)
				return true
			}
		case spec.byGroup:
			if p.ID != r.ID && osregex.WordMatch(spec.group, p.Groups) {
				if r.LastEvents == nil && p.LastEvents != nil {
					r.LastEvents = p.LastEvents
				}
				l.link(n, r, ilevel)
				found = true
			}
		case spec.level != 0:
			if l.ilevel[p.Index] >= spec.level && p.ID != r.ID {
				l.link(n, r, ilevel)
				found = true
			}
		case r.Category != p.Category:
			continue
		default:
			r.Category = p.Category
			l.link(n, r, ilevel)
			return true
		}
		if len(n.Children) > 0 && l.addToRule(spec, n.Children, r, ilevel) {
			found = true
		}
	}
	return found
}

func (l *loader) link(parent *RuleNode, r *Rule, ilevel int) {
	n := l.newNode(r, parent)
	parent.Children = insertNode(parent.Children, n, ilevel, l.ilevel)
	r.Nodes = append(r.Nodes, n)
	r.Parents = append(r.Parents, parent.Rule)
}

// nodeBlock is a block of rule nodes and of their parents.
type nodeBlock struct {
	nodes   []RuleNode
	parents []*RuleNode
}

// nodeBlockSize is the number of nodes of a block: one allocation for
// 128 nodes (a stock load makes 1,490) and no map of their parents.
const nodeBlockSize = 128

// newNode returns a node of rule r below parent (nil at the top), and
// records r as the first rule of its id given a node, or the id as one
// of several rules given nodes.
func (l *loader) newNode(r *Rule, parent *RuleNode) *RuleNode {
	k := len(l.nodeBlocks) - 1
	if k < 0 || len(l.nodeBlocks[k].nodes) == nodeBlockSize {
		l.nodeBlocks = append(l.nodeBlocks, nodeBlock{make([]RuleNode, 0, nodeBlockSize), make([]*RuleNode, 0, nodeBlockSize)})
		k++
	}
	b := &l.nodeBlocks[k]
	b.nodes = append(b.nodes, RuleNode{Rule: r})
	b.parents = append(b.parents, parent)
	// r.Index is set (addRule) and stays: only a rule without nodes is
	// removed from AllRules (unregister).
	if first, ok := l.nodeRule[int32(r.ID)]; !ok {
		l.nodeRule[int32(r.ID)] = int32(r.Index)
	} else if l.rs.AllRules[first] != r {
		if l.nodeRules == nil {
			l.nodeRules = map[int]bool{}
		}
		l.nodeRules[r.ID] = true
	}
	return &b.nodes[len(b.nodes)-1]
}

// parentOf returns the parent of node n (nil at the top), which newNode
// made.
func (l *loader) parentOf(n *RuleNode) *RuleNode {
	const size = unsafe.Sizeof(RuleNode{})
	p := uintptr(unsafe.Pointer(n))
	for i := range l.nodeBlocks {
		b := &l.nodeBlocks[i]
		if base := uintptr(unsafe.Pointer(unsafe.SliceData(b.nodes))); p >= base && p < base+uintptr(len(b.nodes))*size {
			return b.parents[(p-base)/size]
		}
	}
	return nil
}

// nodesOf returns the nodes of the rule of id sid, in creation order,
// and false when the nodes of that id belong to several rules.
func (l *loader) nodesOf(sid int) ([]*RuleNode, bool) {
	if l.nodeRules[sid] {
		return nil, false
	}
	if sid != int(int32(sid)) {
		return nil, true
	}
	if i, ok := l.nodeRule[int32(sid)]; ok {
		return l.rs.AllRules[i].Nodes, true
	}
	return nil, true
}

// addToRuleFast is addToRule for an if_sid without walking the tree: it
// attaches r below each node of rule sid that the depth-first search
// reaches, which is a node with no node of sid before it in its sibling
// list, nor above it, nor before any of its ancestors in theirs. done is
// false when the nodes of sid belong to several rules (then the caller
// walks the tree).
func (l *loader) addToRuleFast(sid int, r *Rule, ilevel int) (done, found bool) {
	cands, one := l.nodesOf(sid)
	if !one {
		return false, false
	}
	if len(cands) == 0 {
		return true, false
	}
	var reached []*RuleNode
	for _, n := range cands {
		if l.reachable(n, sid) {
			reached = append(reached, n)
		}
	}
	p := cands[0].Rule
	for _, n := range reached {
		r.Category = p.Category
		if r.LastEvents == nil && p.LastEvents != nil {
			r.LastEvents = p.LastEvents
		}
		l.link(n, r, ilevel)
	}
	return true, len(reached) > 0
}

// reachable reports whether _AddtoRule's search for sid reaches node n.
func (l *loader) reachable(n *RuleNode, sid int) bool {
	for x := n; ; {
		parent := l.parentOf(x)
		list := l.rs.Rules
		if parent != nil {
			list = parent.Children
		}
		for _, s := range list {
			if s == x {
				break
			}
			if s.Rule.ID == sid {
				return false
			}
		}
		if parent == nil {
			return true
		}
		if parent.Rule.ID == sid {
			return false
		}
		x = parent
	}
}

// eventSearch sets the correlation search of a rule just added, and marks
// the rules whose history it reads (OS_MarkID, OS_MarkGroup).
func (l *loader) eventSearch(r *Rule) {
	switch {
	case r.IfMatchedSID != 0:
		r.EventSearch = SearchLastSids
		// The nodes of the tree with that id: when they hold one rule
		// (or none), the walk below would find that rule (or none).
		if cands, one := l.nodesOf(r.IfMatchedSID); one && !attachByWalk {
			if len(cands) > 0 {
				cands[0].Rule.KeepsSidHistory = true
				r.SidSearch = cands[0].Rule
			}
			break
		}
		l.walk(func(n *RuleNode) {
			if n.Rule.ID == r.IfMatchedSID {
				n.Rule.KeepsSidHistory = true
				r.SidSearch = n.Rule
			}
		})
	case r.IfMatchedGroup() != nil:
		r.EventSearch = SearchLastGroups
		// Many rules share a groups string, and Match depends on it alone.
		if l.groupMatched == nil {
			l.groupMatched = map[string]bool{}
		}
		matched := l.groupMatched
		clear(matched)
		l.walk(func(n *RuleNode) {
			m, ok := matched[n.Rule.Groups]
			if !ok {
				m = r.IfMatchedGroup().Match(n.Rule.Groups)
				matched[n.Rule.Groups] = m
			}
			if m {
				n.Rule.GroupHistories = append(n.Rule.GroupHistories, r)
			}
		})
	case r.Context:
		if r.ContextOpts&SameDoDiff != 0 {
			r.Context = false
		} else {
			r.EventSearch = SearchLastEvents
		}
	}
}

func posString(p Pos) string {
	return p.File + ":" + itoa(p.Line) + ":" + itoa(p.Col)
}
