package pcre

import (
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/pcre2test"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// jitFamily is a pattern and a family of subjects pre + unit*n + suf that
// it matches for every n (without a stack limit).
type jitFamily struct {
	pattern        string
	flags          Flags
	pre, unit, suf string
}

// jitFamilies are the patterns users write, in the shapes that reach the
// JIT stack limit: lazy and greedy .* in groups with captures, repeated
// groups (capturing or not, lazy or greedy, * + ?), alternations inside
// repeats, \S+ / \w+ runs inside repeated groups, nested repeats, back
// references, lookarounds after a repeat, and OSSEC's OS_Regex
// translations (\.* becomes (?s:.)*?).
func jitFamilies() []jitFamily {
	var fs []jitFamily
	add := func(p, pre, unit, suf string, flags Flags) {
		fs = append(fs, jitFamily{p, flags, pre, unit, suf})
	}
	for _, q := range []string{"*", "*?", "+", "+?"} {
		for _, g := range []string{"(?:b)", "(b)", "(?:b|d)", "(b|d)", "(?:b|d|e|f)", "(?:bb)", "(?:(?s:.))", "((?s:.))", "(?:b\\w*?)", "(?:b[^c]*?)", "(?:b\\d+)", "(?:\\w+ )", "(?:\\S+\\s)", "(?:b\\d?)", "(?:b\\d{1,3})", "(?:b\\d{2})", "(?:b[0-9]{1,2})", "(?:b|(d))", "(?:(?:b)+c)"} {
			unit := "b"
			switch g {
			case "(?:bb)":
				unit = "bb"
			case "(?:b\\d+)", "(?:b\\d{1,3})", "(?:b[0-9]{1,2})":
				unit = "b1"
			case "(?:b\\d{2})":
				unit = "b11"
			case "(?:\\w+ )", "(?:\\S+\\s)":
				unit = "b "
			case "(?:(?:b)+c)":
				unit = "bbc"
			}
			add("^a"+g+q+"c", "a", unit, "c", 0)
			add("a"+g+q+"c$", "xa", unit, "c", 0)
		}
	}
	// Lazy and greedy repeats of a group at the end and before lookarounds.
	add(`^a(?:b)*(?!\n)$`, "a", "b", "", 0)
	add(`^a(?:b)*?(?!\n)$`, "a", "b", "", 0)
	add(`^a(?:b)*(?=c)c$`, "a", "b", "c", 0)
	add(`^a(?:b)*(?<=b)c`, "a", "b", "c", 0)
	add(`^a(?:b)*\b c`, "a", "b", " c", 0)
	add(`^a(?:b)*c|z`, "a", "b", "c", 0)
	add(`^(?:x|a(?:b)*c)`, "a", "b", "c", 0)
	add(`^(a)(?:b)*\1`, "a", "b", "a", 0)
	add(`^a(b)*?\1c`, "a", "b", "bc", 0)
	add(`^a((?:b)*)c`, "a", "b", "c", 0)
	add(`^a(?:b)*?(c)`, "a", "b", "c", 0)
	add(`^a(?:(?:b)*?c)*d`, "a", "bbbbc", "d", 0)
	add(`^a(?:b(?:c)?)*d`, "a", "bc", "d", 0)
	add(`^a(?:b)?(?:c)*d`, "ab", "c", "d", 0)
	add(`^a(?:b)??(?:c)*?d`, "ab", "c", "d", 0)
	add(`(?:[a-z]+=\S+ )*end`, "", "key=value ", "end", 0)
	add(`^(?:\w+,)*\w+$`, "", "ab,", "cd", 0)
	add(`^(?:[^,]*,)*?x`, "", "ab,", "x", 0)
	// Caseless and UTF, as OSSEC compiles its patterns.
	add(`^A(?:B)*?C`, "a", "b", "c", Caseless|UTF)
	add(`^a(?:é)*c`, "a", "é", "c", UTF)
	add(`^a(?:.)*?c`, "a", "€", "c", UTF)
	// OSSEC's OS_Regex translations (osregex.Convert), and the issue's
	// decoder regex.
	add(`^req=([^ ]+?) url=([^ ]+?) body=((?s:.)*?)(?!\n)$`, "req=a url=b body=", "x", "", Caseless|UTF)
	add(`^req=([^ ]+?) url=([^ ]+?) body=((?s:.)*)(?!\n)$`, "req=a url=b body=", "x", "", Caseless|UTF)
	add(`^(?s:.)*?user ([^ ]+?)(?!\n)$`, "", "x", "user root", Caseless|UTF)
	add(`from ([^ ]+?) port [0-9]+?(?s:.)*?ssh2`, "from 1.2.3.4 port 22", "x", "ssh2", Caseless|UTF)
	add(`^([^ ]+?)(?s:.)*?(?s:.)+?end`, "ab", "x", "end", Caseless|UTF)
	add(`^(?s:.)+(?!\n)$`, "", "x", "", Caseless|UTF)
	add(`^[0-9]+?(?s:.)+?[A-Za-z0-9@_-]+?$`, "1x", "-", "a", Caseless|UTF)
	return fs
}

// randomJITFamilies generates n more families from a fixed seed: a group
// that matches one unit of text, built from literals, classes, escapes,
// runs (\w+, \S+?, [^ ]*), optional items, inner groups, captures and
// alternations, repeated with * *? + or +?, between fixed text, sometimes
// followed by OSSEC's (?!\n)$ or a lookahead. Families whose pattern does
// not match its subject or is not modelled are left out.
func randomJITFamilies(n int, seed int64) []jitFamily {
	rng := rand.New(rand.NewSource(seed))
	type piece struct{ pat, text string }
	pieces := []piece{
		{`b`, "b"}, {`[a-c]`, "b"}, {`\w`, "b"}, {`\S`, "b"}, {`.`, "b"}, {`[^ ]`, "b"},
		{`1`, "1"}, {`\d`, "1"}, {`[0-9]`, "1"}, {`\d+`, "12"}, {`\d*?`, "1"}, {`[0-9]{1,3}`, "12"},
		{` `, " "}, {`\s`, " "}, {`[ ]`, " "},
		{`=`, "="}, {`\W`, "="}, {`[=:]`, "="},
		{`\w+`, "ab"}, {`\w+?`, "ab"}, {`[a-z]*`, "ab"}, {`\S+?`, "ab"},
		{`z?`, ""}, {`z??`, ""}, {`(?:z)?`, ""}, {`(?:b|yy)`, "b"}, {`(b|yy)`, "b"}, {`(?:yy|b|xx)`, "b"},
		{`(?:b1)`, "b1"}, {`(b1)`, "b1"}, {`(?:(?:b)+)`, "bb"}, {`(?:b(?:1)?)`, "b1"},
	}
	type fixed struct{ pat, text string }
	heads := []fixed{{`^a`, "a"}, {`a`, "xa"}, {`^k=(\S+?) a`, "k=v a"}}
	tails := []string{`c`, `c$`, `c(?!\n)$`, `(?=c)c`, `\bc`}
	var fs []jitFamily
	for len(fs) < n {
		var g, unit strings.Builder
		for k := 1 + rng.Intn(3); k > 0; k-- {
			pc := pieces[rng.Intn(len(pieces))]
			g.WriteString(pc.pat)
			unit.WriteString(pc.text)
		}
		if unit.Len() == 0 {
			continue
		}
		if rng.Intn(4) == 0 {
			g.WriteString(`|yyy`)
		}
		open, close := []string{`(?:`, `(`, `(?:(?:`, `((?:`}[rng.Intn(4)], ")"
		if strings.Count(open, "(") == 2 {
			close = "))"
		}
		q := []string{`*`, `*?`, `+`, `+?`}[rng.Intn(4)]
		h := heads[rng.Intn(len(heads))]
		var flags Flags
		if rng.Intn(2) == 0 {
			flags = Caseless | UTF
		}
		f := jitFamily{pattern: h.pat + open + g.String() + close + q + tails[rng.Intn(len(tails))],
			flags: flags, pre: h.text, unit: unit.String(), suf: "c"}
		re, err := Compile(f.pattern, f.flags)
		if err != nil {
			continue
		}
		if _, _, known := re.JITStackMinLength(); !known {
			continue
		}
		if ov, _ := re.Exec(f.subject(3), nil); ov == nil {
			continue
		}
		if ov, err := re.Exec(f.subject(jitMaxN), nil); ov == nil && err != ErrJITStackLimit {
			continue
		}
		fs = append(fs, f)
	}
	return fs
}

func (f jitFamily) subject(n int) string { return f.pre + strings.Repeat(f.unit, n) + f.suf }

// jitMaxN is the most units a differential family is tried with.
const jitMaxN = 9000

// nativeThreshold is the smallest n at which the model says the stack is
// exhausted (binary search; -1: none up to jitMaxN).
func nativeThreshold(t *testing.T, re *Regexp, f jitFamily) int {
	ex := func(n int) bool {
		e, known := re.JITStackExhausted(f.subject(n))
		if !known {
			t.Fatalf("%s: the model cannot tell at n=%d (%s)", f.pattern, n, re.JITStackUnknown())
		}
		return e
	}
	if !ex(jitMaxN) {
		return -1
	}
	lo, hi := 0, jitMaxN
	for lo < hi {
		mid := (lo + hi) / 2
		if ex(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// realThresholds runs the same binary searches with pcre2test -jit, all
// families at once, one pcre2test process per step.
func realThresholds(t *testing.T, prog string, fs []jitFamily) []int {
	lo := make([]int, len(fs))
	hi := make([]int, len(fs))
	// probe runs every family at ns; want marks the ones whose answer is
	// used (the others are run at jitMaxN to keep the batch aligned).
	probe := func(ns []int, want []bool) []bool {
		cases := make([]pcre2test.Case, len(fs))
		for i, f := range fs {
			cases[i] = pcre2test.Case{Pattern: f.pattern, Caseless: f.flags&Caseless != 0, UTF: f.flags&UTF != 0,
				Subjects: []string{f.subject(ns[i])}, Modifiers: []string{"jit"}}
		}
		res, err := pcre2test.Run(prog, cases)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]bool, len(fs))
		for i, r := range res {
			if r.CompileError != "" || r.Skipped != "" {
				t.Fatalf("%s: pcre2test: %s%s", fs[i].pattern, r.CompileError, r.Skipped)
			}
			got := strings.Join(r.Subjects[0], "\n")
			out[i] = strings.Contains(got, "error -46")
			if want[i] && !out[i] && !strings.HasPrefix(got, " 0: ") {
				t.Errorf("%s: n=%d: pcre2test does not match: %s", fs[i].pattern, ns[i], got)
			}
		}
		return out
	}
	ns := make([]int, len(fs))
	all := make([]bool, len(fs))
	for i := range ns {
		ns[i], all[i] = jitMaxN, true
	}
	top := probe(ns, all)
	for i := range fs {
		lo[i], hi[i] = 0, jitMaxN
		if !top[i] {
			lo[i], hi[i] = -1, -1
		}
	}
	for {
		open := false
		want := make([]bool, len(fs))
		for i := range fs {
			ns[i] = jitMaxN
			if lo[i] < hi[i] {
				ns[i] = (lo[i] + hi[i]) / 2
				open, want[i] = true, true
			}
		}
		if !open {
			break
		}
		got := probe(ns, want)
		for i := range fs {
			if lo[i] >= hi[i] {
				continue
			}
			if got[i] {
				hi[i] = ns[i]
			} else {
				lo[i] = ns[i] + 1
			}
		}
	}
	return lo
}

// TestJITStackDifferential compares, for every family (the hand-written
// ones and 60 generated ones; RULETEST_JIT_FAMILIES=N generates N,
// RULETEST_JIT_SEED another set, -short none), the subject length
// at which PCRE2's JIT starts failing with error -46 (pcre2test -jit, whose
// default JIT stack is the library's 32 KiB, as OSSEC runs it) with the
// length at which the model says so.
func TestJITStackDifferential(t *testing.T) {
	prog := testenv.NeedPCRE2Test(t)
	fs := jitFamilies()
	nrand := 60
	if v := os.Getenv("RULETEST_JIT_FAMILIES"); v != "" {
		var err error
		if nrand, err = strconv.Atoi(v); err != nil {
			t.Fatalf("RULETEST_JIT_FAMILIES=%q: %v", v, err)
		}
	}
	if testing.Short() {
		nrand = 0
	}
	seed := int64(14)
	if v := os.Getenv("RULETEST_JIT_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			t.Fatalf("RULETEST_JIT_SEED=%q: %v", v, err)
		}
	}
	fs = append(fs, randomJITFamilies(nrand, seed)...)
	real := realThresholds(t, prog, fs)
	agree := 0
	for i, f := range fs {
		re, err := Compile(f.pattern, f.flags)
		if err != nil {
			t.Fatalf("%s: %v", f.pattern, err)
		}
		got := nativeThreshold(t, re, f)
		if got != real[i] {
			t.Errorf("%s (subject %q + %q*n + %q): -46 from n=%d in pcre2test -jit, n=%d in the model", f.pattern, f.pre, f.unit, f.suf, real[i], got)
			continue
		}
		agree++
		if got >= 0 {
			// The lower bound never exceeds the real threshold.
			if n, never, known := re.JITStackMinLength(); !known || never || n > len(f.subject(got)) {
				t.Errorf("%s: JITStackMinLength %d, %v, %v; the stack is exhausted at length %d", f.pattern, n, never, known, len(f.subject(got)))
			}
		}
	}
	t.Logf("%d of %d families agree on the length at which -46 starts", agree, len(fs))
}

// TestJITStackExec checks what Exec and MatchString answer around the
// threshold that pcre2test -jit gives for OSSEC's translation of the
// issue's decoder regex (recorded: 4,087 body bytes match, 4,088 give -46).
func TestJITStackExec(t *testing.T) {
	re := MustCompile(`^req=([^ ]+?) url=([^ ]+?) body=((?s:.)*?)(?!\n)$`, Caseless|UTF)
	ok := "req=a url=b body=" + strings.Repeat("x", 4087)
	lost := ok + "x"
	if ov, err := re.Exec(ok, nil); ov == nil || err != nil {
		t.Errorf("4,087 body bytes: %v, %v; want a match", ov, err)
	}
	if ov, err := re.Exec(lost, nil); ov != nil || err != ErrJITStackLimit {
		t.Errorf("4,088 body bytes: %v, %v; want no match, ErrJITStackLimit", ov, err)
	}
	if ov, err := re.Matcher().Exec(lost); ov != nil || err != ErrJITStackLimit {
		t.Errorf("Matcher, 4,088 body bytes: %v, %v; want no match, ErrJITStackLimit", ov, err)
	}
	if !re.MatchString(ok) || re.MatchString(lost) {
		t.Errorf("MatchString: %v at 4,087, %v at 4,088; want true, false", re.MatchString(ok), re.MatchString(lost))
	}
	if re.LostToJITStack(ok) || !re.LostToJITStack(lost) {
		t.Error("LostToJITStack disagrees with Exec")
	}
	// A line that does not match is not "lost" to the stack.
	if re.LostToJITStack("req=a url=b body " + strings.Repeat("x", 5000)) {
		t.Error("LostToJITStack on a line the pattern does not match")
	}
	if n, never, known := re.JITStackMinLength(); !known || never || n > len(lost) {
		t.Errorf("JITStackMinLength = %d, %v, %v; want a bound <= %d", n, never, known, len(lost))
	}
	// No repeated group: never; an unmodelled repeat: unknown.
	if _, never, known := MustCompile(`^(\S+) (.*?)$`, UTF).JITStackMinLength(); !never || !known {
		t.Error("a pattern without a repeated group can exhaust the stack?")
	}
	if _, _, known := MustCompile(`(?>ab)+c`, 0).JITStackMinLength(); known {
		t.Error("an atomic repeated group is modelled?")
	}
}
