package osregex

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/pcre2test"
)

func TestLiteralsDescribe(t *testing.T) {
	type br struct {
		start, end  bool
		lit, prefix string
		first       string // bytes of First, "" for nil
		also        string // Also, joined by "|"
	}
	for _, tt := range []struct {
		kind   Kind
		pat    string
		exact  bool
		fold   bool
		nilLit bool
		cmp    bool // run as a string comparison
		want   []br
	}{
		{kind: KindPCRE2, pat: `Failed password`, exact: true, fold: true, want: []br{{lit: "failed password"}}},
		{kind: KindPCRE2, pat: `^Accepted|^Failed \S+ |for invalid user$`, fold: true, want: []br{
			{start: true, prefix: "accepted"}, {start: true, prefix: "failed ", first: "Ff"}, {lit: "for invalid user"}}},
		{kind: KindPCRE2, pat: `^foo|bar$|^x$|`, exact: true, fold: true, want: []br{
			{start: true, lit: "foo"}, {end: true, lit: "bar"}, {start: true, end: true, lit: "x"}, {}}},
		{kind: KindPCRE2, pat: `File does not exist: |`, exact: true, fold: true, want: []br{{lit: "file does not exist: "}, {}}},
		{kind: KindPCRE2, pat: `user \S+ not found|user \S+ in realm .* not found`, fold: true, want: []br{
			{lit: " not found", also: "user "}, {lit: " in realm ", also: " not found|user "}}},
		{kind: KindPCRE2, pat: `^\d{4}-\d+ ab+c?d`, fold: true, want: []br{{start: true, lit: " ab", first: "0123456789", also: "-|d"}}},
		{kind: KindPCRE2, pat: `^[a-c]x`, fold: true, want: []br{{start: true, lit: "x", first: "ABCabc"}}},
		{kind: KindPCRE2, pat: `\.(?:exe|com) \[x\]`, fold: true, want: []br{{lit: " [x]", also: "."}}},
		{kind: KindPCRE2, pat: `abc`, exact: true, want: []br{{lit: "abc"}}},
		{kind: KindMatch, pat: `Foo|^Bar`, exact: true, fold: true, want: []br{{lit: "foo"}, {start: true, lit: "bar"}}},
		{kind: KindMatch, pat: `a.b(c)`, exact: true, fold: true, want: []br{{lit: "a.b(c)"}}},
		{kind: KindRegex, pat: `^Failed \S+ for`, fold: true, want: []br{{start: true, prefix: "failed ", lit: " for", first: "Ff"}}},
		// String comparisons.
		{kind: KindMatch, pat: `^ABC`, exact: true, fold: true, cmp: true, want: []br{{start: true, lit: "abc"}}},
		{kind: KindRegex, pat: `^ABC$`, exact: true, cmp: true, want: []br{{start: true, end: true, lit: "ABC"}}},
		{kind: KindPCRE2, pat: `abc: $`, exact: true, fold: true, cmp: true, want: []br{{end: true, lit: "abc: "}}},
		{kind: KindMatch, pat: ``, exact: true, fold: true, cmp: true, want: []br{{}}},
		// Nothing to say, or syntax left alone.
		{kind: KindPCRE2, pat: `\S+|foo`, nilLit: true},
		{kind: KindPCRE2, pat: `(?i)foo`, nilLit: true},
		{kind: KindPCRE2, pat: `\Qa|b\E`, nilLit: true},
		{kind: KindPCRE2, pat: `(a)\1`, nilLit: true},
		{kind: KindPCRE2, pat: `a{,3}`, nilLit: true},
		{kind: KindMatch, pat: "caf\u00e9|x", nilLit: true},
	} {
		flags := Flags(0)
		if tt.kind == KindPCRE2 && tt.fold {
			flags = Caseless
		}
		if tt.kind != KindPCRE2 && !tt.fold {
			flags = CaseSensitive
		}
		p, err := Compile(tt.kind, tt.pat, flags)
		if err != nil {
			t.Fatalf("%v %q: %v", tt.kind, tt.pat, err)
		}
		l := p.Literals()
		if tt.nilLit {
			if l != nil {
				t.Errorf("%v %q: Literals = %+v, want nil", tt.kind, tt.pat, *l)
			}
			continue
		}
		if l == nil {
			t.Errorf("%v %q: Literals = nil", tt.kind, tt.pat)
			continue
		}
		if l.Exact != tt.exact || l.Fold != tt.fold || l.UTF != (tt.kind != KindPCRE2 && !tt.cmp) || l.DollarEndOnly != tt.cmp {
			t.Errorf("%v %q: Exact %v Fold %v UTF %v DollarEndOnly %v", tt.kind, tt.pat, l.Exact, l.Fold, l.UTF, l.DollarEndOnly)
		}
		var got []br
		for _, b := range l.Branches {
			x := br{start: b.Start, end: b.End, lit: b.Lit, prefix: b.Prefix, also: strings.Join(b.Also, "|")}
			if b.First != nil {
				for c := 0; c < 256; c++ {
					if b.First[c] {
						x.first += string(rune(c))
					}
				}
			}
			got = append(got, x)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%v %q: branches %+v, want %+v", tt.kind, tt.pat, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%v %q: branch %d = %+v, want %+v", tt.kind, tt.pat, i, got[i], tt.want[i])
			}
		}
	}
}

// checkLiterals compares l with p.Match on s: equal for an exact
// description, never false where Match is true otherwise.
func checkLiterals(t testing.TB, p *Pattern, l *Literals, s string) {
	t.Helper()
	if l.UTF && hasHighByte(cstring(s)) {
		return
	}
	got, want := l.Holds(s), p.Match(s)
	if l.Exact && got != want || !l.Exact && want && !got {
		t.Fatalf("%v %q (exact %v) on %q: literals say %v, Match %v", p.Kind(), p.String(), l.Exact, s, got, want)
	}
}

func hasHighByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// mutate returns variants of s that stress the literal checks: case
// changes, non-ASCII bytes (UTF-8 and not), NUL, newlines, cuts.
func mutate(r *rand.Rand, s string) string {
	b := []byte(s)
	for n := r.Intn(4); n > 0 && len(b) > 0; n-- {
		i := r.Intn(len(b))
		switch r.Intn(9) {
		case 0:
			b[i] ^= 0x20
		case 1:
			b = append(b[:i], append([]byte("\u212a\u017f"), b[i:]...)...)
		case 2:
			b[i] = byte(0x80 + r.Intn(128))
		case 3:
			b = append(b[:i], append([]byte{0}, b[i:]...)...)
		case 4:
			b = append(b, '\n')
		case 5:
			b = b[i:]
		case 6:
			b = b[:i]
		case 7:
			b = []byte(strings.ToUpper(string(b)))
		case 8:
			b = append(b[:i], append([]byte("\xc3"), b[i:]...)...)
		}
	}
	return string(b)
}

// TestLiteralsStock checks the description of every stock pattern against
// Match on every conformance subject and mutations of them.
func TestLiteralsStock(t *testing.T) {
	pats, subjects := pcre2test.Stock(t)
	r := rand.New(rand.NewSource(1))
	var extra []string
	for _, s := range subjects {
		extra = append(extra, mutate(r, s))
	}
	seen := map[string]bool{}
	described, exact := 0, 0
	for _, sp := range pats {
		kind, flags := KindMatch, Flags(0)
		switch {
		case sp.IsPCRE2():
			kind, flags = KindPCRE2, Caseless
		case sp.Element == "regex" || sp.Element == "prematch":
			kind = KindRegex
		}
		key := kind.String() + "\x00" + sp.Text
		if seen[key] {
			continue
		}
		seen[key] = true
		p, err := Compile(kind, sp.Text, flags)
		if err != nil {
			continue
		}
		l := p.Literals()
		if l == nil {
			continue
		}
		described++
		if l.Exact {
			exact++
		}
		// The pattern's own literals, in other cases, as subjects too.
		own := []string{sp.Text, strings.ToUpper(sp.Text), "x " + sp.Text + "\n"}
		for _, b := range l.Branches {
			all := b.Lit + " " + strings.Join(b.Also, " ")
			own = append(own, b.Lit, b.Prefix+b.Lit, b.Prefix+" "+all+"\n", strings.ToUpper(b.Prefix+all))
		}
		for _, set := range [][]string{subjects, extra, own} {
			for _, s := range set {
				checkLiterals(t, p, l, s)
			}
		}
	}
	t.Logf("%d distinct patterns, %d described, %d exact; %d subjects", len(seen), described, exact, len(subjects))
	if described < len(seen)/2 || exact < 100 {
		t.Errorf("only %d of %d patterns described (%d exact)", described, len(seen), exact)
	}
}

// FuzzLiterals: for any pattern and subject, an exact description agrees
// with Match and a non-exact one never rules out a match.
func FuzzLiterals(f *testing.F) {
	f.Add(`^Failed \S+ |for invalid user$`, "Failed password for invalid user", uint8(KindPCRE2), uint8(Caseless))
	f.Add(`foo|^bar$|`, "BAR\n", uint8(KindPCRE2), uint8(Caseless))
	f.Add(`Kelvin|^s`, "\u212aelvin \u017f", uint8(KindMatch), uint8(0))
	f.Add(`^[^a-c]x\d+\.y`, "Dx12.Y", uint8(KindPCRE2), uint8(0))
	f.Add(`a\wb+?(?:c|d)e{2,}f`, "aXbbdeeef", uint8(KindRegex), uint8(0))
	f.Add(`^\[\S+\] x$`, "[a] x", uint8(KindMatch), uint8(CaseSensitive))
	// Anchored branches with classes at their first positions
	// (LitBranch.Classes): fixed counts, a repeat that ends them, case.
	f.Add(`^\[\d\d\d\d-\d\d-`, "[2024-01-02", uint8(KindRegex), uint8(0))
	f.Add(`^a{2}\s[^x]+y`, "aa\tzzy", uint8(KindPCRE2), uint8(0))
	f.Add(`^AB\d[c-e]`, "ab1D", uint8(KindPCRE2), uint8(Caseless))
	f.Fuzz(func(t *testing.T, pattern, subject string, kind, flags uint8) {
		p, err := Compile(fuzzKind(kind), pattern, Flags(flags)&(CaseSensitive|Caseless))
		if err != nil {
			return
		}
		l := p.Literals()
		if l == nil {
			return
		}
		checkLiterals(t, p, l, subject)
		for _, b := range l.Branches {
			checkLiterals(t, p, l, b.Prefix+b.Lit)
			checkLiterals(t, p, l, subject+b.Lit)
		}
	})
}
