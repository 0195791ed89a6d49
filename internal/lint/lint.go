// Package lint finds OSSEC's traps in rule and decoder files: constructs
// OSSEC accepts but reads otherwise than a user expects, and rules that
// load but can never fire. It reads the files again for positions
// (ossecxml) and the compiled ruleset for the rule tree.
//
//	fs := lint.Check(rs, files)
//	for _, f := range fs {
//		fmt.Println(f) // rules/local.xml:12:27: warning: {5,} ... [regex-brace]
//	}
//
// Every finding has a stable Code; Codes lists lint's own. The loader's
// warnings on the same files (ruleset.Ruleset.Warnings: attributes OSSEC
// does not read, patterns that can hit PCRE2's JIT stack limit, ...) are
// findings too, with the loader's codes.
package lint

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ossecxml"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Code names a kind of finding.
type Code string

// The findings lint reports.
const (
	// RegexBrace: {n,m} in OS_Regex or OS_Match, which have no counted
	// repetition: the braces and digits are literal text.
	RegexBrace Code = "regex-brace"
	// RegexFlag: (?i) and other inline flags, which OS_Regex and OS_Match
	// read as literal text.
	RegexFlag Code = "regex-flag"
	// RegexClass: [...] character classes, literal in OS_Regex and
	// OS_Match.
	RegexClass Code = "regex-class"
	// MatchEscape: \d, \w, \s, \. in an OS_Match option, which has no
	// escapes: a literal backslash.
	MatchEscape Code = "match-escape"
	// MatchGroup: | inside ( ) in an OS_Match option: OS_Match has no
	// groups, | splits the whole pattern.
	MatchGroup Code = "match-group"
	// RegexAltCaptures: a decoder regex whose alternatives each capture:
	// the groups are numbered across alternatives, so <order> fields of the
	// second alternative come after those of the first.
	RegexAltCaptures Code = "regex-alt-captures"
	// FrequencyOffByTwo: frequency="N" fires on the (N+2)th event; the
	// description speaks of N.
	FrequencyOffByTwo Code = "frequency-off-by-two"
	// IfMatchedSIDNotLoaded: if_matched_sid names a rule not loaded before
	// this one: OSSEC finds nothing and the rule never matches.
	IfMatchedSIDNotLoaded Code = "if-matched-sid-not-loaded"
	// DecoderMismatch: the rule's decoded_as differs from that of every
	// parent it hangs below: it can never match.
	DecoderMismatch Code = "decoded-as-mismatch"
	// Shadowed: an earlier sibling with no condition always matches first
	// under every parent: the rule is never tried.
	Shadowed Code = "shadowed"
	// IDRange: the rule's id lies inside the id range of a file that is
	// not linted (the base's, for a repository's rule).
	IDRange Code = "id-range"
	// UnknownField: <field name="x"> names a field no decoder decodes
	// (or a static field, which <field> never sees).
	UnknownField Code = "unknown-field"
	// Ignored: an option OSSEC reads and ignores (a timeframe without
	// frequency or if_matched_*).
	Ignored Code = "ignored-option"
)

// Codes lists every code with a line on what it means.
var Codes = map[Code]string{
	RegexBrace:            "{n,m} is literal text in OS_Regex/OS_Match",
	RegexFlag:             "(?i) and other inline flags are literal text in OS_Regex/OS_Match",
	RegexClass:            "[...] is literal text in OS_Regex/OS_Match",
	MatchEscape:           `OS_Match has no escapes: \d is a backslash and a d`,
	MatchGroup:            "OS_Match has no groups: | splits the whole pattern",
	RegexAltCaptures:      "captures in several alternatives of a decoder regex are numbered across them",
	FrequencyOffByTwo:     `frequency="N" fires on the (N+2)th event`,
	IfMatchedSIDNotLoaded: "if_matched_sid names a rule not loaded before this one",
	DecoderMismatch:       "decoded_as differs from every parent's: never matches",
	Shadowed:              "an earlier sibling without conditions always matches first",
	IDRange:               "id inside another file's id range",
	UnknownField:          "<field> names a field no decoder decodes",
	Ignored:               "option OSSEC reads and ignores",
}

// Finding is one warning.
type Finding struct {
	Pos  ruleset.Pos
	Code Code
	Msg  string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: warning: %s [%s]", f.Pos.File, f.Pos.Line, f.Pos.Col, f.Msg, f.Code)
}

// Check lints files (rule and decoder files of rs, as loaded) against the
// compiled ruleset rs. Findings are sorted by file, line and column.
func Check(rs *ruleset.Ruleset, files []string) []Finding {
	c := &checker{rs: rs, files: map[string]bool{}}
	for _, f := range files {
		c.files[f] = true
		abs, err := filepath.Abs(f)
		if err == nil {
			c.files[abs] = true
		}
	}
	c.dynamic = map[string]bool{}
	for _, d := range rs.Decoders {
		for _, o := range d.Order {
			if o.Kind == ruleset.FieldDynamic {
				c.dynamic[strings.ToLower(o.Name)] = true
			}
		}
	}
	for _, f := range files {
		doc, err := ossecxml.ReadFile(f)
		if err != nil {
			continue // the loader reports unreadable files
		}
		c.doc(doc)
	}
	c.tree()
	// The loader's own warnings on these files: attributes and text OSSEC
	// does not read, patterns that can hit PCRE2's JIT stack limit on a
	// line OSSEC reads (pattern-jit-stack), ...
	for _, d := range rs.Warnings {
		if c.mine(d.Pos.File) {
			c.out = append(c.out, Finding{Pos: d.Pos, Code: Code(d.Code), Msg: d.Msg})
		}
	}
	sort.SliceStable(c.out, func(i, j int) bool {
		a, b := c.out[i].Pos, c.out[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return c.out
}

type checker struct {
	rs      *ruleset.Ruleset
	files   map[string]bool
	dynamic map[string]bool
	out     []Finding
}

func (c *checker) add(p ruleset.Pos, code Code, format string, a ...any) {
	c.out = append(c.out, Finding{Pos: p, Code: code, Msg: fmt.Sprintf(format, a...)})
}

func (c *checker) mine(file string) bool {
	if c.files[file] {
		return true
	}
	abs, err := filepath.Abs(file)
	return err == nil && c.files[abs]
}

// pos is the position of byte off of n's content.
func pos(file string, n *ossecxml.Node, off int) ruleset.Pos {
	p := n.ContentPos
	line, col := int(p.Line), int(p.Col)
	for i := 0; i < off && i < len(n.Content); i++ {
		if n.Content[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return ruleset.Pos{File: file, Line: line, Col: col}
}

func nodePos(file string, n *ossecxml.Node) ruleset.Pos {
	return ruleset.Pos{File: file, Line: int(n.Pos.Line), Col: int(n.Pos.Col)}
}

// The pattern dialect of each element, in rules and decoders.
var (
	ruleMatch = map[string]bool{"match": true, "user": true, "url": true, "id": true, "status": true,
		"extra_data": true, "hostname": true, "program_name": true, "srcport": true, "dstport": true,
		"srcgeoip": true, "dstgeoip": true, "if_matched_group": true}
	ruleRegex    = map[string]bool{"regex": true, "field": true, "if_matched_regex": true}
	decoderMatch = map[string]bool{"program_name": true}
	decoderRegex = map[string]bool{"prematch": true, "regex": true}
)

func (c *checker) doc(doc *ossecxml.Document) {
	for _, n := range doc.Roots() {
		switch n.Name {
		case "group":
			for _, r := range n.Children() {
				if r.Name == "rule" {
					c.rule(doc.File, r)
				}
			}
		case "rule":
			c.rule(doc.File, n)
		case "decoder":
			c.decoder(doc.File, n)
		}
	}
}

func (c *checker) decoder(file string, n *ossecxml.Node) {
	for _, e := range n.Children() {
		switch {
		case decoderMatch[e.Name]:
			c.osMatch(file, e)
		case decoderRegex[e.Name]:
			c.osRegex(file, e)
			if e.Name == "regex" {
				c.altCaptures(file, e)
			}
		}
	}
}

var (
	braceRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{\d+(,\d*)?\}`) })
	flagRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\(\?[a-zA-Z]+\)`) })
	classRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\[(\^?[A-Za-z0-9]-[A-Za-z0-9][^\]]*|\^[^\]]+)\][+*?]?|\[[^\]\s]{1,20}\][+*?]`)
	})
	// escapes OS_Regex knows, which OS_Match reads as a backslash and a
	// letter.
	escRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\\[dwsDWSp.]`) })
)

func (c *checker) traps(file string, e *ossecxml.Node, dialect string) {
	s := e.Content
	if m := braceRE().FindStringIndex(s); m != nil {
		c.add(pos(file, e, m[0]), RegexBrace, "<%s>: %s is literal text in %s (no counted repetition): write the repetition out%s", e.Name, s[m[0]:m[1]], dialect, instead(e.Name))
	}
	if m := flagRE().FindStringIndex(s); m != nil {
		c.add(pos(file, e, m[0]), RegexFlag, "<%s>: %s is literal text in %s (no inline flags; OS_Match is caseless already, OS_Regex is case-sensitive)", e.Name, s[m[0]:m[1]], dialect)
	}
	if m := classRE().FindStringIndex(s); m != nil {
		c.add(pos(file, e, m[0]), RegexClass, "<%s>: %s is literal text in %s (no character classes: use \\d, \\w, \\s, \\p%s)", e.Name, s[m[0]:m[1]], dialect, instead(e.Name))
	}
}

// instead is what to use for PCRE2 semantics instead of element name.
func instead(name string) string {
	switch name {
	case "regex":
		return "; use <pcre2> for PCRE2"
	case "match", "user", "url", "id", "status", "extra_data", "hostname", "program_name", "srcport", "dstport", "srcgeoip", "dstgeoip":
		return "; use <" + name + "_pcre2> for PCRE2"
	}
	return ""
}

func (c *checker) osRegex(file string, e *ossecxml.Node) {
	c.traps(file, e, "OS_Regex")
}

func (c *checker) osMatch(file string, e *ossecxml.Node) {
	c.traps(file, e, "OS_Match")
	s := e.Content
	if m := escRE().FindStringIndex(s); m != nil {
		c.add(pos(file, e, m[0]), MatchEscape, "<%s>: OS_Match has no escapes: %s is a backslash followed by %q", e.Name, s[m[0]:m[1]], s[m[0]+1:m[1]])
	}
	for _, alt := range splitGroupAlt(s) {
		c.add(pos(file, e, alt), MatchGroup, "<%s>: OS_Match has no groups: this | splits the whole pattern into %s", e.Name, quoteAll(strings.Split(s, "|")))
		break
	}
}

// splitGroupAlt returns the offsets of each | between a ( and a ).
func splitGroupAlt(s string) []int {
	var out []int
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case '|':
			if depth > 0 && strings.IndexByte(s[i:], ')') >= 0 {
				out = append(out, i)
			}
		}
	}
	return out
}

func quoteAll(parts []string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = strconv.Quote(p)
	}
	return strings.Join(q, ", ")
}

// altCaptures flags a decoder regex with top-level alternatives of which
// more than one captures.
func (c *checker) altCaptures(file string, e *ossecxml.Node) {
	s := e.Content
	depth, start, withCap, caps := 0, 0, 0, false
	at := -1
	flush := func(end int) {
		if caps {
			withCap++
			if withCap == 2 && at < 0 {
				at = start
			}
		}
		caps = false
		start = end + 1
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
			caps = true
		case ')':
			if depth > 0 {
				depth--
			}
		case '|':
			if depth == 0 {
				flush(i)
			}
		}
	}
	flush(len(s))
	if withCap >= 2 {
		c.add(pos(file, e, at), RegexAltCaptures, "<regex>: alternatives that each capture: the groups are numbered across the whole pattern, so the <order> fields of this alternative come after those of the first, which stay empty when it matches")
	}
}

var numberRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b(\d+)\b`) })

func (c *checker) rule(file string, n *ossecxml.Node) {
	var desc string
	var hasFreq, hasTimeframe bool
	freq := 0
	var freqPos ruleset.Pos
	correlates := false
	for _, a := range n.Attrs {
		switch a.Name {
		case "frequency":
			hasFreq = true
			freq, _ = strconv.Atoi(strings.TrimSpace(a.Value))
			freqPos = ruleset.Pos{File: file, Line: int(a.Pos.Line), Col: int(a.Pos.Col)}
		case "timeframe":
			hasTimeframe = true
		}
	}
	var timeframePos ruleset.Pos
	for _, a := range n.Attrs {
		if a.Name == "timeframe" {
			timeframePos = ruleset.Pos{File: file, Line: int(a.Pos.Line), Col: int(a.Pos.Col)}
		}
	}
	for _, e := range n.Children() {
		switch {
		case e.Name == "description":
			desc += e.Content
		case e.Name == "if_matched_sid" || e.Name == "if_matched_group" || e.Name == "if_matched_regex":
			correlates = true
		}
		switch {
		case ruleMatch[e.Name]:
			c.osMatch(file, e)
		case ruleRegex[e.Name]:
			c.osRegex(file, e)
		}
		if e.Name == "field" {
			name, _ := e.Attr("name")
			c.field(file, e, name)
		}
	}
	if hasFreq && freq > 0 {
		for _, m := range numberRE().FindAllStringSubmatch(desc, -1) {
			if k, _ := strconv.Atoi(m[1]); k == freq {
				c.add(freqPos, FrequencyOffByTwo, "frequency=\"%d\" fires on the %dth matching event (OSSEC counts frequency+1 earlier events), but the description speaks of %d: for %d events write frequency=\"%d\"", freq, freq+2, freq, freq, max(freq-2, 0))
				break
			}
		}
	}
	if hasTimeframe && !hasFreq && !correlates {
		c.add(timeframePos, Ignored, "timeframe without frequency or if_matched_*: OSSEC ignores it")
	}
}

// static are the fields rules match with their own options; <field>
// sees only dynamic fields.
var static = map[string]string{"user": "<user>", "dstuser": "<user>", "srcuser": "<user>", "srcip": "<srcip>",
	"dstip": "<dstip>", "srcport": "<srcport>", "dstport": "<dstport>", "id": "<id>", "url": "<url>",
	"action": "<action>", "status": "<status>", "extra_data": "<extra_data>", "protocol": "(no option)"}

func (c *checker) field(file string, e *ossecxml.Node, name string) {
	if name == "" || c.dynamic[strings.ToLower(name)] {
		return
	}
	if opt, ok := static[strings.ToLower(name)]; ok {
		c.add(nodePos(file, e), UnknownField, "<field name=%q>: %s is a static field, which <field> never sees (it matches only a decoder's own <order> names): use %s", name, name, opt)
		return
	}
	c.add(nodePos(file, e), UnknownField, "<field name=%q>: no decoder decodes a field of that name: the rule never matches", name)
}

// tree runs the checks that need the compiled rule tree.
func (c *checker) tree() {
	rs := c.rs
	parents := map[*ruleset.Rule][]*ruleset.RuleNode{}
	seen := map[*ruleset.RuleNode]bool{}
	var walk func(n *ruleset.RuleNode)
	walk = func(n *ruleset.RuleNode) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, ch := range n.Children {
			parents[ch.Rule] = append(parents[ch.Rule], n)
			walk(ch)
		}
	}
	for _, n := range rs.Rules {
		walk(n)
	}
	ranges := c.idRanges()
	for _, r := range rs.AllRules {
		if !c.mine(r.Pos.File) {
			continue
		}
		if r.IfMatchedSID != 0 && r.SidSearch == nil {
			c.add(r.Pos, IfMatchedSIDNotLoaded, "rule %d: if_matched_sid %d names a rule not loaded before this one: OSSEC finds no earlier match and the rule never fires", r.ID, r.IfMatchedSID)
		}
		ps := parents[r]
		if len(ps) > 0 && r.DecodedAs != 0 {
			ok := false
			for _, p := range ps {
				if d := effectiveDecoder(p.Rule, parents); d == 0 || d == r.DecodedAs {
					ok = true
					break
				}
			}
			if !ok {
				c.add(r.Pos, DecoderMismatch, "rule %d: decoded_as %q, but every parent (%s) matches only events of another decoder: it can never match", r.ID, r.DecodedAsName, ids(ps))
			}
		}
		if len(ps) > 0 {
			var by []string
			for _, p := range ps {
				s := shadow(p, r)
				if s == nil {
					by = nil
					break
				}
				by = append(by, fmt.Sprintf("%d below %d", s.ID, p.Rule.ID))
			}
			if by != nil {
				c.add(r.Pos, Shadowed, "rule %d is never tried: an earlier sibling without conditions always matches first (%s)", r.ID, strings.Join(by, ", "))
			}
		}
		if r.AlertOpts&ruleset.DoOverwrite == 0 {
			var in *idRange
			for i, g := range ranges {
				if !c.mine(g.file) && r.ID > g.lo && r.ID < g.hi && (in == nil || g.hi-g.lo < in.hi-in.lo) {
					in = &ranges[i]
				}
			}
			if in != nil {
				c.add(r.Pos, IDRange, "rule %d: the id lies inside the range %d-%d of %s; pick an id of a range of its own (100000-119999 is for local rules)", r.ID, in.lo, in.hi, filepath.Base(in.file))
			}
		}
	}
}

type idRange struct {
	file   string
	lo, hi int
}

// idRanges are the id ranges of the rule files of the ruleset (not the
// built-in category roots).
func (c *checker) idRanges() []idRange {
	by := map[string]*idRange{}
	var order []string
	for _, r := range c.rs.AllRules {
		if r.ID < 100 {
			continue
		}
		g := by[r.Pos.File]
		if g == nil {
			g = &idRange{file: r.Pos.File, lo: r.ID, hi: r.ID}
			by[r.Pos.File] = g
			order = append(order, r.Pos.File)
		}
		g.lo, g.hi = min(g.lo, r.ID), max(g.hi, r.ID)
	}
	out := make([]idRange, 0, len(order))
	for _, f := range order {
		out = append(out, *by[f])
	}
	return out
}

func ids(ns []*ruleset.RuleNode) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n.Rule.ID)
	}
	return strings.Join(s, ", ")
}

// effectiveDecoder is the decoder an event must have to reach below r: its
// own decoded_as or the nearest ancestor's (0: any), through the first
// parent.
func effectiveDecoder(r *ruleset.Rule, parents map[*ruleset.Rule][]*ruleset.RuleNode) int {
	seen := map[*ruleset.Rule]bool{}
	for r != nil && !seen[r] {
		seen[r] = true
		if r.DecodedAs != 0 {
			return r.DecodedAs
		}
		ps := parents[r]
		if len(ps) != 1 {
			return 0
		}
		r = ps[0].Rule
	}
	return 0
}

// shadow returns the earlier child of p that always matches and so stops
// OSSEC before it reaches r, or nil.
func shadow(p *ruleset.RuleNode, r *ruleset.Rule) *ruleset.Rule {
	for _, ch := range p.Children {
		if ch.Rule == r {
			return nil
		}
		if unconditional(ch.Rule) && (ch.Rule.DecodedAs == 0 || ch.Rule.DecodedAs == r.DecodedAs) {
			return ch.Rule
		}
	}
	return nil
}

// unconditional reports whether r matches every event that reaches it and
// then stops the walk (it alerts, or is a level-0 rule without noalert).
func unconditional(r *ruleset.Rule) bool {
	if r.AlertOpts&ruleset.NoAlert != 0 || r.Context || r.AlertOpts&ruleset.DoFTS != 0 {
		return false
	}
	pats := []*osregex.Pattern{r.Match(), r.MatchPCRE2(), r.Regex(), r.PCRE2, r.SrcPort(), r.SrcPortPCRE2(), r.DstPort(), r.DstPortPCRE2(),
		r.User(), r.UserPCRE2(), r.URL(), r.URLPCRE2(), r.EventID(), r.EventIDPCRE2, r.Status(), r.StatusPCRE2(),
		r.Hostname(), r.HostnamePCRE2(), r.ProgramName(), r.ProgramNamePCRE2(), r.ExtraData(), r.ExtraDataPCRE2(),
		r.SrcGeoIP(), r.SrcGeoIPPCRE2(), r.DstGeoIP(), r.DstGeoIPPCRE2()}
	for _, p := range pats {
		if p != nil {
			return false
		}
	}
	return len(r.SrcIP()) == 0 && len(r.DstIP()) == 0 && !r.HasAction() && len(r.Fields()) == 0 && len(r.Lists()) == 0 &&
		r.Time() == nil && r.Weekday() == nil && r.MaxSize() == 0 && r.CompiledRule() == "" &&
		r.ContextOpts&ruleset.SameDoDiff == 0
}
