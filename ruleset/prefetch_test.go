package ruleset

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ossecxml"
)

// TestPrefetchPatterns: the prefetch compiles the patterns the loader
// will compile: a pattern element repeated under one parent (in any
// case) is one pattern, their texts concatenated, and the same element
// under another parent, a child element between them included, is
// another.
func TestPrefetchPatterns(t *testing.T) {
	usePatternCache(t, "") // every pattern unknown
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	f := newFixture(t)
	var dec strings.Builder
	for i := range minParallelPatterns {
		fmt.Fprintf(&dec, "<decoder name=\"d%d\">\n  <prematch>^d%d </prematch>\n</decoder>\n", i, i)
	}
	rules := `<group name="g,">
  <rule id="100" level="3">
    <match>a</match>
    <MATCH>b</MATCH>
    <x><match>z</match><match>w</match></x>
    <match>c</match>
    <regex>^r1</regex>
  </rule>
  <rule id="101" level="3">
    <match>e</match>
    <regex>^r2</regex>
    <regex>$</regex>
  </rule>
</group>
`
	p := &prefetch{}
	p.run([]string{f.file("d.xml", dec.String()), f.file("r.xml", rules)}, 1)
	for _, want := range []patKey{
		{osregex.KindRegex, "^d0 "}, {osregex.KindRegex, fmt.Sprintf("^d%d ", minParallelPatterns-1)},
		{osregex.KindMatch, "abc"}, {osregex.KindMatch, "zw"}, {osregex.KindRegex, "^r1"},
		{osregex.KindMatch, "e"}, {osregex.KindRegex, "^r2$"},
	} {
		if p.pattern(want.kind, want.pattern, flagsFor(want.kind)) == nil {
			t.Errorf("%s %q not prefetched", want.kind, want.pattern)
		}
	}
	for _, not := range []patKey{{osregex.KindMatch, "a"}, {osregex.KindMatch, "ab"}, {osregex.KindMatch, "z"}, {osregex.KindRegex, "^r2"}} {
		if p.pattern(not.kind, not.pattern, flagsFor(not.kind)) != nil {
			t.Errorf("%s %q prefetched: no element has it alone", not.kind, not.pattern)
		}
	}
	if len(p.pats) != minParallelPatterns+5 {
		t.Errorf("%d patterns prefetched, want %d", len(p.pats), minParallelPatterns+5)
	}
}

// TestPrefetchReadTooLarge: the prefetch does not read a file larger
// than ossecxml takes (the limit lowered here), which the loader then
// refuses unread; it reads the others.
func TestPrefetchReadTooLarge(t *testing.T) {
	usePatternCache(t, "") // every pattern unknown: the prefetch reads
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	f := newFixture(t)
	small := f.file("small.xml", rootRule)
	big := f.file("big.xml", rootRule)
	// Sparse: its size says too large, and it takes no disk.
	if err := os.Truncate(big, ossecxml.MaxFileSize+1); err != nil {
		t.Skipf("cannot make a file of %d bytes here: %v", ossecxml.MaxFileSize+1, err)
	}
	var p prefetch
	p.run([]string{big, small}, 0)
	if p.doc(big) != nil {
		t.Errorf("%s (%d bytes, limit %d) was read", big, ossecxml.MaxFileSize+1, ossecxml.MaxFileSize)
	}
	if p.doc(small) == nil {
		t.Errorf("%s was not read", small)
	}
}
