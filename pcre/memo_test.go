package pcre

import (
	"errors"
	"math/rand"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/pcre2test"
)

// iisPattern is the stock decoder web-accesslog-iis-default's <pcre2>,
// the costliest stock pattern on a crafted line (found by differential
// testing against ossec-logtest: 15 s for one line without the memo).
const iisPattern = `(\S+ \S*) .* (\S+) \S*.* (\d{3}) \S+ \S+ \S+`

// searchWork runs one search on a fresh machine and returns its result
// and the work it did (steps run plus memo hits).
func searchWork(re *Regexp, s string) (ov []int, work int, err error) {
	m := re.newMachine()
	ok, err := m.search(s)
	if ok {
		ov = append([]int(nil), m.slots...)
	}
	return ov, m.work, err
}

// searchNoMemo is searchWork with the memo off.
func searchNoMemo(re *Regexp, s string) (ov []int, work int, err error) {
	m := re.newMachine()
	m.re = &Regexp{}
	*m.re = Regexp{pattern: re.pattern, flags: re.flags, prog: re.prog, ncap: re.ncap, nregs: re.nregs,
		utf: re.utf, checkUTF: re.checkUTF, pre: re.pre, matchLimit: re.matchLimit}
	ok, err := m.search(s)
	if ok {
		ov = append([]int(nil), m.slots...)
	}
	return ov, m.work, err
}

// TestMemoIISLine: the crafted IIS line of 800 "a " finishes in a bounded
// amount of work, with PCRE2's result.
func TestMemoIISLine(t *testing.T) {
	re := MustCompile(iisPattern, Caseless)
	s := strings.Repeat("a ", 800)
	ov, work, err := searchWork(re, s)
	if ov != nil || err != nil {
		// pcre2test (10.42, with and without JIT): no match. Without
		// the memo: ErrMatchLimit after 10^8 steps (the limit of all
		// start positions together, which the memo makes unnecessary).
		t.Errorf("Exec = %v, %v; want no match", ov, err)
	}
	if bound := 2000 * (len(s) + 1); work > bound {
		t.Errorf("work %d on %d bytes, want at most %d", work, len(s), bound)
	}
	t.Logf("%d bytes: work %d (%.0f per byte)", len(s), work, float64(work)/float64(len(s)))
	s += "200 1 2 3"
	ov, _, err = searchWork(re, s)
	if want := []int{0, 1609, 0, 3, 1596, 1597, 1600, 1603}; err != nil || !equalInts(ov, want) {
		t.Errorf("Exec = %v, %v; want %v", ov, err, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkWorstStock is the costliest stock pattern (IIS decoder) on the
// crafted line of 800 "a " (per byte: see MB/s).
func BenchmarkWorstStock(b *testing.B) {
	benchOne(b, iisPattern, Caseless, strings.Repeat("a ", 800))
}

// TestMemoSameAsWithout: with the memo on from the first step, random
// patterns (the differential tests' grammar, plus nested repeats) give the
// same ovector, error and step count as without it (and without the limit
// of all start positions together, which only applies without the memo).
func TestMemoSameAsWithout(t *testing.T) {
	old, oldFactor := memoAfter, totalLimitFactor
	memoAfter = 0
	defer func() { memoAfter, totalLimitFactor = old, oldFactor }()
	r := rand.New(rand.NewSource(7))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	extra := []string{`(a|ab)*c`, `(a+)+b`, `(?:a|b?)*c`, `((a?)b?)*$`, `(?>a*|b)+c`, `(?=(a+))a*b`, `(a*)*$`, `(?:(?!ab).)*b`, `(x?){2,5}y`, `(?:a?b?)*?$`}
	memoised := 0
	for i := 0; i < n; i++ {
		var pat string
		if i < len(extra) {
			pat = extra[i]
		} else {
			pat = randomPattern(r, 0)
		}
		flags := Flags(0)
		if r.Intn(2) == 0 {
			flags |= Caseless
		}
		if r.Intn(2) == 0 {
			flags |= UTF
		}
		re, err := Compile(pat, flags)
		if err != nil {
			continue
		}
		re.SetMatchLimit(5000)
		if re.memo != nil {
			memoised++
		}
		for k := 0; k < 6; k++ {
			var b strings.Builder
			for l := r.Intn(40); l > 0; l-- {
				b.WriteString([]string{"a", "b", "c", "A", "1", " ", "é", "k", "\n", "ab", "aa", "y", "x"}[r.Intn(13)])
			}
			s := b.String()
			m1 := re.newMachine()
			ok1, err1 := m1.search(s)
			ov1 := append([]int(nil), m1.slots...)
			totalLimitFactor = 1 << 20
			ov0, _, err0 := searchNoMemo(re, s)
			if !ok1 {
				ov1 = nil
			}
			m0 := re.newMachine()
			m0.re = &Regexp{}
			*m0.re = Regexp{pattern: re.pattern, flags: re.flags, prog: re.prog, ncap: re.ncap, nregs: re.nregs,
				utf: re.utf, checkUTF: re.checkUTF, pre: re.pre, matchLimit: re.matchLimit}
			m0.search(s)
			totalLimitFactor = oldFactor
			if !equalInts(ov0, ov1) || !errors.Is(err1, err0) || err0 == nil && (5000*(1<<20)-m0.total != 5000*oldFactor-m1.total || m0.steps != m1.steps) {
				// (On the match limit, a charged memo hit passes the
				// limit by more than one step: only the error is
				// compared.)
				t.Fatalf("%q flags %v on %q: with memo %v %v (steps %d, left %d), without %v %v (steps %d, left %d)",
					pat, flags, s, ov1, err1, m1.steps, m1.total, ov0, err0, m0.steps, m0.total)
			}
		}
	}
	t.Logf("%d patterns memoised", memoised)
}

// FuzzMatchWork: with the memo, no pattern without back references takes
// more than a bounded amount of work per subject byte: at most memoAfter
// steps per start position before the memo is on, then each (join point,
// position) state is explored once and a repeat gives back at most the
// subject length; 8·len(program)·(n+1)² bounds it for subjects of n bytes
// (the match limit is raised so that only the memo bounds the search).
func FuzzMatchWork(f *testing.F) {
	fuzzSeeds(f)
	f.Add(iisPattern, strings.Repeat("a ", 60), uint8(Caseless))
	f.Add(`(a+)+$`, strings.Repeat("a", 60)+"b", uint8(0))
	f.Add(`(?:(a|b|ab)*c|(?>x*)*y)`, strings.Repeat("ab", 40), uint8(0))
	f.Fuzz(func(t *testing.T, pattern, subject string, flags uint8) {
		if len(subject) > 300 || len(pattern) > 200 {
			return
		}
		re, err := Compile(pattern, Flags(flags)&(Caseless|UTF|NoUTFCheck|Multiline|DotAll))
		if err != nil {
			return
		}
		if re.memo == nil {
			return // back references: the match limit bounds the search
		}
		re.SetMatchLimit(1 << 40)
		ov, work, err := searchWork(re, subject)
		if err != nil && !errors.Is(err, ErrMatchLimit) && !errors.Is(err, ErrBadUTF) {
			t.Fatal(err)
		}
		checkOvector(t, re, subject, ov)
		n := len(subject) + 1
		if bound := 2*memoAfter*n + 8*len(re.prog)*n*n; work > bound {
			t.Fatalf("%q on %d bytes: work %d, bound %d", pattern, len(subject), work, bound)
		}
	})
}

// TestDiffCrafted runs patterns that backtrack polynomially on crafted
// long lines through pcre2test with JIT, as OSSEC runs them: with the memo
// (and without a limit of all start positions together) the results are
// PCRE2's.
func TestDiffCrafted(t *testing.T) {
	prog := pcre2testOrSkip(t)
	var subjects []string
	for _, k := range []int{10, 100, 400, 800, 1500} {
		subjects = append(subjects,
			strings.Repeat("a ", k),
			strings.Repeat("a ", k)+"200 1 2 3",
			"a a b c d e 200 1 2 3"+strings.Repeat(" x", k),
			"x"+strings.Repeat(" ", k)+"y 404 1 2",
			strings.Repeat("ab ", k)+"12",
			strings.Repeat("1 22 333 ", k/3+1),
		)
	}
	patterns := []string{
		iisPattern,
		`^(\S+) (\S+) .* (\S+) .*(\d+)$`,
		`.*a.*b.*c.*d`,
		`(\S+) .*(\d{3}) .*(\d+) (\S+)$`,
		`(?:a |b )*\d{2}$`,
		`(a|ab)* (\d+)`,
	}
	var cases []pcre2test.Case
	for _, p := range patterns {
		mods := []string{"jit"}
		if strings.HasPrefix(p, "(") && strings.Contains(p, ")*") {
			// A group repeated hundreds of times exhausts PCRE2's
			// default JIT stack (32 KiB, which OSSEC uses: error -46,
			// no match); compare with the interpreter instead.
			mods = nil
		}
		cases = append(cases, pcre2test.Case{Pattern: p, Caseless: true, Subjects: subjects, Modifiers: mods})
	}
	d := compare(t, prog, cases)
	d.report(t, "crafted lines (PCRE2 JIT)")
}
