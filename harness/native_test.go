package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// TestNativeCache: the same sources give the same engine (loaded once);
// a case's own files give another.
func TestNativeCache(t *testing.T) {
	n := NewNative("h")
	src, err := Sources("", "..")
	if err != nil {
		t.Fatal(err)
	}
	e1, err := n.Engine(src)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := n.Engine(src)
	if err != nil {
		t.Fatal(err)
	}
	if e1 != e2 {
		t.Error("the same sources loaded twice")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	rule := `<group name="x,"><rule id="900001" level="3"><if_sid>107000</if_sid><match>^file x</match><description>x</description></rule></group>`
	if err := os.WriteFile(filepath.Join(dir, "rules", "x.xml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	src2, err := Sources("", "..", dir)
	if err != nil {
		t.Fatal(err)
	}
	e3, err := n.Engine(src2)
	if err != nil {
		t.Fatal(err)
	}
	if e3 == e1 {
		t.Error("a case's own rule file did not give another ruleset")
	}
	if e3.Ruleset().ByID[900001] == nil || e1.Ruleset().ByID[900001] != nil {
		t.Error("the case's rule is not (only) in the case's ruleset")
	}
	// Without a base, 106002 (below stock 550) is left out, with a note.
	if e1.Ruleset().ByID[106002] != nil || e1.Ruleset().ByID[107001] == nil {
		t.Error("without a base: want 107001 loaded and 106002 left out")
	}
	// The repository's verdict decoders hold \.+ (a lazy group repeat in
	// PCRE2), which warn that PCRE2's JIT stack can run out on long lines
	// (pattern-jit-stack); the note this test is about is the other one.
	var notes []string
	for _, note := range n.Notes() {
		if !strings.Contains(note, "[pattern-jit-stack]") {
			notes = append(notes, note)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "syscheck-verify_rules.xml") {
		t.Errorf("notes = %q, want one about syscheck-verify_rules.xml", notes)
	}
}

// TestAsserted: Config.Asserted hears of every assertion that held.
func TestAsserted(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.txtar")
	script := "logtest 'dec=a rule=5 level=3 alert'\nrule 5 level=3\n! rule 6\nalert\nlogtest -fresh 'dec=b'\ndecoded b\n"
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	cfg := &Config{Backend: &fakeBackend{}, Asserted: func(a Assertion) {
		mu.Lock()
		defer mu.Unlock()
		neg := ""
		if a.Neg {
			neg = "!"
		}
		s := neg + a.Cmd + " " + a.Event.Decoder
		if a.Session == nil {
			s += " fresh"
		}
		if a.Case != file {
			s += " case=" + a.Case
		}
		got = append(got, s)
	}}
	if r := RunFiles(cfg, []string{file}, false); r[0].Status != Passed {
		t.Fatalf("%s:\n%s", r[0].Status, r[0].Log)
	}
	want := []string{"rule a", "!rule a", "alert a", "decoded b fresh"}
	if !slices.Equal(got, want) {
		t.Errorf("asserted %q, want %q", got, want)
	}
}

// TestNoBaseSources: without a base, the category roots come first and the
// rule file that needs stock rules is left out; with a base, nothing changes.
func TestNoBaseSources(t *testing.T) {
	src, err := Sources("", "..")
	if err != nil {
		t.Fatal(err)
	}
	got, notes, err := NoBaseSources(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.FirstRules) == 0 || filepath.Base(got.FirstRules[0]) != "nobase_rules.xml" {
		t.Errorf("first rules %q: want nobase_rules.xml first", got.FirstRules)
	}
	if got.Repo == nil || got.Repo.Files["rules/syscheck-verify_rules.xml"] != "" ||
		got.Repo.Files["rules/ossec-ar-verify_rules.xml"] != filepath.Join("..", "rules", "ossec-ar-verify_rules.xml") {
		t.Errorf("repository files %q: want ossec-ar-verify_rules.xml and not syscheck-verify_rules.xml", got.Repo)
	}
	if len(notes) != 1 {
		t.Errorf("notes %q, want one", notes)
	}
	src.Base = "/somewhere"
	if same, notes, err := NoBaseSources(src); err != nil || notes != nil || same.Repo != src.Repo || same.FirstRules != nil {
		t.Errorf("with a base: %v, %q, %v; want the sources unchanged", same.Repo, notes, err)
	}
}

// TestFilesNeedingBase: without a base, a rule file is left out when its
// only errors are if_sid errors; a file with another error as well is
// kept, so that the error is reported.
func TestFilesNeedingBase(t *testing.T) {
	diag := func(file string, line int, code ruleset.Code) ruleset.Diagnostic {
		return ruleset.Diagnostic{Pos: ruleset.Pos{File: file, Line: line}, Code: code}
	}
	err := &ruleset.Error{Diagnostics: []ruleset.Diagnostic{
		diag("a.xml", 3, ruleset.CodeRuleIfSID),
		diag("b.xml", 2, ruleset.CodePattern),
		diag("b.xml", 9, ruleset.CodeRuleIfSID),
		diag("c.xml", 4, ruleset.CodeRuleIfSID),
		diag("c.xml", 8, ruleset.CodeRuleIfSID),
		diag("base.xml", 1, ruleset.CodeRuleIfSID),
	}}
	got := filesNeedingBase(fmt.Errorf("loading: %w", err), []string{"a.xml", "b.xml", "c.xml"})
	if want := []string{"a.xml", "c.xml"}; !slices.Equal(got, want) {
		t.Errorf("files left out %q, want %q", got, want)
	}
}

// TestNativeClock runs a case on the native engine and this repository's
// rules whose time, frequency and timeframe verdicts depend on the case's
// clock: each assertion fails if the clock command has no effect.
func TestNativeClock(t *testing.T) {
	file := filepath.Join(t.TempDir(), "clock.txtar")
	script := `clock 2026-11-25T12:00:00Z
logtest 'Sep 15 00:26:10 ether ossec-ar-verify: file ok (/a)'
rule 107001
clock 2026-11-25T18:01:00Z
logtest 'Sep 15 00:26:10 ether ossec-ar-verify: file ok (/a)'
rule 900010
clock 2026-11-28T12:00:00Z
logtest 'Sep 15 00:26:10 ether ossec-ar-verify: file ok (/a)'
rule 900011
clock 2026-11-25T12:00:00Z
logtest 'Sep 15 00:26:10 ether ossec-ar-verify: file managed by RPM (/b) changed outside of RPM'
rule 107002
clock +61s
logtest 'Sep 15 00:26:10 ether ossec-ar-verify: file managed by RPM (/b) changed outside of RPM'
rule 107002
clock +60s
logtest 'Sep 15 00:26:10 ether ossec-ar-verify: file managed by RPM (/b) changed outside of RPM'
rule 900012
clock log
logtest 'Nov 28 12:00:00 ether ossec-ar-verify: file ok (/a)'
rule 900011
logtest 'Nov 25 20:00:00 ether ossec-ar-verify: file ok (/a)'
rule 900010
-- rules/clock.xml --
<group name="clock,">
  <rule id="900010" level="3">
    <if_sid>107001</if_sid>
    <time>6 pm - 8:30 am</time>
    <description>verdict at night</description>
  </rule>
  <rule id="900011" level="3">
    <if_sid>107001</if_sid>
    <weekday>weekends</weekday>
    <description>verdict on a weekend</description>
  </rule>
  <rule id="900012" level="12" timeframe="60">
    <if_sid>107002</if_sid>
    <if_matched_sid>107002</if_matched_sid>
    <description>two managed-file changes within a minute</description>
  </rule>
</group>
`
	if err := os.WriteFile(file, []byte(script), 0o666); err != nil {
		t.Fatal(err)
	}
	res := RunFiles(&Config{Backend: NewNative("h"), Repo: ".."}, []string{file}, false)
	if res[0].Status != Passed {
		t.Fatalf("case %s:\n%s", res[0].Status, res[0].Log)
	}
}

// TestNativeNotesWarnings: the warnings of a ruleset that loads (here a
// <rule> pasted into another rule's <description>, which OSSEC ignores)
// are among the notes that run prints once.
func TestNativeNotesWarnings(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	rule := "<group name=\"x,\">\n  <rule id=\"900001\" level=\"3\">\n    <match>^file x</match>\n" +
		"    <description>x <rule id=\"900002\" level=\"5\"><match>y</match></rule></description>\n  </rule>\n</group>\n"
	file := filepath.Join(dir, "rules", "x.xml")
	if err := os.WriteFile(file, []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Sources("", dir)
	if err != nil {
		t.Fatal(err)
	}
	n := NewNative("h")
	if _, err := n.Engine(src); err != nil {
		t.Fatal(err)
	}
	want := file + ":4:20: "
	found := false
	for _, note := range n.Notes() {
		if strings.HasPrefix(note, want) && strings.HasSuffix(note, "["+string(ruleset.CodeXMLNested)+"]") {
			found = true
		}
	}
	if !found {
		t.Errorf("notes %q: want one starting %q with code %s", n.Notes(), want, ruleset.CodeXMLNested)
	}
}

// TestNativeCases runs the cases of testdata/native on the native engine
// and this repository's ruleset: explain.txtar has, for each rule option, a
// rule that fails on it and the reason explain must give; decoded.txtar
// asserts fields by their <order> names and the child decoder.
func TestNativeCases(t *testing.T) {
	files, _ := filepath.Glob("testdata/native/*.txtar")
	for _, r := range RunFiles(&Config{Backend: NewNative("h"), Repo: "..", ContinueOnError: true}, files, false) {
		if r.Status != Passed {
			t.Errorf("%s: case %s:\n%s", r.File, r.Status, r.Log)
		}
	}
}

// TestWorkRootKeepsRuleset: with Config.WorkRoot, a case whose archive
// holds a rule file writes it to the same path on every run, so that a
// second run finds that ruleset in the engine's cache instead of loading
// it again, and the work directory is emptied between runs (a file left
// in it is gone). Without WorkRoot each run has a new folder, hence a new
// ruleset.
func TestWorkRootKeepsRuleset(t *testing.T) {
	file := filepath.Join(t.TempDir(), "own.txtar")
	kase := `! exists left
logtest 'own rule here'
rule 900002 level=3
-- rules/own.xml --
<group name="own,"><rule id="900002" level="3"><match>^own rule</match><description>own</description></rule></group>
`
	if err := os.WriteFile(file, []byte(kase), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{"", t.TempDir()} {
		n := NewNative("h")
		cfg := &Config{Backend: n, WorkRoot: root}
		for run := 1; run <= 2; run++ {
			if r := RunFiles(cfg, []string{file, file}, false); r[0].Status != Passed || r[1].Status != Passed {
				t.Fatalf("WorkRoot %q, run %d: %s %s\n%s%s", root, run, r[0].Status, r[1].Status, r[0].Log, r[1].Log)
			}
			if root == "" {
				continue
			}
			work, _ := filepath.Glob(filepath.Join(root, "*", "script-own"))
			if len(work) != 2 {
				t.Fatalf("work directories in WorkRoot: %q, want two", work)
			}
			for _, w := range work {
				if err := os.WriteFile(filepath.Join(w, "left"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The file is given twice per run: each copy has a folder of its
		// own, so two rulesets (two paths) per run at most.
		want := 2
		if root == "" {
			want = 4
		}
		if got := len(n.order); got != want {
			t.Errorf("WorkRoot %q: %d rulesets loaded over two runs, want %d", root, got, want)
		}
	}
}
