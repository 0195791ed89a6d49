package pcre

import "unicode/utf8"

// autoPossess makes single-character repeats possessive where giving back
// a character can never lead to a match, as PCRE2's auto-possessification
// does: the repeated set and everything that can come next are disjoint.
// It changes no result, only the amount of backtracking.
func autoPossess(prog []inst, utf bool) {
	for pc := range prog {
		in := &prog[pc]
		if in.op != opSetRep || in.mode == possessive {
			continue
		}
		f := follow{prog: prog, utf: utf, x: in.set, lazy: in.mode == lazy, seen: map[int]bool{}}
		if f.disjointFrom(pc + 1) {
			in.mode = possessive
		}
	}
}

// follow checks what may come after a repeat of x.
type follow struct {
	prog []inst
	utf  bool
	x    *charSet
	lazy bool
	seen map[int]bool
	work int
}

// disjointFrom reports whether every path from pc must first consume a
// character outside x (or, for a greedy repeat, may end the match).
func (f *follow) disjointFrom(pc int) bool {
	for {
		f.work++
		if f.work > 200 {
			return false
		}
		if f.seen[pc] {
			return true
		}
		f.seen[pc] = true
		in := &f.prog[pc]
		switch in.op {
		case opMatch:
			return !f.lazy
		case opSave:
		case opLit, opLitFold:
			c, _ := firstRune(in.lit, f.utf)
			if f.x.has(c) {
				return false
			}
			if in.op == opLitFold && isASCIILetter(byte(c)) && f.x.has(c^0x20) {
				return false
			}
			return true
		case opSet:
			return disjoint(f.x, in.set)
		case opSetRep:
			if !disjoint(f.x, in.set) {
				return false
			}
			if in.min > 0 {
				return true
			}
		case opAssert:
			switch in.a {
			case aEnd:
				return true
			case aEndNL, aLineEnd:
				// Only the end or a newline can follow.
				return !f.x.has('\n')
			}
			return false
		case opSplit:
			if !f.disjointFrom(in.x) {
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

func firstRune(s string, utf bool) (rune, int) {
	if !utf || s[0] < 0x80 {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(s)
}

// disjoint reports whether no character is in both sets.
func disjoint(a, b *charSet) bool {
	for i := range a.bits {
		if a.bits[i]&b.bits[i] != 0 {
			return false
		}
	}
	i, j := 0, 0
	for i < len(a.hi) && j < len(b.hi) {
		x, y := a.hi[i], b.hi[j]
		if x.hi < y.lo {
			i++
		} else if y.hi < x.lo {
			j++
		} else {
			return false
		}
	}
	return true
}
