package pcre

import (
	"errors"
	"math"
	"math/bits"
)

// This file models how much of its stack PCRE2 10.42's JIT uses, so that a
// match that real OSSEC loses to "JIT stack limit reached" (error -46) is
// lost here too.
//
// OSSEC calls pcre2_match with no match context on JIT-compiled code, so the
// JIT runs on a 32 KiB block of the machine stack (MACHINE_STACK_SIZE in
// pcre2_jit_compile.c); when a push would take the stack past it, the whole
// match fails with -46, which OSSEC treats as no match. The JIT keeps one
// stack for backtracking information, and what it pushes depends on the
// compiled opcodes (pcre2_jit_compile.c, compile_bracket_matchingpath,
// compile_iterator_matchingpath, compile_assert_matchingpath), in machine
// words of 8 bytes:
//
//   - a capturing group (OP_CBRA) pushes 2 words when it starts (the old
//     start and end offsets), or, when a back reference uses it, 1 when it
//     starts and 2 when it ends;
//   - a non-capturing group pushes nothing, but 1 word when it starts and 1
//     when it ends if it has alternatives (a capturing group with
//     alternatives: 1 more when it ends);
//   - a repeated group (KETRMAX / KETRMIN) pushes 1 word at the end of every
//     iteration, and never pops it until backtracking: a group repeated N
//     times holds N frames (a greedy + frees the last one when it goes on
//     after the group). Before the first iteration: 1 word for + and +?,
//     2 for * and *? (BRAZERO / BRAMINZERO), 1 for ? (and ??, which frees
//     it when it enters the group);
//   - a single-character repeat keeps its state in the machine frame
//     (private data) and pushes nothing, unless it is inside a repeated
//     group: then it pushes 2 words each time it runs (greedy * + and
//     bounded repeats; a class {n,m} min(m-n, 2)), 1 (lazy, and ?), or none
//     (possessive, auto-possessified, or an exact count);
//   - a lookaround pushes 1 word while it runs (none when it holds only
//     ^ $ \b \B), and drops what its body pushed when it ends.
//
// These rules were read from the source and checked against pcre2test -jit
// (differential test jitstack_test.go: the subject length at which -46
// starts, for every family of patterns there). Constructs whose frames are
// not modelled (atomic and possessive groups, counted repeats of groups,
// groups that can match the empty string repeated, captures inside
// lookarounds, repeated back references and lookarounds, \R) make the model
// "unknown": such a pattern is never failed for the JIT stack, and
// JITStackMinLength says it cannot tell.

// JITStackSize is the JIT stack PCRE2 10.42 uses when the caller gives none,
// as OSSEC does: 32 KiB.
const JITStackSize = 32768

const jitWords = JITStackSize / 8

// ErrJITStackLimit is returned by the Exec methods when PCRE2's JIT, on its
// default 32 KiB stack, would fail the match with "JIT stack limit reached"
// (error -46) before finding it: OSSEC then has no match.
var ErrJITStackLimit = errors.New("pcre: JIT stack limit reached (PCRE2's JIT with its default 32 KiB stack)")

// jitStepLimit bounds the simulation's work on one subject; past it the
// model gives no answer (the match stands).
const jitStepLimit = 4_000_000

type jkind uint8

const (
	jChar     jkind = iota // one character of set
	jAssert                // assertion a
	jConcat                // subs in order
	jAlt                   // subs as alternatives (inside a group)
	jGroup                 // subs[0] bracketed: cs words at its start, ce at its end
	jRepGroup              // subs[0] bracketed and repeated min..max (max < 0: unbounded), mode
	jRepChar               // set repeated min..max, mode; iw words while it runs
	jLook                  // lookaround: subs are the alternatives, back their lengths
	jBackref               // the text of group cap
)

type jnode struct {
	kind   jkind
	set    *charSet
	a      assertKind
	subs   []*jnode
	back   []int
	cap    int
	fold   bool
	neg    bool
	min    int
	max    int
	mode   repeatMode
	cs, ce int  // words a bracket pushes when it starts and ends (per iteration)
	pre    int  // words a repeated bracket pushes once, before its first iteration
	iw     int  // words a single-character repeat pushes
	lit    bool // a single-character repeat of a literal character
	xcls   bool // a single-character repeat of a class with characters above 255
	typ    bool // a single-character repeat of an escape such as \d (a PCRE2 type)
	extra  int  // words a lookaround pushes while it runs
}

// jitModel is the JIT stack model of a pattern that has a repeated group
// (without one, the stack use is bounded by the pattern's size, far below
// the limit).
type jitModel struct {
	root    *jnode
	unknown string // why the model cannot answer, "" when it can
	// minLen is the length below which no subject can exhaust the stack
	// (a lower bound: fixed words plus words per byte); -1: none can.
	minLen int
	ncap   int
	utf    bool
}

// JITStackMinLength returns a length in bytes below which no subject can
// make re exhaust PCRE2's default JIT stack as OSSEC runs it (a lower bound:
// the words the pattern pushes once, plus the most words per byte that its
// repeated groups push; exact for a single repeated group of fixed length).
// never is true when no subject can (no repeated group); known is false when
// the pattern has a repeated group whose frames are not modelled.
func (re *Regexp) JITStackMinLength() (n int, never, known bool) {
	m := re.jit
	if m == nil {
		return 0, true, true
	}
	if m.unknown != "" {
		return 0, false, false
	}
	if m.minLen < 0 {
		return 0, true, true
	}
	return m.minLen, false, true
}

// JITStackUnknown returns why the JIT stack model cannot answer for re, or
// "" when it can.
func (re *Regexp) JITStackUnknown() string {
	if re.jit == nil {
		return ""
	}
	return re.jit.unknown
}

// JITStackExhausted reports whether PCRE2's JIT, with its default stack,
// fails with error -46 on s before finding a match (or before failing).
// known is false when the model cannot tell (unmodelled constructs, or
// too much backtracking to simulate).
func (re *Regexp) JITStackExhausted(s string) (exhausted, known bool) {
	m := re.jit
	if m == nil {
		return false, true
	}
	if m.unknown != "" {
		return false, false
	}
	if m.minLen < 0 || len(s) < m.minLen {
		return false, true
	}
	sim := jsim{s: s, utf: m.utf, caps: make([]int, 2*(m.ncap+1))}
	ex, ok := sim.search(m.root)
	return ex, ok
}

// LostToJITStack reports whether re matches s but PCRE2's JIT, on its
// default stack as OSSEC runs it, fails with error -46 before it finds the
// match (so Exec and MatchString report no match).
func (re *Regexp) LostToJITStack(s string) bool {
	if re.jit == nil || re.jit.unknown != "" || re.jit.minLen < 0 || len(s) < re.jit.minLen || re.pre.reject(s) {
		return false
	}
	m := re.get()
	ok, _ := m.searchChecked(s)
	re.put(m)
	return ok && re.jitLimited(s)
}

// jitLimited reports whether a match that the machine found is lost to the
// JIT stack limit in PCRE2.
func (re *Regexp) jitLimited(s string) bool {
	if re.jit == nil || re.jit.unknown != "" || re.jit.minLen < 0 || len(s) < re.jit.minLen {
		return false
	}
	ex, _ := re.JITStackExhausted(s)
	return ex
}

// buildJIT builds the model of the parsed pattern tree, or nil when the
// pattern repeats no group.
func buildJIT(tree *node, ncap int, utf bool) *jitModel {
	if !hasRepeatedGroup(tree) {
		return nil
	}
	b := &jbuilder{utf: utf, refd: map[int]bool{}}
	b.findRefs(tree)
	body := b.build(tree, false)
	root := &jnode{kind: jGroup, subs: []*jnode{body}}
	if tree.kind == nAlt {
		root.cs, root.ce = 1, 1
	}
	m := &jitModel{root: root, unknown: b.unknown, ncap: ncap, utf: utf}
	if m.unknown == "" {
		f, r := jfixed(root), jrate(root)
		if r <= 0 {
			m.minLen = -1
		} else {
			l := math.Floor(float64(jitWords-f)/r) + 1
			m.minLen = max(int(l), 1)
		}
	}
	return m
}

func hasRepeatedGroup(n *node) bool {
	if n.kind == nRepeat && !isSingleChar(n.subs[0]) && (n.max < 0 || n.max > 1) {
		return true
	}
	for _, s := range n.subs {
		if hasRepeatedGroup(s) {
			return true
		}
	}
	return false
}

type jbuilder struct {
	utf     bool
	refd    map[int]bool // groups a back reference uses
	unknown string
}

func (b *jbuilder) findRefs(n *node) {
	if n.kind == nBackref {
		b.refd[n.cap] = true
	}
	for _, s := range n.subs {
		b.findRefs(s)
	}
}

func (b *jbuilder) fail(why string) {
	if b.unknown == "" {
		b.unknown = why
	}
}

// charSetOf is the set of a single-character node.
func (b *jbuilder) charSetOf(n *node) *charSet {
	if n.kind == nSet {
		return n.set
	}
	sb := &setBuilder{}
	sb.add(n.c, n.c)
	return sb.build(n.fold, b.utf)
}

// build converts n; inRep is true inside a repeated group (where
// single-character repeats have no private data and push their state).
func (b *jbuilder) build(n *node, inRep bool) *jnode {
	switch n.kind {
	case nEmpty:
		return &jnode{kind: jConcat}
	case nChar, nSet:
		return &jnode{kind: jChar, set: b.charSetOf(n)}
	case nAssert:
		return &jnode{kind: jAssert, a: n.a}
	case nConcat:
		j := &jnode{kind: jConcat}
		for i, s := range n.subs {
			c := b.build(s, inRep)
			if c.kind == jRepChar && inRep && c.iw > 0 && possessedBy(c, n.subs[i+1:], b) {
				c.iw = 0
			}
			j.subs = append(j.subs, c)
		}
		return j
	case nAlt:
		j := &jnode{kind: jAlt}
		for _, s := range n.subs {
			j.subs = append(j.subs, b.build(s, inRep))
		}
		return j
	case nGroup:
		if n.atomic {
			b.fail("atomic group")
		}
		j := &jnode{kind: jGroup, cap: n.cap, subs: []*jnode{b.build(n.subs[0], inRep)}}
		j.cs, j.ce = b.bracketCost(n)
		return j
	case nLook:
		j := &jnode{kind: jLook, neg: n.neg}
		onlyAsserts := true
		for _, a := range n.subs {
			if hasCapture(a) {
				b.fail("capture inside a lookaround")
			}
			if !onlyAssertions(a) {
				onlyAsserts = false
			}
			back := 0
			if n.behind {
				back, _ = fixedLength(a)
			}
			j.back = append(j.back, back)
			j.subs = append(j.subs, b.build(a, inRep))
		}
		if !n.behind {
			j.back = nil
		}
		if !onlyAsserts {
			j.extra = 1
		}
		return j
	case nBackref:
		return &jnode{kind: jBackref, cap: n.cap, fold: n.fold}
	case nRepeat:
		return b.buildRepeat(n, inRep)
	}
	b.fail("unknown construct")
	return &jnode{kind: jConcat}
}

// bracketCost returns the words a group pushes when it starts and when it
// ends (compile_bracket_matchingpath, match_capture_common).
func (b *jbuilder) bracketCost(n *node) (cs, ce int) {
	alts := n.subs[0].kind == nAlt
	switch {
	case n.cap > 0 && b.refd[n.cap]:
		cs, ce = 1, 2
	case n.cap > 0:
		cs = 2
	case alts:
		cs = 1
	}
	if alts {
		ce++
	}
	return cs, ce
}

func (b *jbuilder) buildRepeat(n *node, inRep bool) *jnode {
	sub := n.subs[0]
	if isSingleChar(sub) {
		j := &jnode{kind: jRepChar, set: b.charSetOf(sub), min: n.min, max: n.max, mode: n.mode, lit: isLitItem(sub), xcls: isXClass(sub), typ: sub.kind == nSet && sub.esc != 0}
		if inRep {
			j.iw = iteratorWords(sub, n)
		}
		return j
	}
	if n.max == 0 {
		return &jnode{kind: jConcat}
	}
	switch sub.kind {
	case nLook:
		b.fail("repeated lookaround")
		return &jnode{kind: jConcat}
	case nBackref:
		b.fail("repeated back reference")
		return &jnode{kind: jConcat}
	case nGroup:
		if sub.atomic {
			b.fail("atomic group")
		}
	default:
		b.fail("repeat of a construct that is not a group")
		return &jnode{kind: jConcat}
	}
	if n.min == 1 && n.max == 1 {
		return b.build(sub, inRep)
	}
	if n.mode == possessive {
		b.fail("possessive repeat of a group")
	}
	if n.min > 1 || n.max > 1 {
		if n.max >= 0 || n.min > 1 {
			b.fail("counted repeat of a group")
		}
	}
	if minChars(sub.subs[0]) == 0 {
		b.fail("repeated group that can match the empty string")
	}
	repeated := n.max < 0
	j := &jnode{kind: jRepGroup, min: n.min, max: n.max, mode: n.mode, cap: sub.cap}
	j.subs = []*jnode{b.build(sub.subs[0], inRep || repeated)}
	j.cs, j.ce = b.bracketCost(sub)
	// The end of an iteration of a repeated or optional group pushes
	// one more word ("ket != OP_KET || bra != OP_BRA").
	j.ce++
	switch {
	case n.max == 1:
		j.pre = 1
	case n.min == 0:
		j.pre = 2
	default:
		j.pre = 1
	}
	return j
}

// iteratorWords returns the words a single-character repeat pushes when it
// has no private data (inside a repeated group).
func iteratorWords(sub, n *node) int {
	if n.mode == possessive || n.min == n.max {
		return 0
	}
	if n.max == 1 {
		return 1 // ? and ??
	}
	if n.max < 0 {
		if n.mode == lazy {
			return 1
		}
		return 2
	}
	if sub.kind == nSet && sub.esc == 0 && !singleOrNot(sub.set) {
		return min(n.max-n.min, 2) // OP_CRRANGE / OP_CRMINRANGE
	}
	return 2 // OP_UPTO, OP_MINUPTO, OP_TYPEUPTO, OP_TYPEMINUPTO
}

// singleOrNot reports whether a class holds exactly one byte or all bytes
// but one (PCRE2 compiles those as a character or OP_NOT).
func singleOrNot(s *charSet) bool {
	if len(s.hi) != 0 {
		return false
	}
	n := setBytes(s)
	return n == 1 || n == 255
}

// setBytes counts the byte values in a set's bitmap.
func setBytes(s *charSet) int {
	n := 0
	for _, w := range s.bits {
		n += bits.OnesCount64(w)
	}
	return n
}

// possessedBy reports whether PCRE2 auto-possessifies the repeat c because
// of the items that follow it in its sequence: the next item that must
// consume a character has a set disjoint from c's, and so have the
// optional single-character repeats before it. A following group is looked
// into: the first item of each of its alternatives must be disjoint. A
// repeat at the end of a group is left alone (as PCRE2 does inside a
// repeated group).
func possessedBy(c *jnode, rest []*node, b *jbuilder) bool {
	done, ok := disjointFollow(c.set, c.lit, c.xcls, c.typ, rest, b, 0)
	return done && ok
}

// isXClass reports whether n is a bracketed class holding characters above
// 255 (PCRE2's OP_XCLASS, in UTF mode), not an escape such as \d or \S.
func isXClass(n *node) bool {
	return n.kind == nSet && n.esc == 0 && len(n.set.hi) > 0
}

// isLitItem reports whether n is compiled as a literal character
// (OP_CHAR): a character, or a class of one byte.
func isLitItem(n *node) bool {
	return n.kind == nChar || n.kind == nSet && n.esc == 0 && len(n.set.hi) == 0 && setBytes(n.set) == 1
}

// comparable reports whether PCRE2's auto-possessification
// (compare_opcodes) can compare two items: anything against a literal
// character; an OP_XCLASS (x.. xx) only against a bitmap class.
func comparable(xlit, xx, xtyp bool, y *node) bool {
	if xlit || isLitItem(y) {
		return true
	}
	yx, ytyp := isXClass(y), y.kind == nSet && y.esc != 0
	if xx || yx {
		return !(xx && yx) && !xtyp && !ytyp
	}
	return true
}

// disjointFollow checks the items of rest in turn: done is true when an
// item that must consume a character was reached, ok whether every item
// checked was disjoint from x.
func disjointFollow(x *charSet, xlit, xx, xtyp bool, rest []*node, b *jbuilder, depth int) (done, ok bool) {
	if depth > 8 {
		return true, false
	}
	for _, n := range rest {
		switch {
		case n.kind == nChar || n.kind == nSet:
			return true, comparable(xlit, xx, xtyp, n) && disjointSets(x, b.charSetOf(n))
		case n.kind == nRepeat && isSingleChar(n.subs[0]):
			if !comparable(xlit, xx, xtyp, n.subs[0]) || !disjointSets(x, b.charSetOf(n.subs[0])) {
				return true, false
			}
			if n.min > 0 {
				return true, true
			}
		case n.kind == nGroup && !n.atomic, n.kind == nRepeat && n.subs[0].kind == nGroup && !n.subs[0].atomic && n.max != 0:
			g, optional := n, false
			if n.kind == nRepeat {
				g, optional = n.subs[0], n.min == 0
			}
			alts := []*node{g.subs[0]}
			if g.subs[0].kind == nAlt {
				alts = g.subs[0].subs
			}
			for _, a := range alts {
				items := []*node{a}
				if a.kind == nConcat {
					items = a.subs
				}
				d, o := disjointFollow(x, xlit, xx, xtyp, items, b, depth+1)
				if !d || !o {
					return true, false
				}
			}
			if !optional {
				return true, true
			}
		default:
			return true, false
		}
	}
	return false, false
}

func disjointSets(a, b *charSet) bool {
	for i := range a.bits {
		if a.bits[i]&b.bits[i] != 0 {
			return false
		}
	}
	for _, r := range a.hi {
		for _, q := range b.hi {
			if r.lo <= q.hi && q.lo <= r.hi {
				return false
			}
		}
	}
	return true
}

func hasCapture(n *node) bool {
	if n.kind == nGroup && n.cap > 0 {
		return true
	}
	for _, s := range n.subs {
		if hasCapture(s) {
			return true
		}
	}
	return false
}

// onlyAssertions reports whether n holds nothing but ^ $ \b \B
// (assert_needs_str_ptr_saving is false).
func onlyAssertions(n *node) bool {
	switch n.kind {
	case nEmpty:
		return true
	case nAssert:
		return n.a != aEnd
	case nConcat:
		for _, s := range n.subs {
			if !onlyAssertions(s) {
				return false
			}
		}
		return true
	}
	return false
}

// minChars is the fewest characters n can match.
func minChars(n *node) int {
	switch n.kind {
	case nChar, nSet:
		return 1
	case nConcat:
		t := 0
		for _, s := range n.subs {
			t += minChars(s)
		}
		return t
	case nAlt:
		m := math.MaxInt
		for _, s := range n.subs {
			m = min(m, minChars(s))
		}
		return m
	case nGroup:
		return minChars(n.subs[0])
	case nRepeat:
		if n.min == 0 {
			return 0
		}
		return n.min * minChars(n.subs[0])
	}
	return 0
}

// jfixed is an upper bound of the words n pushes that do not grow with
// the subject (once per construct, and the transient frames of a failed
// further iteration and of lookarounds).
func jfixed(n *jnode) int {
	switch n.kind {
	case jConcat:
		t := 0
		for _, s := range n.subs {
			t += jfixed(s)
		}
		return t
	case jAlt:
		m := 0
		for _, s := range n.subs {
			m = max(m, jfixed(s))
		}
		return m
	case jGroup:
		return n.cs + n.ce + jfixed(n.subs[0])
	case jRepGroup:
		if n.max >= 0 && n.max <= 1 {
			// ? and ??: one pass, whose frames stay.
			return n.pre + n.cs + n.ce + jfixed(n.subs[0])
		}
		// The iterations that completed are counted by jrate; one more
		// can be under way.
		return n.pre + n.cs + jfixed(n.subs[0])
	case jRepChar:
		return n.iw
	case jLook:
		m := 0
		for _, s := range n.subs {
			m = max(m, jfixed(s))
		}
		return n.extra + m
	}
	return 0
}

// jrate is an upper bound of the words per character that n pushes and
// keeps as the subject grows.
func jrate(n *jnode) float64 {
	switch n.kind {
	case jConcat, jAlt, jLook:
		m := 0.0
		for _, s := range n.subs {
			m = max(m, jrate(s))
		}
		return m
	case jGroup:
		return jrate(n.subs[0])
	case jRepGroup:
		inner := jrate(n.subs[0])
		if n.max >= 0 && n.max <= 1 {
			return inner
		}
		ml := jminChars(n.subs[0])
		if ml <= 0 {
			ml = 1
		}
		return float64(n.cs+n.ce+jfixed(n.subs[0]))/float64(ml) + inner
	}
	return 0
}

func jminChars(n *jnode) int {
	switch n.kind {
	case jChar:
		return 1
	case jConcat:
		t := 0
		for _, s := range n.subs {
			t += jminChars(s)
		}
		return t
	case jAlt:
		m := math.MaxInt
		for _, s := range n.subs {
			m = min(m, jminChars(s))
		}
		if m == math.MaxInt {
			return 0
		}
		return m
	case jGroup:
		return jminChars(n.subs[0])
	case jRepGroup, jRepChar:
		if n.min == 0 {
			return 0
		}
		if n.kind == jRepChar {
			return n.min
		}
		return n.min * jminChars(n.subs[0])
	}
	return 0
}

// jsim runs the pattern as PCRE2's JIT does (the same search order as the
// machine) and counts the words on its stack.
type jsim struct {
	s         string
	utf       bool
	caps      []int
	steps     int
	exhausted bool
	gaveUp    bool
	matched   bool
}

// cont is what follows: it reports whether the search is over (a match,
// an exhausted stack or too much work).
type cont func(pos, d int) bool

func (m *jsim) stop() bool { return m.exhausted || m.gaveUp || m.matched }

// push checks that d words fit the stack.
func (m *jsim) push(d int) bool {
	if d > jitWords {
		m.exhausted = true
		return false
	}
	return true
}

// search tries each start position as pcre2_match does; it reports whether
// the stack was exhausted, and false when it gave up.
func (m *jsim) search(root *jnode) (exhausted, known bool) {
	s := m.s
	for start := 0; start <= len(s); start++ {
		if m.utf && start > 0 && start < len(s) && s[start]&0xc0 == 0x80 {
			continue
		}
		for i := range m.caps {
			m.caps[i] = -1
		}
		m.run(root, start, 0, func(int, int) bool { m.matched = true; return true })
		if m.exhausted {
			return true, true
		}
		if m.gaveUp {
			return false, false
		}
		if m.matched {
			return false, true
		}
	}
	return false, true
}

func (m *jsim) char(set *charSet, pos int) int {
	s := m.s
	if pos >= len(s) {
		return -1
	}
	if !m.utf || s[pos] < 0x80 {
		if set.hasByte(s[pos]) {
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

func (m *jsim) backChar(pos int) int {
	pos--
	if m.utf {
		for pos > 0 && m.s[pos]&0xc0 == 0x80 {
			pos--
		}
	}
	return pos
}

func (m *jsim) assert(a assertKind, pos int) bool { return assertAt(m.s, a, pos) }

// run matches n at pos with d words on the stack, then k.
func (m *jsim) run(n *jnode, pos, d int, k cont) bool {
	m.steps++
	if m.steps > jitStepLimit {
		m.gaveUp = true
		return true
	}
	switch n.kind {
	case jChar:
		if p := m.char(n.set, pos); p >= 0 {
			return k(p, d)
		}
		return false
	case jAssert:
		if m.assert(n.a, pos) {
			return k(pos, d)
		}
		return false
	case jConcat:
		return m.seq(n.subs, 0, pos, d, k)
	case jAlt:
		for _, a := range n.subs {
			if m.run(a, pos, d, k) || m.stop() {
				return true
			}
		}
		return false
	case jGroup:
		return m.group(n, pos, d, k)
	case jRepGroup:
		return m.repGroup(n, pos, d, k)
	case jRepChar:
		return m.repChar(n, pos, d, k)
	case jLook:
		return m.look(n, pos, d, k)
	case jBackref:
		return m.backref(n, pos, d, k)
	}
	return false
}

func (m *jsim) seq(items []*jnode, i, pos, d int, k cont) bool {
	if i == len(items) {
		return k(pos, d)
	}
	return m.run(items[i], pos, d, func(p, dd int) bool { return m.seq(items, i+1, p, dd, k) })
}

// body runs one pass of bracket n from pos: cs words, the body, ce words,
// the capture, then k.
func (m *jsim) body(n *jnode, pos, d int, k cont) bool {
	d += n.cs
	if !m.push(d) {
		return true
	}
	return m.run(n.subs[0], pos, d, func(p, dd int) bool {
		dd += n.ce
		if !m.push(dd) {
			return true
		}
		if n.cap == 0 {
			return k(p, dd)
		}
		c := 2 * n.cap
		os, oe := m.caps[c], m.caps[c+1]
		m.caps[c], m.caps[c+1] = pos, p
		if k(p, dd) {
			return true
		}
		m.caps[c], m.caps[c+1] = os, oe
		return false
	})
}

func (m *jsim) group(n *jnode, pos, d int, k cont) bool {
	return m.body(n, pos, d, k)
}

func (m *jsim) repGroup(n *jnode, pos, d int, k cont) bool {
	if n.max == 1 {
		// ? and ??: one optional pass.
		if n.mode == lazy {
			if m.push(d+n.pre) && k(pos, d+n.pre) || m.stop() {
				return true
			}
			return m.body(n, pos, d, k)
		}
		d += n.pre
		if !m.push(d) {
			return true
		}
		if m.body(n, pos, d, k) || m.stop() {
			return true
		}
		return k(pos, d)
	}
	d += n.pre
	if !m.push(d) {
		return true
	}
	var iter func(pos, d int) bool
	if n.mode == lazy {
		iter = func(pos, d int) bool {
			return m.body(n, pos, d, func(p, dd int) bool {
				if k(p, dd) || m.stop() {
					return true
				}
				return iter(p, dd)
			})
		}
		if n.min == 0 {
			if k(pos, d) || m.stop() {
				return true
			}
		}
		return iter(pos, d)
	}
	// When a greedy + gives up trying one more iteration, its backtracking
	// path frees the word the last iteration pushed before going on
	// (compile_bracket_backtrackingpath: "if (bra != OP_BRAZERO)
	// free_stack"); a greedy * keeps it.
	pop := 0
	if n.min > 0 {
		pop = 1
	}
	iter = func(pos, d int) bool {
		return m.body(n, pos, d, func(p, dd int) bool {
			if iter(p, dd) || m.stop() {
				return true
			}
			return k(p, dd-pop)
		})
	}
	if iter(pos, d) || m.stop() {
		return true
	}
	if n.min == 0 {
		return k(pos, d)
	}
	return false
}

func (m *jsim) repChar(n *jnode, pos, d int, k cont) bool {
	max := n.max
	if max < 0 {
		max = math.MaxInt
	}
	// The fixed part (the minimum) is matched before the iterator pushes
	// its state (compile_iterator_matchingpath: "Handle fixed part first").
	if n.iw > 0 {
		p := pos
		for i := 0; i < n.min; i++ {
			if p = m.char(n.set, p); p < 0 {
				return false
			}
		}
		d += n.iw
		if !m.push(d) {
			return true
		}
	}
	if n.mode == lazy {
		count := 0
		for {
			if count >= n.min {
				if k(pos, d) || m.stop() {
					return true
				}
			}
			if count >= max {
				return false
			}
			p := m.char(n.set, pos)
			if p < 0 {
				return false
			}
			pos = p
			count++
			m.steps++
		}
	}
	start := pos
	count := 0
	for count < max {
		p := m.char(n.set, pos)
		if p < 0 {
			break
		}
		pos = p
		count++
	}
	m.steps += count
	if count < n.min {
		return false
	}
	if n.mode == possessive {
		return k(pos, d)
	}
	for {
		if k(pos, d) || m.stop() {
			return true
		}
		if count == n.min || pos <= start {
			return false
		}
		pos = m.backChar(pos)
		count--
		m.steps++
		if m.steps > jitStepLimit {
			m.gaveUp = true
			return true
		}
	}
}

func (m *jsim) look(n *jnode, pos, d int, k cont) bool {
	d += n.extra
	if !m.push(d) {
		return true
	}
	found := false
	for i, a := range n.subs {
		at := pos
		if n.back != nil {
			ok := true
			for j := 0; j < n.back[i]; j++ {
				if at <= 0 {
					ok = false
					break
				}
				at = m.backChar(at)
			}
			if !ok {
				continue
			}
		}
		m.run(a, at, d, func(int, int) bool { found = true; return true })
		if m.exhausted || m.gaveUp {
			return true
		}
		if found {
			break
		}
	}
	d -= n.extra
	if found == n.neg {
		return false
	}
	return k(pos, d)
}

func (m *jsim) backref(n *jnode, pos, d int, k cont) bool {
	c := 2 * n.cap
	if c+1 >= len(m.caps) || m.caps[c] < 0 {
		return false // PCRE2 (without MATCH_UNSET_BACKREF): an unset group fails
	}
	ref := m.s[m.caps[c]:m.caps[c+1]]
	if len(m.s)-pos < len(ref) {
		return false
	}
	got := m.s[pos : pos+len(ref)]
	if got != ref {
		if !n.fold {
			return false
		}
		for i := 0; i < len(ref); i++ {
			if lower(ref[i]) != lower(got[i]) {
				return false
			}
		}
	}
	return k(pos+len(ref), d)
}
