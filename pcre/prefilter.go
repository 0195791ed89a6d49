package pcre

import (
	"strings"
	"unicode"
)

// prefilter holds what analysis of the program proves about any match, so
// that most non-matching subjects are rejected without running the machine.
type prefilter struct {
	minLen   int       // a match needs at least this many bytes
	anchored bool      // a match can only start at 0
	useFirst bool      // first holds the bytes a match can start with
	first    [4]uint64 // bitmap of those bytes
	one      int       // -1, or the only first byte (two with oneAlt for a caseless letter)
	oneAlt   int       // -1, or the other case of one
	required string    // a literal every match contains
	reqFold  bool      // required is lower case and compared ASCII-caseless
	reqFirst [2]byte   // the two cases of required[0]
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
	p.minLen = minLength(re.prog, 0, 0)
	p.anchored = anchoredAt(re.prog, 0, map[int]bool{})
	if !p.anchored {
		var bits [4]uint64
		if firstBytes(re, 0, &bits, map[int]bool{}) {
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
	p.required, p.reqFold = requiredLiteral(re.prog)
	if p.required != "" {
		c := p.required[0]
		p.reqFirst = [2]byte{c, c}
		if p.reqFold && isASCIILetter(c) {
			p.reqFirst[1] = c &^ 0x20
		}
	}
	return p
}

// minLength is the least number of bytes matched from pc to opMatch along
// the straight path (a conservative lower bound).
func minLength(prog []inst, pc int, depth int) int {
	n := 0
	for pc < len(prog) && depth < 50 {
		in := &prog[pc]
		switch in.op {
		case opMatch:
			return n
		case opLit, opLitFold:
			n += len(in.lit)
		case opSet:
			n++
		case opSetRep:
			n += in.min
		case opSplit:
			a := minLength(prog, in.x, depth+1)
			b := minLength(prog, in.y, depth+1)
			return n + min(a, b)
		case opJmp:
			if in.x <= pc {
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
			return n
		}
		pc++
	}
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
func firstBytes(re *Regexp, pc int, bits *[4]uint64, seen map[int]bool) bool {
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
		case opSave, opRepStart, opCut, opAssert:
		case opMark:
			if in.n != markAtomic {
				pc = in.x
				continue
			}
		case opSplit:
			if !firstBytes(re, in.x, bits, seen) {
				return false
			}
			pc = in.y
			continue
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

// hasRequired reports whether s contains the required literal.
func (p *prefilter) hasRequired(s string) bool {
	if !p.reqFold {
		return strings.Contains(s, p.required)
	}
	r := p.required
	a, b := p.reqFirst[0], p.reqFirst[1]
	for i := 0; i+len(r) <= len(s); {
		j := strings.IndexByte(s[i:len(s)-len(r)+1], a)
		if a != b {
			lim := len(s) - len(r) + 1 - i
			if j >= 0 {
				lim = j
			}
			if k := strings.IndexByte(s[i:i+lim], b); k >= 0 {
				j = k
			}
		}
		if j < 0 {
			return false
		}
		i += j
		if foldEqual(s[i:i+len(r)], r) {
			return true
		}
		i++
	}
	return false
}

// foldEqual compares s with the lower-case literal l, ASCII-caseless.
func foldEqual(s, l string) bool {
	for i := 0; i < len(l); i++ {
		if lower(s[i]) != l[i] {
			return false
		}
	}
	return true
}
