package engine

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
)

// maxPNames bounds the program-name cache; past it, names are matched
// directly.
const maxPNames = 4096

// pnameIndex numbers every program-name pattern of the ruleset (of the
// program-name decoders and of rules), so that whether a program name
// matches them can be computed once per name and remembered: the
// answer depends on the name only.
type pnameIndex struct {
	pats []*osregex.Pattern
	// ruleP is, by Rule.Index, the rule's pattern number (-1 for none),
	// while the rule tree is built (see ruleNode.pname).
	ruleP []int32
	cache sync.Map
	n     atomic.Int32
}

// pnameMatches is the cached answer for one program name: bit i is set
// when pattern i matches it; decoders are the positions in the forpname
// list whose program name matches.
type pnameMatches struct {
	bits     []uint64
	decoders []int32
}

func (e *Engine) indexProgramNames() {
	x := &e.pn
	num := map[*osregex.Pattern]int{}
	add := func(p *osregex.Pattern) int {
		if p == nil {
			return -1
		}
		if i, ok := num[p]; ok {
			return i
		}
		num[p] = len(x.pats)
		x.pats = append(x.pats, p)
		return len(x.pats) - 1
	}
	for _, n := range e.pname {
		add(n.d.ProgramName)
	}
	x.ruleP = make([]int32, len(e.rs.AllRules))
	for _, r := range e.rs.AllRules {
		p := r.ProgramName()
		if p == nil {
			p = r.ProgramNamePCRE2()
		}
		x.ruleP[r.Index] = int32(add(p))
	}
}

// lookup returns the matches of name, computing them the first time.
func (e *Engine) pnameLookup(name string) *pnameMatches {
	x := &e.pn
	if v, ok := x.cache.Load(name); ok {
		return v.(*pnameMatches)
	}
	m := &pnameMatches{bits: make([]uint64, (len(x.pats)+63)/64)}
	for i, p := range x.pats {
		if p.Match(name) {
			m.bits[i/64] |= 1 << (i % 64)
		}
	}
	for i, n := range e.pname {
		if p := n.d.ProgramName; p == nil || m.has(x, p) {
			m.decoders = append(m.decoders, int32(i))
		}
	}
	if x.n.Load() < maxPNames {
		x.n.Add(1)
		x.cache.Store(strings.Clone(name), m)
	}
	return m
}

func (m *pnameMatches) bit(i int) bool { return m.bits[i/64]&(1<<(i%64)) != 0 }

func (m *pnameMatches) has(x *pnameIndex, p *osregex.Pattern) bool {
	for i, q := range x.pats {
		if q == p {
			return m.bit(i)
		}
	}
	return p.Match("")
}
