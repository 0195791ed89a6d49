package pcre

import (
	"math"
	"slices"
	"sync"
	"unicode/utf8"
)

// DefaultMatchLimit is PCRE2's default match limit: a match attempt at one
// start position fails with ErrMatchLimit after this many backtracking steps
// (PCRE2 10.42's interpreter also counts per start position). The steps of
// all start positions together are bounded by totalLimitFactor times the
// limit, so that no subject can take long.
const DefaultMatchLimit = 10_000_000

// totalLimitFactor is a variable for tests.
var totalLimitFactor = 10

// maxStack bounds the backtracking stack (entries of 32 bytes: 16 MiB),
// like PCRE2's heap limit (20 MB by default).
const maxStack = 1 << 19

// keepStack is the largest stack a pooled machine keeps.
const keepStack = 1 << 14

// Regexp is a compiled pattern. It is safe for concurrent use.
type Regexp struct {
	pattern  string
	flags    Flags
	prog     []inst
	ncap     int
	nregs    int
	names    map[string]int
	utf      bool
	checkUTF bool // UTF without NoUTFCheck: subjects must be valid UTF-8
	pre      prefilter
	memo     *memoInfo // nil: never memoised (see memo.go)
	jit      *jitModel // nil: the JIT stack use is bounded (see jitstack.go)
	pool     sync.Pool
	// MatchLimit is the number of backtracking steps after which matching
	// gives up (DefaultMatchLimit when Compile returns).
	matchLimit int
}

// Compile compiles pattern with flags. The error is an *Error.
func Compile(pattern string, flags Flags) (*Regexp, error) {
	p := newParser()
	defer p.release()
	tree, ncap, names, err := p.parse(pattern, flags)
	if err != nil {
		return nil, err
	}
	c := &compiler{utf: flags&UTF != 0, pat: pattern, prog: p.prog[:0], litBuf: p.litBuf}
	defer func() { p.litBuf = c.litBuf }()
	c.emit(inst{op: opSave, n: 0})
	c.compile(tree)
	c.emit(inst{op: opSave, n: 1})
	c.emit(inst{op: opMatch})
	if c.err != nil {
		return nil, c.err
	}
	autoPossess(c.prog, c.utf)
	setNext(c.prog)
	// The program was built in the parser's scratch space: keep an
	// exact-size copy.
	prog := slices.Clone(c.prog)
	clear(c.prog)
	p.prog = c.prog[:0]
	re := &Regexp{
		pattern:    pattern,
		flags:      flags,
		prog:       prog,
		ncap:       ncap,
		nregs:      c.nregs,
		names:      names,
		utf:        c.utf,
		checkUTF:   c.utf && flags&NoUTFCheck == 0,
		matchLimit: DefaultMatchLimit,
	}
	re.jit = buildJIT(tree, ncap, c.utf)
	altSwitches(re, c.alts)
	re.pre = analyze(re)
	re.memo = buildMemo(re.prog)
	return re, nil
}

// MustCompile is Compile that panics on error, for patterns known to be good.
func MustCompile(pattern string, flags Flags) *Regexp {
	re, err := Compile(pattern, flags)
	if err != nil {
		panic(err)
	}
	return re
}

// String returns the source pattern.
func (re *Regexp) String() string { return re.pattern }

// NumCaptures returns the number of capturing groups (PCRE2_INFO_CAPTURECOUNT).
func (re *Regexp) NumCaptures() int { return re.ncap }

// GroupNames returns the group number of each named group.
func (re *Regexp) GroupNames() map[string]int {
	m := make(map[string]int, len(re.names))
	for k, v := range re.names {
		m[k] = v
	}
	return m
}

// SetMatchLimit changes the match limit; call it before any use.
func (re *Regexp) SetMatchLimit(n int) { re.matchLimit = n }

// MatchString reports whether re matches s. A match-limit failure counts
// as no match, as OSSEC treats it.
func (re *Regexp) MatchString(s string) bool {
	if re.pre.reject(s) {
		return false
	}
	m := re.get()
	ok, _ := m.searchChecked(s)
	re.put(m)
	return ok && !re.jitLimited(s)
}

// Exec matches re against s and returns the ovector appended to dst[:0]:
// 2*(NumCaptures()+1) offsets, start and end of the match and of each group,
// -1 for a group that did not participate. It returns nil when there is no
// match; err is ErrMatchLimit when matching gave up.
func (re *Regexp) Exec(s string, dst []int) ([]int, error) {
	if re.pre.reject(s) {
		return nil, nil
	}
	m := re.get()
	ok, err := m.searchChecked(s)
	if !ok {
		re.put(m)
		return nil, err
	}
	dst = append(dst[:0], m.slots...)
	re.put(m)
	if re.jitLimited(s) {
		return nil, ErrJITStackLimit
	}
	return dst, nil
}

// Matcher runs one Regexp without allocating; it is not safe for
// concurrent use. Get one with Regexp.Matcher and reuse it.
type Matcher struct{ m *machine }

// Matcher returns a new Matcher for re.
func (re *Regexp) Matcher() *Matcher { return &Matcher{m: re.newMachine()} }

// Exec matches s; the returned ovector is owned by the Matcher and valid
// until its next use. It is nil when there is no match.
func (mt *Matcher) Exec(s string) ([]int, error) {
	ok, err := mt.m.search(s)
	if !ok {
		return nil, err
	}
	if mt.m.re.jitLimited(s) {
		return nil, ErrJITStackLimit
	}
	return mt.m.slots, nil
}

func (re *Regexp) put(m *machine) {
	if cap(m.stack) > keepStack {
		m.stack = make([]bt, 0, 32)
	}
	if cap(m.memo) > keepMemo {
		m.memo = nil
	}
	if m.memoStride > 512 {
		m.repRuns = nil // each keeps a cost per subject byte
	}
	m.s = ""
	re.pool.Put(m)
}

func (re *Regexp) get() *machine {
	if m, ok := re.pool.Get().(*machine); ok {
		return m
	}
	return re.newMachine()
}

func (re *Regexp) newMachine() *machine {
	return &machine{
		re:    re,
		prog:  re.prog,
		slots: make([]int, 2*(re.ncap+1)),
		open:  make([]int, re.ncap+1),
		regs:  make([]int, re.nregs),
		stack: make([]bt, 0, 32),
	}
}

// bt is a backtracking stack entry.
type bt struct {
	kind btKind
	n    int32 // slot, register, mark kind, or instruction of a repeat
	pc   int32
	pos  int
	aux  int
}

type btKind uint8

const (
	btChoice    btKind = iota // resume at pc, pos
	btSlot                    // restore a group's offsets: slots n and n+1 to pos and aux (n >= 0), or its pending start to pos (n < 0, see restoreSlot)
	btReg                     // restore register n to pos
	btMark                    // opening of an atomic group or lookaround
	btRepGreedy               // give back one character of a greedy repeat: n instruction, pos current end, aux minimum end
	btRepLazy                 // take one more character for a lazy repeat: aux count so far
	btAlt                     // try the next alternative of the opAltSwitch n from aux
	btMemo                    // a memoised state: pos its memo cell, aux the steps when it was entered
)

type machine struct {
	re     *Regexp
	prog   []inst
	s      string
	slots  []int // committed capture offsets (the ovector)
	open   []int // pending start of each group
	regs   []int
	stack  []bt
	steps  int // backtracking steps of this start position
	budget int // steps allowed at this start position
	total  int // steps left for the whole search
	limit  bool
	// The memo of failed states (memo.go): memoPts is the join point
	// table while the memo is on (nil otherwise), memo the cost of each
	// failed state plus one (0: not known), nmemo the btMemo entries on
	// the stack (not counted against maxStack).
	memoPts    []int32
	memo       []uint32
	memoStride int
	memoLoops  [][]int32
	repRuns    []repRun
	memoOff    bool
	nmemo      int
	work       int // steps actually run and memo hits (tests)
}

// search finds the leftmost match.
func (m *machine) search(s string) (bool, error) {
	re := m.re
	m.s = s
	m.total = m.re.matchLimit * totalLimitFactor
	m.limit = false
	if re.pre.reject(s) {
		return false, nil
	}
	return m.searchChecked(s)
}

// searchChecked is search once the prefilter's reject has said no.
func (m *machine) searchChecked(s string) (bool, error) {
	re := m.re
	if re.checkUTF && !utf8.ValidString(s) {
		return false, ErrBadUTF
	}
	m.s = s
	m.total = m.re.matchLimit * totalLimitFactor
	m.limit = false
	m.memoPts, m.memoOff, m.work = nil, false, 0
	for i := range m.repRuns {
		m.repRuns[i].ok = false
	}
	pre := &re.pre
	if pre.anchored {
		return m.try(0)
	}
	end := len(s) - pre.minLen
	for pos := 0; pos <= end; {
		switch {
		case pos == 0 && pre.useFirst:
			// Position 0 is always tried: the first-byte set leaves out
			// alternatives that start with ^ (see firstBytes).
		case pre.prefix != nil:
			p := pre.prefix.index(s, pos)
			if p < 0 || p > end {
				return false, nil
			}
			pos = p
		case pre.useFirst:
			p := pre.next(s, pos, end)
			if p < 0 {
				return false, nil
			}
			pos = p
		}
		if m.re.utf && pos > 0 && pos < len(s) && s[pos]&0xc0 == 0x80 {
			// PCRE2 never starts inside a character.
			pos++
			continue
		}
		ok, err := m.try(pos)
		if ok || err != nil {
			return ok, err
		}
		if pre.startRep != nil {
			pos = m.skipRun(pre.startRep, pos)
		}
		pos++
		if m.re.utf {
			for pos < len(s) && s[pos]&0xc0 == 0x80 {
				pos++
			}
		}
	}
	return false, nil
}

func (m *machine) try(pos int) (bool, error) {
	for i := range m.slots {
		m.slots[i] = -1
	}
	m.stack = m.stack[:0]
	m.nmemo = 0
	m.steps = 0
	m.budget = min(m.re.matchLimit, m.total)
	if m.memoPts == nil && m.re.matchLimit*totalLimitFactor-m.total >= memoAfter {
		m.enableMemo()
	}
	if m.memoPts != nil {
		// The memo bounds the time of the search: only the limit per
		// start position remains, as in PCRE2.
		m.budget = m.re.matchLimit
	}
	ok := m.run(0, pos)
	m.total -= m.steps
	if m.limit {
		return false, ErrMatchLimit
	}
	return ok, nil
}

// push adds a backtracking entry; it reports false when the stack is full.
func (m *machine) push(e bt) bool {
	if len(m.stack)-m.nmemo >= maxStack {
		m.limit = true
		return false
	}
	m.stack = append(m.stack, e)
	return true
}

// decode returns the character at i and its length (see the package doc
// for invalid UTF-8).
func decode(s string, i int) (rune, int) {
	c := s[i]
	if c < 0xc0 {
		return rune(c), 1
	}
	var n int
	var v rune
	switch {
	case c < 0xe0:
		n, v = 1, rune(c&0x1f)
	case c < 0xf0:
		n, v = 2, rune(c&0x0f)
	case c < 0xf8:
		n, v = 3, rune(c&0x07)
	case c < 0xfc:
		n, v = 4, rune(c&0x03)
	default:
		n, v = 5, rune(c&0x01)
	}
	if i+n >= len(s) {
		return rune(c), 1
	}
	for k := 1; k <= n; k++ {
		v = v<<6 | rune(s[i+k]&0x3f)
	}
	if v < minForLen[n] {
		// Overlong: the lead byte alone (see the package doc).
		return rune(c), 1
	}
	return v, n + 1
}

// minForLen is the smallest value a sequence of 1+n bytes encodes.
var minForLen = [6]rune{0, 0x80, 0x800, 0x10000, 0x200000, 0x4000000}

// back returns the position one character before i, not before lo.
func (m *machine) back(i, lo int) int {
	i--
	if m.re.utf {
		for i > lo && m.s[i]&0xc0 == 0x80 {
			i--
		}
	}
	return i
}

// matchSet matches one character of set at pos; it returns the new
// position or -1.
func (m *machine) matchSet(set *charSet, pos int) int {
	s := m.s
	if pos >= len(s) {
		return -1
	}
	c := s[pos]
	if c < 0x80 || !m.re.utf {
		if set.hasByte(c) {
			return pos + 1
		}
		return -1
	}
	r, n := decode(s, pos)
	if set.has(r) {
		return pos + n
	}
	return -1
}

func isWordByte(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_'
}

func (m *machine) assert(a assertKind, pos int) bool { return assertAt(m.s, a, pos) }

// assertAt reports whether the zero-width assertion a holds at pos in s.
func assertAt(s string, a assertKind, pos int) bool {
	switch a {
	case aStart:
		return pos == 0
	case aLineStart:
		return pos == 0 || s[pos-1] == '\n' && pos < len(s)
	case aEndNL:
		return pos == len(s) || pos == len(s)-1 && s[pos] == '\n'
	case aLineEnd:
		return pos == len(s) || s[pos] == '\n'
	case aEnd:
		return pos == len(s)
	case aWordB, aNotWordB:
		before := pos > 0 && isWordByte(s[pos-1])
		after := pos < len(s) && isWordByte(s[pos])
		return (before != after) == (a == aWordB)
	}
	return false
}

func lower(b byte) byte { return foldTable[b] }

// foldTable maps ASCII upper-case letters to lower case.
var foldTable = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'A' && i <= 'Z' {
			t[i] = byte(i + 32)
		}
	}
	return t
}()

// run executes the program from pc at pos with backtracking.
func (m *machine) run(pc, pos int) bool {
	s := m.s
	prog := m.prog
	limit := m.budget
	pts := m.memoPts
	var in *inst
	for {
		if pts != nil {
			if k := pts[pc]; k >= 0 && m.memoEligible(k, pos) {
				cell := int(k)*m.memoStride + pos
				if c := m.memo[cell]; c != 0 {
					// Explored before, and failed: charge its steps.
					m.work++
					m.steps += int(c - 1)
					if m.steps > limit {
						m.limit = true
						return false
					}
					goto fail
				}
				m.stack = append(m.stack, bt{kind: btMemo, pos: cell, aux: m.steps})
				m.nmemo++
			}
		}
		in = &prog[pc]
		switch in.op {
		case opMatch:
			return true
		case opLit:
			l := in.lit
			if len(s)-pos >= len(l) && s[pos:pos+len(l)] == l {
				pos += len(l)
				pc++
				continue
			}
			goto fail
		case opLitFold:
			l := in.lit
			if len(s)-pos < len(l) {
				goto fail
			}
			for i := 0; i < len(l); i++ {
				if foldTable[s[pos+i]] != l[i] {
					goto fail
				}
			}
			pos += len(l)
			pc++
			continue
		case opSet:
			if p := m.matchSet(in.set, pos); p >= 0 {
				pos = p
				pc++
				continue
			}
			goto fail
		case opSetRep:
			fast := pts != nil && in.max < 0 && in.mode != lazy && !m.re.utf
			if fast {
				if c, ok := m.repKnown(pc, in, pos); ok {
					// Every state after the repeat is known to fail.
					m.work++
					m.steps += c
					if m.steps > limit {
						m.limit = true
						return false
					}
					goto fail
				}
			}
			start := pos
			count := 0
			max := in.max
			if max < 0 {
				max = math.MaxInt
			}
			target := in.min
			if in.mode != lazy {
				target = max
			}
			if !m.re.utf || in.set.asciiOnly() {
				// One byte a character: the run ends at the first byte
				// out of the set, at most target bytes on.
				set, lim := in.set, len(s)
				if target < lim-pos {
					lim = pos + target
				}
				for pos < lim && set.hasByte(s[pos]) {
					pos++
				}
				count = pos - start
			} else {
				for count < target && pos < len(s) {
					if c := s[pos]; c < 0x80 {
						if !in.set.hasByte(c) {
							break
						}
						pos++
					} else {
						p := m.matchSet(in.set, pos)
						if p < 0 {
							break
						}
						pos = p
					}
					count++
				}
			}
			if fast {
				m.noteRun(pc, in, start, pos)
			}
			if count < in.min {
				goto fail
			}
			switch in.mode {
			case greedy:
				if count > in.min {
					// The minimum end is found again when giving back.
					minEnd := start + in.min
					if m.re.utf && in.min > 0 {
						minEnd = m.advance(in.set, start, in.min)
					}
					if in.next >= 0 {
						for pos > minEnd && !in.nextAt(s, pos) {
							pos = m.back(pos, minEnd)
						}
					}
					if pos > minEnd {
						if !m.push(bt{kind: btRepGreedy, n: int32(pc), pc: int32(pc + 1), pos: pos, aux: minEnd}) {
							return false
						}
					}
				}
			case lazy:
				if in.next >= 0 {
					for count < max && pos < len(s) && !in.nextAt(s, pos) {
						if c := s[pos]; c < 0x80 || !m.re.utf {
							if !in.set.hasByte(c) {
								break
							}
							pos++
						} else {
							p := m.matchSet(in.set, pos)
							if p < 0 {
								break
							}
							pos = p
						}
						count++
					}
				}
				if count < max {
					if !m.push(bt{kind: btRepLazy, n: int32(pc), pc: int32(pc + 1), pos: pos, aux: count}) {
						return false
					}
				}
			}
			pc++
			continue
		case opSplit:
			if !m.push(bt{kind: btChoice, pc: int32(in.y), pos: pos}) {
				return false
			}
			pc = in.x
			continue
		case opJmp:
			pc = in.x
			continue
		case opSave:
			// A group's start is pending until the group ends, when both
			// offsets are set: a back reference inside the group sees the
			// previous iteration, as in PCRE2. On an empty stack no
			// backtracking can come back to restore the old offsets (a
			// failure ends the attempt; the next one starts with the
			// slots reset by try, and writes a group's pending start
			// before it reads it): they are not kept.
			g := in.n >> 1
			keep := len(m.stack) > 0
			if in.n&1 == 0 {
				if keep && !m.push(bt{kind: btSlot, n: int32(-g - 1), pos: m.open[g]}) {
					return false
				}
				m.open[g] = pos
			} else {
				if keep && !m.push(bt{kind: btSlot, n: int32(in.n - 1), pos: m.slots[in.n-1], aux: m.slots[in.n]}) {
					return false
				}
				m.slots[in.n-1] = m.open[g]
				m.slots[in.n] = pos
			}
			pc++
			continue
		case opAssert:
			if m.assert(in.a, pos) {
				pc++
				continue
			}
			goto fail
		case opRepStart:
			// As for opSave, an empty stack keeps nothing to restore
			// (an attempt writes a register here before reading it).
			if len(m.stack) > 0 && !m.push(bt{kind: btReg, n: int32(in.n), pos: m.regs[in.n]}) {
				return false
			}
			m.regs[in.n] = pos
			pc++
			continue
		case opRepEnd:
			if pos == m.regs[in.n] {
				// An empty iteration ends the loop.
				pc++
				continue
			}
			if in.mode == lazy {
				if !m.push(bt{kind: btChoice, pc: int32(in.x), pos: pos}) {
					return false
				}
				pc++
			} else {
				if !m.push(bt{kind: btChoice, pc: int32(pc + 1), pos: pos}) {
					return false
				}
				pc = in.x
			}
			continue
		case opMark:
			if !m.push(bt{kind: btMark, n: int32(in.n), pc: int32(in.x), pos: pos}) {
				return false
			}
			pc++
			continue
		case opCut:
			m.cut()
			pc++
			continue
		case opLookEnd:
			pos = m.cut()
			pc++
			continue
		case opNegLookEnd:
			// Undo everything the body did, including the mark.
			for {
				e := m.stack[len(m.stack)-1]
				m.stack = m.stack[:len(m.stack)-1]
				if e.kind == btSlot {
					m.restoreSlot(e)
				} else if e.kind == btReg {
					m.regs[e.n] = e.pos
				} else if e.kind == btMark {
					break
				} else if e.kind == btMemo {
					m.nmemo--
				}
			}
			goto fail
		case opBackStep:
			for i := 0; i < in.n; i++ {
				if pos <= 0 {
					goto fail
				}
				pos = m.back(pos, 0)
			}
			pc++
			continue
		case opBackref:
			if in.n > m.re.ncap || m.slots[2*in.n] < 0 {
				goto fail
			}
			st, en := m.slots[2*in.n], m.slots[2*in.n+1]
			if p := m.matchRef(s[st:en], pos, in.fold); p >= 0 {
				pos = p
				pc++
				continue
			}
			goto fail
		case opAltSwitch:
			t := in.alts
			i := t.nextBranch(s, pos, 0)
			if i < 0 {
				goto fail
			}
			if t.nextBranch(s, pos, i+1) >= 0 {
				if !m.push(bt{kind: btAlt, n: int32(pc), pos: pos, aux: i + 1}) {
					return false
				}
			}
			pc = t.branches[i]
			continue
		case opFail:
			goto fail
		}
	fail:
		// Backtrack.
		for {
			if len(m.stack) == 0 {
				return false
			}
			e := &m.stack[len(m.stack)-1]
			switch e.kind {
			case btChoice:
				pc, pos = int(e.pc), e.pos
				m.stack = m.stack[:len(m.stack)-1]
			case btSlot:
				m.restoreSlot(*e)
				m.stack = m.stack[:len(m.stack)-1]
				continue
			case btReg:
				m.regs[e.n] = e.pos
				m.stack = m.stack[:len(m.stack)-1]
				continue
			case btMemo:
				m.recordMemo(e)
				m.stack = m.stack[:len(m.stack)-1]
				continue
			case btMark:
				m.stack = m.stack[:len(m.stack)-1]
				if e.n != markNegLook {
					continue
				}
				// The body of a negative lookaround failed: it holds.
				pc, pos = int(e.pc), e.pos
			case btRepGreedy:
				rep := &prog[e.n]
				np := m.giveBack(rep, e.pos, e.aux)
				if pts != nil {
					if k := pts[e.pc]; k >= 0 {
						// Give back at once the characters whose
						// continuation is known to fail, charging the
						// resumed step and its cost for each.
						base := int(k) * m.memoStride
						for {
							c := m.memo[base+np]
							if c == 0 || !m.memoEligible(k, np) {
								break
							}
							m.work++
							m.steps += int(c)
							if m.steps > limit {
								m.limit = true
								return false
							}
							if np <= e.aux {
								break
							}
							np = m.giveBack(rep, np, e.aux)
						}
						if np <= e.aux && m.memo[base+np] != 0 && m.memoEligible(k, np) {
							m.stack = m.stack[:len(m.stack)-1]
							continue
						}
					}
				}
				pc, pos = int(e.pc), np
				if np <= e.aux {
					m.stack = m.stack[:len(m.stack)-1]
				} else {
					e.pos = np
				}
			case btAlt:
				t := prog[e.n].alts
				i := t.nextBranch(s, e.pos, e.aux)
				pc, pos = t.branches[i], e.pos
				if t.nextBranch(s, e.pos, i+1) >= 0 {
					e.aux = i + 1
				} else {
					m.stack = m.stack[:len(m.stack)-1]
				}
			case btRepLazy:
				rep := &prog[e.n]
				np := m.matchSet(rep.set, e.pos)
				if np < 0 {
					m.stack = m.stack[:len(m.stack)-1]
					continue
				}
				e.aux++
				if rep.next >= 0 {
					for (rep.max < 0 || e.aux < rep.max) && !rep.nextAt(s, np) {
						p := m.matchSet(rep.set, np)
						if p < 0 {
							break
						}
						np = p
						e.aux++
					}
				}
				pc, pos = int(e.pc), np
				e.pos = np
				if rep.max >= 0 && e.aux >= rep.max {
					m.stack = m.stack[:len(m.stack)-1]
				}
			}
			break
		}
		m.steps++
		m.work++
		if m.steps > limit {
			m.limit = true
			return false
		}
		if m.steps == memoAfter && pts == nil {
			if pts = m.enableMemo(); pts != nil {
				limit = m.re.matchLimit
				m.budget = limit
			}
		}
	}
}

// giveBack returns the position one character before pos (not before
// minEnd) where what follows the repeat rep can start.
func (m *machine) giveBack(rep *inst, pos, minEnd int) int {
	np := m.back(pos, minEnd)
	if rep.next >= 0 {
		// Skip the positions where what follows cannot start.
		for np > minEnd && !rep.nextAt(m.s, np) {
			np = m.back(np, minEnd)
		}
	}
	return np
}

// skipRun returns the end of the run of characters of set at pos (pos
// itself when there is none).
func (m *machine) skipRun(set *charSet, pos int) int {
	s := m.s
	if !m.re.utf || set.asciiOnly() {
		for pos < len(s) && set.hasByte(s[pos]) {
			pos++
		}
		return pos
	}
	for pos < len(s) {
		p := m.matchSet(set, pos)
		if p < 0 {
			break
		}
		pos = p
	}
	return pos
}

// restoreSlot undoes a capture change: n >= 0 is the first slot of a
// group, its start (pos) and end (aux), n < 0 the pending start of group
// -n-1.
func (m *machine) restoreSlot(e bt) {
	if e.n >= 0 {
		m.slots[e.n], m.slots[e.n+1] = e.pos, e.aux
	} else {
		m.open[-e.n-1] = e.pos
	}
}

// advance moves n characters of set forward from pos in UTF mode (they
// are known to match).
func (m *machine) advance(set *charSet, pos, n int) int {
	for i := 0; i < n; i++ {
		_, l := decode(m.s, pos)
		pos += l
	}
	return pos
}

// cut drops the choice points above the innermost mark, keeping the
// entries that restore captures, and returns the mark's position.
func (m *machine) cut() int {
	i := len(m.stack) - 1
	for m.stack[i].kind != btMark {
		i--
	}
	pos := m.stack[i].pos
	j := i
	for k := i + 1; k < len(m.stack); k++ {
		if e := m.stack[k]; e.kind == btSlot || e.kind == btReg {
			m.stack[j] = e
			j++
		} else if e.kind == btMemo {
			m.nmemo-- // reached the end of the group: not a failure
		}
	}
	m.stack = m.stack[:j]
	return pos
}

// matchRef matches the text ref at pos; caseless per the mode.
func (m *machine) matchRef(ref string, pos int, fold bool) int {
	s := m.s
	if !fold {
		if len(s)-pos >= len(ref) && s[pos:pos+len(ref)] == ref {
			return pos + len(ref)
		}
		return -1
	}
	if !m.re.utf {
		if len(s)-pos < len(ref) {
			return -1
		}
		for i := 0; i < len(ref); i++ {
			if lower(s[pos+i]) != lower(ref[i]) {
				return -1
			}
		}
		return pos + len(ref)
	}
	for i := 0; i < len(ref); {
		if pos >= len(s) {
			return -1
		}
		a, n := decode(ref, i)
		b, l := decode(s, pos)
		if a != b && !sameFold(a, b) {
			return -1
		}
		i += n
		pos += l
	}
	return pos
}
