package ruleset

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ossecxml"
)

// Built-in decoder names registered by SetDecodeXML after the decoder files.
var builtinDecoderNames = []string{
	"rootcheck",
	"syscheck_integrity_changed",
	"syscheck_integrity_changed_2nd",
	"syscheck_integrity_changed_3rd",
	"syscheck_new_entry",
	"syscheck_deleted",
	"hostinfo_new",
	"hostinfo_modified",
}

var pluginNames = map[string]Plugin{
	"PF_Decoder":         PluginPF,
	"SymantecWS_Decoder": PluginSymantecWS,
	"SonicWall_Decoder":  PluginSonicWall,
	"OSSECAlert_Decoder": PluginOSSECAlert,
}

// loadDecoders reads the decoder files in analysisd's order and assigns
// the decoder IDs.
func (l *loader) loadDecoders() {
	for _, f := range l.legacyDecoders() {
		l.rs.LegacyDecoders = true
		_, inRepo := l.repoFile(f.path)
		l.readDecoderFile(f, f.path == "etc/local_decoder.xml" || (l.src.Base == "" && !inRepo))
	}
	for _, f := range l.decoderFiles {
		l.readDecoderFile(f, false)
	}
	for _, f := range l.src.Decoders {
		l.readDecoderFile(cfgPath{name: f, path: f}, false)
	}
	// SetDecodeXML: the IDs are positions in the sorted set of names.
	names := append(l.decoderNames, builtinDecoderNames...)
	sort.Strings(names)
	names = slices.Compact(names)
	l.rs.DecoderNames = append([]string{""}, names...)
	id := l.decoderID
	setIDs := func(list []*Decoder) {
		for _, d := range list {
			d.ID = id(d.OwnName)
			d.Name = d.OwnName
			for _, c := range d.Children {
				if c.UseOwnName {
					c.ID = id(c.OwnName)
					c.Name = c.OwnName
				} else {
					c.ID = d.ID
					c.Name = d.Name
				}
			}
		}
	}
	setIDs(l.noPName)
	setIDs(l.forPName)
	l.rs.ProgramNameDecoders = l.forPName
	l.rs.NoProgramNameDecoders = l.noPName
}

// decoderID returns the ID of a decoder name (getDecoderfromlist), 0 if none.
func (l *loader) decoderID(name string) int {
	names := l.rs.DecoderNames
	i := sort.SearchStrings(names[1:], name)
	if i < len(names)-1 && names[i+1] == name {
		return i + 1
	}
	return 0
}

// readDecoderFile is ReadDecodeXML. An optional file (local_decoder.xml)
// may be missing or hold no decoder.
func (l *loader) readDecoderFile(f cfgPath, optional bool) {
	file := f.path
	if f.inBase {
		file = l.basePath(f.path)
	}
	display := file
	doc, found := l.readXML(file, display, true, CodeFileRead)
	if !found {
		if !optional {
			l.decoderFailed = true
			if f.pos.File != "" {
				l.errf(f.pos, CodeFileNotFound, "decoder file %q not found", f.name)
			} else {
				l.errf(Pos{File: display}, CodeFileNotFound, "decoder file not found")
			}
		}
		return
	}
	if doc == nil {
		l.decoderFailed = true
		return
	}
	l.rs.DecoderFiles = append(l.rs.DecoderFiles, display)
	// OSSEC stops at the first decoder in error; the others are read to
	// report their errors too. Each is done with before the next.
	none := true
	for n := range doc.RootsSeq(&l.roots) {
		none = false
		if !l.readDecoder(display, n) {
			l.decoderFailed = true
			if len(n.Attrs) > 0 && strings.EqualFold(n.Attrs[0].Name, "name") {
				l.failedDecoders[n.Attrs[0].Value] = true
			}
		}
	}
	if none && !optional {
		l.errf(Pos{File: display, Line: 1, Col: 1}, CodeDecoderEmpty, "no decoder in %s", filepath.Base(display))
	}
}

// decoderSrc is what the elements of one <decoder> gave.
type decoderSrc struct {
	parent, regex, prematch, pname acc
	regexPCRE, prematchPCRE        acc
	pnamePCRE                      acc
	hasOrder                       bool
	orderPos                       Pos
	fts                            FTSFields
}

// readDecoder reads one <decoder> and adds it (the body of ReadDecodeXML's
// loop). It returns false when OSSEC would stop. Each step stops at its
// first error, in OSSEC's order: the element and its name, each element
// (decoderOptions), the checks of the whole, the patterns, the place among
// the decoders.
func (l *loader) readDecoder(file string, n *ossecxml.Node) bool {
	if !strings.EqualFold(n.Name, "decoder") {
		l.errf(xpos(file, n.Pos), CodeDecoderRoot, "invalid element <%s>: only <decoder> is allowed here", n.Name)
		return false
	}
	if len(n.Attrs) == 0 || !strings.EqualFold(n.Attrs[0].Name, "name") {
		l.errf(xpos(file, n.Pos), CodeDecoderName, "<decoder> needs a name attribute (and only that)")
		return false
	}
	if len(n.Attrs) > 1 {
		l.errf(xpos(file, n.Attrs[1].Pos), CodeDecoderName, "<decoder> takes only a name attribute (found %q)", n.Attrs[1].Name)
		return false
	}
	kids := n.ChildrenIn(&l.kids)
	if kids == nil {
		l.errf(xpos(file, n.Pos), CodeDecoderEmpty, "decoder %q has no elements", n.Attrs[0].Value)
		return false
	}
	d := &Decoder{OwnName: n.Attrs[0].Value, Name: n.Attrs[0].Value, Type: CategorySyslog, Pos: xpos(file, n.Pos)}
	l.decoderNames = append(l.decoderNames, d.OwnName)
	// One reader serves every decoder, as l.rr every rule: it is large
	// (the text of each element) and lives only while its decoder is read.
	dr := &l.dr
	*dr = decoderReader{l: l, file: file, d: d}
	l.checkContainer(file, n)
	for _, e := range kids {
		if !dr.option(e) {
			return false
		}
	}
	if !dr.check() || !dr.compile() {
		return false
	}
	return l.addDecoder(d, dr.s.parent.set)
}

// decoderReader is the state of readDecoder for one <decoder>.
type decoderReader struct {
	l    *loader
	file string
	d    *Decoder
	s    decoderSrc
	// what names the decoder in pattern diagnostics, made at its first
	// pattern.
	what string
}

// decoderOptions read the elements of a decoder.
var decoderOptions = map[string]func(*decoderReader, *ossecxml.Node) bool{
	"parent":             func(dr *decoderReader, e *ossecxml.Node) bool { return dr.text(&dr.s.parent, e) },
	"regex":              func(dr *decoderReader, e *ossecxml.Node) bool { return dr.pattern(&dr.s.regex, false, e) },
	"pcre2":              func(dr *decoderReader, e *ossecxml.Node) bool { return dr.pattern(&dr.s.regexPCRE, false, e) },
	"prematch":           func(dr *decoderReader, e *ossecxml.Node) bool { return dr.pattern(&dr.s.prematch, true, e) },
	"prematch_pcre2":     func(dr *decoderReader, e *ossecxml.Node) bool { return dr.pattern(&dr.s.prematchPCRE, true, e) },
	"program_name":       func(dr *decoderReader, e *ossecxml.Node) bool { return dr.text(&dr.s.pname, e) },
	"program_name_pcre2": func(dr *decoderReader, e *ossecxml.Node) bool { return dr.text(&dr.s.pnamePCRE, e) },
	"ftscomment":         func(*decoderReader, *ossecxml.Node) bool { return true },
	"use_own_name":       (*decoderReader).useOwnName,
	"plugin_decoder":     (*decoderReader).plugin,
	"type":               (*decoderReader).decoderType,
	"order":              (*decoderReader).order,
	"accumulate":         func(dr *decoderReader, _ *ossecxml.Node) bool { dr.d.Accumulate = true; return true },
	"fts":                (*decoderReader).fts,
}

// option reads one element of the decoder.
func (dr *decoderReader) option(e *ossecxml.Node) bool {
	dr.l.checkOption(dr.file, e)
	name := strings.ToLower(e.Name)
	if name == "type" && e.Name != "type" {
		name = "" // <type> is the one element OSSEC compares case-sensitively
	}
	read, ok := decoderOptions[name]
	if !ok {
		dr.l.errf(xpos(dr.file, e.Pos), CodeDecoderElement, "decoder %q: invalid element <%s>", dr.d.OwnName, e.Name)
		return false
	}
	attrsRead := 0
	switch name {
	case "regex", "pcre2", "prematch", "prematch_pcre2":
		attrsRead = 1 // the offset
	}
	dr.l.checkAttrs(dr.file, e, attrsRead)
	return read(dr, e)
}

// text appends the content of e to a as _loadmemory does; a value too
// long is dropped with a warning, as OSSEC drops it.
func (dr *decoderReader) text(a *acc, e *ossecxml.Node) bool {
	if !a.addDecoder(e.Content, e.ContentPos, true) {
		dr.l.warnf(xpos(dr.file, e.ContentPos), CodeDecoderTooLong, "decoder %q: <%s> value too long (8 KiB): OSSEC drops it", dr.d.OwnName, e.Name)
	}
	return true
}

// pattern reads a <regex>, <pcre2>, <prematch> or <prematch_pcre2> (a
// prematch when prematch is set) and its offset attribute.
func (dr *decoderReader) pattern(a *acc, prematch bool, e *ossecxml.Node) bool {
	d := dr.d
	off, ok := dr.l.decoderOffset(dr.file, d, e)
	if !ok {
		return false
	}
	if a.set && off != 0 {
		dr.l.errf(xpos(dr.file, e.Pos), CodeDecoderOffset, "decoder %q: only the first <%s> may have an offset", d.OwnName, e.Name)
		return false
	}
	if off != 0 {
		if prematch {
			d.PrematchOffset = off
		} else {
			d.RegexOffset = off
		}
	}
	return dr.text(a, e)
}

func (dr *decoderReader) useOwnName(e *ossecxml.Node) bool {
	if e.Content == "true" {
		dr.d.UseOwnName = true
	}
	return true
}

func (dr *decoderReader) plugin(e *ossecxml.Node) bool {
	p, ok := pluginNames[e.Content]
	if !ok {
		dr.l.errf(xpos(dr.file, e.ContentPos), CodeDecoderPlugin, "decoder %q: unknown plugin_decoder %q", dr.d.OwnName, e.Content)
		return false
	}
	dr.d.Plugin = p
	return true
}

func (dr *decoderReader) decoderType(e *ossecxml.Node) bool {
	t, ok := decoderTypes[e.Content]
	if !ok {
		dr.l.errf(xpos(dr.file, e.ContentPos), CodeDecoderType, "decoder %q: invalid type %q", dr.d.OwnName, e.Content)
		return false
	}
	dr.d.Type = t
	return true
}

func (dr *decoderReader) order(e *ossecxml.Node) bool {
	if !dr.l.decoderOrder(dr.file, dr.d, e) {
		return false
	}
	dr.s.hasOrder = true
	dr.s.orderPos = xpos(dr.file, e.Pos)
	return true
}

func (dr *decoderReader) fts(e *ossecxml.Node) bool {
	for _, p := range strBreak(e.Content, ',', 8) {
		f := ftsField(p)
		if f == 0 {
			dr.l.errf(xpos(dr.file, e.ContentPos), CodeDecoderFTS, "decoder %q: wrong field %q in <fts>", dr.d.OwnName, p)
			return false
		}
		dr.s.fts |= f
	}
	return true
}

// check checks the decoder as a whole: what it needs to match, and its
// offsets.
func (dr *decoderReader) check() bool {
	d, s, l := dr.d, &dr.s, dr.l
	d.FTS = s.fts
	d.Parent = s.parent.text
	hasParent := s.parent.set
	hasPrematch := s.prematch.set || s.prematchPCRE.set
	hasRegex := s.regex.set || s.regexPCRE.set
	at := d.Pos
	if !hasPrematch && !hasParent && !s.pname.set && !s.pnamePCRE.set {
		l.errf(at, CodeDecoderNoPrematch, "decoder %q needs a <prematch>, a <parent> or a <program_name>", d.OwnName)
		return false
	}
	if !hasRegex && (d.FTS != 0 || s.hasOrder) {
		l.errf(at, CodeDecoderRegex, "decoder %q has <order> or <fts> but no <regex>", d.OwnName)
		return false
	}
	if hasRegex && !s.hasOrder {
		l.errf(at, CodeDecoderRegex, "decoder %q has a <regex> but no <order>", d.OwnName)
		return false
	}
	if d.RegexOffset&OffsetAfterParent != 0 && !hasParent {
		l.errf(at, CodeDecoderOffset, "decoder %q: offset after_parent needs a <parent>", d.OwnName)
		return false
	}
	if d.RegexOffset&OffsetAfterPrematch != 0 {
		if !hasParent {
			d.RegexOffset = OffsetAfterParent
		} else if !hasPrematch {
			l.errf(at, CodeDecoderOffset, "decoder %q: offset after_prematch needs a <prematch>", d.OwnName)
			return false
		}
	}
	if d.RegexOffset&OffsetAfterRegex != 0 && (!hasParent || !hasRegex) {
		l.errf(at, CodeDecoderOffset, "decoder %q: offset after_regex needs a <parent> and a <regex>", d.OwnName)
		return false
	}
	if d.PrematchOffset != 0 {
		if d.PrematchOffset&OffsetAfterParent == 0 {
			l.errf(at, CodeDecoderOffset, "decoder %q: a <prematch> offset can only be after_parent", d.OwnName)
			return false
		}
		if !hasParent {
			l.errf(at, CodeDecoderOffset, "decoder %q: offset after_parent needs a <parent>", d.OwnName)
			return false
		}
	}
	return true
}

// compilePair compiles the OS_Regex/OS_Match pattern a when given (as
// kind), else the PCRE2 pattern p, into dst.
func (dr *decoderReader) compilePair(a, p *acc, kind osregex.Kind, dst **osregex.Pattern) bool {
	if !a.set && !p.set {
		return true
	}
	if dr.what == "" {
		dr.what = "decoder " + quote(dr.d.OwnName)
	}
	what := dr.what
	if a.set {
		*dst = dr.l.compile(kind, a, 0, dr.file, what)
		return *dst != nil
	}
	if p.set {
		*dst = dr.l.compile(osregex.KindPCRE2, p, osregex.Caseless, dr.file, what)
		return *dst != nil
	}
	return true
}

// compile compiles the decoder's patterns in OSSEC's order.
func (dr *decoderReader) compile() bool {
	d, s := dr.d, &dr.s
	if !dr.compilePair(&s.prematch, &s.prematchPCRE, osregex.KindRegex, &d.Prematch) ||
		!dr.compilePair(&s.pname, &s.pnamePCRE, osregex.KindMatch, &d.ProgramName) ||
		!dr.compilePair(&s.regex, &s.regexPCRE, osregex.KindRegex, &d.Regex) {
		return false
	}
	if s.regex.set {
		if _, runsPCRE := d.Regex.PCRE2(); !runsPCRE {
			dr.l.errf(s.regex.posAt(dr.file, -1), CodeDecoderSubstrings, "decoder %q: regex %q has no sub-patterns (OSSEC runs it as a string compare)", d.OwnName, s.regex.text)
			return false
		}
	}
	if d.Plugin != PluginNone && (s.regex.set || s.hasOrder) {
		dr.l.errf(d.Pos, CodeDecoderPlugin, "decoder %q: a plugin decoder cannot have <regex> or <order>", d.OwnName)
		return false
	}
	return true
}

var decoderTypes = map[string]Category{
	"firewall":         CategoryFirewall,
	"ids":              CategoryIDS,
	"web-log":          CategoryWebLog,
	"syslog":           CategorySyslog,
	"squid":            CategorySquid,
	"windows":          CategoryWindows,
	"host-information": CategoryHostInfo,
	"ossec":            CategoryOSSEC,
}

func quote(s string) string { return "\"" + s + "\"" }

// decoderOffset is ReadDecodeAttrs: only a first attribute "offset" is
// allowed.
func (l *loader) decoderOffset(file string, d *Decoder, e *ossecxml.Node) (Offset, bool) {
	if len(e.Attrs) == 0 {
		return 0, true
	}
	a := e.Attrs[0]
	if a.Name != "offset" {
		l.errf(xpos(file, a.Pos), CodeDecoderOffset, "decoder %q: invalid attribute %q on <%s>", d.OwnName, a.Name, e.Name)
		return 0, false
	}
	switch a.Value {
	case "after_parent":
		return OffsetAfterParent, true
	case "after_prematch":
		return OffsetAfterPrematch, true
	case "after_regex":
		return OffsetAfterRegex, true
	}
	l.errf(xpos(file, a.ValuePos), CodeDecoderOffset, "decoder %q: invalid offset %q", d.OwnName, a.Value)
	return 0, false
}

var orderFields = map[string]FieldKind{
	"dstuser":     FieldDstUser,
	"srcuser":     FieldSrcUser,
	"user":        FieldDstUser,
	"srcip":       FieldSrcIP,
	"dstip":       FieldDstIP,
	"srcport":     FieldSrcPort,
	"dstport":     FieldDstPort,
	"protocol":    FieldProtocol,
	"action":      FieldAction,
	"id":          FieldID,
	"url":         FieldURL,
	"data":        FieldData,
	"extra_data":  FieldData,
	"status":      FieldStatus,
	"system_name": FieldSystemName,
}

// OrderFieldKind is the field an <order> entry of that name (one word)
// sets: FieldDynamic for a name OSSEC has no field for.
func OrderFieldKind(name string) FieldKind {
	if k, ok := orderFields[name]; ok {
		return k
	}
	if strings.Contains(name, "filename") {
		return FieldFileName
	}
	return FieldDynamic
}

// decoderOrder parses <order> as decode-xml.c does: comma-separated
// entries; leading spaces are skipped and an entry ends at its first
// space after that; a dynamic field keeps all but one of its leading spaces.
func (l *loader) decoderOrder(file string, d *Decoder, e *ossecxml.Node) bool {
	d.Order = d.Order[:0]
	for _, p := range strBreak(e.Content, ',', maxDecoderOrderSize) {
		if len(d.Order) >= l.rs.Config.DecoderOrderSize {
			l.errf(xpos(file, e.ContentPos), CodeDecoderOrder, "decoder %q: <order> has more than %d fields", d.OwnName, l.rs.Config.DecoderOrderSize)
			return false
		}
		lead := 0
		for lead < len(p) && p[lead] == ' ' {
			lead++
		}
		w := p[lead:]
		if i := strings.IndexByte(w, ' '); i >= 0 {
			w = w[:i]
		}
		if w == "" {
			l.errf(xpos(file, e.ContentPos), CodeDecoderOrder, "decoder %q: wrong field %q in <order>", d.OwnName, p)
			return false
		}
		if k := OrderFieldKind(w); k != FieldDynamic {
			d.Order = append(d.Order, FieldSetter{Kind: k, Name: w})
		} else {
			name := p[:lead+len(w)]
			if name[0] == ' ' {
				name = name[1:]
			}
			d.Order = append(d.Order, FieldSetter{Kind: FieldDynamic, Name: name})
		}
	}
	return true
}

// strBreak is OS_StrBreak: s split at sep into at most size pieces (the
// last one keeps the rest).
func strBreak(s string, sep byte, size int) []string {
	var out []string
	for len(out) < size-1 {
		i := strings.IndexByte(s, sep)
		if i < 0 {
			break
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
	return append(out, s)
}

// ftsField maps one <fts> entry as decode-xml.c does, by substring, with
// its order of tests (so "srcuser" counts as the user).
func ftsField(p string) FTSFields {
	var f FTSFields
	if strings.Contains(p, "dstuser") {
		f |= FTSDstUser
	}
	switch {
	case strings.Contains(p, "user"):
		f |= FTSDstUser
	case strings.Contains(p, "srcuser"):
		f |= FTSSrcUser
	case strings.Contains(p, "srcip"):
		f |= FTSSrcIP
	case strings.Contains(p, "dstip"):
		f |= FTSDstIP
	case strings.Contains(p, "id"):
		f |= FTSID
	case strings.Contains(p, "location"):
		f |= FTSLocation
	case strings.Contains(p, "data"):
		f |= FTSData
	case strings.Contains(p, "system_name"):
		f |= FTSSystemName
	case strings.Contains(p, "name"):
		f |= FTSName
	default:
		return 0
	}
	return f
}

// addDecoder is OS_AddOSDecoder.
func (l *loader) addDecoder(d *Decoder, hasParent bool) bool {
	if hasParent {
		added := false
		for _, list := range [][]*Decoder{l.forPName, l.noPName} {
			for _, top := range list {
				if top.OwnName != d.Parent {
					continue
				}
				if !l.addChild(top, d) {
					return false
				}
				d.ParentDecoders = append(d.ParentDecoders, top)
				added = true
			}
		}
		if !added {
			if !l.failedDecoders[d.Parent] {
				l.errf(d.Pos, CodeDecoderParent, "decoder %q: parent decoder %q not found", d.OwnName, d.Parent)
			}
			return false
		}
	} else {
		if d.ProgramName != nil {
			l.forPName = append(l.forPName, d)
		} else {
			l.noPName = append(l.noPName, d)
		}
	}
	l.rs.Decoders = append(l.rs.Decoders, d)
	return true
}

// addChild is _OS_AddOSDecoder on a parent's child list.
func (l *loader) addChild(top, d *Decoder) bool {
	if len(top.Children) == 0 {
		if d.RegexOffset&OffsetAfterRegex != 0 {
			l.errf(d.Pos, CodeDecoderOffset, "decoder %q: offset after_regex needs an earlier decoder of the same name", d.OwnName)
			return false
		}
		top.Children = append(top.Children, d)
		return true
	}
	follows := false
	for _, t := range top.Children {
		if t.OwnName != d.OwnName {
			continue
		}
		if (t.Prematch != nil || t.Regex != nil) && d.RegexOffset != 0 {
			follows = true
		}
		if d.Prematch != nil {
			l.errf(d.Pos, CodeDecoderSibling, "decoder %q: a decoder that repeats a name cannot have a <prematch>", d.OwnName)
			return false
		}
		if d.FTS != 0 {
			l.errf(d.Pos, CodeDecoderSibling, "decoder %q: a decoder that repeats a name cannot have <fts>", d.OwnName)
			return false
		}
		switch {
		case isKind(t.Regex, osregex.KindRegex) && isKind(d.Regex, osregex.KindRegex),
			isKind(t.Regex, osregex.KindPCRE2) && isKind(d.Regex, osregex.KindPCRE2):
			t.GetNext = true
		default:
			l.errf(d.Pos, CodeDecoderSibling, "decoder %q: decoders that repeat a name must all have a <regex> (or all a <pcre2>)", d.OwnName)
			return false
		}
	}
	if !follows && d.RegexOffset&OffsetAfterRegex != 0 {
		l.errf(d.Pos, CodeDecoderOffset, "decoder %q: offset after_regex needs an earlier decoder of the same name", d.OwnName)
		return false
	}
	top.Children = append(top.Children, d)
	return true
}

func isKind(p *osregex.Pattern, k osregex.Kind) bool { return p != nil && p.Kind() == k }
