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
// are charged to the match limit, so the step count, ErrMatchLimit and
// every result are exactly those of the machine without the memo; only the
// time differs. Each state is explored at most once per search, so the
// time of a search is polynomial in the subject length (for a pattern
// without back references); the work that can remain per state is the
// scan of a single-character repeat and giving its characters back, each
// of them a memo hit.
//
// The memo is switched on when a search has taken memoAfter steps (most
// searches never pay for it), and only when its table (one cell per join
// point of the program and subject position) is at most memoMaxCells;
// otherwise the match limit alone bounds the search, as before.

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
