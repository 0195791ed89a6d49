package pcre

import (
	"strings"
	"unicode"
)

// prefilter holds what analysis of the program proves about any match, so
// that most non-matching subjects are rejected without running the machine.
type prefilter struct {
	minLen   int        // a match needs at least this many bytes
	anchored bool       // a match can only start at 0
	useFirst bool       // first holds the bytes a match can start with
	first    [4]uint64  // bitmap of those bytes
	one      int        // -1, or the only first byte (two with oneAlt for a caseless letter)
	oneAlt   int        // -1, or the other case of one
	prefix   *litFinder // a literal every match starts with, or nil
	required *litFinder // a literal every match contains, or nil (nil when it is prefix)
	// startRep is the set of an unbounded repeat that every match starts
	// with (in a pattern without back references), or nil. After a failed
	// attempt at p, an attempt inside the run of its characters that
	// follows p would only try a subset of the same continuations, so the
	// search goes on after that run.
	startRep *charSet
	// startLit is the literal an anchored pattern starts with ("" if none).
	startLit  string
	startFold bool
}

// reject reports whether s cannot match, from the cheap checks that need
// no machine.
func (p *prefilter) reject(s string) bool {
	if len(s) < p.minLen {
		return true
	}
	if p.startLit != "" {
		if len(s) < len(p.startLit) {
			return true
		}
		if p.startFold {
			if !foldEqual(s[:len(p.startLit)], p.startLit) {
				return true
			}
		} else if s[:len(p.startLit)] != p.startLit {
			return true
		}
	}
	if p.required != nil && p.required.index(s, 0) < 0 {
		return true
	}
	return false
}

func sameFold(a, b rune) bool {
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

func analyze(re *Regexp) prefilter {
	p := prefilter{one: -1, oneAlt: -1}
	p.minLen = minLength(re.prog, 0, map[int]int{})
	p.anchored = anchoredAt(re.prog, 0, map[int]bool{})
	if !p.anchored {
		var bits [4]uint64
		if firstBytesWalk(re, 0, &bits, map[int]bool{}, skipStart) {
			p.first = bits
			var bs []int
			for b := 0; b < 256; b++ {
				if bits[b>>6]&(1<<(uint(b)&63)) != 0 {
					bs = append(bs, b)
				}
			}
			p.useFirst = len(bs) > 0 && len(bs) < 256
			switch {
			case len(bs) == 1:
				p.one = bs[0]
			case len(bs) == 2 && bs[0]|0x20 == bs[1] && isASCIILetter(byte(bs[1])):
				p.one, p.oneAlt = bs[1], bs[0]
			}
		}
	}
	p.startRep = startRepeat(re.prog)
	prefixLen := 0
	if lit, fold, ok := prefixLiteral(re.prog); ok {
		prefixLen = len(lit)
		if !p.anchored {
			p.prefix = newLitFinder(lit, fold)
		} else {
			p.startLit, p.startFold = lit, fold
		}
	}
	// The required literal is worth a search of its own only when it is
	// not the prefix (which the start scan or an anchored try checks).
	if lit, fold := requiredLiteral(re.prog); len(lit) > prefixLen {
		p.required = newLitFinder(lit, fold)
	}
	return p
}

// minLength is the least number of bytes matched from pc to opMatch (a
// conservative lower bound: loops and anything unusual count as 0). memo
// caches it per instruction, so that the walk is linear.
func minLength(prog []inst, pc int, memo map[int]int) int {
	if v, ok := memo[pc]; ok {
		return v
	}
	memo[pc] = 0 // a cycle counts as 0
	start := pc
	n := 0
	for pc < len(prog) {
		in := &prog[pc]
		switch in.op {
		case opMatch:
			memo[start] = n
			return n
		case opLit, opLitFold:
			n += len(in.lit)
		case opSet:
			n++
		case opSetRep:
			n += in.min
		case opSplit:
			n += min(minLength(prog, in.x, memo), minLength(prog, in.y, memo))
			memo[start] = n
			return n
		case opAltSwitch:
			m := -1
			for _, b := range in.alts.branches {
				if l := minLength(prog, b, memo); m < 0 || l < m {
					m = l
				}
			}
			n += m
			memo[start] = n
			return n
		case opJmp:
			if in.x <= pc {
				memo[start] = n
				return n
			}
			pc = in.x
			continue
		case opMark:
			if in.n != markAtomic {
				pc = in.x
				continue
			}
		case opRepEnd, opBackStep, opBackref, opFail, opNegLookEnd, opLookEnd:
			memo[start] = n
			return n
		}
		pc++
	}
	memo[start] = n
	return n
}

// anchoredAt reports whether every path from pc meets a start assertion
// before consuming anything.
func anchoredAt(prog []inst, pc int, seen map[int]bool) bool {
	for {
		if seen[pc] {
			return false
		}
		seen[pc] = true
		in := &prog[pc]
		switch in.op {
		case opAssert:
			if in.a == aStart {
				return true
			}
		case opSave, opRepStart, opCut:
		case opMark:
			if in.n != markAtomic {
				pc = in.x
				continue
			}
		case opSplit:
			return anchoredAt(prog, in.x, seen) && anchoredAt(prog, in.y, seen)
		case opAltSwitch:
			for _, b := range in.alts.branches {
				if !anchoredAt(prog, b, seen) {
					return false
				}
			}
			return true
		case opJmp:
			pc = in.x
			continue
		default:
			return false
		}
		pc++
	}
}

// firstBytes adds to bits the bytes a match from pc can start with; it
// returns false when any byte is possible (or the match can be empty).
//
// In strict mode (for opAltSwitch) the walk gives up at the end of an
// atomic group or lookaround: past it, a failure would no longer be a
// failure of the alternative being analysed.
//
// In skipStart mode a path through a start assertion (^, \A, \G) adds
// nothing: it can only match at 0, which the search always tries.
func firstBytes(re *Regexp, pc int, bits *[4]uint64, seen map[int]bool) bool {
	return firstBytesMode(re, pc, bits, seen, false)
}

// skipStart is a third mode of firstBytesMode (see firstBytes).
const skipStart = 2

func firstBytesMode(re *Regexp, pc int, bits *[4]uint64, seen map[int]bool, strict bool) bool {
	mode := 0
	if strict {
		mode = 1
	}
	return firstBytesWalk(re, pc, bits, seen, mode)
}

func firstBytesWalk(re *Regexp, pc int, bits *[4]uint64, seen map[int]bool, mode int) bool {
	strict := mode == 1
	prog := re.prog
	for {
		if seen[pc] {
			return true
		}
		seen[pc] = true
		in := &prog[pc]
		switch in.op {
		case opLit:
			b := in.lit[0]
			bits[b>>6] |= 1 << (b & 63)
			return true
		case opLitFold:
			b := in.lit[0]
			bits[b>>6] |= 1 << (b & 63)
			if isASCIILetter(b) {
				b &^= 0x20
				bits[b>>6] |= 1 << (b & 63)
			}
			return true
		case opSet:
			addSetBytes(re, in.set, bits)
			return true
		case opSetRep:
			addSetBytes(re, in.set, bits)
			if in.min > 0 {
				return true
			}
		case opAssert:
			if mode == skipStart && in.a == aStart {
				return true
			}
		case opSave, opRepStart:
		case opCut:
			if strict {
				return false
			}
		case opMark:
			if in.n != markAtomic {
				pc = in.x
				continue
			}
		case opSplit:
			if !firstBytesWalk(re, in.x, bits, seen, mode) {
				return false
			}
			pc = in.y
			continue
		case opAltSwitch:
			if mode == skipStart {
				for _, b := range in.alts.branches {
					if !firstBytesWalk(re, b, bits, seen, mode) {
						return false
					}
				}
				return true
			}
			for _, f := range in.alts.first {
				for i := range bits {
					bits[i] |= f[i]
				}
			}
			return true
		case opJmp:
			pc = in.x
			continue
		default:
			return false
		}
		pc++
	}
}

func addSetBytes(re *Regexp, s *charSet, bits *[4]uint64) {
	if !re.utf {
		for i := range bits {
			bits[i] |= s.bits[i]
		}
		return
	}
	bits[0] |= s.bits[0]
	bits[1] |= s.bits[1]
	if s.bits[2] != 0 || s.bits[3] != 0 || len(s.hi) > 0 {
		bits[2], bits[3] = ^uint64(0), ^uint64(0)
	}
}

// requiredLiteral returns the longest literal on the straight path from the
// start that every match must contain.
func requiredLiteral(prog []inst) (string, bool) {
	// Only the straight path from the start counts: a split ends it.
	best, bestFold := "", false
	for pc := 0; pc < len(prog); pc++ {
		in := &prog[pc]
		switch in.op {
		case opLit, opLitFold:
			if len(in.lit) > len(best) {
				best, bestFold = in.lit, in.op == opLitFold
			}
		case opSave, opSet, opAssert, opCut, opRepStart:
		case opSetRep:
		case opMark:
			if in.n != markAtomic {
				pc = in.x - 1
			}
		default:
			return best, bestFold
		}
	}
	return best, bestFold
}

// next returns the first position in [pos, end] where a match can start,
// or -1.
func (p *prefilter) next(s string, pos, end int) int {
	if p.one >= 0 {
		i := strings.IndexByte(s[pos:], byte(p.one))
		if p.oneAlt >= 0 {
			lim := len(s) - pos
			if i >= 0 {
				lim = i
			}
			if j := strings.IndexByte(s[pos:pos+lim], byte(p.oneAlt)); j >= 0 {
				i = j
			}
		}
		if i < 0 || pos+i > end {
			return -1
		}
		return pos + i
	}
	for ; pos <= end && pos < len(s); pos++ {
		b := s[pos]
		if p.first[b>>6]&(1<<(b&63)) != 0 {
			return pos
		}
	}
	return -1
}

// foldEqual compares s with the lower-case literal l, ASCII-caseless.
func foldEqual(s, l string) bool {
	for i := 0; i < len(l); i++ {
		if foldTable[s[i]] != l[i] {
			return false
		}
	}
	return true
}

// prefixLiteral returns the literal that every match starts with, when the
// first thing the program consumes is one.
func prefixLiteral(prog []inst) (string, bool, bool) {
	for pc := 0; pc < len(prog); pc++ {
		switch in := &prog[pc]; in.op {
		case opSave, opAssert:
		case opLit, opLitFold:
			return in.lit, in.op == opLitFold, true
		default:
			return "", false, false
		}
	}
	return "", false, false
}

// litFinder searches a literal (ASCII-caseless when fold) by its rarest byte.
type litFinder struct {
	lit    string
	fold   bool
	rare   int  // offset in lit of the byte searched for
	c1, c2 byte // that byte, in both cases
}

func newLitFinder(lit string, fold bool) *litFinder {
	f := &litFinder{lit: lit, fold: fold}
	best := 1 << 30
	for i := 0; i < len(lit); i++ {
		c := lit[i]
		score := byteFreq(c)
		if fold && isASCIILetter(c) {
			score = score*2 + 1 // two bytes to look for
		}
		if score < best {
			best, f.rare = score, i
		}
	}
	f.c1 = lit[f.rare]
	f.c2 = f.c1
	if fold && isASCIILetter(f.c1) {
		f.c2 = f.c1 &^ 0x20
	}
	return f
}

// byteFreq is a rough frequency rank of bytes in log lines (higher is more
// frequent), used to pick the byte to search for.
func byteFreq(c byte) int {
	switch {
	case c == ' ':
		return 100
	case c >= 'a' && c <= 'z':
		return letterFreq[c-'a']
	case c >= 'A' && c <= 'Z':
		return letterFreq[c-'A'] / 2
	case c >= '0' && c <= '9':
		return 40
	case c == '.' || c == ':' || c == '-' || c == '/' || c == '=' || c == '_' || c == ',':
		return 30
	case c >= 0x80:
		return 5
	}
	return 10
}

var letterFreq = [26]int{
	// a   b   c   d   e   f   g   h   i   j  k   l   m   n   o   p  q   r   s   t   u   v   w  x   y  z
	60, 15, 35, 35, 80, 20, 15, 25, 55, 3, 8, 35, 25, 55, 55, 25, 2, 55, 55, 60, 30, 10, 12, 6, 12, 3,
}

// index returns the first position at or after from where the literal
// occurs in s, or -1.
func (f *litFinder) index(s string, from int) int {
	n := len(f.lit)
	if !f.fold && n > 0 && f.rare == 0 && n <= 4 {
		if i := strings.Index(s[from:], f.lit); i >= 0 {
			return from + i
		}
		return -1
	}
	n1, n2 := -2, -2
	if f.c1 == f.c2 {
		n2 = -1
	}
	for i := from + f.rare; i < len(s); {
		if n1 == -2 || n1 >= 0 && n1 < i {
			if j := strings.IndexByte(s[i:], f.c1); j >= 0 {
				n1 = i + j
			} else {
				n1 = -1
			}
		}
		if n2 == -2 || n2 >= 0 && n2 < i {
			if j := strings.IndexByte(s[i:], f.c2); j >= 0 {
				n2 = i + j
			} else {
				n2 = -1
			}
		}
		j := n1
		if j < 0 || n2 >= 0 && n2 < j {
			j = n2
		}
		if j < 0 {
			return -1
		}
		p := j - f.rare
		if p+n <= len(s) {
			if f.fold {
				if foldEqual(s[p:p+n], f.lit) {
					return p
				}
			} else if s[p:p+n] == f.lit {
				return p
			}
		} else {
			return -1
		}
		i = j + 1
	}
	return -1
}

// startRepeat returns the set of the repeat that a match starts with, when
// skipping its run after a failure is safe (see prefilter.startRep).
func startRepeat(prog []inst) *charSet {
	for _, in := range prog {
		if in.op == opBackref {
			return nil
		}
	}
	for pc := 0; pc < len(prog); pc++ {
		switch in := &prog[pc]; in.op {
		case opSave:
		case opSetRep:
			if in.max < 0 {
				return in.set
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// AnchoredFirstBytes returns, when every match of re starts at offset 0 of
// the subject and consumes at least one byte, the set of bytes that first
// byte can be; ok is false otherwise. A caller can skip MatchString for a
// subject whose first byte is not in the set (an empty subject included).
func (re *Regexp) AnchoredFirstBytes() (set *[256]bool, ok bool) {
	if !re.pre.anchored {
		return nil, false
	}
	var bits [4]uint64
	if !firstBytes(re, 0, &bits, map[int]bool{}) {
		return nil, false
	}
	set = new([256]bool)
	for b := 0; b < 256; b++ {
		set[b] = bits[b>>6]&(1<<(uint(b)&63)) != 0
	}
	return set, true
}
