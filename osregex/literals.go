package osregex

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Literals describes a pattern by the literal text its matches need, so
// that a caller holding many patterns can decide most of them from one
// scan of the subject (see Pattern.Literals). A match of the pattern is a
// match of one of its Branches; the zero-width and repeated parts of a
// branch are not described, only what every match of it must contain.
//
// Literal comparisons are ASCII-caseless when Fold is set (Lit and
// Prefix are then lower case; compare them with the subject's ASCII
// letters lowered) and byte for byte otherwise. All of it is about the
// subject as Pattern.Match sees it: cut at its first NUL byte.
type Literals struct {
	// Branches are the top-level alternatives, in order. There is at
	// least one.
	Branches []LitBranch
	// Exact is true when every branch is nothing but its literal and its
	// anchors: the pattern matches s exactly when some branch holds for s
	// (see LitBranch). Otherwise a branch's description is only a
	// condition that every match of the branch meets.
	Exact bool
	// Fold is true when the pattern is caseless: literals compare
	// ignoring ASCII case.
	Fold bool
	// UTF is true when the pattern runs in UTF mode (OS_Match and
	// OS_Regex): then the description only holds for subjects without
	// bytes >= 0x80, where Unicode case folding (K, ſ) and the decoding
	// of multi-byte characters cannot come into play. Without UTF the
	// description holds for every subject.
	UTF bool
	// DollarEndOnly is true for the patterns OSSEC runs as string
	// comparisons (^lit, lit$, ^lit$): their End means the very end of
	// the subject, without PCRE2's allowance for a final newline.
	DollarEndOnly bool
}

// LitBranch is one top-level alternative of a pattern.
//
// For an exact branch it holds for s when: Start and End: s is Lit, or
// Lit followed by one newline; Start only: s starts with Lit; End only: s
// ends with Lit, or with Lit and one newline (PCRE2's $); neither: s
// contains Lit (the empty Lit: always).
//
// For a branch that is not exact, every match of it needs: when Start,
// the subject starts with Prefix and its first byte is in First (when
// First is not nil; an empty subject fails); and the subject contains Lit
// anywhere (when Lit is not empty). A branch with none of these
// conditions matches anything as far as the description can tell.
type LitBranch struct {
	Start bool // anchored at the start of the subject
	End   bool // exact branches only: ends with PCRE2's $
	// Lit is, for an exact branch, its whole literal; otherwise the
	// longest literal every match of the branch contains ("" if none).
	Lit string
	// Also are, for a branch that is not exact, other literals (distinct,
	// at most three, longest first) that every match contains too.
	Also []string
	// Prefix is, for a Start branch that is not exact, the literal every
	// match starts with ("" if none).
	Prefix string
	// First is, for a Start branch that is not exact, the set of bytes a
	// subject may start with (nil: any). First and Classes are shared
	// between descriptions: do not modify them.
	First *[256]bool
	// Classes are, for a Start branch that is not exact, the sets of the
	// bytes at the subject's first positions, as far as the branch
	// fixes them (each item up to the first that may repeat a varying
	// number of times or is not one byte); a subject shorter than
	// Classes does not match. Nil when nothing is known.
	Classes []*[256]bool
}

// Literals describes p by its literals, or returns nil when that says
// nothing useful: one of its branches can match without any literal or
// anchored first byte, or it uses syntax the description does not
// analyse (inline options, verbs, \Q..\E, back references, escapes with
// arguments, non-ASCII text in a UTF pattern, ...). A pattern that runs
// as a string comparison is described exactly (one branch,
// DollarEndOnly, bytes compared ignoring ASCII case only, so not UTF).
func (p *Pattern) Literals() *Literals {
	l := new(Literals)
	if !p.Describe(l) {
		return nil
	}
	return l
}

// Describe is Literals writing into *l, whose Branches it reuses: a
// caller describing many patterns keeps one Literals and copies out what
// it keeps (the strings and sets of a branch are not reused). It returns
// false where Literals returns nil.
func (p *Pattern) Describe(l *Literals) bool {
	if p == nil {
		return false
	}
	if p.exec != execPCRE2 {
		b := LitBranch{Lit: p.lit()}
		switch p.exec {
		case execEqual:
			b.Start, b.End = true, true
		case execPrefix:
			b.Start = true
		case execSuffix:
			b.End = true
		}
		if p.caseless {
			b.Lit = lowerString(b.Lit)
		}
		*l = Literals{Branches: append(l.Branches[:0], b), Exact: true, Fold: p.caseless, DollarEndOnly: true}
		return true
	}
	utf := p.kind != KindPCRE2
	buf := tokPool.Get().(*[]tok)
	defer tokPool.Put(buf)
	toks, ok := lexLiterals((*buf)[:0], p.pcre2, utf)
	*buf = toks[:0]
	if !ok {
		return false
	}
	*l = Literals{Branches: l.Branches[:0], Fold: p.caseless, UTF: utf, Exact: true}
	var exactBuf [16]bool
	exact := exactBuf[:0]
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && toks[i].kind != tokAlt {
			continue
		}
		b, ex := describeBranch(toks[start:i], p.caseless, p.pcre2)
		start = i + 1
		l.Exact = l.Exact && ex
		l.Branches = append(l.Branches, b)
		exact = append(exact, ex)
	}
	if l.Exact {
		return true
	}
	// Some branch is not exact: describe the exact ones as conditions
	// too.
	for i := range l.Branches {
		b := &l.Branches[i]
		b.End = false
		if exact[i] && b.Start && b.Lit != "" {
			b.Prefix, b.Lit = b.Lit, ""
		}
		if b.Lit == "" && b.Prefix == "" && b.First == nil {
			return false
		}
	}
	return true
}

// tokPool holds the scratch item slices of Literals (a ruleset's load
// describes every pattern once).
var tokPool = sync.Pool{New: func() any { return new([]tok) }}

// tokKind is the kind of a lexical item of a PCRE2 pattern, as far as
// literal analysis cares.
type tokKind uint8

const (
	tokChar   tokKind = iota // one literal byte
	tokAtom                  // something that consumes input: a class, an escape, '.', a group
	tokZero                  // a zero-width assertion: \b \B \A \z \Z \G
	tokCaret                 // ^
	tokDollar                // $
	tokAlt                   // | at the top level
)

// tok is one item; min is the smallest number of times a following
// quantifier repeats it (1 without one); set is, for a tokChar or a
// tokAtom, the bytes it can start with (nil: unknown or any); empty is
// true for an atom that may match the empty string (a group). Its
// fields fit 16 bytes: a ruleset's load lexes thousands of patterns.
type tok struct {
	kind  tokKind
	c     byte
	quant bool
	empty bool
	min   int32
	set   *[256]bool
}

// lexLiterals splits a PCRE2 pattern (compiled without extended mode)
// into items. It gives up (ok false) on anything it does not know to be
// harmless. The items are appended to toks.
func lexLiterals(toks []tok, src string, utf bool) (_ []tok, ok bool) {
	for i := 0; i < len(src); {
		c := src[i]
		switch c {
		case '\\':
			t, n, ok := lexEscape(src[i:])
			if !ok {
				return toks, false
			}
			toks = append(toks, t)
			i += n
		case '[':
			set, n, ok := lexClass(src[i:], true)
			if !ok {
				return toks, false
			}
			toks = append(toks, tok{kind: tokAtom, set: set, min: 1})
			i += n
		case '(':
			n, ok := skipGroup(src[i:])
			if !ok {
				return toks, false
			}
			toks = append(toks, tok{kind: tokAtom, min: 1, empty: true})
			i += n
		case ')':
			return toks, false
		case '|':
			toks = append(toks, tok{kind: tokAlt})
			i++
		case '^':
			toks = append(toks, tok{kind: tokCaret})
			i++
		case '$':
			toks = append(toks, tok{kind: tokDollar})
			i++
		case '.':
			toks = append(toks, tok{kind: tokAtom, min: 1})
			i++
		case '*', '+', '?', '{':
			min, n, ok := lexQuant(src[i:])
			if !ok || len(toks) == 0 {
				return toks, false
			}
			t := &toks[len(toks)-1]
			if t.quant || (t.kind != tokChar && t.kind != tokAtom) {
				return toks, false
			}
			t.quant, t.min = true, int32(min)
			i += n
		default:
			if c >= 0x80 && utf {
				return toks, false
			}
			toks = append(toks, tok{kind: tokChar, c: c, min: 1})
			i++
		}
	}
	return toks, true
}

// lexQuant reads a quantifier (*, +, ?, {n}, {n,}, {n,m}) and its lazy or
// possessive suffix; min is its lower bound. A '{' that does not start a
// quantifier of exactly these forms gives up.
func lexQuant(s string) (min, n int, ok bool) {
	switch s[0] {
	case '*':
		min, n = 0, 1
	case '+':
		min, n = 1, 1
	case '?':
		min, n = 0, 1
	case '{':
		i := 1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if min < 1<<16 {
				min = min*10 + int(s[i]-'0')
			}
			i++
		}
		if i == 1 || i >= len(s) {
			return 0, 0, false
		}
		if s[i] == ',' {
			i++
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
		}
		if i >= len(s) || s[i] != '}' {
			return 0, 0, false
		}
		n = i + 1
	}
	if n < len(s) && (s[n] == '?' || s[n] == '+') {
		n++
	}
	return min, n, true
}

// lexEscape reads a backslash escape at the start of s.
func lexEscape(s string) (tok, int, bool) {
	if len(s) < 2 {
		return tok{}, 0, false
	}
	c := s[1]
	switch {
	case c >= 0x80:
		return tok{}, 0, false
	case !isAlnum(c):
		return tok{kind: tokChar, c: c, min: 1}, 2, true
	}
	switch c {
	case 'd':
		return tok{kind: tokAtom, set: &digitSet, min: 1}, 2, true
	case 'w':
		return tok{kind: tokAtom, set: &wordSet, min: 1}, 2, true
	case 'D', 'W', 's', 'S', 'h', 'H', 'v', 'V', 'R', 't', 'n', 'r', 'f', 'e', 'a':
		return tok{kind: tokAtom, min: 1}, 2, true
	case 'N':
		if len(s) > 2 && s[2] == '{' {
			return tok{}, 0, false
		}
		return tok{kind: tokAtom, min: 1}, 2, true
	case 'b', 'B', 'A', 'z', 'Z', 'G':
		return tok{kind: tokZero}, 2, true
	}
	return tok{}, 0, false
}

var digitSet, wordSet = func() (d, w [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		d[c] = b >= '0' && b <= '9'
		w[c] = isAlnum(b) || b == '_'
	}
	return
}()

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// lexClass reads a character class at the start of s. set is, when
// wantSet, the bytes it can match first (before case folding; a shared
// set, see sharedSet), nil when the class holds anything the analysis
// does not follow (escapes other than escaped punctuation and \d \w,
// POSIX classes).
func lexClass(s string, wantSet bool) (*[256]bool, int, bool) {
	i := 1
	neg := false
	if i < len(s) && s[i] == '^' {
		neg = true
		i++
	}
	var set [256]bool
	known := true
	first := true
	prev := -1 // the previous single byte, for ranges
	for {
		if i >= len(s) {
			return nil, 0, false
		}
		c := s[i]
		if c == ']' && !first {
			i++
			break
		}
		first = false
		switch {
		case c == '[' && i+1 < len(s) && (s[i+1] == ':' || s[i+1] == '.' || s[i+1] == '='):
			end := strings.Index(s[i+2:], string(s[i+1])+"]")
			if end < 0 {
				return nil, 0, false
			}
			known = false
			prev = -1
			i += 2 + end + 2
		case c == '\\':
			if i+1 >= len(s) {
				return nil, 0, false
			}
			e := s[i+1]
			switch {
			case e >= 0x80:
				return nil, 0, false
			case !isAlnum(e):
				set[e] = true
				prev = int(e)
			case e == 'd' || e == 'w':
				src := &digitSet
				if e == 'w' {
					src = &wordSet
				}
				for b, in := range src {
					set[b] = set[b] || in
				}
				prev = -1
			case e == 'D' || e == 'W' || e == 's' || e == 'S' || e == 'h' || e == 'H' ||
				e == 'v' || e == 'V' || e == 't' || e == 'n' || e == 'r' || e == 'f' || e == 'e' || e == 'a' || e == 'b':
				known = false
				prev = -1
			default:
				return nil, 0, false
			}
			i += 2
		case c == '-' && prev >= 0 && i+1 < len(s) && s[i+1] != ']':
			hi := s[i+1]
			if hi == '\\' || hi == '[' || hi >= 0x80 || int(hi) < prev {
				return nil, 0, false
			}
			for b := prev; b <= int(hi); b++ {
				set[b] = true
			}
			prev = -1
			i += 2
		default:
			if c >= 0x80 {
				// A multi-byte character in UTF mode, or a byte: the
				// set no longer says which bytes come first.
				known = false
				prev = -1
			} else {
				set[c] = true
				prev = int(c)
			}
			i++
		}
	}
	if !known || !wantSet {
		return nil, i, true
	}
	if neg {
		// Complementing before folding can only add bytes: caseless
		// [^a] excludes A too, but the folded complement keeps both.
		for b := range set {
			set[b] = !set[b]
		}
	}
	return sharedSet(&set), i, true
}

// sharedSets are the sets sharedSet gave, by their bits; at most
// maxSharedSets of them.
var sharedSets struct {
	sync.Mutex
	m map[[4]uint64]*[256]bool
}

// maxSharedSets bounds sharedSets: a process that describes the patterns
// of many rulesets does not keep every set it met (a stock ruleset's
// classes make a few dozen).
const maxSharedSets = 512

// sharedSet returns a read-only set equal to *set, the one given before
// for an equal set when there is one: a ruleset's classes are mostly a
// few (OS_Regex's \w is [A-Za-z0-9@_-] in each pattern).
func sharedSet(set *[256]bool) *[256]bool {
	bits, _ := firstBits(set, true)
	sharedSets.Lock()
	defer sharedSets.Unlock()
	if s, ok := sharedSets.m[bits]; ok {
		return s
	}
	s := new([256]bool)
	*s = *set
	if len(sharedSets.m) < maxSharedSets {
		if sharedSets.m == nil {
			sharedSets.m = make(map[[4]uint64]*[256]bool)
		}
		sharedSets.m[bits] = s
	}
	return s
}

// skipGroup returns the length of the group at the start of s, which it
// treats as a whole. It gives up on groups that change how the rest of
// the pattern reads or means (options, comments, verbs, conditions,
// recursion).
func skipGroup(s string) (int, bool) {
	depth := 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) || s[i+1] == 'Q' || s[i+1] == 'E' || s[i+1] == 'c' {
				return 0, false
			}
			i += 2
		case '[':
			_, n, ok := lexClass(s[i:], false)
			if !ok {
				return 0, false
			}
			i += n
		case '(':
			if !plainGroupOpen(s[i+1:]) {
				return 0, false
			}
			depth++
			i++
		case ')':
			depth--
			i++
			if depth == 0 {
				return i, true
			}
		default:
			i++
		}
	}
	return 0, false
}

// plainGroupOpen reports whether the text after '(' opens a group whose
// kind the analysis accepts: capturing, non-capturing, named, atomic or
// a lookaround.
func plainGroupOpen(s string) bool {
	if s == "" || s[0] == '*' {
		return false
	}
	if s[0] != '?' {
		return true
	}
	s = s[1:]
	switch {
	case s == "":
		return false
	case s[0] == ':' || s[0] == '=' || s[0] == '!' || s[0] == '>':
		return true
	case strings.HasPrefix(s, "<=") || strings.HasPrefix(s, "<!"):
		return true
	case s[0] == '<' || s[0] == '\'' || strings.HasPrefix(s, "P<"):
		i := 1
		if s[0] == 'P' {
			i = 2
		}
		j := i
		for j < len(s) && (isAlnum(s[j]) || s[j] == '_') {
			j++
		}
		close := byte('>')
		if s[0] == '\'' {
			close = '\''
		}
		return j > i && j < len(s) && s[j] == close
	}
	return false
}

// describeBranch describes the items of one top-level alternative of
// the pattern src. The literals it gives are substrings of src where src
// spells them so (most of a ruleset's do): describing a ruleset's
// patterns then makes few strings.
func describeBranch(toks []tok, fold bool, src string) (LitBranch, bool) {
	var b LitBranch
	exact := true
	i := 0
	if i < len(toks) && toks[i].kind == tokCaret {
		b.Start = true
		i++
	}
	end := len(toks)
	if end > i && toks[end-1].kind == tokDollar {
		b.End = true
		end--
	}
	body := toks[i:end]
	for _, t := range body {
		if t.kind != tokChar || t.quant {
			exact = false
			break
		}
	}
	var stack [128]byte
	if exact {
		lit := stack[:0]
		for _, t := range body {
			lit = append(lit, foldByte(t.c, fold))
		}
		b.Lit = inSource(src, unsafe.String(unsafe.SliceData(lit), len(lit)))
		return b, true
	}

	// Literal runs: consecutive required bytes. A byte repeated at least
	// once still counts but ends its run (more copies may follow); an
	// optional one breaks the run without counting. The runs are spans of
	// one buffer, made a string once: the ones kept share it.
	buf := stack[:0]
	var spanBuf [16][2]int
	spans := spanBuf[:0]
	from := 0
	prefixRun := -1 // index in spans of the run that starts the branch
	for k, t := range body {
		if t.kind == tokChar && t.min >= 1 {
			if k == 0 && b.Start {
				prefixRun = 0
			}
			buf = append(buf, foldByte(t.c, fold))
			if !t.quant {
				continue
			}
		}
		if len(buf) > from {
			spans = append(spans, [2]int{from, len(buf)})
			from = len(buf)
		}
	}
	if len(buf) > from {
		spans = append(spans, [2]int{from, len(buf)})
	}
	// The runs are substrings of all until inSource makes the ones kept
	// strings of their own.
	all := unsafe.String(unsafe.SliceData(buf), len(buf))
	var prefix string
	if prefixRun == 0 && len(spans) > 0 {
		prefix = all[spans[0][0]:spans[0][1]]
	}
	// The distinct runs other than the prefix (as spans: strings of all
	// would make the compiler move stack to the heap), longest first.
	var litBuf [16][2]int
	lits := litBuf[:0]
	for k, sp := range spans {
		r := all[sp[0]:sp[1]]
		if k == prefixRun || strings.Contains(prefix, r) ||
			slices.ContainsFunc(lits, func(o [2]int) bool { return all[o[0]:o[1]] == r }) {
			continue
		}
		lits = append(lits, sp)
	}
	slices.SortStableFunc(lits, func(a, b [2]int) int { return (b[1] - b[0]) - (a[1] - a[0]) })
	b.Prefix = inSource(src, prefix)
	if len(lits) > 0 {
		b.Lit = inSource(src, all[lits[0][0]:lits[0][1]])
		if len(lits) > 1 {
			b.Also = make([]string, min(len(lits), 4)-1)
			for k := range b.Also {
				sp := lits[1+k]
				b.Also[k] = inSource(src, all[sp[0]:sp[1]])
			}
		}
	}
	if b.Start {
		b.First = firstSet(body, fold)
		b.Classes = startClasses(body, fold)
	}
	return b, false
}

// inSource returns lit (which may share a scratch buffer) as a string of
// its own: a substring of src when src holds it, else a copy.
func inSource(src, lit string) string {
	if lit == "" {
		return ""
	}
	if i := strings.Index(src, lit); i >= 0 {
		return src[i : i+len(lit)]
	}
	return strings.Clone(lit)
}

// FitsClasses reports whether s is at least as long as classes and its
// first bytes are each in their class (LitBranch.Classes).
func FitsClasses(classes []*[256]bool, s string) bool {
	if len(s) < len(classes) {
		return false
	}
	for i, set := range classes {
		if !set[s[i]] {
			return false
		}
	}
	return true
}

// maxClasses bounds LitBranch.Classes.
const maxClasses = 16

// startClasses is LitBranch.Classes for the items of an anchored branch.
func startClasses(body []tok, fold bool) []*[256]bool {
	// Made in a buffer, then copied at its length.
	var buf [maxClasses]*[256]bool
	out := startClassesIn(buf[:0], body, fold)
	if len(out) == 0 {
		return nil
	}
	return slices.Clone(out)
}

// startClassesIn is startClasses appending to out, which has room for
// maxClasses.
func startClassesIn(out []*[256]bool, body []tok, fold bool) []*[256]bool {
	for _, t := range body {
		var set *[256]bool
		switch t.kind {
		case tokZero:
			continue
		case tokChar:
			set = charSet(t.c, fold)
		case tokAtom:
			if t.set == nil || t.empty {
				return out
			}
			set = foldSet(t.set, fold)
		default:
			return out
		}
		for range min(int(t.min), maxClasses-len(out)) {
			out = append(out, set)
		}
		if t.quant || len(out) == maxClasses {
			return out
		}
	}
	return out
}

// firstSet is the set of bytes the first consumed byte of a match of the
// items can be, nil when it cannot be told (the first consuming item may
// be skipped or may match the empty string).
func firstSet(body []tok, fold bool) *[256]bool {
	for _, t := range body {
		switch t.kind {
		case tokZero, tokCaret, tokDollar:
			continue
		case tokChar:
			if t.min == 0 {
				return nil
			}
			return charSet(t.c, fold)
		case tokAtom:
			if t.min == 0 || t.empty || t.set == nil {
				return nil
			}
			return foldSet(t.set, fold)
		}
		return nil
	}
	return nil
}

// The sets of LitBranch.First and Classes are read-only, so that
// descriptions share them: a ruleset's thousands of anchored branches
// would otherwise each copy a 256-byte set per leading character.

// foldSet adds the other case of the ASCII letters in set when fold: set
// itself when that adds nothing.
func foldSet(set *[256]bool, fold bool) *[256]bool {
	if !fold {
		return set
	}
	for c := 'a'; c <= 'z'; c++ {
		if set[c] != set[c-32] {
			out := *set
			for c := 'a'; c <= 'z'; c++ {
				if set[c] || set[c-32] {
					out[c], out[c-32] = true, true
				}
			}
			return sharedSet(&out)
		}
	}
	return set
}

// charSets are the sets charSet returns: one per byte, then one per
// letter of either case, each built on first use (by any goroutine:
// racing builders store equal sets).
var charSets [256 + 26]atomic.Pointer[[256]bool]

// charSet is the set of c, with its other case when fold and c is an
// ASCII letter.
func charSet(c byte, fold bool) *[256]bool {
	i := int(c)
	if fold && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		i = 256 + int(c|0x20-'a')
	}
	if set := charSets[i].Load(); set != nil {
		return set
	}
	set := new([256]bool)
	set[c] = true
	if i >= 256 {
		set[c|0x20], set[c&^0x20] = true, true
	}
	charSets[i].CompareAndSwap(nil, set)
	return charSets[i].Load()
}

func foldByte(c byte, fold bool) byte {
	if fold && c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// Holds reports whether the description allows a match of s (cut at its
// first NUL, as Match cuts it): for an Exact description that is whether
// the pattern matches; otherwise false means that the pattern cannot
// match s. For a UTF description it must only be asked about subjects
// without bytes >= 0x80. It is the reference for callers that evaluate
// the description their own way.
func (l *Literals) Holds(s string) bool {
	s = cstring(s)
	if l.Fold {
		s = lowerString(s)
	}
	for i := range l.Branches {
		if l.Branches[i].holds(s, l.Exact, l.DollarEndOnly) {
			return true
		}
	}
	return false
}

// holds is Holds for one branch on a subject already lowered when Fold.
func (b *LitBranch) holds(s string, exact, endOnly bool) bool {
	if exact {
		nl := !endOnly
		switch {
		case b.Start && b.End:
			return s == b.Lit || nl && len(s) == len(b.Lit)+1 && s[len(s)-1] == '\n' && s[:len(b.Lit)] == b.Lit
		case b.Start:
			return strings.HasPrefix(s, b.Lit)
		case b.End:
			return strings.HasSuffix(s, b.Lit) || nl && strings.HasSuffix(s, b.Lit+"\n")
		}
		return strings.Contains(s, b.Lit)
	}
	if b.Start {
		if !strings.HasPrefix(s, b.Prefix) {
			return false
		}
		if b.First != nil && (s == "" || !b.First[s[0]]) {
			return false
		}
		if !FitsClasses(b.Classes, s) {
			return false
		}
	}
	for _, l := range b.Also {
		if !strings.Contains(s, l) {
			return false
		}
	}
	return strings.Contains(s, b.Lit)
}

// lowerString lowers the ASCII letters of s.
func lowerString(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = foldByte(b[j], true)
			}
			return string(b)
		}
	}
	return s
}
