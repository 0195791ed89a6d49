package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

func TestLoadData(t *testing.T) {
	dir := testenv.Conformance(t)
	counts := map[string]int{}
	for _, name := range []string{"ossec-testing.jsonl", "logtesting.jsonl", "sequences.jsonl"} {
		recs, err := LoadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		counts[name] = len(recs)
		for _, r := range recs {
			if r.ID == "" || r.Line == 0 {
				t.Errorf("%s: record without id or line", r.Where())
			}
			if r.NonUTF8 {
				if utf8.ValidString(r.Log) {
					t.Errorf("%s: non_utf8 record decoded to valid UTF-8", r.Where())
				}
				if r.Phase1 == nil || !strings.HasSuffix(r.Log, r.Phase1.Log) {
					t.Errorf("%s: phase1.log is not the tail of the raw input after restoring surrogate escapes", r.Where())
				}
			}
		}
	}
	want := map[string]int{"ossec-testing.jsonl": 264, "logtesting.jsonl": 44, "sequences.jsonl": 88}
	if d := cmp.Diff(want, counts); d != "" {
		t.Errorf("record counts (-want +got):\n%s", d)
	}
}

func TestParseRecordSurrogates(t *testing.T) {
	r, err := parseRecord([]byte(`{"id":"x","log":"a\udcf7\\udc80b","log_b64":"YfdcdWRjODBi","phase1":{"hostname":"h","program_name":null,"log":"\udcff"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Log != "a\xf7\\udc80b" {
		t.Errorf("Log = %q", r.Log)
	}
	if r.Phase1.Log != "\xff" {
		t.Errorf("Phase1.Log = %q", r.Phase1.Log)
	}
	if _, err := parseRecord([]byte(`{"id":"x","colour":"red"}`)); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown key: err = %v, want it named", err)
	}
}

func TestCompare(t *testing.T) {
	dec, rule, desc := "sshd", "5715", "Login."
	lv := 3
	rec := &Record{
		Phase1:  &Phase1{Hostname: "host", Log: "Accepted"},
		Decoder: &dec, Fields: map[string]string{"dstuser": "root"},
		Rule: &rule, Level: &lv, Description: &desc,
		Alert: true, Groups: []string{"syslog", " sshd"}, Mail: false,
	}
	res := engine.Result{
		Phase1:  engine.Phase1{FullEvent: "IN", Hostname: "host", Log: "Accepted"},
		Decoder: "sshd", Fields: []engine.Field{{Name: "dstuser", Value: "root"}},
		Rule:  &engine.RuleMatch{ID: 5715, Level: 3, Description: "Login.", Groups: []string{"syslog", " sshd"}},
		Alert: true,
	}
	if d := Compare(Expected(rec, "IN"), Observed(res)); len(d) != 0 {
		t.Fatalf("equal events differ: %+v", d)
	}
	res.Phase1.HasProgramName = true
	res.Rule.Groups = []string{"syslog", "sshd"}
	res.Mail = true // with the alert: printed
	var got []string
	for _, d := range Compare(Expected(rec, "IN"), Observed(res)) {
		got = append(got, d.Field)
	}
	if d := cmp.Diff([]string{"phase1.program_name", "groups", "mail"}, got); d != "" {
		t.Errorf("differing fields (-want +got):\n%s", d)
	}
	// Without an alert, -a prints neither groups nor mail.
	rec.Alert, rec.Groups = false, nil
	res.Alert = false
	res.Phase1.HasProgramName = false
	if d := Compare(Expected(rec, "IN"), Observed(res)); len(d) != 0 {
		t.Errorf("no alert: %+v", d)
	}
}

func TestLoadExceptions(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ex.txt")
	os.WriteFile(p, []byte("# comment\n\not/a.ini/L2 rule \"20100\" first time seen\nseq/x#3 fields {\"a\": \"b c\"} reason here\n"), 0o644)
	ex, err := LoadExceptions(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 2 || ex[0].ID != "ot/a.ini/L2" || string(ex[0].Native) != `"20100"` || ex[0].Reason != "first time seen" ||
		string(ex[1].Native) != `{"a": "b c"}` || ex[1].Reason != "reason here" || ex[1].Where != p+":4" {
		t.Errorf("exceptions = %+v", ex)
	}
	for in, want := range map[string]string{
		"x rule\n":                    "want ID FIELD NATIVE-JSON REASON",
		"x colour \"1\" r\n":          `unknown field "colour"`,
		"x rule 1 r\nx rule 2 r\n":    "repeats the exception at",
		"x rule {bad r\n":             "native value",
		"x rule \"1\" r\ny rule \"\"": "without a reason",
	} {
		os.WriteFile(p, []byte(in), 0o644)
		if _, err := LoadExceptions(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
}

func TestExceptionSet(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ex.txt")
	os.WriteFile(p, []byte("a rule \"5716\" pinned right\nb rule \"1\" pinned wrong\nc level 3 never needed\n"), 0o644)
	list, err := LoadExceptions(p)
	if err != nil {
		t.Fatal(err)
	}
	s := NewExceptionSet(list)
	ruleDiff := func(native string) []Diff {
		return []Diff{{Field: "rule", Want: "5720", Got: native}, {Field: "mail", Want: true, Got: false}}
	}
	failing, problems := s.Apply("a", ruleDiff("5716"))
	if len(failing) != 1 || failing[0].Field != "mail" || len(problems) != 0 {
		t.Errorf("a: failing %+v, problems %q", failing, problems)
	}
	failing, problems = s.Apply("b", ruleDiff("5716"))
	if len(failing) != 1 || len(problems) != 1 || !strings.Contains(problems[0], `pins the native value "1", the engine now gives "5716"`) {
		t.Errorf("b: failing %+v, problems %q", failing, problems)
	}
	if failing, _ := s.Apply("z", ruleDiff("5716")); len(failing) != 2 {
		t.Errorf("z: %d failing, want 2", len(failing))
	}
	unused := s.Unused()
	if len(unused) != 1 || !strings.Contains(unused[0], "exception c level no longer needed") || !strings.HasPrefix(unused[0], p+":3: ") {
		t.Errorf("unused = %q", unused)
	}
	if !s.Excepted("a", "rule") || s.Excepted("a", "mail") {
		t.Error("Excepted is wrong")
	}
}

// TestExceptionsFile checks that the repository's exceptions file loads.
func TestExceptionsFile(t *testing.T) {
	if _, err := LoadExceptions("exceptions.txt"); err != nil {
		t.Fatal(err)
	}
}

func TestCompareEmptyOutput(t *testing.T) {
	rec := &Record{EmptyOutput: true}
	if d := Compare(Expected(rec, "x"), Observed(engine.Result{Log: "x", Skipped: true})); len(d) != 0 {
		t.Errorf("skipped line: %+v", d)
	}
	got := Compare(Expected(rec, "x"), Observed(engine.Result{Log: "x", Phase1: engine.Phase1{FullEvent: "x", Hostname: "h", Log: "x"}}))
	if len(got) == 0 || got[0].Field != "empty_output" {
		t.Errorf("analysed line where OSSEC printed nothing: %+v", got)
	}
}
