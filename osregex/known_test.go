package osregex

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestCompileKnownStock: every stock pattern made by CompileKnown from the
// facts of its Compile answers as the compiled one does (facts, first
// bytes, literals, JIT stack, and Match and Exec on the conformance lines),
// and builds its program only on its first match.
func TestCompileKnownStock(t *testing.T) {
	pats, subjects := stock(t)
	if len(subjects) > 200 {
		subjects = subjects[:200]
	}
	lazy := 0
	for _, p := range pats {
		flags := Flags(0)
		if p.kind == KindPCRE2 && p.caseless {
			flags = Caseless
		} else if p.kind != KindPCRE2 && !p.caseless {
			flags = CaseSensitive
		}
		k, err := CompileKnown(p.kind, p.source, flags, p.Facts(), func(err error) {
			t.Errorf("right facts found wrong: %v", err)
		})
		if err != nil {
			t.Fatalf("%s %q: CompileKnown: %v", p.kind, p.source, err)
		}
		if k.lazy != nil {
			lazy++
			if k.re != nil {
				t.Fatalf("%q: program built before its first match", p.source)
			}
		}
		if k.Facts() != p.Facts() {
			t.Fatalf("%q: facts %+v, want %+v", p.source, k.Facts(), p.Facts())
		}
		a, aok := k.FirstBytes()
		b, bok := p.FirstBytes()
		if aok != bok || (aok && *a != *b) {
			t.Fatalf("%q: FirstBytes differ", p.source)
		}
		if s1, s2 := k.String(), p.String(); s1 != s2 {
			t.Fatalf("String %q, want %q", s1, s2)
		}
		r1, ok1 := k.PCRE2()
		r2, ok2 := p.PCRE2()
		if r1 != r2 || ok1 != ok2 {
			t.Fatalf("%q: PCRE2 %q %v, want %q %v", p.source, r1, ok1, r2, ok2)
		}
		if (k.Literals() == nil) != (p.Literals() == nil) {
			t.Fatalf("%q: Literals differ", p.source)
		}
		for _, s := range subjects {
			if k.Match(s) != p.Match(s) {
				t.Fatalf("%q on %q: Match differs", p.source, s)
			}
			e1, sub1, ok1 := k.Exec(s, nil)
			e2, sub2, ok2 := p.Exec(s, nil)
			if e1 != e2 || ok1 != ok2 || !slices.Equal(sub1, sub2) {
				t.Fatalf("%q on %q: Exec differs", p.source, s)
			}
			if k.JITStackLimited(s) != p.JITStackLimited(s) {
				t.Fatalf("%q on %q: JITStackLimited differs", p.source, s)
			}
		}
		if k.NumCaptures() != p.NumCaptures() {
			t.Fatalf("%q: NumCaptures differs", p.source)
		}
	}
	if lazy < len(pats)/2 {
		t.Errorf("%d of %d stock patterns deferred their program, want most", lazy, len(pats))
	}
}

// TestCompileKnownRefuses: the cheap checks still run (a pattern OSSEC
// refuses before PCRE2 sees it is refused whatever the facts).
func TestCompileKnownRefuses(t *testing.T) {
	for _, c := range []struct {
		kind Kind
		pat  string
	}{{KindRegex, ""}, {KindPCRE2, ""}, {KindRegex, `\y`}} {
		if _, err := CompileKnown(c.kind, c.pat, 0, Facts{}, nil); err == nil {
			t.Errorf("%s %q: CompileKnown accepted it", c.kind, c.pat)
		}
	}
}

// TestCompileKnownConcurrent: a pattern made by CompileKnown may have its
// first match in several goroutines at once (run with -race: CI does).
func TestCompileKnownConcurrent(t *testing.T) {
	p, err := Compile(KindRegex, `^Failed (\S+) for (\S+) from (\S+)`, 0)
	if err != nil {
		t.Fatal(err)
	}
	k, err := CompileKnown(KindRegex, `^Failed (\S+) for (\S+) from (\S+)`, 0, p.Facts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const line = "Failed password for root from 10.0.0.1 port 22"
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, subs, ok := k.Exec(line, nil); !ok || len(subs) != 3 || subs[2] != "10.0.0.1" {
				t.Errorf("Exec = %q %v", subs, ok)
			}
		})
	}
	wg.Wait()
}

// TestCompileKnownWrong: facts that compiling the pattern contradicts (a
// cache file made by hand) are told once, on the first match, and never
// panic: a pattern that does not compile matches nothing, one with other
// facts matches as compiled.
func TestCompileKnownWrong(t *testing.T) {
	var told []error
	wrong := func(err error) { told = append(told, err) }

	bad, err := CompileKnown(KindPCRE2, `a(b`, 0, Facts{JITNever: true, JITKnown: true}, wrong)
	if err != nil {
		t.Fatalf("CompileKnown(a(b): %v, want the check left to the first match", err)
	}
	for range 2 {
		if bad.Match("a(b") || bad.Match("ab") {
			t.Errorf("a pattern that does not compile matched")
		}
		if _, _, ok := bad.Exec("ab", nil); ok {
			t.Errorf("a pattern that does not compile matched in Exec")
		}
	}
	if len(told) != 1 || !strings.Contains(told[0].Error(), "does not compile") || !strings.Contains(told[0].Error(), `"a(b"`) {
		t.Fatalf("told %v, want once that a(b does not compile", told)
	}

	told = nil
	const pat = `^Failed (\S+) for (\S+) from (\S+)`
	right, err := Compile(KindRegex, pat, 0)
	if err != nil {
		t.Fatal(err)
	}
	forged := right.Facts()
	forged.JITMin, forged.JITNever, forged.JITKnown = 1, false, true
	k, err := CompileKnown(KindRegex, pat, 0, forged, wrong)
	if err != nil {
		t.Fatal(err)
	}
	const line = "Failed password for root from 10.0.0.1 port 22"
	if _, subs, ok := k.Exec(line, nil); !ok || len(subs) != 3 || subs[2] != "10.0.0.1" {
		t.Errorf("Exec = %q %v, want the compiled pattern's match", subs, ok)
	}
	k.Match(line)
	if len(told) != 1 || !strings.Contains(told[0].Error(), "compiling it tells") {
		t.Fatalf("told %v, want once that the facts are not the pattern's", told)
	}
}

// TestCompileKnownWrongFirst: a forged first-byte set (a caller skips the
// pattern on subjects whose first byte is not in it) is checked before
// FirstBytes gives it, and the program's own set given instead.
func TestCompileKnownWrongFirst(t *testing.T) {
	const pat = `^F\x{61}iled password`
	right, err := Compile(KindPCRE2, pat, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, ok := right.FirstBytes()
	if !ok || !want['F'] {
		t.Fatalf("FirstBytes of %q = %v %v, want a set with F", pat, ok, want)
	}
	forged := right.Facts()
	forged.First = [4]uint64{}
	var told []error
	k, err := CompileKnown(KindPCRE2, pat, 0, forged, func(err error) { told = append(told, err) })
	if err != nil {
		t.Fatal(err)
	}
	got, ok := k.FirstBytes()
	if !ok || *got != *want {
		t.Errorf("FirstBytes with a forged set = %v, want the program's", ok)
	}
	if len(told) != 1 {
		t.Errorf("told %v, want once that the facts are wrong", told)
	}
}

// TestCompileKnownSharedFacts: patterns given equal facts share one copy
// of them, and a pattern for which they are wrong is found out alone: the
// one for which they are right keeps them and is not reported.
func TestCompileKnownSharedFacts(t *testing.T) {
	const pat = `^Accepted \S+ for (\S+)`
	right, err := Compile(KindRegex, pat, 0)
	if err != nil {
		t.Fatal(err)
	}
	facts := right.Facts()
	var told []string
	wrong := func(err error) { told = append(told, err.Error()) }
	a, err := CompileKnown(KindRegex, pat, 0, facts, wrong)
	if err != nil {
		t.Fatal(err)
	}
	// The same facts given to a pattern whose program starts otherwise.
	b, err := CompileKnown(KindRegex, `^Failed \S+ for (\S+)`, 0, facts, wrong)
	if err != nil {
		t.Fatal(err)
	}
	if a.lazy.facts != b.lazy.facts {
		t.Errorf("equal facts are not shared")
	}
	if !b.Match("Failed password for root") {
		t.Errorf("the pattern given wrong facts does not match with its own program")
	}
	if len(told) != 1 || !strings.Contains(told[0], "Failed") {
		t.Fatalf("told %q, want once about the Failed pattern", told)
	}
	if !a.Match("Accepted password for root") || a.Facts() != facts {
		t.Errorf("the pattern given its own facts: match or facts changed")
	}
	if set, ok := a.FirstBytes(); !ok || !set['A'] || set['F'] {
		t.Errorf("FirstBytes of the right pattern = %v %v, want its own set {A, a}", set, ok)
	}
	if set, ok := b.FirstBytes(); !ok || !set['F'] {
		t.Errorf("FirstBytes of the wrong pattern = %v %v, want the program's set with F", set, ok)
	}
	if len(told) != 1 {
		t.Errorf("told %q, want once", told)
	}
}
