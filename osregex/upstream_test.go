package osregex

import (
	"bufio"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The OSSEC source tree holds its own test data for os_regex: the examples'
// *.tests files and the tables of tests/test_os_regex.c. They are read at
// test time when the tree is present (OSSEC_SRC, see internal/testenv)
// and never copied into this repository.
func ossecSrc(t *testing.T) string {
	t.Helper()
	return testenv.OSSECSource(t)
}

// shellWord undoes the double quotes of a shell word as run.sh passes it:
// inside "...", a backslash escapes only $ ` " \ and newline.
func shellWord(s string) (string, int, bool) {
	s = strings.TrimLeft(s, " \t")
	if !strings.HasPrefix(s, `"`) {
		return "", 0, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), i + 1, true
		case c == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0:
			b.WriteByte(s[i+1])
			i++
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

func TestUpstreamExamples(t *testing.T) {
	dir := filepath.Join(ossecSrc(t), "os_regex", "examples", "tests")
	files := []struct {
		name string
		kind Kind
		want bool
	}{
		{"true.tests", KindMatch, true}, {"false.tests", KindMatch, false},
		{"true.tests", KindRegex, true}, {"false.tests", KindRegex, false},
		{"true.regex", KindRegex, true}, {"false.regex", KindRegex, false},
		{"str.regex", KindRegex, true},
	}
	n := 0
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		line := 0
		for sc.Scan() {
			line++
			text := sc.Text()
			if strings.TrimSpace(text) == "" {
				continue
			}
			pat, k, ok1 := shellWord(text)
			subj, _, ok2 := shellWord(text[k:])
			if !ok1 || !ok2 {
				t.Errorf("%s:%d: cannot read %q", path, line, text)
				continue
			}
			n++
			got := false
			if p, err := Compile(f.kind, pat, 0); err == nil {
				got = p.Match(subj)
			}
			if got != f.want {
				t.Errorf("%s:%d: %v %q on %q = %v, want %v", path, line, f.kind, pat, subj, got, f.want)
			}
		}
		fh.Close()
	}
	if n < 50 {
		t.Fatalf("only %d example lines read from %s", n, dir)
	}
}

// TestUpstreamUnitTests reads the string tables of tests/test_os_regex.c:
// OS_Match2, OS_Regex and OS_WordMatch expectations, and the substrings of
// test_regexextraction.
func TestUpstreamUnitTests(t *testing.T) {
	path := filepath.Join(ossecSrc(t), "tests", "test_os_regex.c")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("%s: %v", path, err)
	}
	src := string(data)
	type suite struct {
		name string
		run  func(row []string) (bool, string)
	}
	compileMatch := func(kind Kind, want bool) func(row []string) (bool, string) {
		return func(row []string) (bool, string) {
			got := false
			if p, err := Compile(kind, row[0], 0); err == nil {
				got = p.Match(row[1])
			}
			return got == want, "Match = " + strconv.FormatBool(got)
		}
	}
	word := func(want bool) func(row []string) (bool, string) {
		return func(row []string) (bool, string) {
			got := WordMatch(row[0], row[1])
			return got == want, "WordMatch = " + strconv.FormatBool(got)
		}
	}
	suites := []suite{
		{"test_success_match1", compileMatch(KindMatch, true)},
		{"test_fail_match1", compileMatch(KindMatch, false)},
		{"test_success_regex1", compileMatch(KindRegex, true)},
		{"test_fail_regex1", compileMatch(KindRegex, false)},
		{"test_success_wordmatch", word(true)},
		{"test_fail_wordmatch", word(false)},
		{"test_regexextraction", func(row []string) (bool, string) {
			p, err := Compile(KindRegex, row[0], 0)
			if err != nil {
				return false, err.Error()
			}
			_, subs, ok := p.Exec(row[1], nil)
			want := row[2:]
			return ok && strings.Join(subs, "\x00") == strings.Join(want, "\x00"), "subs = " + strconv.Quote(strings.Join(subs, "|"))
		}},
	}
	total := 0
	for _, s := range suites {
		rows := cTable(src, s.name)
		if len(rows) == 0 {
			t.Errorf("%s: no table found for %s", path, s.name)
			continue
		}
		for _, row := range rows {
			total++
			if ok, got := s.run(row.cells); !ok {
				t.Errorf("%s:%d: %s %q: %s", path, row.line, s.name, row.cells, got)
			}
		}
	}
	t.Logf("%d upstream unit-test rows checked", total)
}

type cRow struct {
	line  int
	cells []string
}

var cStringRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|NULL`)

// cTable returns the rows { "a", "b", ... } of the tests array in the
// START_TEST(name) block of src; empty trailing reference strings and NULLs
// are dropped.
func cTable(src, name string) []cRow {
	start := strings.Index(src, "START_TEST("+name+")")
	if start < 0 {
		return nil
	}
	end := strings.Index(src[start:], "END_TEST")
	block := src[start : start+end]
	base := strings.Count(src[:start], "\n") + 1
	var rows []cRow
	for i, l := range strings.Split(block, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "{") || !strings.Contains(l, `"`) {
			continue
		}
		var cells []string
		for _, m := range cStringRE.FindAllString(l, -1) {
			if m == "NULL" {
				break
			}
			s, err := strconv.Unquote(m)
			if err != nil {
				continue
			}
			cells = append(cells, s)
		}
		// The match and regex tables end with an empty "Ref" column.
		if name != "test_regexextraction" && len(cells) == 3 && cells[2] == "" {
			cells = cells[:2]
		}
		if len(cells) >= 2 {
			rows = append(rows, cRow{line: base + i, cells: cells})
		}
	}
	return rows
}
