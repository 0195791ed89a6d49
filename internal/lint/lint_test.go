package lint_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/lint"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

var wantRE = regexp.MustCompile(`<!-- want (\S+) -->`)

// wants reads the "<!-- want CODE -->" comments of files: the findings
// expected on each line.
func wants(t *testing.T, files []string) []string {
	var out []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for n := 1; sc.Scan(); n++ {
			for _, m := range wantRE.FindAllStringSubmatch(sc.Text(), -1) {
				out = append(out, fmt.Sprintf("%s:%d: %s", filepath.Base(f), n, m[1]))
			}
		}
		fh.Close()
	}
	sort.Strings(out)
	return out
}

// TestTraps lints testdata/traps (a rules repository on the stock
// ruleset): every finding must be on a line that says it wants that code,
// and every such line must get it.
func TestTraps(t *testing.T) {
	base := testenv.StockRuleset(t)
	repo := "testdata/traps"
	files, _ := filepath.Glob(filepath.Join(repo, "*", "*.xml"))
	src, err := harness.Sources(base, repo)
	if err != nil {
		t.Fatal(err)
	}
	rs, _, err := harness.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range lint.Check(rs, files) {
		got = append(got, fmt.Sprintf("%s:%d: %s", filepath.Base(f.Pos.File), f.Pos.Line, f.Code))
		if f.Pos.Col < 1 {
			t.Errorf("%s: no column", f)
		}
	}
	sort.Strings(got)
	if d := cmp.Diff(wants(t, files), got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	for c := range lint.Codes {
		found := false
		for _, g := range got {
			found = found || regexp.MustCompile(`: `+regexp.QuoteMeta(string(c))+`$`).MatchString(g)
		}
		if !found {
			t.Errorf("code %s has no trap in testdata/traps", c)
		}
	}
}

// stockFindings are the reviewed findings on the stock 4.3.0 ruleset
// (see the package documentation): none.
var stockFindings []string

// TestStock lints the stock ruleset's own rule and decoder files: no
// finding beyond the reviewed list.
func TestStock(t *testing.T) {
	base := testenv.StockRuleset(t)
	files, _ := filepath.Glob(filepath.Join(base, "rules", "*.xml"))
	files = append(files, filepath.Join(base, "etc", "decoder.xml"))
	src, err := harness.Sources(base, "")
	if err != nil {
		t.Fatal(err)
	}
	rs, _, err := harness.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range lint.Check(rs, files) {
		rel, _ := filepath.Rel(base, f.Pos.File)
		got = append(got, fmt.Sprintf("%s:%d:%d %s", rel, f.Pos.Line, f.Pos.Col, f.Code))
	}
	if d := cmp.Diff(stockFindings, got); d != "" {
		t.Errorf("findings on the stock ruleset (-reviewed +got):\n%s", d)
	}
}
