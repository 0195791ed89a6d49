package engine

import (
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/pcre2test"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

func TestCanStart(t *testing.T) {
	var set [256]bool
	set['a'] = true
	for _, tt := range []struct {
		set  *[256]bool
		s    string
		want bool
	}{
		{nil, "", true}, {nil, "x", true},
		{&set, "abc", true}, {&set, "bc", false}, {&set, "", false},
	} {
		if got := canStart(tt.set, tt.s); got != tt.want {
			t.Errorf("canStart(%v, %q) = %v", tt.set != nil, tt.s, got)
		}
	}
}

// TestFirstBytesSound checks, when osregex provides first-byte sets,
// that a pattern never matches a subject whose first byte is outside its
// set: the engine relies on it to skip calls.
func TestFirstBytesSound(t *testing.T) {
	pats := []string{`^\d{4}-\d{2}`, `^%PIX-|^%ASA-`, `^\[\w+\] `, `^SU \S+ `, `^id=\S+`, `^k`, `^s`, `^(a|b)c`, `^x?y`, `^`, `^\s+x`}
	subjects := []string{"", "2024-01-01", "%pix-1", "%ASA-2", "[abc] x", "su a b", "ID=1", "K", "\u212a", "s", "\u017f", "ac", "bc", "y", "xy", " x", "\tx", "\u00a0x", "\xc2\x85x"}
	active := false
	for _, kind := range []osregex.Kind{osregex.KindRegex, osregex.KindPCRE2} {
		for _, src := range pats {
			p, err := osregex.Compile(kind, src, osregex.Caseless)
			if err != nil {
				continue
			}
			set := firstBytes(p)
			if set == nil {
				continue
			}
			active = true
			for _, s := range subjects {
				if p.Match(s) && !canStart(set, s) {
					t.Errorf("%v %q matches %q, but its first-byte set excludes it", kind, src, s)
				}
			}
		}
	}
	if !active {
		t.Skip("osregex.Pattern has no FirstBytes method yet: the engine does not filter")
	}
}

// TestFirstBytesStock checks the first-byte sets of every stock decoder
// prematch and rule pattern against every recorded input line.
func TestFirstBytesStock(t *testing.T) {
	rs, err := ruleset.Load(ruleset.Sources{Base: testenv.StockRuleset(t)})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	cdir := testenv.Conformance(t)
	for _, f := range []string{"ossec-testing.jsonl", "logtesting.jsonl"} {
		data, err := os.ReadFile(filepath.Join(cdir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			var r struct {
				Log    string `json:"log"`
				Phase1 *struct {
					Log string `json:"log"`
				} `json:"phase1"`
			}
			if json.Unmarshal([]byte(l), &r) == nil && r.Phase1 != nil {
				lines = append(lines, r.Log, r.Phase1.Log)
			}
		}
	}
	var pats []*osregex.Pattern
	for _, d := range rs.Decoders {
		pats = append(pats, d.Prematch)
	}
	for _, r := range rs.AllRules {
		pats = append(pats, r.Match(), r.MatchPCRE2(), r.Regex(), r.PCRE2)
	}
	checked := 0
	for _, p := range pats {
		set := firstBytes(p)
		if set == nil {
			continue
		}
		checked++
		for _, l := range lines {
			if p.Match(l) && !canStart(set, l) {
				t.Errorf("%q matches %q, but its first-byte set excludes it", p.String(), l)
			}
		}
	}
	if checked == 0 {
		t.Skip("no first-byte sets (osregex.Pattern has no FirstBytes method yet)")
	}
	t.Logf("%d patterns with first-byte sets checked on %d lines", checked, len(lines))
}

// filtered is a pattern the engine filters, with its filter.
type filtered struct {
	what string
	p    *osregex.Pattern
	f    *patFilter
	// decoder: also run at offsets and through execDecoder.
	decoder bool
}

func engineFilters(e *Engine) []filtered {
	var out []filtered
	seen := map[*decNode]bool{}
	var walk func(n *decNode)
	walk = func(n *decNode) {
		if seen[n] {
			return
		}
		seen[n] = true
		if n.d.Prematch != nil {
			out = append(out, filtered{"decoder " + n.d.Name + " prematch", n.d.Prematch, n.pre, true})
		}
		if n.d.Regex != nil {
			out = append(out, filtered{"decoder " + n.d.Name + " regex", n.d.Regex, n.re, true})
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	for _, n := range append(append([]*decNode(nil), e.pname...), e.nopname...) {
		walk(n)
	}
	nodes := ruleNodes(e)
	for _, r := range e.rs.AllRules {
		n := nodes[r]
		if n == nil {
			continue
		}
		if p := first(r.Match(), r.MatchPCRE2()); p != nil {
			out = append(out, filtered{"rule " + itoa(r.ID) + " match", p, n.matchF, false})
		}
		if p := first(r.Regex(), r.PCRE2); p != nil {
			out = append(out, filtered{"rule " + itoa(r.ID) + " regex", p, n.regexF, false})
		}
	}
	return out
}

// ruleNodes maps each rule of the engine's tree to one of its nodes
// (they share their filters).
func ruleNodes(e *Engine) map[*ruleset.Rule]*ruleNode {
	m := map[*ruleset.Rule]*ruleNode{}
	for i := range e.nodes {
		n := &e.nodes[i]
		if m[n.rule] == nil {
			m[n.rule] = n
		}
	}
	return m
}

// filterStats counts the verdicts of a differential run.
type filterStats struct{ calls, yes, no int }

// checkFilter compares the engine's filter of one pattern with the
// pattern itself on log[off:]. A "maybe" needs no check (the engine
// then runs the pattern), nor does execDecoder when it runs exec itself.
func checkFilter(t testing.TB, s *Session, x filtered, log string, off int, st *filterStats) {
	t.Helper()
	sub := log[off:]
	v := s.test(x.f, log, off)
	st.calls++
	if q := quickOf(x.f, true); (off == 0 || q.kind[0]&qGrams != 0) && !s.scan(log).may(&q) && x.p.Match(sub) {
		t.Fatalf("%s %q matches %q (offset %d), but its quick check says it cannot", x.what, x.p.String(), log, off)
	}
	if v != maybe {
		want := x.p.Match(sub)
		if v == yes {
			st.yes++
		} else {
			st.no++
		}
		if want != (v == yes) {
			t.Fatalf("%s %q on %q (offset %d): filter says %v, Match %v", x.what, x.p.String(), log, off, v == yes, want)
		}
	}
	if sub != "" && !x.f.mayStartWith(sub[0]) && x.p.Match(sub) {
		t.Fatalf("%s %q matches %q (offset %d), but mayStartWith(%q) is false", x.what, x.p.String(), log, off, sub[0])
	}
	if !x.decoder {
		return
	}
	gotEnd := s.execDecoder(x.p, x.f, log, off)
	if v == no || x.f != nil && x.f.exact && !(x.f.utf && s.sc.high) {
		wantEnd, wantSubs := exec(x.p, sub, nil)
		if gotEnd != wantEnd || !slices.Equal(s.subs, wantSubs) {
			t.Fatalf("%s %q on %q (offset %d): execDecoder = %d %q, exec = %d %q", x.what, x.p.String(), log, off, gotEnd, s.subs, wantEnd, wantSubs)
		}
	}
}

// mutateLine returns a variant of s with what the literal checks must
// get right: case changes, Unicode letters that fold to ASCII (K, ſ),
// other non-ASCII and invalid UTF-8 bytes, NUL, a final newline, cuts.
func mutateLine(r *rand.Rand, s string) string {
	b := []byte(s)
	for n := 1 + r.Intn(3); n > 0 && len(b) > 0; n-- {
		i := r.Intn(len(b))
		switch r.Intn(9) {
		case 0:
			b[i] ^= 0x20
		case 1:
			b = slices.Insert(b, i, []byte("\u212a\u017f")...)
		case 2:
			b[i] = byte(0x80 + r.Intn(128))
		case 3:
			b = slices.Insert(b, i, 0)
		case 4:
			b = append(b, '\n')
		case 5:
			b = b[i:]
		case 6:
			b = b[:i]
		case 7:
			b = []byte(strings.ToUpper(string(b)))
		case 8:
			b = slices.Insert(b, i, 0xc3)
		}
	}
	return string(b)
}

// testSubjects returns the recorded lines of the shared conformance data
// and n lines drawn from the extra recordings.
func testSubjects(t testing.TB, r *rand.Rand, n int) []string {
	shared, err := pcre2test.Subjects(testenv.Conformance(t))
	if err != nil || len(shared) == 0 {
		t.Fatalf("conformance data: %d lines, %v", len(shared), err)
	}
	extra, err := pcre2test.Subjects("../internal/conformance/testdata")
	if err != nil || len(extra) == 0 {
		t.Fatalf("extra conformance data: %d lines, %v", len(extra), err)
	}
	for i := 0; i < n; i++ {
		shared = append(shared, extra[r.Intn(len(extra))])
	}
	return shared
}

// TestPrefilterStock checks the engine's filter of every stock pattern
// that runs on the log against the pattern itself, on the recorded
// lines, on mutations of them and on lines made of the patterns' own
// literals, at offset 0 and (for decoders) inside the line; and that the
// filters decide most calls.
func TestPrefilterStock(t *testing.T) {
	rs, err := ruleset.Load(ruleset.Sources{Base: testenv.StockRuleset(t)})
	if err != nil {
		t.Fatal(err)
	}
	n := 400
	if testing.Short() {
		n = 50
	}
	r := rand.New(rand.NewSource(1))
	subjects := testSubjects(t, r, n)
	e := New(rs, Options{Hostname: "melancia"})
	s := e.NewSession()
	xs := engineFilters(e)
	var mutated []string
	for i := 0; i < n; i++ {
		mutated = append(mutated, mutateLine(r, subjects[r.Intn(len(subjects))]))
	}
	var recorded, other filterStats
	for _, x := range xs {
		for _, log := range subjects {
			checkFilter(t, s, x, log, 0, &recorded)
		}
		own := []string{x.p.String(), "x " + strings.ToUpper(x.p.String()) + "\n"}
		if x.f != nil {
			for _, b := range x.f.branches {
				need, prefix, lit := b.need.lit, b.prefix(), ""
				if x.f.exact {
					lit = b.lit
				}
				own = append(own, lit, prefix+" "+need, strings.ToUpper(prefix+lit+need)+"\n", "\u212a"+lit)
			}
		}
		for _, set := range [][]string{mutated, own} {
			for _, log := range set {
				checkFilter(t, s, x, log, 0, &other)
				if x.decoder && len(log) > 2 {
					checkFilter(t, s, x, log, 1, &other)
					checkFilter(t, s, x, log, len(log)/2, &other)
				}
			}
		}
	}
	t.Logf("%d patterns; recorded lines: %d calls, %d yes, %d no; others: %d calls, %d yes, %d no",
		len(xs), recorded.calls, recorded.yes, recorded.no, other.calls, other.yes, other.no)
	if decided := recorded.yes + recorded.no; decided < recorded.calls*3/4 {
		t.Errorf("the filters decide only %d of %d calls on the recorded lines", decided, recorded.calls)
	}
}

// FuzzPrefilter checks every stock filter against its pattern on any
// line.
func FuzzPrefilter(f *testing.F) {
	rs, err := ruleset.Load(ruleset.Sources{Base: testenv.StockRuleset(f)})
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range []string{"Failed password for root from 1.2.3.4 port 22 ssh2", "\u212a\u017f su root\n", "[warn] x\x00y", "ILLEGAL ROOT LOGIN on \xc3tty"} {
		f.Add(l, uint8(0))
	}
	e := New(rs, Options{Hostname: "melancia"})
	xs := engineFilters(e)
	f.Fuzz(func(t *testing.T, log string, off uint8) {
		s := e.NewSession()
		var st filterStats
		o := int(off) % (len(log) + 1)
		for _, x := range xs {
			checkFilter(t, s, x, log, 0, &st)
			if x.decoder {
				checkFilter(t, s, x, log, o, &st)
			}
		}
	})
}

// TestPrefilterPatterns checks filters of hand-picked patterns of every
// dialect (UTF ones with letters that Unicode folds to ASCII, anchors,
// case-sensitive ones) against the patterns on tricky lines.
func TestPrefilterPatterns(t *testing.T) {
	pats := []struct {
		kind  osregex.Kind
		flags osregex.Flags
		src   string
	}{
		{osregex.KindMatch, 0, "kelvin|^ssh|su root$"},
		{osregex.KindMatch, 0, "Kelvin"},
		{osregex.KindMatch, 0, "^sshd|x|^$"},
		{osregex.KindMatch, osregex.CaseSensitive, "Root|^Su|ok$"},
		{osregex.KindMatch, 0, "a.b(c)|"},
		{osregex.KindRegex, 0, `^ssh\S+ for \w+`},
		{osregex.KindRegex, 0, `kelvin \d+|^s`},
		{osregex.KindPCRE2, osregex.Caseless, `kelvin|^ssh|su root$`},
		{osregex.KindPCRE2, osregex.Caseless, `^\[[a-z]+\] x|^%ASA-\d|y$`},
		{osregex.KindPCRE2, 0, `Root|^Su \S+`},
		{osregex.KindPCRE2, osregex.Caseless, "caf\xe9|^\xc3x"},
		{osregex.KindPCRE2, osregex.Caseless, `^\d{4} (?:a|b) kk+`},
		// String comparisons.
		{osregex.KindMatch, 0, "^su root"},
		{osregex.KindRegex, 0, "root$"},
		{osregex.KindPCRE2, osregex.Caseless, "^y$"},
		{osregex.KindMatch, osregex.CaseSensitive, "ok$"},
		{osregex.KindMatch, 0, ""},
	}
	lines := []string{
		"", "\n", "kelvin", "KELVIN", "\u212aelvin", "ssh", "\u017fsh", "SSHD", "\u017fshd", "x su root", "x su root\n",
		"x \u017fu root", "su root\n\n", "\xc3su root", "\xc3kelvin", "root Su", "Su root", "su ok", "ok\n", "OK",
		"a.b(c)", "A.B(C)", "sshd: a for b", "ssh\u212a for \u212a", "[abc] x", "[ab\u212a] x", "%asa-1", "%ASA-x",
		"y\n", "Y", "root\n", "x ROOT", "caf\xe9", "CAF\xc9", "\xc3x", "\xc3X", "2024 a kkk", "2024 b \u212a\u212a", "ab\x00kelvin", "kel\x00vin",
	}
	e := New(&ruleset.Ruleset{}, Options{Hostname: "melancia"})
	s := e.NewSession()
	var st filterStats
	table := &litTable{}
	for _, pt := range pats {
		p, err := osregex.Compile(pt.kind, pt.src, pt.flags)
		if err != nil {
			t.Fatalf("%q: %v", pt.src, err)
		}
		f := table.filter(p)
		s.sc = &logScan{lits: make([]uint32, table.n)}
		if f == nil {
			t.Errorf("%v %q: no filter", pt.kind, pt.src)
			continue
		}
		x := filtered{what: pt.kind.String(), p: p, f: f, decoder: true}
		vf := (&litTable{}).valueFilter(p)
		for _, l := range lines {
			for _, pre := range []string{"", "ab ", "\u212a"} {
				log := pre + l
				for _, off := range []int{0, len(pre)} {
					checkFilter(t, s, x, log, off, &st)
					if got, want := matchValue(p, vf, log[off:]), p.Match(log[off:]); got != want {
						t.Fatalf("%v %q on the value %q: matchValue %v, Match %v", pt.kind, pt.src, log[off:], got, want)
					}
				}
			}
		}
	}
	t.Logf("%d calls, %d yes, %d no", st.calls, st.yes, st.no)
}

// TestMatchValueStock checks matchValue, with the engine's filter of
// every stock pattern that runs on a decoded field (<url>, <url_pcre2>,
// <id>, <user>, <status> and the others), against the pattern itself on the
// recorded lines, their space-separated words (URLs among them),
// mutations of those and values made of the patterns' own literals.
func TestMatchValueStock(t *testing.T) {
	rs, err := ruleset.Load(ruleset.Sources{Base: testenv.StockRuleset(t)})
	if err != nil {
		t.Fatal(err)
	}
	n := 400
	if testing.Short() {
		n = 50
	}
	r := rand.New(rand.NewSource(2))
	subjects := testSubjects(t, r, n)
	var values []string
	for _, s := range subjects {
		values = append(values, s)
		values = append(values, strings.Fields(s)...)
	}
	for i := 0; i < n; i++ {
		values = append(values, mutateLine(r, values[r.Intn(len(values))]))
	}
	e := New(rs, Options{Hostname: "melancia"})
	patterns, filtered, decided := 0, 0, 0
	nodes := ruleNodes(e)
	for _, rule := range rs.AllRules {
		rf := &noValues
		if n := nodes[rule]; n != nil {
			rf = e.valuesOf(n)
		}
		for _, x := range []struct {
			p *osregex.Pattern
			f *patFilter
		}{
			{rule.URL(), rf.url}, {rule.URLPCRE2(), rf.urlPCRE2},
			{first(rule.EventID(), rule.EventIDPCRE2), rf.id},
			{first(rule.SrcPort(), rule.SrcPortPCRE2()), rf.srcPort},
			{first(rule.DstPort(), rule.DstPortPCRE2()), rf.dstPort},
			{first(rule.User(), rule.UserPCRE2()), rf.user},
			{first(rule.ExtraData(), rule.ExtraDataPCRE2()), rf.data},
			{first(rule.Hostname(), rule.HostnamePCRE2()), rf.hostname},
			{first(rule.Status(), rule.StatusPCRE2()), rf.status},
		} {
			if x.p == nil {
				continue
			}
			patterns++
			if x.f != nil && x.f.vals != nil {
				filtered++
			}
			own := []string{x.p.String(), "/A/" + strings.ToUpper(x.p.String()) + "\n"}
			if x.f != nil {
				for _, b := range x.f.branches {
					own = append(own, b.lit, "/x"+b.lit, b.lit+"?q", strings.ToUpper(b.lit)+"\n", "\u212a"+b.lit, "/\x00"+b.lit)
				}
			}
			for _, v := range append(own, values...) {
				if got, want := matchValue(x.p, x.f, v), x.p.Match(v); got != want {
					t.Fatalf("rule %d field pattern %q on %q: matchValue %v, Match %v", rule.ID, x.p.String(), v, got, want)
				}
				decided++
			}
		}
	}
	t.Logf("%d field patterns, %d answered by their filter; %d values checked", patterns, filtered, decided)
	if patterns == 0 || filtered == 0 {
		t.Errorf("%d field patterns, %d answered by their filter: nothing to check", patterns, filtered)
	}
}
