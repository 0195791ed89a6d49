package osregex

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ossec-ruletest/ossec-ruletest/internal/pcre2test"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/pcre"
)

// osRegexCorpus are OS_Regex patterns in the style of OSSEC decoders and
// rules, beyond the few of the stock ruleset.
var osRegexCorpus = []string{
	`^(\S+) \S+ \S+ [\S+ \S+] "\w+ (\S+) HTTP\S+" (\d+) `,
	`^\S+ \S+ \S+ [\S+ \S+] "(\w+) (\S+) \S+" (\d+) `,
	`^Failed \S+ for invalid user (\S+) from (\S+) port (\d+) `,
	`^Failed \S+ for (\S+) from (\S+) port (\d+) `,
	`^Accepted \S+ for (\S+) from (\S+) port (\d+) `,
	`^\S+ \S+ \S+ \S+ (\S+) (\S+) (\d+) `,
	`from (\S+) port (\d+)`,
	`user=(\S+) rhost=(\S+)`,
	`rhost=(\S+)\s+user=(\S+)`,
	`^(\w+): (\S+)$`,
	`(\d+.\d+.\d+.\d+)`,
	`SRC=(\S+) DST=(\S+) \.+ PROTO=(\w+) SPT=(\d+) DPT=(\d+)`,
	`^\s*(\S+)\s+(\S+)\s*$`,
	`\.+ from (\S+)`,
	`^[(\d+)] (\w+)`,
	`\p+(\w+)\p+`,
	`^(\w+) \w+ (\d+):(\d+):(\d+) `,
	`\((\S+)\)`,
	`^\S+ (\S+) \S+ \.* (\S+)$`,
	`(\W+)(\D+)`,
	`x\t(\S+)|y(\d*)`,
	`^\d\d\d\d-\d\d-\d\d`,
	`\.*user\.*`,
	`^\w+\.\w+ `,
	`error|warning|fail`,
	`(\S+)@(\S+)`,
	`"(\S+)"`,
	`'(\S+)'`,
	`: (\.+)$`,
}

// TestDiffConverted runs the PCRE2 translation of OS_Regex and OS_Match
// patterns (UTF, caseless, as OSSEC compiles them) through pcre2test and
// through package pcre. With PCRE2TEST_FULL=1 every pattern meets every
// subject.
func TestDiffConverted(t *testing.T) {
	prog := testenv.NeedPCRE2Test(t)
	if testing.Short() {
		t.Skip("-short: the differential test of converted patterns is skipped")
	}
	type pat struct {
		kind Kind
		text string
	}
	var pats []pat
	for _, s := range osRegexCorpus {
		pats = append(pats, pat{KindRegex, s})
	}
	subjects := []string{"a aa11 ", "snort: [1:469:3] ICMP PING NMAP [Classification: Attempted Information Leak] [Priority: 2]: {ICMP} 10.4.12.26 -> 10.4.10.231", "x\ty", "é user=ÉTÉ rhost=k\u212a", "line\n"}
	if rdir := testenv.StockRulesetIfAny(t); rdir != "" {
		all, err := pcre2test.RulesetPatterns(rdir)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range all {
			switch {
			case p.IsPCRE2():
			case p.Element == "regex" || p.Element == "prematch":
				pats = append(pats, pat{KindRegex, p.Text})
			default:
				pats = append(pats, pat{KindMatch, p.Text})
			}
		}
	}
	if cdir := testenv.ConformanceIfAny(t); cdir != "" {
		more, err := pcre2test.Subjects(cdir)
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, more...)
	}
	var valid []string
	invalid := 0
	for _, s := range subjects {
		if s != "" {
			valid = append(valid, s)
		}
		if !utf8.ValidString(s) {
			invalid++
		}
	}
	if invalid == 0 {
		valid = append(valid, "drop 172.16.0.\x87 192.168.1.1")
	}
	full := os.Getenv("PCRE2TEST_FULL") == "1"
	seen := map[string]bool{}
	var cases []pcre2test.Case
	for _, p := range pats {
		conv, err := Convert(p.kind, p.text)
		if err != nil || seen[conv] {
			continue
		}
		seen[conv] = true
		cases = append(cases, pcre2test.Case{Pattern: conv, Caseless: true, UTF: true, Subjects: pcre2test.Select(conv, valid, 60, full)})
	}
	res, err := pcre2test.Run(prog, cases)
	if err != nil {
		t.Fatal(err)
	}
	agree, total, failures := 0, 0, 0
	for i, c := range cases {
		r := res[i]
		if r.Skipped != "" {
			t.Logf("not expressible in pcre2test: %q: %s", c.Pattern, r.Skipped)
			continue
		}
		re, err := pcre.Compile(c.Pattern, pcre.UTF|pcre.Caseless)
		if (err != nil) != (r.CompileError != "") {
			t.Errorf("%q: pcre2test %q, pcre %v", c.Pattern, r.CompileError, err)
			continue
		}
		if err != nil {
			continue
		}
		for si, s := range c.Subjects {
			total++
			ov, err := re.Exec(s, nil)
			got := pcre2test.Render(s, ov, true)
			switch {
			case ov == nil && (err == nil || errors.Is(err, pcre.ErrBadUTF)) && len(r.Subjects[si]) == 1 && strings.Contains(r.Subjects[si][0], "UTF-8 error"):
				got = r.Subjects[si] // no match either way (pcre's prefilter may say so before checking UTF-8)
			case err != nil:
				got = []string{"Failed: error -47: match limit exceeded"}
			}
			if strings.Join(got, "\n") == strings.Join(r.Subjects[si], "\n") {
				agree++
				continue
			}
			if failures++; failures <= 20 {
				t.Errorf("%q on %q:\n  pcre2test: %s\n  pcre:      %s", c.Pattern, s, strings.Join(r.Subjects[si], " | "), strings.Join(got, " | "))
			}
		}
	}
	t.Logf("converted OS_Regex/OS_Match patterns: %d patterns, %d subjects, %d agree", len(cases), total, agree)
}
