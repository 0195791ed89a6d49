package pcre2test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// Stock returns every pattern of the stock ruleset and the distinct log
// lines of the conformance recordings, the corpus of the differential tests
// and benchmarks; without them it skips tb, or fails it under CI=true
// (internal/testenv).
func Stock(tb testing.TB) ([]Pattern, []string) {
	tb.Helper()
	rdir, cdir := testenv.StockRuleset(tb), testenv.Conformance(tb)
	pats, err := RulesetPatterns(rdir)
	if err != nil {
		tb.Fatal(err)
	}
	subjects, err := Subjects(cdir)
	if err != nil {
		tb.Fatal(err)
	}
	return pats, subjects
}

// Pattern is a pattern found in the ruleset.
type Pattern struct {
	Element string // element name: pcre2, prematch_pcre2, regex, match, ...
	Text    string
	File    string // file:line
}

var elemRE = regexp.MustCompile(`<([a-z_0-9]+)(\s[^>]*)?>([^<]*)</([a-z_0-9]+)>`)

// RulesetPatterns returns every pattern element of the XML files under dir
// (etc/ and rules/), in file order.
func RulesetPatterns(dir string) ([]Pattern, error) {
	var files []string
	for _, sub := range []string{"etc", "rules"} {
		m, _ := filepath.Glob(filepath.Join(dir, sub, "*.xml"))
		files = append(files, m...)
	}
	sort.Strings(files)
	var out []Pattern
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		text := string(data)
		for _, m := range elemRE.FindAllStringSubmatchIndex(text, -1) {
			name := text[m[2]:m[3]]
			if name != text[m[8]:m[9]] || !isPatternElement(name) {
				continue
			}
			line := strings.Count(text[:m[0]], "\n") + 1
			out = append(out, Pattern{Element: name, Text: text[m[6]:m[7]], File: filepath.Base(f) + ":" + itoa(line)})
		}
	}
	return out, nil
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func isPatternElement(name string) bool {
	switch name {
	case "regex", "match", "prematch", "pcre2":
		return true
	}
	return strings.HasSuffix(name, "_pcre2") || name == "srcport" || name == "dstport" || name == "program_name" || name == "hostname" || name == "user" || name == "url" || name == "id" || name == "status" || name == "extra_data"
}

// IsPCRE2 reports whether the element holds a <pcre2> dialect pattern.
func (p Pattern) IsPCRE2() bool {
	return p.Element == "pcre2" || strings.HasSuffix(p.Element, "_pcre2")
}

// Subjects returns the distinct log lines of the conformance records (the
// input line and the part after the syslog header), sorted.
func Subjects(dir string) ([]string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	set := map[string]bool{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var r record
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				fh.Close()
				return nil, err
			}
			r.add(set)
			for _, it := range r.Sequence {
				it.add(set)
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	delete(set, "")
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

type record struct {
	Log    string `json:"log"`
	LogB64 string `json:"log_b64"`
	Phase1 *struct {
		Log string `json:"log"`
	} `json:"phase1"`
	NonUTF8  bool     `json:"non_utf8"`
	Sequence []record `json:"sequence"`
}

func (r record) add(set map[string]bool) {
	if r.LogB64 != "" {
		if b, err := base64.StdEncoding.DecodeString(r.LogB64); err == nil {
			set[string(b)] = true
		}
		return
	}
	set[r.Log] = true
	if r.Phase1 != nil && !r.NonUTF8 {
		set[r.Phase1.Log] = true
	}
}

var wordRE = regexp.MustCompile(`(?:^|[^\\])([A-Za-z0-9]{3,})`)

// Select picks the subjects to try a pattern on: those that contain one of
// the pattern's literal words (caseless), at most max of them, and a few
// others chosen by a hash of the pattern. all=true returns every subject.
func Select(pattern string, subjects []string, max int, all bool) []string {
	if all {
		return subjects
	}
	var words []string
	for _, m := range wordRE.FindAllStringSubmatch(pattern, -1) {
		words = append(words, strings.ToLower(m[1]))
	}
	var out []string
	seen := map[int]bool{}
	for i, s := range subjects {
		if len(out) >= max {
			break
		}
		ls := strings.ToLower(s)
		for _, w := range words {
			if strings.Contains(ls, w) {
				out = append(out, s)
				seen[i] = true
				break
			}
		}
	}
	h := fnv.New32a()
	h.Write([]byte(pattern))
	x := h.Sum32()
	for k := 0; k < 8 && len(subjects) > 0; k++ {
		x = x*1664525 + 1013904223
		i := int(x % uint32(len(subjects)))
		if !seen[i] {
			seen[i] = true
			out = append(out, subjects[i])
		}
	}
	return out
}
