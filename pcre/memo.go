package pcre

// Memoisation of failed states (backtracking with memoisation).
//
// A state is an instruction and a subject position. Once the backtracking
// machine has fully explored a state and failed (it popped the state's
// entry while backtracking, so no path from the state reached the match,
// or the end of the atomic group or lookaround the state is in), exploring
// it again fails the same way and costs the same number of steps, as long
// as what follows depends only on the instruction and the position:
//
//   - Captures never decide success or failure unless a back reference
//     reads them: patterns with back references are never memoised.
//   - The empty-iteration check of a group loop compares the position with
//     the loop's start register: inside a loop body, a state whose
//     position equals the start of an enclosing loop's current iteration
//     is not memoised (with a later position the check can only say
//     "not empty", whatever the register holds).
//   - Atomic groups and lookarounds: a state whose exploration reached the
//     end of its group (opCut, opLookEnd, opNegLookEnd drop the state's
//     entry) is not recorded; what is recorded is only that no path from
//     the state reaches that end, which does not depend on where the group
//     started.
//
// The memo records, for each failed state, the number of backtracking
// steps its exploration took. A state found again is skipped and its steps
// are charged to the match limit, so the step count per start position,
// ErrMatchLimit and every result are exactly those of the machine without
// the memo (TestMemoSameAsWithout); only the time differs. Each state is
// explored at most once per search, so the time of a search is polynomial
// in the subject length for a pattern without back references: what can
// remain per state is the scan of a single-character repeat and giving its
// characters back, each of them a memo hit (O(program x subject^2) in
// all). A greedy or possessive repeat re-entered inside the run it last
// scanned, when every state after it is known to fail, is skipped at once
// with the sum of their costs (repRun).
//
// The memo is switched on when a search has taken memoAfter steps (most
// searches never pay for it), and only when its table (one cell per join
// point of the program and subject position) is at most memoMaxCells.
// With the memo on, only PCRE2's limit per start position applies; without
// it, all start positions together also get totalLimitFactor times the
// limit, which bounds the time of patterns with back references and of
// very large tables.

// memoAfter is a variable so that tests can switch the memo on at once.
var memoAfter = 2048

const (
	memoMaxCells = 1 << 20 // 4 MiB of costs
	keepMemo     = 1 << 14 // largest table a pooled machine keeps
)

// memoInfo is the static part of the memo, computed once per pattern.
type memoInfo struct {
	point []int32   // per instruction: index of its join point, or -1
	loops [][]int32 // per join point: registers of the group loops around it
	n     int       // number of join points
}

// buildMemo finds the join points of prog: the instructions where paths
// meet (targets of jumps and choices, what follows a repeat or the end of
// a group). A state elsewhere is reached from one state only, so
// memoising join points bounds every path. It returns nil when the
// pattern cannot be memoised (back references).
func buildMemo(prog []inst) *memoInfo {
	join := make([]bool, len(prog)+1)
	join[0] = true
	for pc := range prog {
		in := &prog[pc]
		switch in.op {
		case opBackref:
			return nil
		case opSetRep, opCut, opLookEnd:
			join[pc+1] = true
		case opSplit:
			join[in.x], join[in.y] = true, true
		case opJmp:
			join[in.x] = true
		case opRepEnd:
			join[pc+1], join[in.x] = true, true
		case opAltSwitch:
			for _, b := range in.alts.branches {
				join[b] = true
			}
		case opMark:
			if in.n == markNegLook {
				join[in.x] = true
			}
		}
	}
	mi := &memoInfo{point: make([]int32, len(prog))}
	for pc := range prog {
		mi.point[pc] = -1
		if join[pc] {
			mi.point[pc] = int32(mi.n)
			mi.n++
		}
	}
	if mi.n == 0 {
		return nil
	}
	// A group loop starts with opRepStart at x and ends with the opRepEnd
	// that jumps back to x; its body (and the opRepEnd, which reads the
	// register) lies in between.
	for e := range prog {
		if prog[e].op != opRepEnd {
			continue
		}
		reg := int32(prog[e].n)
		for pc := prog[e].x + 1; pc <= e; pc++ {
			if k := mi.point[pc]; k >= 0 {
				if mi.loops == nil {
					mi.loops = make([][]int32, mi.n)
				}
				mi.loops[k] = append(mi.loops[k], reg)
			}
		}
	}
	return mi
}

// enableMemo switches the memo on for the current search and returns the
// join point table, or nil when the table would be too large.
func (m *machine) enableMemo() []int32 {
	mi := m.re.memo
	if mi == nil || m.memoOff {
		return nil
	}
	stride := len(m.s) + 1
	cells := mi.n * stride
	if cells > memoMaxCells || cells/stride != mi.n {
		m.memoOff = true
		return nil
	}
	if cap(m.memo) < cells {
		m.memo = make([]uint32, cells)
	} else {
		m.memo = m.memo[:cells]
		clear(m.memo)
	}
	m.memoStride = stride
	m.memoPts = mi.point
	m.memoLoops = mi.loops
	return mi.point
}

// memoEligible reports whether the state of join point k at pos can be
// memoised: pos is not the start of the current iteration of a group loop
// around it.
func (m *machine) memoEligible(k int32, pos int) bool {
	if m.memoLoops == nil {
		return true
	}
	for _, r := range m.memoLoops[k] {
		if m.regs[r] == pos {
			return false
		}
	}
	return true
}

// recordMemo stores the cost of a failed exploration (popped entry e).
func (m *machine) recordMemo(e *bt) {
	m.nmemo--
	cost := m.steps - e.aux
	if cost > 1<<32-3 {
		cost = 1<<32 - 3
	}
	m.memo[e.pos] = uint32(cost + 1)
}

// repRun caches, for a greedy or possessive unbounded repeat of a set (not
// UTF), the last run of the set it scanned, [a, e), and the costs of the
// states that follow it, so that entering the repeat again inside the
// same run, when every state that follows is known to fail, costs O(1)
// instead of a scan and a give-back of every character.
type repRun struct {
	ok   bool
	a, e int
	top  int      // where the first continuation starts for a minimum end below it
	lo   int      // cum is valid on [lo, top]
	cum  []uint64 // cum[q]: the costs of the given-back states in [q, top)
}

// noteRun records that the repeat at pc scanned the run [a, e).
func (m *machine) noteRun(pc int, in *inst, a, e int) {
	if m.repRuns == nil {
		m.repRuns = make([]repRun, len(m.prog))
	}
	r := &m.repRuns[pc]
	if r.ok && r.e == e {
		r.a = min(r.a, a)
		return
	}
	r.ok, r.a, r.e = true, a, e
	r.top = e
	if in.next >= 0 && in.mode != possessive {
		r.top = -1
		for q := e; q >= a; q-- {
			if in.nextAt(m.s, q) {
				r.top = q
				break
			}
		}
	}
	r.lo = r.top
	if r.top >= 0 {
		if len(r.cum) < len(m.s)+1 {
			r.cum = make([]uint64, len(m.s)+1)
		}
		r.cum[r.top] = 0
	}
}

// repKnown returns the steps that entering the repeat in at pc at
// position p would take when every state after it is known to fail, and
// whether that is so (see repRun).
func (m *machine) repKnown(pc int, in *inst, p int) (int, bool) {
	if m.repRuns == nil {
		return 0, false
	}
	r := &m.repRuns[pc]
	if !r.ok || p < r.a || p > r.e {
		return 0, false
	}
	k := m.memoPts[pc+1]
	if k < 0 || m.memoLoops != nil && len(m.memoLoops[k]) > 0 {
		return 0, false
	}
	memo := m.memo[int(k)*m.memoStride:]
	minEnd := p + in.min
	if minEnd > r.e {
		return 0, false
	}
	if in.mode == possessive || r.top <= minEnd {
		// One continuation: after the whole run (possessive), or at
		// the minimum end (no later position where what follows can
		// start).
		end := minEnd
		if in.mode == possessive {
			end = r.e
		}
		if v := m.contCost(in, memo, end); v != 0 {
			return int(v - 1), true
		}
		return 0, false
	}
	// The continuation at top, then giving back down to minEnd.
	vTop, vMin := memo[r.top], m.contCost(in, memo, minEnd)
	if vTop == 0 || vMin == 0 {
		return 0, false
	}
	for r.lo > minEnd+1 {
		q := r.lo - 1
		add := uint64(0)
		if in.next < 0 || in.nextAt(m.s, q) {
			v := memo[q]
			if v == 0 {
				return 0, false
			}
			add = uint64(v)
		}
		r.cum[q] = r.cum[r.lo] + add
		r.lo = q
	}
	total := uint64(vTop-1) + r.cum[minEnd+1] + uint64(vMin)
	if total > 1<<62 {
		total = 1 << 62
	}
	return int(total), true
}

// contCost returns the memo value (cost plus one, 0 unknown) of the state
// after the repeat in at q: known to cost nothing when the literal that
// follows the repeat cannot start at q (the state fails on it at once).
func (m *machine) contCost(in *inst, memo []uint32, q int) uint32 {
	if in.next >= 0 && !in.nextAt(m.s, q) {
		return 1
	}
	return memo[q]
}
