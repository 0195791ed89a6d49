package pcre

import (
	"cmp"
	"slices"
	"unicode"
)

// rng is an inclusive range of character values.
type rng struct{ lo, hi rune }

// charSet is a compiled set of characters: a bitmap for values below 256 and
// sorted, disjoint ranges for the rest (UTF mode only).
type charSet struct {
	bits [4]uint64
	hi   []rng
}

func (s *charSet) has(c rune) bool {
	if c < 256 {
		return s.bits[c>>6]&(1<<(uint(c)&63)) != 0
	}
	lo, hi := 0, len(s.hi)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case c < s.hi[m].lo:
			hi = m
		case c > s.hi[m].hi:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

func (s *charSet) hasByte(b byte) bool { return s.bits[b>>6]&(1<<(b&63)) != 0 }

// asciiOnly reports whether the set contains only values below 128.
func (s *charSet) asciiOnly() bool { return s.bits[2] == 0 && s.bits[3] == 0 && len(s.hi) == 0 }

// setBuilder collects ranges before a charSet is built.
// Literal characters and ranges (r) are case-folded when caseless; class
// escapes and POSIX classes (cls) are not, as in PCRE2.
type setBuilder struct {
	r   []rng
	cls []rng
	neg bool
}

func (b *setBuilder) add(lo, hi rune) { b.r = append(b.r, rng{lo, hi}) }

func (b *setBuilder) addClass(rs []rng) { b.cls = append(b.cls, rs...) }

// addNegClass adds the complement of rs (within [0, max]).
func (b *setBuilder) addNegClass(rs []rng, max rune) {
	b.cls = append(b.cls, complement(normalize(rs), max)...)
}

func normalize(rs []rng) []rng {
	if len(rs) == 0 {
		return nil
	}
	out := make([]rng, len(rs))
	copy(out, rs)
	if len(out) > 1 {
		slices.SortFunc(out, func(a, b rng) int { return cmp.Compare(a.lo, b.lo) })
	}
	j := 0
	for _, r := range out[1:] {
		if r.lo <= out[j].hi+1 {
			if r.hi > out[j].hi {
				out[j].hi = r.hi
			}
			continue
		}
		j++
		out[j] = r
	}
	return out[:j+1]
}

func complement(rs []rng, max rune) []rng {
	var out []rng
	next := rune(0)
	for _, r := range rs {
		if r.lo > next {
			out = append(out, rng{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= max {
		out = append(out, rng{next, max})
	}
	return out
}

// maxFoldRune is above the last code point that has a case-folding partner.
const maxFoldRune = 0x1E943 + 1

// foldRanges adds the case partners of rs: ASCII letters only without UTF,
// Unicode simple case folding with UTF.
func foldRanges(rs []rng, utf bool) []rng {
	out := append([]rng(nil), rs...)
	for _, r := range rs {
		if !utf {
			for _, p := range [][2]rune{{'A', 'Z'}, {'a', 'z'}} {
				lo, hi := max(r.lo, p[0]), min(r.hi, p[1])
				if lo <= hi {
					out = append(out, rng{lo ^ 0x20, hi ^ 0x20})
				}
			}
			continue
		}
		hi := min(r.hi, maxFoldRune)
		for c := r.lo; c <= hi; c++ {
			for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
				out = append(out, rng{f, f})
			}
		}
	}
	return out
}

// build makes the charSet; max is the largest character value of the mode.
func (b *setBuilder) build(fold, utf bool) *charSet {
	rs := normalize(b.r)
	if fold {
		rs = foldRanges(rs, utf)
	}
	rs = normalize(append(rs, b.cls...))
	top := rune(0xff)
	if utf {
		top = unicode.MaxRune
	}
	if b.neg {
		rs = complement(rs, top)
	}
	s := &charSet{}
	for _, r := range rs {
		for c := r.lo; c <= r.hi && c < 256; c++ {
			s.bits[c>>6] |= 1 << (uint(c) & 63)
		}
		if r.hi >= 256 {
			s.hi = append(s.hi, rng{max(r.lo, 256), r.hi})
		}
	}
	return s
}

// ASCII class tables (PCRE2's default "C" tables).
var (
	digitRanges = []rng{{'0', '9'}}
	wordRanges  = []rng{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}
	spaceRanges = []rng{{'\t', '\r'}, {' ', ' '}}
)

// hspaceRanges and vspaceRanges are \h and \v.
func hspaceRanges(utf bool) []rng {
	r := []rng{{'\t', '\t'}, {' ', ' '}, {0xa0, 0xa0}}
	if utf {
		r = append(r, rng{0x1680, 0x1680}, rng{0x180e, 0x180e}, rng{0x2000, 0x200a}, rng{0x202f, 0x202f}, rng{0x205f, 0x205f}, rng{0x3000, 0x3000})
	}
	return r
}

func vspaceRanges(utf bool) []rng {
	r := []rng{{'\n', '\r'}, {0x85, 0x85}}
	if utf {
		r = append(r, rng{0x2028, 0x2029})
	}
	return r
}

// posixClasses are the [:name:] classes with the "C" locale.
var posixClasses = map[string][]rng{
	"alpha":  {{'A', 'Z'}, {'a', 'z'}},
	"lower":  {{'a', 'z'}},
	"upper":  {{'A', 'Z'}},
	"alnum":  {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}},
	"ascii":  {{0, 127}},
	"blank":  {{'\t', '\t'}, {' ', ' '}},
	"cntrl":  {{0, 31}, {127, 127}},
	"digit":  {{'0', '9'}},
	"graph":  {{'!', '~'}},
	"print":  {{' ', '~'}},
	"punct":  {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}},
	"space":  {{'\t', '\r'}, {' ', ' '}},
	"word":   {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}},
	"xdigit": {{'0', '9'}, {'A', 'F'}, {'a', 'f'}},
}
