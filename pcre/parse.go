package pcre

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// nodeKind is the kind of a syntax tree node.
type nodeKind uint8

const (
	nEmpty   nodeKind = iota
	nChar             // one character c, caseless if fold
	nSet              // one character of set
	nAssert           // zero-width assertion a
	nConcat           // subs in sequence
	nAlt              // subs as alternatives
	nGroup            // subs[0] as a group: capture index cap (0: none), atomic
	nLook             // lookaround: subs are the top-level alternatives
	nRepeat           // subs[0] repeated min..max (max < 0: unbounded)
	nBackref          // back reference to group cap, caseless if fold
)

// assertKind is a zero-width assertion.
type assertKind uint8

const (
	aStart     assertKind = iota + 1 // \A, ^ without multiline, \G (start offset is 0)
	aLineStart                       // ^ in multiline mode
	aEndNL                           // $ and \Z: end, or before a final newline
	aLineEnd                         // $ in multiline mode
	aEnd                             // \z
	aWordB                           // \b
	aNotWordB                        // \B
)

// repeatMode is how a quantifier repeats.
type repeatMode uint8

const (
	greedy repeatMode = iota
	lazy
	possessive
)

// node is a syntax tree node (its fields are ordered to keep it small).
type node struct {
	set     *charSet
	subs    []*node
	refName string
	cap     int
	min     int
	max     int
	offset  int // where the node starts in the pattern
	// refOff is where a reference to a missing group is reported.
	refOff int
	c      rune
	kind   nodeKind
	fold   bool
	a      assertKind
	atomic bool
	behind bool
	neg    bool
	mode   repeatMode
	// esc is the escape letter a single-character node came from ('d',
	// 's', 'w', 'h', ...; '.' for dot; 'R' for the \R group), 0 otherwise:
	// PCRE2's auto-possessification treats these "types" by a table.
	esc byte
}

// options are the inline-settable options.
type options struct {
	caseless, multiline, dotall, extended, extended2, noAutoCapture, ungreedy bool
}

type parser struct {
	pat   string
	pos   int
	utf   bool
	opt   options
	ncap  int
	names map[string]int
	// backrefs to check once all groups are known
	refs []*node
	slab []node // free nodes for newNode
	// nodeChunk and ptrChunk are the slabs slab and ptrs were last cut
	// from: release keeps them for the next parse.
	nodeChunk []node
	ptrChunk  []*node
	// one holds the single atom parseAtom returns (no slice per atom).
	one [1]*node
	// stack holds the items of the concatenations being parsed, innermost
	// last; ptrs is a slab their final subs slices are cut from.
	stack []*node
	ptrs  []*node
	// prog is scratch space for the compiler's program (Compile keeps a
	// copy).
	prog []inst
	// litBuf is the compiler's scratch space for literals.
	litBuf []byte
}

const maxRepeat = 65535

// parensNestLimit is PCRE2's default limit on nested parentheses (the
// library's default compile context, which OSSEC uses; pcre2test's own
// default is lower, 220).
const parensNestLimit = 250

func (p *parser) errf(code ErrorCode, off int, msg string) *Error {
	return &Error{Code: code, Offset: off, Msg: msg, Pattern: p.pat}
}

func (p *parser) unsupported(off int, what string) *Error {
	return p.errf(ErrUnsupported, off, what)
}

// parserPool holds parsers whose slabs a new parse reuses: the tree of
// one pattern is garbage once Compile has turned it into a program.
var parserPool = sync.Pool{New: func() any { return new(parser) }}

// parse parses pat. The tree lives in memory of p: it stays valid until
// p.release, which the caller calls once it no longer uses the tree (nil
// names when the pattern names no group).
func (p *parser) parse(pat string, flags Flags) (*node, int, map[string]int, error) {
	p.pat, p.utf = pat, flags&UTF != 0
	p.opt.caseless = flags&Caseless != 0
	p.opt.multiline = flags&Multiline != 0
	p.opt.dotall = flags&DotAll != 0
	p.opt.extended = flags&Extended != 0
	if p.utf && !utf8.ValidString(pat) {
		for i := 0; i < len(pat); {
			r, n := utf8.DecodeRuneInString(pat[i:])
			if r == utf8.RuneError && n <= 1 {
				// PCRE2_NO_UTF_CHECK makes this undefined in PCRE2.
				return nil, 0, nil, p.unsupported(i, "pattern is not valid UTF-8 in UTF mode")
			}
			i += n
		}
	}
	n, err := p.parseAlt(0)
	if err != nil {
		return nil, 0, nil, err
	}
	if p.pos < len(p.pat) {
		return nil, 0, nil, p.errf(ErrSyntax, p.pos, "unmatched closing parenthesis")
	}
	for _, r := range p.refs {
		if r.refName != "" {
			i, ok := p.names[r.refName]
			if !ok {
				return nil, 0, nil, p.errf(ErrSyntax, r.refOff, "reference to non-existent subpattern")
			}
			r.cap = i
		}
		if r.cap > p.ncap {
			return nil, 0, nil, p.errf(ErrSyntax, r.refOff, "reference to non-existent subpattern")
		}
	}
	return n, p.ncap, p.names, nil
}

// parseAlt parses alternatives up to ')' or the end. depth > 0 inside a group.
func (p *parser) parseAlt(depth int) (*node, error) {
	start := p.pos
	base := len(p.stack) // alternatives are p.stack[base:]
	defer func() { p.stack = p.stack[:base] }()
	for {
		c, err := p.parseConcat(depth)
		if err != nil {
			return nil, err
		}
		p.stack = append(p.stack, c)
		if p.pos < len(p.pat) && p.pat[p.pos] == '|' {
			p.pos++
			continue
		}
		break
	}
	if alts := p.stack[base:]; len(alts) > 1 {
		return p.newNode(node{kind: nAlt, subs: p.subs(alts...), offset: start}), nil
	}
	return p.stack[base], nil
}

func (p *parser) parseConcat(depth int) (*node, error) {
	start := p.pos
	base := len(p.stack) // items are p.stack[base:]
	defer func() { p.stack = p.stack[:base] }()
	for {
		p.skipExtended()
		if p.pos >= len(p.pat) {
			break
		}
		ch := p.pat[p.pos]
		if ch == '|' {
			break
		}
		if ch == ')' {
			if depth == 0 {
				return nil, p.errf(ErrSyntax, p.pos, "unmatched closing parenthesis")
			}
			break
		}
		atomStart := p.pos
		rest := p.pat[p.pos:]
		transparent := strings.HasPrefix(rest, `\E`) || strings.HasPrefix(rest, `\Q`) || strings.HasPrefix(rest, "(?#")
		atoms, err := p.parseAtom(depth)
		if err != nil {
			return nil, err
		}
		if atoms == nil {
			// \E, an empty \Q\E and a comment are invisible to a
			// quantifier: it applies to the item before them.
			if transparent && len(p.stack) > base {
				p.skipExtended()
				last := p.stack[len(p.stack)-1]
				q, err := p.parseQuantifier(last, last.offset)
				if err != nil {
					return nil, err
				}
				p.stack[len(p.stack)-1] = q
			}
			continue
		}
		// A quantifier applies to the last atom only.
		p.skipExtended()
		q, err := p.parseQuantifier(atoms[len(atoms)-1], atomStart)
		if err != nil {
			return nil, err
		}
		atoms[len(atoms)-1] = q
		p.stack = append(p.stack, atoms...)
	}
	switch items := p.stack[base:]; len(items) {
	case 0:
		return p.newNode(node{kind: nEmpty, offset: start}), nil
	case 1:
		return items[0], nil
	default:
		return p.newNode(node{kind: nConcat, subs: p.subs(items...), offset: start}), nil
	}
}

// Slab sizes: a parse that needs more takes another slab.
const (
	nodeSlab = 128
	ptrSlab  = 256
)

// newNode returns a copy of v taken from the parser's node slab.
func (p *parser) newNode(v node) *node {
	if len(p.slab) == 0 {
		p.nodeChunk = make([]node, nodeSlab)
		p.slab = p.nodeChunk
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	*n = v
	return n
}

// subs returns a copy of items cut from the parser's slab of node
// pointers (its capacity is its length, so appending to it copies).
func (p *parser) subs(items ...*node) []*node {
	if len(items) > len(p.ptrs) {
		p.ptrChunk = make([]*node, max(len(items), ptrSlab))
		p.ptrs = p.ptrChunk
	}
	s := p.ptrs[:len(items):len(items)]
	p.ptrs = p.ptrs[len(items):]
	copy(s, items)
	return s
}

// newParser returns a parser from the pool.
func newParser() *parser { return parserPool.Get().(*parser) }

// release returns p to the pool, with the used part of its last slabs
// cleared (the tree they held is dead) for the next parse.
func (p *parser) release() {
	clear(p.nodeChunk[:len(p.nodeChunk)-len(p.slab)])
	clear(p.ptrChunk[:len(p.ptrChunk)-len(p.ptrs)])
	clear(p.stack[:cap(p.stack)])
	*p = parser{
		slab: p.nodeChunk, nodeChunk: p.nodeChunk,
		ptrs: p.ptrChunk, ptrChunk: p.ptrChunk,
		stack:  p.stack[:0],
		prog:   p.prog[:0],
		litBuf: p.litBuf[:0],
	}
	parserPool.Put(p)
}

// A charSet is never changed once built, so patterns share the sets of
// class escapes (\d, \S, ... by letter) and of the dot, by mode (UTF or
// not; dotall or not). Two compiles may build one at the same time: they
// build equal sets and either is kept.
var (
	classEscSets [2][128]atomic.Pointer[charSet]
	dotSets      [2][2]atomic.Pointer[charSet]
)

// escAsserts are the assertions of escapes outside a class.
var escAsserts = [128]assertKind{'b': aWordB, 'B': aNotWordB, 'A': aStart, 'z': aEnd, 'Z': aEndNL, 'G': aStart}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// single returns n as the one atom parseAtom returns, without allocating
// a slice: the caller uses it before the next atom is parsed.
func (p *parser) single(n *node) []*node {
	p.one[0] = n
	return p.one[:]
}

// skipExtended skips white space and # comments in extended mode.
func (p *parser) skipExtended() {
	if !p.opt.extended {
		return
	}
	for p.pos < len(p.pat) {
		switch p.pat[p.pos] {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			p.pos++
		case '#':
			for p.pos < len(p.pat) && p.pat[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

// quantLen is the length of the quantifier at the start of s (without a
// lazy or possessive suffix). PCRE2 reports a misplaced quantifier at its
// last character.
func quantLen(s string) int {
	if s != "" && s[0] == '{' {
		if _, _, n := parseBraces(s); n > 0 {
			return n
		}
	}
	return 1
}

func isQuantStart(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '*', '+', '?':
		return true
	case '{':
		_, _, n := parseBraces(s)
		return n > 0
	}
	return false
}

// parseBraces reads {n}, {n,} or {n,m}; n == 0 when s does not start with one.
func parseBraces(s string) (lo, hi, n int) {
	i := 1
	d := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == d || i >= len(s) {
		return 0, 0, 0
	}
	lo = atoiCap(s[d:i])
	if s[i] == '}' {
		return lo, lo, i + 1
	}
	if s[i] != ',' {
		return 0, 0, 0
	}
	i++
	d = i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i >= len(s) || s[i] != '}' {
		return 0, 0, 0
	}
	if i == d {
		return lo, -1, i + 1
	}
	return lo, atoiCap(s[d:i]), i + 1
}

func atoiCap(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n > maxRepeat {
		return maxRepeat + 1
	}
	return n
}

func (p *parser) parseQuantifier(atom *node, atomStart int) (*node, error) {
	rest := p.pat[p.pos:]
	if !isQuantStart(rest) {
		return atom, nil
	}
	qpos := p.pos
	var lo, hi int
	switch rest[0] {
	case '*':
		lo, hi = 0, -1
		p.pos++
	case '+':
		lo, hi = 1, -1
		p.pos++
	case '?':
		lo, hi = 0, 1
		p.pos++
	case '{':
		var n int
		lo, hi, n = parseBraces(rest)
		if lo > maxRepeat || hi > maxRepeat {
			return nil, p.errf(ErrSyntax, qpos+1, "number too big in {} quantifier")
		}
		if hi >= 0 && hi < lo {
			return nil, p.errf(ErrSyntax, qpos+n-1, "numbers out of order in {} quantifier")
		}
		p.pos += n
	}
	mode := greedy
	if p.pos < len(p.pat) {
		switch p.pat[p.pos] {
		case '?':
			mode = lazy
			p.pos++
		case '+':
			mode = possessive
			p.pos++
		}
	}
	if p.opt.ungreedy && mode != possessive {
		if mode == greedy {
			mode = lazy
		} else {
			mode = greedy
		}
	}
	switch atom.kind {
	case nAssert, nRepeat:
		return nil, p.errf(ErrSyntax, qpos+quantLen(p.pat[qpos:])-1, "quantifier does not follow a repeatable item")
	}
	p.skipExtended()
	if isQuantStart(p.pat[p.pos:]) {
		return nil, p.errf(ErrSyntax, p.pos+quantLen(p.pat[p.pos:])-1, "quantifier does not follow a repeatable item")
	}
	return p.newNode(node{kind: nRepeat, subs: p.subs(atom), min: lo, max: hi, mode: mode, offset: atomStart}), nil
}

// parseAtom parses one atom; it returns several nodes for \Q..\E and nil for
// things that match nothing (an option setting, \E, a comment).
func (p *parser) parseAtom(depth int) ([]*node, error) {
	start := p.pos
	ch := p.pat[p.pos]
	switch ch {
	case '(':
		n, err := p.parseGroup(depth)
		if n == nil || err != nil {
			return nil, err
		}
		return p.single(n), nil
	case '[':
		if strings.HasPrefix(p.pat[p.pos:], "[[:<:]]") || strings.HasPrefix(p.pat[p.pos:], "[[:>:]]") {
			return nil, p.unsupported(p.pos, "[[:<:]] and [[:>:]]")
		}
		if _, ok := posixSyntax(p.pat[p.pos:]); ok && len(p.pat)-p.pos >= 4 {
			if p.pat[p.pos+1] == ':' {
				return nil, p.errf(ErrSyntax, p.pos, "POSIX named classes are supported only within a class")
			}
			return nil, p.errf(ErrSyntax, p.pos, "POSIX collating elements are not supported")
		}
		s, err := p.parseClass()
		if err != nil {
			return nil, err
		}
		return p.single(p.newNode(node{kind: nSet, set: s, offset: start})), nil
	case '.':
		p.pos++
		cache := &dotSets[b2i(p.utf)][b2i(p.opt.dotall)]
		set := cache.Load()
		if set == nil {
			b := &setBuilder{}
			if !p.opt.dotall {
				b.neg = true
				b.add('\n', '\n')
			} else {
				b.add(0, 0x10ffff)
			}
			set = b.build(false, p.utf)
			cache.Store(set)
		}
		esc := byte('.')
		if p.opt.dotall {
			esc = 0
		}
		return p.single(p.newNode(node{kind: nSet, set: set, offset: start, esc: esc})), nil
	case '^':
		p.pos++
		if p.opt.multiline {
			return p.single(p.newNode(node{kind: nAssert, a: aLineStart, offset: start})), nil
		}
		return p.single(p.newNode(node{kind: nAssert, a: aStart, offset: start})), nil
	case '$':
		p.pos++
		if p.opt.multiline {
			return p.single(p.newNode(node{kind: nAssert, a: aLineEnd, offset: start})), nil
		}
		return p.single(p.newNode(node{kind: nAssert, a: aEndNL, offset: start})), nil
	case '*', '+', '?':
		return nil, p.errf(ErrSyntax, p.pos, "quantifier does not follow a repeatable item")
	case '{':
		if isQuantStart(p.pat[p.pos:]) {
			return nil, p.errf(ErrSyntax, p.pos+quantLen(p.pat[p.pos:])-1, "quantifier does not follow a repeatable item")
		}
	case '\\':
		return p.parseEscapeAtom()
	}
	c := p.nextChar()
	return p.single(p.charNode(c, start)), nil
}

func (p *parser) charNode(c rune, off int) *node {
	return p.newNode(node{kind: nChar, c: c, fold: p.opt.caseless, offset: off})
}

// nextChar reads one literal character of the pattern.
func (p *parser) nextChar() rune {
	if p.utf {
		r, n := utf8.DecodeRuneInString(p.pat[p.pos:])
		p.pos += n
		return r
	}
	c := p.pat[p.pos]
	p.pos++
	return rune(c)
}

func (p *parser) parseEscapeAtom() ([]*node, error) {
	start := p.pos
	if p.pos+1 >= len(p.pat) {
		return nil, p.errf(ErrSyntax, p.pos+1, "\\ at end of pattern")
	}
	switch p.pat[p.pos+1] {
	case 'Q':
		p.pos += 2
		var out []*node
		for p.pos < len(p.pat) {
			if strings.HasPrefix(p.pat[p.pos:], "\\E") {
				p.pos += 2
				break
			}
			off := p.pos
			out = append(out, p.charNode(p.nextChar(), off))
		}
		return out, nil
	case 'E':
		p.pos += 2
		return nil, nil
	}
	e, err := p.parseEscape(false)
	if err != nil {
		return nil, err
	}
	switch {
	case e.set != nil:
		return p.single(p.newNode(node{kind: nSet, set: e.set, offset: start, esc: p.pat[start+1]})), nil
	case e.assert != 0:
		return p.single(p.newNode(node{kind: nAssert, a: e.assert, offset: start})), nil
	case e.backref != 0 || e.refName != "":
		n := &node{kind: nBackref, cap: e.backref, refName: e.refName, fold: p.opt.caseless, offset: start, refOff: e.refOff}
		p.refs = append(p.refs, n)
		return p.single(n), nil
	case e.newlineSeq:
		return p.single(p.newlineSeq(start)), nil
	}
	return p.single(p.charNode(e.c, start)), nil
}

// newlineSeq is \R: (?>\r\n|[\n\v\f\r\x85\x{2028}\x{2029}]).
func (p *parser) newlineSeq(off int) *node {
	b := &setBuilder{}
	b.addClass(vspaceRanges(p.utf))
	crlf := &node{kind: nConcat, subs: []*node{{kind: nChar, c: '\r'}, {kind: nChar, c: '\n'}}}
	alt := &node{kind: nAlt, subs: []*node{crlf, {kind: nSet, set: b.build(false, p.utf)}}}
	return &node{kind: nGroup, atomic: true, subs: []*node{alt}, offset: off, esc: 'R'}
}

// escape is what a backslash sequence stands for.
type escape struct {
	c          rune
	set        *charSet
	cls        []rng // the class ranges of set (for use inside [])
	negCls     bool
	assert     assertKind
	backref    int
	refName    string
	refOff     int // where PCRE2 reports a reference to a missing group
	newlineSeq bool
}

// parseEscape parses the escape at p.pos (the backslash).
func (p *parser) parseEscape(inClass bool) (escape, error) {
	start := p.pos
	p.pos++ // backslash
	if p.pos >= len(p.pat) {
		return escape{}, p.errf(ErrSyntax, p.pos, "\\ at end of pattern")
	}
	ch := p.pat[p.pos]
	p.pos++
	classEsc := func(rs []rng, neg bool) (escape, error) {
		cache := &classEscSets[b2i(p.utf)][ch]
		if s := cache.Load(); s != nil {
			return escape{set: s, cls: rs, negCls: neg}, nil
		}
		b := &setBuilder{}
		max := rune(0xff)
		if p.utf {
			max = 0x10ffff
		}
		if neg {
			b.addNegClass(rs, max)
		} else {
			b.addClass(rs)
		}
		s := b.build(false, p.utf)
		cache.Store(s)
		return escape{set: s, cls: rs, negCls: neg}, nil
	}
	switch ch {
	case 'd', 'D':
		return classEsc(digitRanges, ch == 'D')
	case 'w', 'W':
		return classEsc(wordRanges, ch == 'W')
	case 's', 'S':
		return classEsc(spaceRanges, ch == 'S')
	case 'h', 'H':
		return classEsc(hspaceRanges(p.utf), ch == 'H')
	case 'v', 'V':
		return classEsc(vspaceRanges(p.utf), ch == 'V')
	case 'N':
		if inClass {
			return escape{}, p.errf(ErrSyntax, p.pos, "\\N is not supported in a class")
		}
		if p.pos < len(p.pat) && p.pat[p.pos] == '{' && !isQuantStart(p.pat[p.pos:]) {
			return escape{}, p.unsupported(start, "\\N{...}")
		}
		return classEsc([]rng{{'\n', '\n'}}, true)
	case 'R':
		if inClass {
			return escape{}, p.errf(ErrSyntax, p.pos-1, "escape sequence is invalid in character class")
		}
		return escape{newlineSeq: true}, nil
	case 'b', 'B', 'A', 'z', 'Z', 'G':
		if inClass {
			if ch == 'b' {
				return escape{c: '\b'}, nil
			}
			return escape{}, p.errf(ErrSyntax, p.pos-1, "escape sequence is invalid in character class")
		}
		return escape{assert: escAsserts[ch]}, nil
	case 't':
		return escape{c: '\t'}, nil
	case 'n':
		return escape{c: '\n'}, nil
	case 'r':
		return escape{c: '\r'}, nil
	case 'f':
		return escape{c: '\f'}, nil
	case 'e':
		return escape{c: 0x1b}, nil
	case 'a':
		return escape{c: 7}, nil
	case 'c':
		if p.pos >= len(p.pat) {
			return escape{}, p.errf(ErrSyntax, p.pos, "\\c at end of pattern")
		}
		x := p.pat[p.pos]
		if x < 32 || x > 126 {
			return escape{}, p.errf(ErrSyntax, p.pos, "\\c must be followed by a printable ASCII character")
		}
		p.pos++
		if x >= 'a' && x <= 'z' {
			x -= 32
		}
		return escape{c: rune(x ^ 0x40)}, nil
	case 'x':
		if p.pos < len(p.pat) && p.pat[p.pos] == '{' {
			end := strings.IndexByte(p.pat[p.pos:], '}')
			digits := ""
			if end > 0 {
				digits = p.pat[p.pos+1 : p.pos+end]
			}
			v, err := strconv.ParseUint(digits, 16, 32)
			if end < 0 || digits == "" || err != nil {
				if err != nil && len(digits) > 0 && strings.Trim(digits, "0123456789abcdefABCDEF") == "" {
					return escape{}, p.errf(ErrSyntax, p.pos, "character code point value in \\x{} or \\o{} is too large")
				}
				return escape{}, p.errf(ErrSyntax, p.pos, "\\x{ not followed by hexadecimal digits and }")
			}
			p.pos += end + 1
			return p.codePoint(rune(min(v, 0x7fffffff)), start)
		}
		v := 0
		for i := 0; i < 2 && p.pos < len(p.pat) && isHex(p.pat[p.pos]); i++ {
			v = v*16 + hexVal(p.pat[p.pos])
			p.pos++
		}
		return escape{c: rune(v)}, nil
	case 'o':
		if p.pos >= len(p.pat) || p.pat[p.pos] != '{' {
			return escape{}, p.errf(ErrSyntax, p.pos, "missing opening brace after \\o")
		}
		end := strings.IndexByte(p.pat[p.pos:], '}')
		if end < 0 {
			return escape{}, p.errf(ErrSyntax, p.pos, "missing } after \\o{")
		}
		digits := p.pat[p.pos+1 : p.pos+end]
		v, err := strconv.ParseUint(digits, 8, 32)
		if digits == "" || err != nil {
			return escape{}, p.errf(ErrSyntax, p.pos, "non-octal character in \\o{}")
		}
		p.pos += end + 1
		return p.codePoint(rune(min(v, 0x7fffffff)), start)
	case '0':
		v := 0
		for i := 0; i < 2 && p.pos < len(p.pat) && p.pat[p.pos] >= '0' && p.pat[p.pos] <= '7'; i++ {
			v = v*8 + int(p.pat[p.pos]-'0')
			p.pos++
		}
		return escape{c: rune(v)}, nil
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if inClass {
			if ch >= '8' {
				// PCRE2 takes \8 and \9 in a class as the digit.
				return escape{c: rune(ch)}, nil
			}
			p.pos--
			return p.octal(start)
		}
		d := p.pos - 1
		for p.pos < len(p.pat) && p.pat[p.pos] >= '0' && p.pat[p.pos] <= '9' {
			p.pos++
		}
		n := atoiCap(p.pat[d:p.pos])
		if n < 10 || ch >= '8' || n <= p.ncap {
			if n > maxRepeat {
				return escape{}, p.errf(ErrSyntax, d, "subpattern number is too big")
			}
			return escape{backref: n, refOff: p.pos - 1}, nil
		}
		p.pos = d
		return p.octal(start)
	case 'g':
		if inClass {
			return escape{c: 'g'}, nil // PCRE2 takes \g in a class as "g"
		}
		return p.parseG(start)
	case 'k':
		if inClass {
			return escape{}, p.errf(ErrSyntax, p.pos-1, "escape sequence is invalid in character class")
		}
		if p.pos < len(p.pat) {
			var close byte
			switch p.pat[p.pos] {
			case '<':
				close = '>'
			case '\'':
				close = '\''
			case '{':
				close = '}'
			}
			if close != 0 {
				off := p.pos + 1
				name, next, err := p.readName(off, close)
				if err != nil {
					return escape{}, err
				}
				p.pos = next
				return escape{refName: name, refOff: off}, nil
			}
		}
		return escape{}, p.errf(ErrSyntax, p.pos, "\\k is not followed by a braced, angle-bracketed, or quoted name")
	case 'p', 'P', 'X', 'C', 'K':
		return escape{}, p.unsupported(start, "\\"+string(ch))
	case 'E', 'Q':
		// Only reached inside a class (handled by the caller elsewhere).
		return escape{}, p.unsupported(start, "\\"+string(ch)+" here")
	}
	if isAlnum(ch) {
		return escape{}, p.errf(ErrSyntax, p.pos-1, "unrecognized character follows \\")
	}
	// Escaped punctuation or a non-ASCII character stands for itself.
	p.pos--
	return escape{c: p.nextChar()}, nil
}

func (p *parser) codePoint(v rune, start int) (escape, error) {
	if !p.utf && v > 0xff {
		return escape{}, p.errf(ErrSyntax, p.pos-1, "character code point value in \\x{} or \\o{} is too large")
	}
	if p.utf && (v > 0x10ffff) {
		return escape{}, p.errf(ErrSyntax, p.pos-1, "character code point value in \\x{} or \\o{} is too large")
	}
	if p.utf && v >= 0xd800 && v <= 0xdfff {
		return escape{}, p.errf(ErrSyntax, p.pos-1, "disallowed Unicode code point (>= 0xd800 && <= 0xdfff)")
	}
	return escape{c: v}, nil
}

// octal reads up to three octal digits at p.pos.
func (p *parser) octal(start int) (escape, error) {
	v := 0
	for i := 0; i < 3 && p.pos < len(p.pat) && p.pat[p.pos] >= '0' && p.pat[p.pos] <= '7'; i++ {
		v = v*8 + int(p.pat[p.pos]-'0')
		p.pos++
	}
	if !p.utf && v > 0xff {
		return escape{}, p.errf(ErrSyntax, p.pos, "octal value is greater than \\377 in 8-bit non-UTF-8 mode")
	}
	return escape{c: rune(v)}, nil
}

// parseG parses \g after the g: \gN \g-N \g{N} \g{-N} \g{name}.
func (p *parser) parseG(start int) (escape, error) {
	if p.pos < len(p.pat) && (p.pat[p.pos] == '<' || p.pat[p.pos] == '\'') {
		return escape{}, p.unsupported(start, "subroutine call \\g<...>")
	}
	braced := p.pos < len(p.pat) && p.pat[p.pos] == '{'
	s := p.pos
	if braced {
		s++
	}
	e := s
	if e < len(p.pat) && (p.pat[e] == '-' || p.pat[e] == '+') {
		e++
	}
	for e < len(p.pat) && p.pat[e] >= '0' && p.pat[e] <= '9' {
		e++
	}
	num := p.pat[s:e]
	if braced && (num == "" || num == "-" || num == "+") {
		name, next, err := p.readName(s, '}')
		if err != nil {
			return escape{}, err
		}
		p.pos = next
		return escape{refName: name, refOff: s}, nil
	}
	if num == "" || num == "-" || num == "+" {
		return escape{}, p.errf(ErrSyntax, s, "\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number")
	}
	if num[0] == '+' {
		return escape{}, p.unsupported(start, "\\g+N")
	}
	if braced {
		if e >= len(p.pat) || p.pat[e] != '}' {
			return escape{}, p.errf(ErrSyntax, e, "\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number")
		}
		e++
	}
	p.pos = e
	n := atoiCap(strings.TrimPrefix(num, "-"))
	if num[0] == '-' {
		if n == 0 || n > p.ncap {
			return escape{}, p.errf(ErrSyntax, start, "reference to non-existent subpattern")
		}
		n = p.ncap - n + 1
	}
	if n == 0 {
		return escape{}, p.errf(ErrSyntax, start, "a numbered reference must not be zero")
	}
	return escape{backref: n, refOff: p.pos - 1}, nil
}

// readName reads a group name at at, up to the terminator term, as PCRE2's
// read_name does, and returns it with the offset after the terminator.
func (p *parser) readName(at int, term byte) (string, int, error) {
	if at >= len(p.pat) {
		return "", 0, p.errf(ErrSyntax, len(p.pat), "subpattern name expected")
	}
	if c := p.pat[at]; c >= '0' && c <= '9' {
		return "", 0, p.errf(ErrSyntax, at, "subpattern name must start with a non-digit")
	}
	i := at
	for i < len(p.pat) && (isAlnum(p.pat[i]) || p.pat[i] == '_') {
		i++
	}
	if i == at {
		return "", 0, p.errf(ErrSyntax, i, "subpattern name expected")
	}
	if i-at > 32 {
		return "", 0, p.errf(ErrSyntax, i, "subpattern name is too long (maximum 32 code units)")
	}
	if i >= len(p.pat) || p.pat[i] != term {
		return "", 0, p.errf(ErrSyntax, i, "syntax error in subpattern name (missing terminator?)")
	}
	return p.pat[at:i], i + 1, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// parseClass parses [...] at p.pos.
func (p *parser) parseClass() (*charSet, error) {
	start := p.pos
	p.pos++
	b := &setBuilder{}
	if p.pos < len(p.pat) && p.pat[p.pos] == '^' {
		b.neg = true
		p.pos++
	}
	max := rune(0xff)
	if p.utf {
		max = 0x10ffff
	}
	first := true
	for {
		if p.pos >= len(p.pat) {
			return nil, p.errf(ErrSyntax, p.pos, "missing terminating ] for character class")
		}
		ch := p.pat[p.pos]
		if p.opt.extended2 && (ch == ' ' || ch == '\t') {
			p.pos++
			continue
		}
		if ch == ']' && !first {
			p.pos++
			break
		}
		first = false
		if ch == '[' {
			if end, ok := posixSyntax(p.pat[p.pos:]); ok {
				if p.pat[p.pos+1] != ':' {
					return nil, p.errf(ErrSyntax, p.pos, "POSIX collating elements are not supported")
				}
				name, neg, n := posixName(p.pat[p.pos:], end)
				rs, known := posixClasses[name]
				if !known {
					off := p.pos + 2
					if neg {
						off++
					}
					return nil, p.errf(ErrSyntax, off, "unknown POSIX class name")
				}
				if p.opt.caseless && (name == "lower" || name == "upper") {
					rs = posixClasses["alpha"]
				}
				if neg {
					b.addNegClass(rs, max)
				} else {
					b.addClass(rs)
				}
				p.pos += n
				if err := p.noRangeAfterClass(); err != nil {
					return nil, err
				}
				continue
			}
		}
		if strings.HasPrefix(p.pat[p.pos:], "\\Q") {
			p.pos += 2
			for p.pos < len(p.pat) && !strings.HasPrefix(p.pat[p.pos:], "\\E") {
				c := p.nextChar()
				b.add(c, c)
			}
			if p.pos < len(p.pat) {
				p.pos += 2
			}
			continue
		}
		if strings.HasPrefix(p.pat[p.pos:], "\\E") {
			p.pos += 2
			continue
		}
		lo, isSet, err := p.classAtom(b, max)
		if err != nil {
			return nil, err
		}
		if isSet {
			if err := p.noRangeAfterClass(); err != nil {
				return nil, err
			}
			continue
		}
		// A range?
		if p.pos+1 < len(p.pat) && p.pat[p.pos] == '-' && p.pat[p.pos+1] != ']' {
			save := p.pos
			p.pos++
			if p.pat[p.pos] == '[' {
				if _, ok := posixSyntax(p.pat[p.pos:]); ok {
					return nil, p.errf(ErrSyntax, p.pos, "invalid range in character class")
				}
			}
			hb := &setBuilder{}
			hi, hiSet, err := p.classAtom(hb, max)
			if err != nil {
				return nil, err
			}
			if hiSet {
				return nil, p.errf(ErrSyntax, p.pos-1, "invalid range in character class")
			}
			if hi < lo {
				return nil, p.errf(ErrSyntax, p.pos-1, "range out of order in character class")
			}
			_ = save
			b.add(lo, hi)
			continue
		}
		b.add(lo, lo)
	}
	_ = start
	return b.build(p.opt.caseless, p.utf), nil
}

// noRangeAfterClass refuses "[\d-z]": PCRE2 reports an invalid range.
func (p *parser) noRangeAfterClass() error {
	if p.pos+1 < len(p.pat) && p.pat[p.pos] == '-' && p.pat[p.pos+1] != ']' {
		return p.errf(ErrSyntax, p.pos+1, "invalid range in character class")
	}
	return nil
}

// classAtom reads one character of a class, or a class escape (added to b;
// isSet true).
func (p *parser) classAtom(b *setBuilder, max rune) (rune, bool, error) {
	if p.pat[p.pos] != '\\' {
		return p.nextChar(), false, nil
	}
	e, err := p.parseEscape(true)
	if err != nil {
		return 0, false, err
	}
	if e.set != nil {
		if e.negCls {
			b.addNegClass(e.cls, max)
		} else {
			b.addClass(e.cls)
		}
		return 0, true, nil
	}
	if e.assert != 0 || e.backref != 0 || e.refName != "" || e.newlineSeq {
		return 0, false, p.errf(ErrSyntax, p.pos, "escape sequence is invalid in character class")
	}
	return e.c, false, nil
}

// posixSyntax reports whether s (starting at '[') opens a POSIX item
// "[:...:]", "[.....]" or "[=...=]" as PCRE2's check_posix_syntax decides,
// and returns the offset of the terminator (':', '.' or '=' before the ']').
func posixSyntax(s string) (int, bool) {
	if len(s) < 4 || (s[1] != ':' && s[1] != '.' && s[1] != '=') {
		return 0, false
	}
	term := s[1]
	for i := 2; len(s)-i >= 2; i++ {
		switch {
		case s[i] == '\\' && (s[i+1] == ']' || s[i+1] == '\\'):
			i++
		case s[i] == '[' && s[i+1] == term || s[i] == ']':
			return 0, false
		case s[i] == term && s[i+1] == ']':
			return i, true
		}
	}
	return 0, false
}

// posixName reads the POSIX item at the start of s (posixSyntax is true):
// its name, whether it is negated, and its length.
func posixName(s string, end int) (name string, neg bool, n int) {
	i := 2
	if s[i] == '^' {
		neg = true
		i++
	}
	return s[i:end], neg, end + 2
}

// parseGroup parses a parenthesised construct at p.pos. It returns nil for
// an option setting such as (?i) that applies to the rest of the group.
func (p *parser) parseGroup(depth int) (*node, error) {
	start := p.pos
	p.pos++
	if depth >= parensNestLimit {
		return nil, p.errf(ErrSyntax, p.pos, "parentheses are too deeply nested")
	}
	rest := p.pat[p.pos:]
	n := p.newNode(node{kind: nGroup, offset: start})
	switch {
	case strings.HasPrefix(rest, "*"):
		return nil, p.unsupported(start, "backtracking verb or (*...) construct")
	case strings.HasPrefix(rest, "?*"), strings.HasPrefix(rest, "?<*"):
		return nil, p.unsupported(start, "non-atomic assertion")
	case !strings.HasPrefix(rest, "?"):
		if !p.opt.noAutoCapture {
			p.ncap++
			n.cap = p.ncap
		}
	case strings.HasPrefix(rest, "?:"):
		p.pos += 2
	case strings.HasPrefix(rest, "?>"):
		p.pos += 2
		n.atomic = true
	case strings.HasPrefix(rest, "?="), strings.HasPrefix(rest, "?!"):
		n.kind, n.neg = nLook, rest[1] == '!'
		p.pos += 2
	case strings.HasPrefix(rest, "?<="), strings.HasPrefix(rest, "?<!"):
		n.kind, n.behind, n.neg = nLook, true, rest[2] == '!'
		p.pos += 3
	case strings.HasPrefix(rest, "?<"), strings.HasPrefix(rest, "?'"), strings.HasPrefix(rest, "?P<"):
		open := 2
		close := byte('>')
		if rest[1] == 'P' {
			open = 3
		} else if rest[1] == '\'' {
			close = '\''
		}
		name, next, err := p.readName(p.pos+open, close)
		if err != nil {
			return nil, err
		}
		if _, dup := p.names[name]; dup {
			return nil, p.errf(ErrSyntax, next, "two named subpatterns have the same name (PCRE2_DUPNAMES not set)")
		}
		if p.names == nil {
			p.names = map[string]int{}
		}
		p.ncap++
		n.cap = p.ncap
		p.names[name] = n.cap
		p.pos = next
	case strings.HasPrefix(rest, "?P="):
		name, next, err := p.readName(p.pos+3, ')')
		if err != nil {
			return nil, err
		}
		p.pos = next
		r := &node{kind: nBackref, refName: name, fold: p.opt.caseless, offset: start, refOff: start + 4}
		p.refs = append(p.refs, r)
		return r, nil
	case strings.HasPrefix(rest, "?#"):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return nil, p.errf(ErrSyntax, len(p.pat), "missing ) after (?# comment")
		}
		p.pos += end + 1
		return nil, nil
	default:
		// Option setting: (?imsxnU-imsxnU) or (?imsx:...), (?^...).
		o, n2, colon, err := p.parseOptions(rest[1:], start)
		if err != nil {
			return nil, err
		}
		p.pos += 1 + n2
		if !colon {
			p.opt = o
			return nil, nil
		}
		saved := p.opt
		p.opt = o
		sub, err := p.parseAlt(depth + 1)
		if err != nil {
			return nil, err
		}
		p.opt = saved
		if p.pos >= len(p.pat) {
			return nil, p.errf(ErrSyntax, len(p.pat), "missing closing parenthesis")
		}
		p.pos++
		n.subs = p.subs(sub)
		return n, nil
	}
	saved := p.opt
	sub, err := p.parseAlt(depth + 1)
	if err != nil {
		return nil, err
	}
	p.opt = saved
	if p.pos >= len(p.pat) {
		return nil, p.errf(ErrSyntax, len(p.pat), "missing closing parenthesis")
	}
	p.pos++
	if n.kind == nLook {
		if sub.kind == nAlt {
			n.subs = sub.subs
		} else {
			n.subs = p.subs(sub)
		}
		if n.behind {
			for _, a := range n.subs {
				if _, ok := fixedLength(a); !ok {
					return nil, p.errf(ErrSyntax, start, "lookbehind assertion is not fixed length")
				}
			}
		}
		return n, nil
	}
	n.subs = p.subs(sub)
	return n, nil
}

// parseOptions parses the letters of an option setting; s starts after "(?".
func (p *parser) parseOptions(s string, start int) (options, int, bool, error) {
	o := p.opt
	on := true
	i := 0
	if strings.HasPrefix(s, "^") {
		o.caseless, o.multiline, o.dotall, o.extended, o.extended2, o.noAutoCapture = false, false, false, false, false, false
		i++
	}
	for ; i < len(s); i++ {
		switch s[i] {
		case 'i':
			o.caseless = on
		case 'm':
			o.multiline = on
		case 's':
			o.dotall = on
		case 'n':
			o.noAutoCapture = on
		case 'U':
			o.ungreedy = on
		case 'x':
			if on && i+1 < len(s) && s[i+1] == 'x' {
				o.extended2 = true
				i++
			} else if !on {
				o.extended2 = false
			}
			o.extended = on
		case '-':
			if !on {
				return o, 0, false, p.errf(ErrSyntax, start+2+i, "unrecognized character after (? or (?-")
			}
			on = false
		case ')':
			return o, i + 1, false, nil
		case ':':
			return o, i + 1, true, nil
		case 'J':
			return o, 0, false, p.unsupported(start, "(?J)")
		case '|':
			return o, 0, false, p.unsupported(start, "(?| branch reset group")
		case '(':
			return o, 0, false, p.unsupported(start, "conditional group")
		case 'R', '&', '+', 'C', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return o, 0, false, p.unsupported(start, "recursion, subroutine call or callout")
		case 'P':
			return o, 0, false, p.unsupported(start, "(?P>name) subroutine call")
		default:
			return o, 0, false, p.errf(ErrSyntax, start+2+i, "unrecognized character after (? or (?-")
		}
	}
	return o, 0, false, p.errf(ErrSyntax, len(p.pat), "missing closing parenthesis")
}

// fixedLength returns the length in characters of what n matches, if fixed.
func fixedLength(n *node) (int, bool) {
	switch n.kind {
	case nEmpty, nAssert, nLook:
		return 0, true
	case nChar, nSet:
		return 1, true
	case nConcat:
		t := 0
		for _, s := range n.subs {
			l, ok := fixedLength(s)
			if !ok {
				return 0, false
			}
			t += l
		}
		return t, true
	case nAlt:
		l0 := -1
		for _, s := range n.subs {
			l, ok := fixedLength(s)
			if !ok || l0 >= 0 && l != l0 {
				return 0, false
			}
			l0 = l
		}
		return l0, true
	case nGroup:
		return fixedLength(n.subs[0])
	case nRepeat:
		if n.min != n.max {
			return 0, false
		}
		l, ok := fixedLength(n.subs[0])
		return l * n.min, ok
	}
	return 0, false
}
