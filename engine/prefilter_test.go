package engine

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

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
	rs, err := ruleset.Load(ruleset.Sources{Base: "../../shared/ossec-ruleset-4.3.0"})
	if err != nil {
		t.Skipf("stock ruleset: %v", err)
	}
	var lines []string
	for _, f := range []string{"ossec-testing.jsonl", "logtesting.jsonl"} {
		data, err := os.ReadFile("../../shared/conformance/" + f)
		if err != nil {
			t.Skipf("conformance data: %v", err)
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
		pats = append(pats, r.Match, r.MatchPCRE2, r.Regex, r.PCRE2)
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
