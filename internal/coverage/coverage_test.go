package coverage

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
)

func TestCoverage(t *testing.T) {
	repo, err := filepath.Abs("testdata/repo")
	if err != nil {
		t.Fatal(err)
	}
	native := harness.NewNative("manager")
	c := New()
	cfg := &harness.Config{Backend: c.Backend(native), Repo: repo, Asserted: c.Asserted}
	files, _ := filepath.Glob("testdata/cases/*.txtar")
	for _, r := range harness.RunFiles(cfg, files, false) {
		if r.Status != harness.Passed {
			t.Fatalf("case %s: %s\n%s", r.File, r.Status, r.Log)
		}
	}
	src, err := harness.Sources("", repo)
	if err != nil {
		t.Fatal(err)
	}
	rs, _, err := harness.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	inRepo := func(f string) bool { return strings.HasPrefix(f, repo+string(filepath.Separator)) }
	rep := c.Report(rs, inRepo, repo+"/", Requirements{Min: 90, RequireNegative: true})

	type row struct {
		ID       int
		Matched  int
		Positive []string
		Negative []string
	}
	var got []row
	for _, r := range rep.Rules {
		got = append(got, row{r.ID, r.Matched, r.Positive, r.Negative})
	}
	bad, neg, ok := "testdata/cases/bad.txtar", "testdata/cases/neg.txtar", "testdata/cases/ok.txtar"
	want := []row{
		{100, 3, []string{bad, neg, ok}, []string{}},
		{101, 1, []string{ok}, []string{neg}},
		{102, 1, []string{bad}, []string{neg, ok}},
		{103, 0, []string{}, []string{neg, ok}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rules mismatch (-want +got):\n%s", d)
	}
	wantDec := []Decoder{
		{Name: "verify", File: "decoders/verify.xml", Line: 1, Matched: 3},
		{Name: "verify-ok", File: "decoders/verify.xml", Line: 6, Matched: 1},
		{Name: "never", File: "decoders/verify.xml", Line: 13},
	}
	if d := cmp.Diff(wantDec, rep.Decoders); d != "" {
		t.Errorf("decoders mismatch (-want +got):\n%s", d)
	}
	wantTot := File{File: "total", Rules: 4, RulesCovered: 3, RulesNegative: 3, Decoders: 3, DecodersCovered: 2}
	if d := cmp.Diff(wantTot, rep.Totals); d != "" {
		t.Errorf("totals mismatch (-want +got):\n%s", d)
	}
	wantFail := []string{
		"rule coverage 75.0% is under 90.0%",
		"decoder coverage 66.7% is under 90.0%",
		"rules/verify.xml:2: rule 100 has no negative case (add a case asserting \"! rule 100\" on an event it must not fire on)",
	}
	if d := cmp.Diff(wantFail, rep.Failures); d != "" {
		t.Errorf("failures mismatch (-want +got):\n%s", d)
	}
}
