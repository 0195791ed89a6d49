package initest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

const sample = `# a comment
; another
[SSH login]
log 1 pass = Feb  9 11:44:56 host sshd[1]: Accepted password for root
log 2 fail  = Feb  9 11:44:56 host sshd[1]: it's not
rule = 5715
alert = 3
decoder = sshd

[SSH login]
log 1 pass = second occurrence
log 1 pass = repeated key
Log 2 FAIL = upper case key
bles: No chain
rule = 5716
alert = 5
decoder =
`

func TestParse(t *testing.T) {
	f, err := ParseBytes("x.ini", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := []*Section{
		{Name: "SSH login", Line: 3, Rule: "5715", Alert: "3", Decoder: "sshd", Logs: []Log{
			{Key: "log 1 pass", Expect: Pass, Text: "Feb  9 11:44:56 host sshd[1]: Accepted password for root", Line: 4},
			{Key: "log 2 fail", Expect: Fail, Text: "Feb  9 11:44:56 host sshd[1]: it's not", Line: 5},
		}},
		{Name: "SSH login", Line: 10, Rule: "5716", Alert: "5", Decoder: "", Logs: []Log{
			{Key: "log 1 pass", Expect: Pass, Text: "second occurrence", Line: 11},
			{Key: "log 1 pass", Expect: Pass, Text: "repeated key", Line: 12},
			{Key: "log 2 fail", Expect: Fail, Text: "upper case key", Line: 13},
		}},
	}
	if d := cmp.Diff(want, f.Sections); d != "" {
		t.Errorf("sections (-want +got):\n%s", d)
	}
	var got []string
	for _, w := range f.Warnings {
		got = append(got, w.String())
	}
	wantW := []string{
		`x.ini:10: section [SSH login] repeats the one at line 3 (OSSEC's runner merges them; both are scored here)`,
		`x.ini:12: key "log 1 pass" repeats the one at line 11 in section [SSH login] (OSSEC's runner keeps only the last; both are used here)`,
		`x.ini:14: unknown key "bles" in section [SSH login] (a wrapped log line?); ignored`,
	}
	if d := cmp.Diff(wantW, got); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"before section", "rule = 1\n", `e.ini:1: key "rule" before the first [section]`},
		{"no delimiter", "[a]\njust text\nrule=1\nalert=1\ndecoder=x\n", `e.ini:2: expected [section], key = value or a comment, found "just text"`},
		{"missing keys", "[a]\nlog 1 pass = x\nrule = 1\n", "e.ini:1: section [a] has no \"alert\" key\ne.ini:1: section [a] has no \"decoder\" key"},
		{"bad header", "[]\n", `e.ini:1: malformed section header "[]"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBytes("e.ini", []byte(tc.in))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if err.Error() != tc.want {
				t.Errorf("err =\n%s\nwant\n%s", err, tc.want)
			}
		})
	}
}

func TestScript(t *testing.T) {
	f, err := ParseBytes("dir/x.ini", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	got := string(Script(f))
	for _, want := range []string{
		"\n# [SSH login] log 1 pass (x.ini:4)\nlogtest -fresh 'Feb  9 11:44:56 host sshd[1]: Accepted password for root'\nut 5715:3:sshd\n",
		"\nlogtest -fresh 'Feb  9 11:44:56 host sshd[1]: it''s not'\n! ut 5715:3:sshd\n",
		"\nlogtest -fresh 'second occurrence'\nut 5716:5:\n",
		"\nlogtest -fresh 'repeated key'\nut 5716:5:\n",
		"\n! ut 5716:5:\n",
		"# warning: x.ini:12: key \"log 1 pass\" repeats",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("script lacks %q; script:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "logtest -fresh "); n != 5 {
		t.Errorf("script has %d logtest lines, want 5", n)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            "plain",
		"":                 "''",
		"a b":              "'a b'",
		"it's":             "'it''s'",
		"Sysmon-EventID#1": "'Sysmon-EventID#1'",
		"$HOME":            "'$HOME'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestExitCode(t *testing.T) {
	c := Check{Rule: "5715", Alert: "3", Decoder: "sshd"}
	ev := func(dec string, id, level int) engine.Result {
		r := engine.Result{Decoder: dec}
		if id > 0 {
			r.Rule = &engine.RuleMatch{ID: id, Level: level}
		}
		return r
	}
	for _, tc := range []struct {
		name   string
		events []engine.Result
		want   int
	}{
		{"all agree", []engine.Result{ev("sshd", 5715, 3)}, 0},
		{"decoder case-insensitive", []engine.Result{ev("SSHD", 5715, 3)}, 0},
		{"level differs", []engine.Result{ev("sshd", 5715, 5)}, 1},
		{"rule differs", []engine.Result{ev("sshd", 5716, 3)}, 2},
		{"no rule", []engine.Result{ev("sshd", 0, 0)}, 255},
		{"decoder differs", []engine.Result{ev("pam", 5715, 3)}, 3},
		{"no decoder", []engine.Result{ev("", 1, 0)}, 3},
		{"only the last event counts", []engine.Result{ev("sshd", 5715, 3), ev("pam", 1, 1)}, 3},
		{"skipped events do not reset", []engine.Result{ev("sshd", 5715, 3), {Skipped: true}}, 0},
		{"nothing analysed passes", []engine.Result{{Skipped: true}}, 0},
	} {
		if got := c.ExitCode(tc.events); got != tc.want {
			t.Errorf("%s: ExitCode = %d, want %d", tc.name, got, tc.want)
		}
	}
	// An empty expected decoder never matches, not even no decoder.
	if got := (Check{"1", "0", ""}).ExitCode([]engine.Result{ev("", 0, 0)}); got != 3 {
		t.Errorf("empty decoder: ExitCode = %d, want 3", got)
	}
	// The level is compared as text.
	if got := (Check{"5715", "03", "sshd"}).ExitCode([]engine.Result{ev("sshd", 5715, 3)}); got != 1 {
		t.Errorf(`alert "03": ExitCode = %d, want 1`, got)
	}
}

// TestStockFiles parses OSSEC's own test files where they are present and
// checks the counts the conformance data was recorded from.
func TestStockFiles(t *testing.T) {
	dir := stockTests(t)
	paths, _ := filepath.Glob(filepath.Join(dir, "*.ini"))
	logs, warns := 0, 0
	for _, p := range paths {
		f, err := Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		warns += len(f.Warnings)
		for _, s := range f.Sections {
			logs += len(s.Logs)
		}
	}
	if logs != 264 {
		t.Errorf("stock ini files have %d log lines, want 264", logs)
	}
	if warns == 0 {
		t.Error("no warnings on the stock files; want the repeated sections of syslog.ini and firewalld.ini reported")
	}
}

func stockTests(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(testenv.StockRuleset(tb), "tests")
	if _, err := os.Stat(dir); err != nil {
		tb.Fatalf("the stock ruleset has no tests/: %v", err)
	}
	return dir
}

func TestCases(t *testing.T) {
	f, err := ParseBytes("dir/x.ini", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	cs := Cases(f)
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	if d := cmp.Diff([]string{"x.ini:4", "x.ini:5", "x.ini:11", "x.ini:12", "x.ini:13"}, names); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	want := "# [SSH login] log 2 fail (x.ini:5)\nlogtest -fresh 'Feb  9 11:44:56 host sshd[1]: it''s not'\n! ut 5715:3:sshd\n"
	if got := string(cs[1].Archive.Comment); got != want {
		t.Errorf("case 2:\n%s\nwant\n%s", got, want)
	}
}
