package pcre

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Flags are compile options (the PCRE2_* options of the same meaning).
type Flags uint32

const (
	Caseless  Flags = 1 << iota // PCRE2_CASELESS
	UTF                         // PCRE2_UTF: a subject that is not valid UTF-8 fails with ErrBadUTF
	Multiline                   // PCRE2_MULTILINE
	DotAll                      // PCRE2_DOTALL
	Extended                    // PCRE2_EXTENDED
	// NoUTFCheck is PCRE2_NO_UTF_CHECK given to pcre2_match: subjects
	// are not checked, and invalid UTF-8 is decoded as the package doc
	// describes. (OSSEC passes PCRE2_NO_UTF_CHECK only to pcre2_compile,
	// where it covers the pattern, so OSSEC's subjects are checked.)
	NoUTFCheck
)

// opcode is a machine instruction.
type opcode uint8

const (
	opMatch      opcode = iota
	opLit               // the bytes lit, exactly
	opLitFold           // the bytes lit (lower case), ASCII caseless
	opSet               // one character of set
	opSetRep            // set repeated min..max times (max < 0: unbounded), mode
	opSplit             // try x, then y
	opJmp               // go to x
	opSave              // slot n = position
	opAssert            // assertion a
	opRepStart          // loop register n = position
	opRepEnd            // end of an iteration of the loop that starts at x
	opMark              // open an atomic group or lookaround of kind n (markAtomic...); x: after it
	opCut               // close an atomic group: drop its choice points
	opLookEnd           // close a positive lookaround: drop choice points, restore position
	opNegLookEnd        // the body of a negative lookaround matched: the assertion fails
	opBackStep          // move back n characters (lookbehind)
	opBackref           // the text of group n (caseless if fold)
	opFail
	opAltSwitch // try the alternatives of alts that can start here
)

const (
	markAtomic = iota
	markLook
	markNegLook
)

type inst struct {
	op   opcode
	mode repeatMode
	fold bool
	a    assertKind
	n    int
	x, y int
	min  int
	max  int
	lit  string
	set  *charSet
	// For opSetRep: the first byte (and its other case, or -1) of a
	// literal that follows, or -1; positions where it cannot start are
	// skipped when a repeat gives back or takes more characters.
	next, nextAlt int
	alts          *altTable
}

// nextAt reports whether the literal that follows a repeat can start at pos.
func (in *inst) nextAt(s string, pos int) bool {
	if pos >= len(s) {
		return false
	}
	c := int(s[pos])
	return c == in.next || c == in.nextAlt
}

// setNext fills next and nextAlt of the repeats.
func setNext(prog []inst) {
	for pc := range prog {
		in := &prog[pc]
		in.next, in.nextAlt = -1, -1
		if in.op != opSetRep {
			continue
		}
		j := pc + 1
		for j < len(prog) && prog[j].op == opSave {
			j++
		}
		if j < len(prog) && (prog[j].op == opLit || prog[j].op == opLitFold) {
			b := prog[j].lit[0]
			in.next = int(b)
			if prog[j].op == opLitFold && isASCIILetter(b) {
				in.nextAlt = int(b &^ 0x20)
			}
		}
	}
}

// maxProgram bounds the size of a compiled program (counted repeats of
// groups are compiled as copies, as PCRE2 does).
const maxProgram = 200000

type compiler struct {
	prog  []inst
	utf   bool
	nregs int
	err   *Error
	pat   string
	alts  []altSite
	// litBuf is scratch space for the literals of compileConcat.
	litBuf []byte
}

// altSite is an alternation: the split that starts it and where each
// alternative starts.
type altSite struct {
	first    int
	branches []int
}

// altTable lets opAltSwitch try only the alternatives that can start with
// the next byte.
type altTable struct {
	branches []int
	first    [][4]uint64
}

func (c *compiler) emit(i inst) int {
	if len(c.prog) >= maxProgram {
		if c.err == nil {
			c.err = &Error{Code: ErrTooLarge, Offset: 0, Msg: "regular expression is too large", Pattern: c.pat}
		}
		return len(c.prog) - 1
	}
	c.prog = append(c.prog, i)
	return len(c.prog) - 1
}

func (c *compiler) compile(n *node) {
	if c.err != nil {
		return
	}
	switch n.kind {
	case nEmpty:
	case nChar, nSet:
		if n.kind == nChar {
			if lit, fold, ok := c.charLit(n); ok {
				c.emitLit(lit, fold)
				return
			}
		}
		c.emit(inst{op: opSet, set: c.setOf(n)})
	case nAssert:
		c.emit(inst{op: opAssert, a: n.a})
	case nConcat:
		c.compileConcat(n.subs)
	case nAlt:
		c.compileAlt(n.subs, nil)
	case nGroup:
		if n.atomic {
			c.emit(inst{op: opMark, n: markAtomic})
			c.compileGroupBody(n)
			c.emit(inst{op: opCut})
			return
		}
		c.compileGroupBody(n)
	case nLook:
		kind := markLook
		if n.neg {
			kind = markNegLook
		}
		m := c.emit(inst{op: opMark, n: kind})
		var pre []int
		if n.behind {
			for _, a := range n.subs {
				l, _ := fixedLength(a)
				pre = append(pre, l)
			}
		}
		c.compileAlt(n.subs, pre)
		if n.neg {
			c.emit(inst{op: opNegLookEnd})
		} else {
			c.emit(inst{op: opLookEnd})
		}
		c.prog[m].x = len(c.prog)
	case nRepeat:
		c.compileRepeat(n)
	case nBackref:
		c.emit(inst{op: opBackref, n: n.cap, fold: n.fold})
	}
}

func (c *compiler) compileGroupBody(n *node) {
	if n.cap > 0 {
		c.emit(inst{op: opSave, n: 2 * n.cap})
		c.compile(n.subs[0])
		c.emit(inst{op: opSave, n: 2*n.cap + 1})
		return
	}
	c.compile(n.subs[0])
}

// compileAlt compiles alternatives; back, if not nil, gives for each a
// number of characters to step back first (lookbehind).
func (c *compiler) compileAlt(alts []*node, back []int) {
	var jumps []int
	site := altSite{first: len(c.prog)}
	for i, a := range alts {
		split := -1
		if i < len(alts)-1 {
			split = c.emit(inst{op: opSplit})
			c.prog[split].x = split + 1
		}
		site.branches = append(site.branches, len(c.prog))
		if back != nil && back[i] > 0 {
			c.emit(inst{op: opBackStep, n: back[i]})
		}
		c.compile(a)
		if i < len(alts)-1 {
			jumps = append(jumps, c.emit(inst{op: opJmp}))
			c.prog[split].y = len(c.prog)
		}
	}
	for _, j := range jumps {
		c.prog[j].x = len(c.prog)
	}
	if back == nil && len(alts) >= 2 {
		c.alts = append(c.alts, site)
	}
}

// altSwitches turns alternations whose alternatives all start with a known
// set of bytes into opAltSwitch (run after the program is complete).
func altSwitches(re *Regexp, sites []altSite) {
	for _, site := range sites {
		t := &altTable{branches: site.branches}
		ok := true
		for _, b := range site.branches {
			var bits [4]uint64
			if !firstBytesMode(re, b, &bits, map[int]bool{}, true) {
				ok = false
				break
			}
			t.first = append(t.first, bits)
		}
		if ok {
			re.prog[site.first] = inst{op: opAltSwitch, alts: t}
		}
	}
}

// nextBranch returns the first alternative at or after i that can start
// with the byte at pos, or -1.
func (t *altTable) nextBranch(s string, pos, i int) int {
	if pos >= len(s) {
		return -1
	}
	c := s[pos]
	for ; i < len(t.branches); i++ {
		if t.first[i][c>>6]&(1<<(c&63)) != 0 {
			return i
		}
	}
	return -1
}

// compileConcat merges runs of literal characters into one instruction.
func (c *compiler) compileConcat(subs []*node) {
	// buf is c.litBuf, which a nested concatenation reuses once buf is
	// flushed.
	buf := c.litBuf[:0]
	defer func() { c.litBuf = buf[:0] }()
	bufFold := false
	flush := func() {
		if len(buf) > 0 {
			c.emitLitBytes(buf, bufFold)
			buf = buf[:0]
		}
	}
	for i, s := range subs {
		if s.kind == nChar {
			if lit, fold, ok := c.charLit(s); ok {
				neutral := !hasASCIILetter(lit)
				if len(buf) > 0 && !neutral && fold != bufFold {
					if !hasASCIILetter(string(buf)) {
						bufFold = fold
					} else {
						flush()
					}
				}
				if len(buf) == 0 {
					bufFold = fold
				}
				buf = append(buf, lit...)
				continue
			}
		}
		flush()
		c.litBuf = buf
		if i+1 < len(subs) && pcre2PossessesNewline(s, subs[i+1]) {
			r := *s
			r.mode = possessive
			c.compile(&r)
		} else {
			c.compile(s)
		}
		buf = c.litBuf[:0]
	}
	flush()
}

// pcre2PossessesNewline reports whether PCRE2 10.42 auto-possessifies the
// repeat n (of \R) because of what follows. Its table marks \R as
// disjoint from \d, \s, \w, dot and \h and from \z, although \R and \s
// (or dot) share characters: so "\R?\s" does not match "\n" in PCRE2, and
// neither here. Only a following item that must match (not one repeated
// from 0) is considered.
func pcre2PossessesNewline(n, next *node) bool {
	if n.kind != nRepeat || n.mode == possessive || n.subs[0].esc != 'R' {
		return false
	}
	if next.kind == nAssert {
		return next.a == aEnd
	}
	if next.kind == nRepeat {
		if next.min == 0 {
			return false
		}
		next = next.subs[0]
	}
	if next.kind != nSet {
		return false
	}
	switch next.esc {
	case 'd', 's', 'w', '.', 'N', 'h':
		return true
	}
	return false
}

func hasASCIILetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if isASCIILetter(s[i]) {
			return true
		}
	}
	return false
}

func isASCIILetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

// emitLitBytes is emitLit for a literal in scratch space (it may fold it
// in place).
func (c *compiler) emitLitBytes(lit []byte, fold bool) {
	if fold && hasASCIILetter(string(lit)) {
		for i := range lit {
			if isASCIILetter(lit[i]) {
				lit[i] |= 0x20
			}
		}
		c.emit(inst{op: opLitFold, lit: string(lit)})
		return
	}
	c.emit(inst{op: opLit, lit: string(lit)})
}

func (c *compiler) emitLit(lit string, fold bool) {
	if fold && hasASCIILetter(lit) {
		b := []byte(lit)
		for i := range b {
			if isASCIILetter(b[i]) {
				b[i] |= 0x20
			}
		}
		c.emit(inst{op: opLitFold, lit: string(b)})
		return
	}
	c.emit(inst{op: opLit, lit: lit})
}

// charLit returns the bytes of a literal character node when it can be
// matched by comparing bytes (exactly, or ASCII-caseless when fold).
func (c *compiler) charLit(n *node) (string, bool, bool) {
	if !c.utf {
		b := string([]byte{byte(n.c)})
		return b, n.fold && isASCIILetter(byte(n.c)), true
	}
	if !n.fold {
		return string(n.c), false, true
	}
	others := 0
	allASCII := n.c < 128
	for f := unicode.SimpleFold(n.c); f != n.c; f = unicode.SimpleFold(f) {
		others++
		if f >= 128 {
			allASCII = false
		}
	}
	switch {
	case others == 0:
		return string(n.c), false, true
	case others == 1 && allASCII:
		return string(n.c), true, true
	}
	return "", false, false
}

// setOf returns the character set of a single-character node.
func (c *compiler) setOf(n *node) *charSet {
	if n.kind == nSet {
		return n.set
	}
	b := &setBuilder{}
	b.add(n.c, n.c)
	return b.build(n.fold, c.utf)
}

func isSingleChar(n *node) bool { return n.kind == nChar || n.kind == nSet }

func (c *compiler) compileRepeat(n *node) {
	sub := n.subs[0]
	if sub.kind == nLook {
		// PCRE2: {0} drops the assertion, a minimum of 0 makes it
		// optional ({0,1}), anything else runs it once.
		switch {
		case n.max == 0:
		case n.min == 0:
			mode := n.mode
			if mode == possessive {
				mode = greedy
			}
			c.compileGroupRepeat(sub, 0, 1, mode)
		default:
			c.compile(sub)
		}
		return
	}
	if isSingleChar(sub) {
		if n.min == 1 && n.max == 1 {
			c.compile(sub)
			return
		}
		if n.max == 0 {
			return
		}
		c.emit(inst{op: opSetRep, set: c.setOf(sub), min: n.min, max: n.max, mode: n.mode})
		return
	}
	if n.mode == possessive {
		c.emit(inst{op: opMark, n: markAtomic})
		c.compileGroupRepeat(sub, n.min, n.max, greedy)
		c.emit(inst{op: opCut})
		return
	}
	c.compileGroupRepeat(sub, n.min, n.max, n.mode)
}

// compileGroupRepeat compiles sub{min,max} as PCRE2 does: min copies, then
// either a loop (unbounded) or max-min nested optional copies.
func (c *compiler) compileGroupRepeat(sub *node, min, max int, mode repeatMode) {
	if max == 0 {
		// PCRE2 skips the group but it still counts for numbering.
		return
	}
	if max < 0 {
		copies := min - 1
		if min == 0 {
			copies = 0
		}
		for i := 0; i < copies; i++ {
			c.compile(sub)
		}
		split := -1
		if min == 0 {
			split = c.emit(inst{op: opSplit})
		}
		start := len(c.prog)
		reg := c.nregs
		c.nregs++
		c.emit(inst{op: opRepStart, n: reg})
		c.compile(sub)
		c.emit(inst{op: opRepEnd, n: reg, x: start, mode: mode})
		if split >= 0 {
			c.setSplit(split, start, len(c.prog), mode)
		}
		return
	}
	for i := 0; i < min; i++ {
		c.compile(sub)
	}
	var splits []int
	for i := min; i < max; i++ {
		s := c.emit(inst{op: opSplit})
		splits = append(splits, s)
		c.compile(sub)
	}
	end := len(c.prog)
	for _, s := range splits {
		c.setSplit(s, s+1, end, mode)
	}
}

func (c *compiler) setSplit(at, body, exit int, mode repeatMode) {
	if c.err != nil {
		return
	}
	if mode == lazy {
		c.prog[at].x, c.prog[at].y = exit, body
	} else {
		c.prog[at].x, c.prog[at].y = body, exit
	}
}

// litFirstRune is used by the analysis of UTF literals.
var _ = utf8.RuneLen

// String returns the flags as PCRE2 option names joined by '|'.
func (f Flags) String() string {
	var parts []string
	for _, x := range []struct {
		f    Flags
		name string
	}{{Caseless, "CASELESS"}, {UTF, "UTF"}, {Multiline, "MULTILINE"}, {DotAll, "DOTALL"}, {Extended, "EXTENDED"}, {NoUTFCheck, "NO_UTF_CHECK"}} {
		if f&x.f != 0 {
			parts = append(parts, x.name)
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}
