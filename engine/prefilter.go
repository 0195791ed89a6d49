package engine

import (
	"slices"
	"strings"
	"unsafe"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// The engine decides most pattern calls on the event's log without
// making them. At New it takes the literal description of every pattern
// that runs on the log (osregex.Pattern.Literals: rule <match>, <regex>,
// <pcre2> and their variants, decoder <prematch> and <regex>) and
// numbers the distinct literals. The first pattern test of an event
// records, in a small bitmap, the hashes of the log's case-folded
// trigrams; whether the log holds a literal is then decided once per
// event and literal: absent when one of its trigram bits is clear,
// otherwise by a search. A literal-only pattern (an alternation of
// plain, ^-anchored or $-anchored literals, or a pattern OSSEC runs as a
// string comparison) is answered from that and a few string comparisons;
// any other pattern is skipped when none of its branches can match (a
// required literal is absent, or an anchored branch's first byte or
// prefix is wrong). Whatever the description cannot decide goes to the
// pattern.

// verdict is what a filter says about a pattern on a subject.
type verdict uint8

const (
	maybe verdict = iota // run the pattern
	no                   // the pattern does not match
	yes                  // the pattern matches (Match would say true)
)

// patFilter is the engine's view of one pattern.
type patFilter struct {
	// first is, for a pattern without a literal description, its
	// first-byte set when osregex offers one (firstByter), nil otherwise.
	first    *[256]bool
	branches []litBranch
	// vals is, for an exact filter made by valueFilter, the index of its
	// unanchored branches by first byte (nil for any other filter).
	vals *valueIndex
	// described is true when the pattern has a literal description.
	described bool
	exact     bool
	fold, utf bool
	// endOnly: an end-anchored branch must end the subject (no final
	// newline allowance).
	endOnly bool
}

// valueIndex finds the unanchored branches of an exact value filter
// (see valueFilter) that may match at a byte of the subject.
type valueIndex struct {
	// starts is, for each byte (of either case when folding), 1 + the
	// index in lists of the unanchored branches whose literal starts with
	// it, 0 for none; anyAt says that an unanchored branch has an empty
	// literal (it matches anywhere).
	starts [256]uint8
	lists  [][]int32
	anyAt  bool
}

// litBranch is a branch of a described pattern. Literals are lower case
// when the pattern folds case.
type litBranch struct {
	// need is the literal the branch needs anywhere in the subject (the
	// empty key for none; value filters have none, see valueFilter).
	need litKey
	// lit is an exact branch's literal; it is also, for a start branch,
	// the prefix of the subject (prefix), which for a branch of a pattern
	// that is not exact is the described prefix ("" for other branches).
	lit string
	// first is a start branch's first-byte set (nil: any).
	first *[256]bool
	// more holds what few branches have (nil: nothing).
	more       *branchMore
	start, end bool
}

// branchMore is the rarer part of a litBranch: the sets of a start
// branch's first bytes (osregex.LitBranch.Classes) and the literals a
// branch needs besides need.
type branchMore struct {
	classes []*[256]bool
	also    []litKey
}

// prefix is what a start branch's subject starts with ("" for others).
func (b *litBranch) prefix() string {
	if !b.start {
		return ""
	}
	return b.lit
}

// litKey is a literal (lower case) the engine looks for in logs: its
// number, for the per-event answer, and the bits of up to four of its
// trigrams, spread over it (n == 0 for a literal shorter than three
// bytes).
type litKey struct {
	lit string
	id  int32
	n   uint8
	h   [4]uint16
}

// litTable numbers the literals of all filters while the engine is
// built.
type litTable struct {
	// keys numbers the literals, strs holds them by number (the first
	// string of each, which the keys share).
	keys map[string]int32
	strs []string
	n    int32
	// Filters and their branches are carved from blocks of block
	// elements, so that those of neighbouring rules sit together in
	// memory (block 0: each is allocated alone).
	block    int
	filters  []patFilter
	branches []litBranch
	// lits is the scratch description of the pattern being filtered.
	lits osregex.Literals
}

func (t *litTable) key(lit string) litKey {
	if lit == "" {
		return litKey{}
	}
	lit = lowerASCII(lit)
	id, ok := t.keys[lit]
	if ok {
		lit = t.strs[id]
	} else {
		if t.keys == nil {
			t.keys = make(map[string]int32)
		}
		id = t.n
		t.n++
		t.keys[lit] = id
		t.strs = append(t.strs, lit)
	}
	k := litKey{lit: lit, id: id}
	if len(lit) >= 3 {
		last := len(lit) - 3
		for _, at := range [...]int{0, last, last / 3, 2 * last / 3} {
			h := uint16(gramHash(uint32(lit[at])<<24 | uint32(lit[at+1])<<16 | uint32(lit[at+2])<<8))
			if !slices.Contains(k.h[:k.n], h) {
				k.h[k.n] = h
				k.n++
			}
		}
	}
	return k
}

// filter builds the filter of p (nil for a nil pattern, or when nothing
// is known about it).
func (t *litTable) filter(p *osregex.Pattern) *patFilter {
	if p == nil {
		return nil
	}
	l := &t.lits
	if !p.Describe(l) {
		// The pattern's own first-byte set, when it has one.
		if first := firstBytes(p); first != nil {
			return t.newFilter(patFilter{first: first})
		}
		return nil
	}
	return t.described(l, true)
}

// described builds the filter of the pattern described by l; without
// keys, its branches need no literal (the literals are not numbered).
func (t *litTable) described(l *osregex.Literals, keys bool) *patFilter {
	f := t.newFilter(patFilter{})
	if cap(t.branches)-len(t.branches) < len(l.Branches) {
		t.branches = make([]litBranch, 0, max(t.block, len(l.Branches)))
	}
	f.branches = t.branches[len(t.branches) : len(t.branches) : len(t.branches)+len(l.Branches)]
	f.described, f.exact, f.fold, f.utf, f.endOnly = true, l.Exact, l.Fold, l.UTF, l.DollarEndOnly
	for _, b := range l.Branches {
		lb := litBranch{start: b.Start, end: b.End, first: b.First}
		var also []litKey
		if l.Exact {
			lb.lit = b.Lit
			if !b.Start && keys {
				lb.need = t.key(b.Lit)
			}
		} else {
			if b.Start {
				lb.lit = b.Prefix
			}
			if keys {
				lb.need = t.key(b.Lit)
				if len(b.Also) > 0 {
					also = make([]litKey, len(b.Also))
					for k, a := range b.Also {
						also[k] = t.key(a)
					}
				}
			}
		}
		if len(b.Classes) > 0 || also != nil {
			lb.more = &branchMore{classes: b.Classes, also: also}
		}
		f.branches = append(f.branches, lb)
	}
	t.branches = t.branches[:len(t.branches)+len(f.branches)]
	return f
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lower(b[j])
			}
			return string(b)
		}
	}
	return s
}

// foldTable maps each byte to its ASCII lower case.
var foldTable = func() (t [256]byte) {
	for c := range t {
		t[c] = lower(byte(c))
	}
	return
}()

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// firstByter is implemented by patterns that can tell which bytes a
// match must start with: FirstBytes returns ok when every match starts
// at the beginning of the subject and consumes a first byte, and set
// holds the bytes that first byte can be. The engine then skips the call
// for a subject starting with any other byte (an empty subject included).
type firstByter interface {
	FirstBytes() (set *[256]bool, ok bool)
}

func firstBytes(p *osregex.Pattern) *[256]bool {
	if p == nil {
		return nil
	}
	fb, ok := any(p).(firstByter)
	if !ok {
		return nil
	}
	set, ok := fb.FirstBytes()
	if !ok {
		return nil
	}
	return set
}

// canStart reports whether a pattern whose first-byte set is set (nil:
// unknown) may match s.
func canStart(set *[256]bool, s string) bool {
	if set == nil {
		return true
	}
	if s == "" {
		return false
	}
	return set[s[0]]
}

// valueFilters are the filters of the patterns a rule runs on decoded
// fields (see matchValue), nil for a pattern no filter answers: <url>
// and <url_pcre2> on the URL, <id>, <srcport>, <dstport>, <user>,
// <extra_data>, <hostname>, <status> (each the plain or the PCRE2 form,
// as the rule runs it).
type valueFilters struct {
	url, urlPCRE2, id, srcPort, dstPort, user, data, hostname, status *patFilter
}

// noValues are the valueFilters of a rule without any (read-only).
var noValues valueFilters

func (t *litTable) newFilter(f patFilter) *patFilter {
	if t.block == 0 {
		return &f
	}
	if len(t.filters) == cap(t.filters) {
		t.filters = make([]patFilter, 0, t.block)
	}
	t.filters = append(t.filters, f)
	return &t.filters[len(t.filters)-1]
}

// buildDecoderFilters makes the filters of every decoder pattern, which
// run on the log; t then goes on to the rules' (buildRuleTree).
func (e *Engine) buildDecoderFilters(t *litTable, nodes []decNode) {
	// Sized for about one literal per rule and decoder (the stock
	// ruleset: 1057 for 1461), so that the map does not grow.
	t.block = 256
	t.keys = make(map[string]int32, len(e.rs.AllRules)+len(e.rs.Decoders))
	t.strs = make([]string, 0, len(e.rs.AllRules)+len(e.rs.Decoders))
	for i := range nodes {
		n := &nodes[i]
		d := n.d
		n.pre, n.re = t.filter(d.Prematch), t.filter(d.Regex)
		// After the parent, its prefixes hold at the parent's end.
		n.preQ = quickOf(n.pre, d.PrematchOffset&ruleset.OffsetAfterParent == 0)
		n.getNext = d.GetNext
	}
}

// hasValuePatterns reports whether r runs a pattern on a decoded field
// (one of those of valueFilters).
func hasValuePatterns(r *ruleset.Rule) bool {
	return r.URL() != nil || r.URLPCRE2() != nil || r.EventID() != nil || r.EventIDPCRE2 != nil ||
		r.SrcPort() != nil || r.SrcPortPCRE2() != nil || r.DstPort() != nil || r.DstPortPCRE2() != nil ||
		r.User() != nil || r.UserPCRE2() != nil || r.ExtraData() != nil || r.ExtraDataPCRE2() != nil ||
		r.Hostname() != nil || r.HostnamePCRE2() != nil || r.Status() != nil || r.StatusPCRE2() != nil
}

// valuesOf returns the filters of the patterns n's rule runs on decoded
// fields (noValues for none). They are made when the rule first needs
// them: a run on one line tries few of the rules that have some.
func (e *Engine) valuesOf(n *ruleNode) *valueFilters {
	if n.vals == 0 {
		return &noValues
	}
	p := &e.values[n.vals-1]
	if v := p.Load(); v != nil {
		return v
	}
	var t litTable
	v := t.valueFilters(n.rule)
	// Two sessions may make them at once: the first stored is kept.
	if p.CompareAndSwap(nil, v) {
		return v
	}
	return p.Load()
}

// valueFilters makes the filters of r's patterns that run on decoded
// fields (noValues when none has one).
func (t *litTable) valueFilters(r *ruleset.Rule) *valueFilters {
	v := valueFilters{
		url:      t.valueFilter(r.URL()),
		urlPCRE2: t.valueFilter(r.URLPCRE2()),
		id:       t.valueFilter(first(r.EventID(), r.EventIDPCRE2)),
		srcPort:  t.valueFilter(first(r.SrcPort(), r.SrcPortPCRE2())),
		dstPort:  t.valueFilter(first(r.DstPort(), r.DstPortPCRE2())),
		user:     t.valueFilter(first(r.User(), r.UserPCRE2())),
		data:     t.valueFilter(first(r.ExtraData(), r.ExtraDataPCRE2())),
		hostname: t.valueFilter(first(r.Hostname(), r.HostnamePCRE2())),
		status:   t.valueFilter(first(r.Status(), r.StatusPCRE2())),
	}
	if v == noValues {
		return &noValues
	}
	return &v
}

// indexNoProgramName fills e.nopByFirst: for each first byte of a log,
// the positions in the nopname list of the decoders whose prematch can
// match a log starting with it. A decoder is left out only when its
// filter rejects every such log by its first byte (test says no): the
// first-byte set of the pattern, or branches that are all anchored with
// a prefix or first-byte set excluding it. UTF patterns are always kept
// (their filter steps aside for logs with bytes >= 0x80).
func (e *Engine) indexNoProgramName() {
	// Bytes share their list when equal: the stock ruleset has a few
	// dozen distinct lists, compared without building keys.
	var lists [][]int32
	var l []int32
	for c := 0; c < 256; c++ {
		l = l[:0]
		for i, n := range e.nopname {
			if n.d.Prematch == nil || n.pre.mayStartWith(byte(c)) {
				l = append(l, int32(i))
			}
		}
		k := slices.IndexFunc(lists, func(o []int32) bool { return slices.Equal(o, l) })
		if k < 0 {
			// Not nil when empty: a nil list means no index (decode).
			lists = append(lists, append([]int32{}, l...))
			k = len(lists) - 1
		}
		e.nopByFirst[c] = lists[k]
	}
}

// mayStartWith reports whether f may let a subject starting with c
// match (false only when test would say no for every such subject).
func (f *patFilter) mayStartWith(c byte) bool {
	if f == nil {
		return true
	}
	if f.first != nil && !f.first[c] {
		return false
	}
	if !f.described || f.utf {
		return true
	}
	for i := range f.branches {
		b := &f.branches[i]
		switch {
		case !b.start:
			return true
		case b.lit != "":
			if f.fold && lower(c) == b.lit[0] || !f.fold && c == b.lit[0] {
				return true
			}
		case b.first != nil:
			if b.first[c] {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// gramShift gives the size of the trigram bitmap: 1<<gramShift bits,
// few enough to clear for every event, enough that a literal's four
// trigram bits are rarely all set by chance (a false positive only
// costs a search).
const (
	gramShift = 12
	gramBits  = 1 << gramShift
)

// gramHash is the bit of the trigram whose bytes (case-folded) are the
// top 24 bits of g (the scan shifts its last four bytes up by one to
// drop the oldest).
func gramHash(g uint32) uint32 { return (g * 0x9e3779b1) >> (32 - gramShift) }

// quickCheck is a condition that every log a rule's or decoder's pattern
// matches meets, decided from the scan alone. A decoder's node keeps it, a
// rule's node its position in Engine.quick, so that most rejections read
// neither the rule nor its pattern: the pattern's filter and its
// branches sit elsewhere in memory, and most of the rules tried on an
// event fail on their pattern. It holds up to two such conditions (a
// rule's <match> and <regex>), which must both hold: the first n[0] of
// alts are the alternatives of the first, the next n[1] those of the
// second (n == 0: nothing is known). One alternative must hold: with
// grams (kind qGrams), the log has the four trigram bits (16 bits each)
// of a literal a branch needs; otherwise the log starts with a branch's
// prefix of up to four bytes (the bytes in the low 32 bits, their mask in
// the high ones).
type quickCheck struct {
	alts [4]uint64
	n    [2]uint8
	kind [2]uint8
}

// The bits of quickCheck.kind.
const (
	qGrams uint8 = 1 << iota
	qFold
	qUTF
)

// quickOf is the quick check of a filter's pattern on the log: every
// branch has a literal with trigrams (which holds for a subject that is a
// part of the log too), or every branch starts with a prefix (for the
// whole log only).
func quickOf(f *patFilter, whole bool) quickCheck {
	var q quickCheck
	if f == nil || !f.described || len(f.branches) > len(q.alts) {
		return q
	}
	grams, prefixes := true, whole
	for i := range f.branches {
		b := &f.branches[i]
		grams = grams && b.need.n > 0
		prefixes = prefixes && b.start && b.lit != ""
	}
	var kind uint8
	switch {
	case grams:
		kind = qGrams
		for i := range f.branches {
			k := &f.branches[i].need
			for j := 0; j < 4; j++ {
				q.alts[i] |= uint64(k.h[min(j, int(k.n)-1)]) << (16 * j)
			}
		}
	case prefixes:
		for i := range f.branches {
			p := f.branches[i].lit
			for j := 0; j < min(4, len(p)); j++ {
				q.alts[i] |= uint64(p[j])<<(8*j) | 0xff<<(32+8*j)
			}
		}
	default:
		return q
	}
	if f.fold {
		kind |= qFold
	}
	if f.utf {
		kind |= qUTF
	}
	q.n[0], q.kind[0] = uint8(len(f.branches)), kind
	return q
}

// and returns the check that both q and o (checks of one condition) hold,
// or as much of it as fits: what does not fit is left out (the pattern
// then decides).
func (q quickCheck) and(o quickCheck) quickCheck {
	switch {
	case o.n[0] == 0:
		return q
	case q.n[0] == 0:
		return o
	case int(q.n[0])+int(o.n[0]) > len(q.alts):
		return q
	}
	copy(q.alts[q.n[0]:], o.alts[:o.n[0]])
	q.n[1], q.kind[1] = o.n[0], o.kind[0]
	return q
}

// may reports whether the scanned log may meet q (false: the pattern does
// not match it).
func (sc *logScan) may(q *quickCheck) bool {
	n := q.n[0]
	return sc.mayAlts(q.alts[:n], q.kind[0]) &&
		(q.n[1] == 0 || sc.mayAlts(q.alts[n:n+q.n[1]], q.kind[1]))
}

// mayAlts is may for one condition: one of alts holds.
func (sc *logScan) mayAlts(alts []uint64, kind uint8) bool {
	if len(alts) == 0 || kind&qUTF != 0 && sc.high {
		return true
	}
	if kind&qGrams != 0 {
		for _, w := range alts {
			if sc.gram(w) && sc.gram(w>>16) && sc.gram(w>>32) && sc.gram(w>>48) {
				return true
			}
		}
		return false
	}
	head := sc.head
	if kind&qFold != 0 {
		head = sc.lowHead
	}
	for _, w := range alts {
		if head&uint32(w>>32) == uint32(w) {
			return true
		}
	}
	return false
}

// gram reports whether the trigram bit in the low 16 bits of h is set.
func (sc *logScan) gram(h uint64) bool {
	h &= gramBits - 1
	return sc.grams[h>>6]&(1<<(h&63)) != 0
}

// logScan is what the engine knows about the log of the current event.
type logScan struct {
	log   string
	valid bool
	high  bool // the log has a byte >= 0x80
	nul   bool // the log has a NUL byte
	// head holds the log's first four bytes (fewer: zeros), lowHead the
	// same in lower case.
	head, lowHead uint32
	grams         [gramBits / 64]uint64
	// low is the log with ASCII letters in lower case, in buf (reused
	// from event to event): literals are searched for in it.
	low string
	buf []byte
	// gen numbers the scans; lits[id]>>1 == gen when lits[id]&1 says
	// whether the log holds literal id.
	gen  uint32
	lits []uint32
}

// scan returns the scan of log, scanning it if it is not the one
// scanned last. The scan is known by the string's address and length
// alone and is not reset between events: while an event is processed,
// only ev.log is scanned (the decoder and rule loops hold the scan across
// their calls), so a scan of any other string there would have to be
// kept apart from this one.
func (s *Session) scan(log string) *logScan {
	if s.sc == nil {
		s.sc = &logScan{} // called outside ProcessMessage (tests)
	}
	sc := s.sc
	// The same string (not only equal text: comparing would cost as
	// much as a part of the scan, at every pattern test).
	if sc.valid && len(sc.log) == len(log) && unsafe.StringData(sc.log) == unsafe.StringData(log) {
		return sc
	}
	sc.log, sc.valid = log, true
	if sc.lits == nil {
		sc.lits = make([]uint32, s.e.nlits)
	}
	sc.gen = (sc.gen + 1) & (1<<31 - 1)
	if sc.gen == 0 {
		clear(sc.lits)
		sc.gen = 1
	}
	clear(sc.grams[:])
	var or byte
	var g uint32
	grams := &sc.grams
	if cap(sc.buf) < len(log) {
		sc.buf = make([]byte, len(log))
	}
	low := sc.buf[:len(log)]
	fold := &foldTable
	for i := 0; i < len(log); i++ {
		c := log[i]
		or |= c
		l := fold[c]
		low[i] = l
		g = g<<8 | uint32(l)
		h := gramHash(g << 8)
		grams[h>>6] |= 1 << (h & 63)
	}
	sc.low = unsafe.String(unsafe.SliceData(low), len(low))
	sc.high = or >= 0x80
	sc.head, sc.lowHead = 0, 0
	for i := 0; i < min(4, len(log)); i++ {
		sc.head |= uint32(log[i]) << (8 * i)
		sc.lowHead |= uint32(low[i]) << (8 * i)
	}
	sc.nul = strings.IndexByte(log, 0) >= 0
	return sc
}

// has reports whether the scanned log contains k's literal, ignoring
// ASCII case (true for the empty literal). The trigram bits answer most
// questions; the others are searched for once per event and literal.
func (sc *logScan) has(k *litKey) bool {
	if k.lit == "" {
		return true
	}
	if !sc.gramsSet(k) {
		return false
	}
	if m := sc.lits[k.id]; m>>1 == sc.gen {
		return m&1 != 0
	}
	found := strings.Contains(sc.low, k.lit)
	m := sc.gen << 1
	if found {
		m |= 1
	}
	sc.lits[k.id] = m
	return found
}

// test runs f on the subject log[off:], where log is the event's log.
func (s *Session) test(f *patFilter, log string, off int) verdict {
	if f == nil {
		return maybe
	}
	sub := log[off:]
	if !f.described {
		if !canStart(f.first, sub) {
			return no
		}
		return maybe
	}
	sc := s.scan(log)
	if f.utf && sc.high {
		return maybe
	}
	if f.exact && off == 0 && !sc.nul {
		for i := range f.branches {
			if f.branches[i].holds(sub, sc, f.fold, f.endOnly) {
				return yes
			}
		}
		return no
	}
	for i := range f.branches {
		b := &f.branches[i]
		if b.start {
			if !hasPrefix(sub, b.lit, f.fold) {
				continue
			}
			if b.first != nil && (sub == "" || !b.first[sub[0]]) || b.more != nil && !osregex.FitsClasses(b.more.classes, sub) {
				continue
			}
		}
		if !sc.mayHave(&b.need) || b.more != nil && !sc.mayHaveAll(b.more.also) {
			continue
		}
		return maybe
	}
	return no
}

// holds is an exact branch on the whole log (sub, without NUL), as
// osregex.LitBranch documents it.
func (b *litBranch) holds(sub string, sc *logScan, fold, endOnly bool) bool {
	lit := b.lit
	switch {
	case b.start && b.end:
		if !endOnly && len(sub) == len(lit)+1 && sub[len(lit)] == '\n' {
			sub = sub[:len(lit)]
		}
		return len(sub) == len(lit) && hasPrefix(sub, lit, fold)
	case b.start:
		return hasPrefix(sub, lit, fold)
	case b.end:
		if hasSuffix(sub, lit, fold) {
			return true
		}
		return !endOnly && len(sub) > 0 && sub[len(sub)-1] == '\n' && hasSuffix(sub[:len(sub)-1], lit, fold)
	case !sc.has(&b.need):
		return false
	case fold:
		return true
	}
	return strings.Contains(sub, lit)
}

// mayHave is has without a search for a literal whose trigram bits are
// all set (unless the event already searched for it): for a filter that
// can only say no or maybe, the search costs about what the pattern run
// it would rarely spare does.
func (sc *logScan) mayHave(k *litKey) bool {
	if k.n == 0 {
		return sc.has(k)
	}
	if !sc.gramsSet(k) {
		return false
	}
	m := sc.lits[k.id]
	return m>>1 != sc.gen || m&1 != 0
}

// gramsSet reports whether the log has every trigram bit of k.
func (sc *logScan) gramsSet(k *litKey) bool {
	for _, h := range k.h[:k.n] {
		if !sc.gram(uint64(h)) {
			return false
		}
	}
	return true
}

// mayHaveAll is mayHave for every key.
func (sc *logScan) mayHaveAll(keys []litKey) bool {
	for i := range keys {
		if !sc.mayHave(&keys[i]) {
			return false
		}
	}
	return true
}

// hasPrefix reports whether s starts with p, ignoring the case of ASCII
// letters when fold (p is then lower case).
func hasPrefix(s, p string, fold bool) bool {
	if len(s) < len(p) {
		return false
	}
	if !fold {
		return s[:len(p)] == p
	}
	for i := 0; i < len(p); i++ {
		if lower(s[i]) != p[i] {
			return false
		}
	}
	return true
}

func hasSuffix(s, p string, fold bool) bool {
	return len(s) >= len(p) && hasPrefix(s[len(s)-len(p):], p, fold)
}

// exactEnd is, for an exact filter, where the pattern's leftmost match
// in sub (a C string) ends, as Exec reports it, or -1 when it does not
// match. PCRE2 takes the leftmost start, and there the first branch in
// order that matches.
func (f *patFilter) exactEnd(sub string) int {
	best, bestEnd := -1, -1
	for i := range f.branches {
		b := &f.branches[i]
		lit := b.lit
		pos := -1
		switch {
		case b.start && b.end:
			if b.holds(sub, nil, f.fold, f.endOnly) {
				pos = 0
			}
		case b.start:
			if hasPrefix(sub, lit, f.fold) {
				pos = 0
			}
		case b.end:
			// At the end, or before a newline that ends the subject.
			if n := len(sub) - 1 - len(lit); !f.endOnly && n >= 0 && sub[len(sub)-1] == '\n' && hasPrefix(sub[n:], lit, f.fold) {
				pos = n
			}
			if n := len(sub) - len(lit); n >= 0 && hasPrefix(sub[n:], lit, f.fold) && (pos < 0 || n < pos) {
				pos = n
			}
		case f.fold:
			pos = osregex.IndexFold(sub, lit)
		default:
			pos = strings.Index(sub, lit)
		}
		if pos >= 0 && (best < 0 || pos < best) {
			best, bestEnd = pos, pos+len(lit)
		}
	}
	return bestEnd
}

// valueFilter is the filter of a pattern that runs on a decoded field
// (see matchValue): an exact filter with the index of its unanchored
// branches by first byte, or nil when the pattern must run (its filter
// is not exact, or its literals start with too many bytes). Its branches
// need no literal: matches does not use the log's scan.
func (t *litTable) valueFilter(p *osregex.Pattern) *patFilter {
	if p == nil {
		return nil
	}
	l := &t.lits
	if !p.Describe(l) || !l.Exact {
		return nil
	}
	// Count the index first: most filters have no unanchored literal
	// (they share an empty index) or one with an empty literal.
	anyAt, unanchored := false, false
	for i := range l.Branches {
		b := &l.Branches[i]
		switch {
		case b.Start || b.End:
		case b.Lit == "":
			anyAt = true
		default:
			unanchored = true
		}
	}
	var x *valueIndex
	switch {
	case anyAt:
		x = &anyAtIndex
	case !unanchored:
		x = &noStarts
	default:
		x = new(valueIndex)
		fold := l.Fold
		for i := range l.Branches {
			b := &l.Branches[i]
			if b.Start || b.End {
				continue
			}
			c := b.Lit[0]
			k := x.starts[c]
			if k == 0 {
				if len(x.lists) == 255 {
					// Too many first bytes for the index: run the
					// pattern.
					return nil
				}
				x.lists = append(x.lists, nil)
				k = uint8(len(x.lists))
				x.starts[c] = k
				if fold && c >= 'a' && c <= 'z' {
					x.starts[c-32] = k
				}
			}
			x.lists[k-1] = append(x.lists[k-1], int32(i))
		}
	}
	f := t.described(l, false)
	f.vals = x
	return f
}

// noStarts is the valueIndex of the filters without unanchored branches,
// anyAtIndex of those with an empty unanchored literal (read-only).
var noStarts, anyAtIndex = valueIndex{}, valueIndex{anyAt: true}

// matches reports whether an exact filter made by valueFilter lets its
// pattern match sub (a C string): whether one of its branches does.
func (f *patFilter) matches(sub string) bool {
	unanchored := false
	for i := range f.branches {
		b := &f.branches[i]
		lit := b.lit
		switch {
		case b.start && b.end:
			if b.holds(sub, nil, f.fold, f.endOnly) {
				return true
			}
		case b.start:
			if hasPrefix(sub, lit, f.fold) {
				return true
			}
		case b.end:
			if hasSuffix(sub, lit, f.fold) {
				return true
			}
			if !f.endOnly && len(sub) > 0 && sub[len(sub)-1] == '\n' && hasSuffix(sub[:len(sub)-1], lit, f.fold) {
				return true
			}
		default:
			unanchored = true
		}
	}
	if !unanchored {
		return false
	}
	x := f.vals
	if x.anyAt {
		return true
	}
	// One pass over sub, trying the unanchored literals where one of
	// them can start.
	for at := 0; at < len(sub); at++ {
		k := x.starts[sub[at]]
		if k == 0 {
			continue
		}
		rest := sub[at:]
		for _, i := range x.lists[k-1] {
			if hasPrefix(rest, f.branches[i].lit, f.fold) {
				return true
			}
		}
	}
	return false
}

// matchValue is p.Match(v) for a pattern p with filter f that runs on a
// decoded field rather than the log: an exact filter answers it with a
// few string comparisons (unless a UTF pattern meets a byte >= 0x80);
// any other pattern runs.
func matchValue(p *osregex.Pattern, f *patFilter, v string) bool {
	if f != nil && f.vals != nil && !(f.utf && hasHigh(v)) {
		return f.matches(cut(v))
	}
	return p.Match(v)
}

// hasHigh reports whether s has a byte >= 0x80.
func hasHigh(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// execDecoder runs a decoder's pattern p (with its filter f) on
// log[off:] as exec does: the end of the match or -1, the captures in
// s.subs.
func (s *Session) execDecoder(p *osregex.Pattern, f *patFilter, log string, off int) int {
	s.subs = s.subs[:0]
	if s.test(f, log, off) == no {
		return -1
	}
	if f != nil && f.exact && !(f.utf && s.sc.high) {
		return f.exactEnd(cut(log[off:]))
	}
	var end int
	end, s.subs = exec(p, log[off:], s.subs)
	if end < 0 {
		s.noteJIT(p, log[off:])
	}
	return end
}
