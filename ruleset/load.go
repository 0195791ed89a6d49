package ruleset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"unsafe"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ossecxml"
)

// Sources says what to load. Load reads them in the order analysisd does:
// the configuration, the decoders, the lists, the rules.
//
// Base is an OSSEC installation directory laid out as /var/ossec
// (etc/ossec.conf, etc/decoder.xml, etc/local_decoder.xml, rules/*.xml,
// etc/internal_options.conf). It plays the role of the chroot directory of
// `ossec-logtest -D dir`: paths found in the configuration ("rules/x.xml"
// for a bare <include>x.xml</include>, "etc/decoder.xml", list paths) are
// resolved inside it, an absolute path from its root.
//
// The remaining fields are layers applied on top, in order. Their paths are
// ordinary file system paths.
type Sources struct {
	// Base is the OSSEC directory ("" for none: then only the layers are
	// loaded, with OSSEC's default settings).
	Base string
	// Config is the main configuration file, read as `ossec-logtest -c`
	// reads it (an ordinary path, not inside Base). When empty and Base is
	// set, it is Base/etc/ossec.conf (ossec-logtest itself reads
	// /var/ossec/etc/ossec.conf without -c, whatever -D says); when both
	// are empty there is none and OSSEC's defaults apply.
	Config string
	// Configs are extra ossec.conf files read after Config: their
	// <global> and <alerts> settings override, their <rules> entries,
	// <command> and <active-response> blocks are added.
	Configs []string
	// Decoders are extra decoder files, loaded after the configuration's
	// decoders (as local_decoder.xml is).
	Decoders []string
	// Rules are extra rule files, loaded after the configuration's rule
	// files (as local_rules.xml is).
	Rules []string
	// Lists are extra CDB list text files (key:value lines). A rule's
	// <list> names one as lists/ followed by its file name
	// ("lists/bad-hosts" for Lists entry "/repo/lists/bad-hosts").
	Lists []string
	// Repo is a rules repository deployed into Base (see Repo); nil for
	// none. It is read after Config and before Configs.
	Repo *Repo
	// FirstRules are rule files loaded before every other (the category
	// roots an installation's rules_config.xml defines, for a ruleset
	// without a base).
	FirstRules []string
	// ActiveResponse makes Load read <command> and <active-response> and
	// bind them to rules, as analysisd does. ossec-logtest does not read
	// them (a rule never has active responses there and errors in those
	// blocks go unnoticed); false loads as ossec-logtest does.
	ActiveResponse bool
}

// Internal option defaults (etc/internal_options.conf of OSSEC 4.3.0).
const (
	defaultDecoderOrderSize  = 256
	defaultTimeframe         = 360
	defaultSidPrevMatchedMax = 128
	maxDecoderOrderSize      = 1024
	maxTimeframe             = 604800
)

// Load loads and compiles src. On failure the error is an *Error listing
// every diagnostic (every error found, see Error); warnings of a
// successful load are in Ruleset.Warnings. Both are sorted by position.
func Load(src Sources) (*Ruleset, error) {
	defer relaxGC()()
	l := newLoader(src)
	l.run()
	learnFacts(l.learnt)
	sortDiagnostics(l.diags)
	if l.failed {
		return nil, &Error{Diagnostics: l.diags}
	}
	l.rs.Warnings = l.diags
	return l.rs, nil
}

// loadGCPercent is the garbage collector's GOGC while a Load runs: a load
// allocates a few times what it keeps, in many small objects, and with the
// default 100 a stock load pays for several collections (and their write
// barriers) that free little. 400 bounds the heap at five times what is
// live, which for the stock ruleset stays well under ossec-logtest's memory.
const loadGCPercent = 400

// gcLoads counts the Loads running, so that the first one raises GOGC and
// the last one puts back what was set before.
var gcLoads struct {
	sync.Mutex
	n, old int
}

// relaxGC raises GOGC to loadGCPercent (unless it is already higher or
// off) and returns the function that restores it.
func relaxGC() func() {
	gcLoads.Lock()
	if gcLoads.n == 0 {
		gcLoads.old = debug.SetGCPercent(loadGCPercent)
		if gcLoads.old < 0 || gcLoads.old > loadGCPercent {
			debug.SetGCPercent(gcLoads.old)
		}
	}
	gcLoads.n++
	gcLoads.Unlock()
	return func() {
		gcLoads.Lock()
		gcLoads.n--
		if gcLoads.n == 0 {
			debug.SetGCPercent(gcLoads.old)
		}
		gcLoads.Unlock()
	}
}

// loader holds the state of one Load.
type loader struct {
	src    Sources
	rs     *Ruleset
	diags  []Diagnostic
	failed bool

	// configuration gathered from ossec.conf files
	logLevel, mailLevel int
	includes            []cfgPath // rule files
	decoderFiles        []cfgPath // <decoder> entries of the base config
	baseHasDecoders     bool
	listFiles           []cfgPath
	mailNotify          int
	inRepoConfig        bool // reading the repository's ossec.conf
	repoLists           struct{ rules, decoders, lists bool }

	// decoders
	decoderNames []string // of the decoders read (some repeated)
	forPName     []*Decoder
	noPName      []*Decoder

	// rules
	ilevel       []int // internal level (×100 scale) by Rule.Index
	defTimeframe int
	rulesByID    map[int]*Rule // becomes Ruleset.ByID
	// lowIDRepeated: a rule of an id under 10 was given again, with
	// overwrite="yes" (see loadRules).
	lowIDRepeated bool
	// nodeRule is the Index of the first rule given a node, by id (ids
	// have at most 6 digits: int32 keys and values take half the memory
	// of a map[int]*Rule); nodeRules holds the ids of which a second rule
	// was given nodes (a rule of the same id that failed to load, or an id
	// under 10 given again with overwrite="yes"; nil until one is).
	nodeRule     map[int32]int32
	nodeRules    map[int]bool
	nodeBlocks   []nodeBlock     // where newNode takes the rule nodes from
	groupMatched map[string]bool // eventSearch's memory, reused
	rr           ruleReader      // the reader of the rule being read
	dr           decoderReader   // the reader of the decoder being read
	kids         ossecxml.Nodes  // the children of the rule or decoder being read
	roots        ossecxml.Nodes  // the decoders or groups of the file being read
	groupKids    ossecxml.Nodes  // the rules of the group being read
	ruleSlab     []Rule          // where newRule takes the next rules from

	pre *prefetch       // documents and patterns prepared ahead (see prefetch)
	xml ossecxml.Reader // reads the rule and decoder files not prepared ahead

	// The patterns compiled (the pattern cache did not know them), for
	// the pattern cache.
	learnt map[cacheKey]osregex.Facts

	// What failed so far, so that loading goes on after an error without
	// reporting the errors that only follow from it.
	decoderFailed  bool            // a decoder or decoder file did not load
	failedDecoders map[string]bool // names of decoders that did not load
	ruleFailed     bool            // a rule did not load
	ruleFileFailed bool            // a rule file could not be read or has a bad structure
	failedRules    map[int]bool    // ids of rules that did not load
}

// cfgPath is a file named by a configuration, with where it was named.
type cfgPath struct {
	name string // as written (for messages)
	path string // on disk
	pos  Pos
	// inBase is true for a path resolved inside Base.
	inBase bool
}

func newLoader(src Sources) *loader {
	l := &loader{src: src, rs: &Ruleset{}}
	l.logLevel, l.mailLevel = 1, 7
	l.mailNotify = -1
	l.failedDecoders = map[string]bool{}
	l.failedRules = map[int]bool{}
	c := &l.rs.Config
	c.LogAlertLevel, c.EmailAlertLevel = 1, 7
	c.Stats = 4
	c.SyscheckAutoIgnore = true
	c.MemorySize = 8192
	c.DecoderOrderSize = defaultDecoderOrderSize
	c.DefaultTimeframe = defaultTimeframe
	c.SidPrevMatchedMax = defaultSidPrevMatchedMax
	return l
}

func (l *loader) errf(p Pos, code Code, format string, args ...any) {
	l.failed = true
	l.diags = append(l.diags, Diagnostic{Pos: p, Severity: SeverityError, Code: code, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) warnf(p Pos, code Code, format string, args ...any) {
	l.diags = append(l.diags, Diagnostic{Pos: p, Severity: SeverityWarning, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// basePath resolves a path found in the configuration inside Base, as
// OSSEC opens it after chroot(Base).
func (l *loader) basePath(p string) string {
	if f, ok := l.repoFile(p); ok {
		return f
	}
	if l.src.Base == "" {
		return p
	}
	return filepath.Join(l.src.Base, filepath.FromSlash(strings.TrimPrefix(path.Clean("/"+p), "/")))
}

func (l *loader) run() {
	l.readInternalOptions()
	cfg := l.src.Config
	if cfg == "" && l.src.Base != "" {
		cfg = filepath.Join(l.src.Base, "etc", "ossec.conf")
	}
	if cfg != "" {
		l.readConfig(cfg, true)
	}
	if !l.failed {
		l.readRepoConfig()
	}
	for _, c := range l.src.Configs {
		l.readConfig(c, false)
	}
	// The configuration says what else to read: after an error in it, the
	// errors of the files it names could be mere consequences.
	if l.failed {
		return
	}
	l.rs.Config.LogAlertLevel = l.logLevel
	l.rs.Config.EmailAlertLevel = l.mailLevel
	l.rs.Config.EmailNotification = l.mailNotify == 1

	l.prefetch()
	l.loadDecoders()
	l.loadLists()
	l.loadRules()
}

// prefetch reads the decoder and rule files ahead of the sequential pass
// and compiles the patterns the pattern cache does not know (see
// prefetch.run).
func (l *loader) prefetch() {
	if noPrefetch || cachedPatterns() > 0 {
		return // nothing to do ahead (see prefetch.run)
	}
	var files []string
	path := func(f cfgPath) string {
		if f.inBase {
			return l.basePath(f.path)
		}
		return f.path
	}
	for _, f := range l.legacyDecoders() {
		files = append(files, path(f))
	}
	for _, f := range l.decoderFiles {
		files = append(files, path(f))
	}
	files = append(files, l.src.Decoders...)
	nDec := len(files)
	files = append(files, l.src.FirstRules...)
	for _, f := range l.includes {
		files = append(files, path(f))
	}
	files = append(files, l.src.Rules...)
	l.pre = &prefetch{}
	l.pre.run(files, nDec)
}

// noPrefetch turns the prefetch off (benchmarks compare).
var noPrefetch = false

// readInternalOptions reads the analysisd values of
// etc/local_internal_options.conf and etc/internal_options.conf in Base,
// as getDefine_Int does; without Base (or without the files) OSSEC's
// defaults apply.
func (l *loader) readInternalOptions() {
	if l.src.Base == "" {
		return
	}
	// Each file is read once, when the first option is looked up in it
	// (the local one is mostly missing).
	files := [...]struct {
		name, path, data string
		read             bool
	}{{name: "etc/local_internal_options.conf"}, {name: "etc/internal_options.conf"}}
	get := func(name string, min, max int, dst *int) {
		for i := range files {
			f := &files[i]
			if !f.read {
				f.read = true
				f.path = l.basePath(f.name)
				if data, err := os.ReadFile(f.path); err == nil {
					f.data = unsafe.String(unsafe.SliceData(data), len(data)) // never written
				}
			}
			file := f.path
			v, line, ok := internalOption(f.data, "analysisd", name)
			if !ok {
				continue
			}
			n := atoi(v)
			if !isNum(v) || n < min || n > max {
				l.errf(Pos{File: file, Line: line}, CodeInternalOption, "invalid value %q for analysisd.%s (must be %d..%d)", v, name, min, max)
				return
			}
			*dst = n
			return
		}
	}
	c := &l.rs.Config
	get("decoder_order_size", 8, maxDecoderOrderSize, &c.DecoderOrderSize)
	get("default_timeframe", 60, maxTimeframe, &c.DefaultTimeframe)
	get("sid_prev_matched_max", 16, 65536, &c.SidPrevMatchedMax)
}

// internalOption finds high.low=value in an internal_options file.
func internalOption(data, high, low string) (string, int, bool) {
	// Line by line, as strings.Split(data, "\n") gives them.
	for i := 0; data != ""; i++ {
		var line string
		line, data, _ = strings.Cut(data, "\n")
		if line == "" || line[0] == '#' || line[0] == ' ' {
			continue
		}
		dot := strings.IndexByte(line, '.')
		if dot < 0 || line[:dot] != high {
			continue
		}
		rest := line[dot+1:]
		eq := strings.IndexByte(rest, '=')
		if eq < 0 || rest[:eq] != low {
			continue
		}
		v := rest[eq+1:]
		if j := strings.LastIndexByte(v, '\r'); j >= 0 {
			v = v[:j]
		}
		return v, i + 1, true
	}
	return "", 0, false
}

// atoi is C's atoi: optional leading white space and sign, then digits;
// it stops at the first other byte (0 when there are no digits).
func atoi(s string) int {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n < 1<<40 {
			n = n*10 + int64(s[i]-'0')
		}
	}
	if neg {
		n = -n
	}
	return int(int32(n))
}

// isNum is OS_StrIsNum: every byte is a digit (true for "").
func isNum(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// readXML reads a file with os_xml's rules and applies variables when
// vars is set; a failure is reported and gives nil.
func (l *loader) readXML(file, display string, vars bool, missing Code) (*ossecxml.Document, bool) {
	var doc *ossecxml.Document
	var err error
	switch {
	case !vars:
		doc, err = ossecxml.ReadFileAs(file, display)
	case file == display && l.pre.doc(file) != nil:
		return l.pre.doc(file), true
	default:
		// Rule and decoder files are read one after the other: each
		// document is done with when the next is read.
		doc, err = l.xml.ReadFileAs(file, display)
	}
	if err == nil && vars {
		err = doc.ApplyVariables()
	}
	if err != nil {
		var xe *ossecxml.Error
		switch {
		case !errors.As(err, &xe):
			l.errf(Pos{File: display}, CodeXML, "%v", err)
		case xe.Code != ossecxml.CodeNotFound:
			l.errf(Pos{File: display, Line: xe.Line, Col: xe.Col}, Code(xe.Code), "%s", xe.Msg)
		case errors.Is(err, fs.ErrNotExist):
			return nil, false
		default:
			l.errf(Pos{File: display}, missing, "cannot read file: %v", xe.Err)
		}
		return nil, true
	}
	return doc, true
}

// checkContainer warns about text in a <group>, <rule> or <decoder>
// outside its child elements, which OSSEC ignores.
func (l *loader) checkContainer(file string, n *ossecxml.Node) {
	if p, ok := n.DroppedText(); ok {
		l.warnf(xpos(file, p), CodeXMLText, "text in <%s> outside its elements: OSSEC ignores it", n.Name)
		return
	}
	// os_xml leaves the '>' of "<a />" unread: it is text, not meant as such.
	if i := strings.IndexFunc(n.Content, func(r rune) bool { return !strings.ContainsRune(" \t\n\r\v\f>", r) }); i >= 0 {
		pos := xpos(file, n.ContentPos)
		if strings.IndexByte(n.Content[:i], '\n') < 0 {
			pos.Col += i
		} else {
			pos.Line += strings.Count(n.Content[:i], "\n")
			pos.Col = i - strings.LastIndexByte(n.Content[:i], '\n')
		}
		l.warnf(pos, CodeXMLText, "text in <%s> outside its elements: OSSEC ignores it", n.Name)
	}
}

// checkOption warns about elements inside an option of a rule or decoder
// (a <rule> pasted into a <description>): OSSEC reads only the option's
// text after the last of them and ignores them.
func (l *loader) checkOption(file string, e *ossecxml.Node) {
	if !e.HasChildren() {
		return
	}
	kids := e.Children()
	if len(kids) == 0 {
		return // only <var> definitions
	}
	l.warnf(xpos(file, kids[0].Pos), CodeXMLNested, "<%s> inside the text of <%s>: OSSEC ignores it (and any text before it)", kids[0].Name, e.Name)
}

// checkAttrs warns about the attributes of element e from the read-th
// on: OSSEC does not look at them (a negate="yes" or type="pcre2" written
// for another product changes nothing).
func (l *loader) checkAttrs(file string, e *ossecxml.Node, read int) {
	for _, a := range e.Attrs[min(read, len(e.Attrs)):] {
		l.warnf(xpos(file, a.Pos), CodeXMLAttr, "attribute %q of <%s> is ignored: OSSEC 4.3.0 does not read it", a.Name, e.Name)
	}
}

func xpos(file string, p ossecxml.Pos) Pos {
	return Pos{File: file, Line: int(p.Line), Col: int(p.Col)}
}

// compile compiles a pattern and reports a failure at the pattern's
// position (moved to the failing offset when known).
func (l *loader) compile(kind osregex.Kind, a *acc, flags osregex.Flags, file, what string) *osregex.Pattern {
	key := cacheKey{kind, flags, a.text}
	if f, ok := knownFacts(key); ok {
		if p, err := osregex.CompileKnown(kind, a.text, flags, f, cacheWrong); err == nil {
			l.checkJITStack(p, a, file, what)
			return p
		}
	}
	p := l.pre.pattern(kind, a.text, flags)
	var err error
	if p == nil {
		p, err = osregex.Compile(kind, a.text, flags)
	}
	if err == nil {
		if l.learnt == nil {
			l.learnt = map[cacheKey]osregex.Facts{}
		}
		l.learnt[key] = p.Facts()
		l.checkJITStack(p, a, file, what)
		return p
	}
	pos := a.posAt(file, -1)
	var oe *osregex.Error
	if errors.As(err, &oe) && oe.Offset >= 0 && oe.Offset <= len(a.text) {
		pos = a.posAt(file, oe.Offset)
	}
	l.errf(pos, patternCode(err), "%s: %v", what, err)
	return nil
}

// maxLine is the most bytes of a line ossec-logtest and analysisd read at
// once (OS_MAXSTR less the "1:stdin:" header and the newline).
const maxLine = 6135

// checkJITStack warns when PCRE2's JIT, on the 32 KiB stack OSSEC gives it,
// can run out on a line shorter than OSSEC reads: real OSSEC then finds no
// match where the pattern has one (pcre2_match error -46), and the engine
// reproduces it.
func (l *loader) checkJITStack(p *osregex.Pattern, a *acc, file, what string) {
	n, never, known := p.JITStackMinLength()
	if never || !known || n >= maxLine {
		return
	}
	l.warnf(a.posAt(file, -1), CodePatternJITStack, "%s %q: PCRE2's JIT stack (32 KiB in OSSEC) can run out on lines of %d bytes or more (OSSEC reads up to %d): on such a line real OSSEC does not match (error -46, JIT stack limit reached)", what, p.String(), n, maxLine)
}

// patternCode is the code of a pattern that does not compile:
// CodePatternUnsupported when OSSEC would run it but package pcre cannot,
// CodePattern when OSSEC refuses it.
func patternCode(err error) Code {
	var oe *osregex.Error
	if errors.As(err, &oe) && oe.Unsupported {
		return CodePatternUnsupported
	}
	return CodePattern
}

// acc accumulates the contents of repeated elements as OSSEC's
// loadmemory does, remembering where each piece came from: the first
// piece in first (a value is mostly one piece: no allocation), the others
// in more.
type acc struct {
	text  string
	set   bool
	first seg
	more  []seg
}

type seg struct {
	off int // offset of the piece in text
	pos ossecxml.Pos
	raw bool // the piece is the element content as in the file
}

// posAt returns the file position of byte off of the accumulated text
// (the first piece's start when off < 0 or unknown).
func (a *acc) posAt(file string, off int) Pos {
	if !a.set {
		return Pos{File: file}
	}
	s := a.first
	if off >= 0 {
		for _, t := range a.more {
			if t.off <= off {
				s = t
			}
		}
	}
	if off < 0 || !s.raw {
		return xpos(file, s.pos)
	}
	line, col := int(s.pos.Line), int(s.pos.Col)
	for i := s.off; i < off && i < len(a.text); i++ {
		if a.text[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return Pos{File: file, Line: line, Col: col}
}

// add appends piece as loadmemory does with limit (OS_SIZE_2048 for
// rules: a first piece must be shorter, later pieces and the text so far
// at most that long; decoders use addDecoder). It reports false when OSSEC
// drops the whole value (it logs an error and goes on without it).
func (a *acc) add(piece string, pos ossecxml.Pos, raw bool, limit int) bool {
	if !a.set {
		if len(piece) >= limit {
			*a = acc{}
			return false
		}
		*a = acc{text: piece, set: true, first: seg{0, pos, raw}}
		return true
	}
	if len(a.text) > limit || len(piece) > limit {
		*a = acc{}
		return false
	}
	a.more = append(a.more, seg{len(a.text), pos, raw})
	a.text += piece
	return true
}

// addDecoder appends piece as decode-xml.c's _loadmemory does.
func (a *acc) addDecoder(piece string, pos ossecxml.Pos, raw bool) bool {
	const limit = 8192
	if !a.set {
		if len(piece) >= limit {
			*a = acc{}
			return false
		}
		*a = acc{text: piece, set: true, first: seg{0, pos, raw}}
		return true
	}
	if len(a.text)+len(piece)+1 > limit {
		*a = acc{}
		return false
	}
	a.more = append(a.more, seg{len(a.text), pos, raw})
	a.text += piece
	return true
}
