package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/examples/fleet"
	"github.com/ossec-ruletest/ossec-ruletest/internal/corpus"
	"github.com/ossec-ruletest/ossec-ruletest/internal/noise"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

const (
	fleetCorpus = "../../examples/fleet/corpus.log.gz"
	fleetKnown  = "../../examples/fleet/known-changes.txt"
)

func needBase(t *testing.T) {
	t.Helper()
	t.Setenv("OSSEC_RULESET", testenv.StockRuleset(t))
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = Run(args, &o, &e)
	return code, o.String(), e.String()
}

func noiseJSON(t *testing.T, args ...string) (int, *noise.Report) {
	t.Helper()
	code, out, errOut := runCLI(append([]string{"noise", "--json"}, args...)...)
	if code != ExitOK && code != ExitFailed {
		t.Fatalf("noise %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	rep, err := noise.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("noise %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return code, rep
}

// fleetTamperings are the real tamperings of the worked example, "host path".
func fleetTamperings(t *testing.T) []string {
	st, err := fleet.Generate(&bytes.Buffer{}, fleet.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Tamperings) == 0 {
		t.Fatal("the worked example has no tampering")
	}
	return st.Tamperings
}

// demotedLayer writes the repository's rules layer with rule 107002
// (unauthorized change of a managed file) demoted to level 1.
func demotedLayer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"decoders", "rules"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
		files, _ := filepath.Glob(filepath.Join("../..", sub, "*.xml"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, sub, filepath.Base(f)), data, 0o644)
		}
	}
	conf, err := os.ReadFile("../../ossec.conf")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "ossec.conf"), conf, 0o644)
	os.WriteFile(filepath.Join(dir, "rules", "zz-demote.xml"), []byte(`<group name="verify,">
  <rule id="107002" level="1" overwrite="yes">
    <if_sid>107000</if_sid>
    <match>^file managed</match>
    <description>Verified: Unauthorized File Change (demoted)</description>
  </rule>
</group>
`), 0o644)
	return dir
}

// TestNoiseWorkedExample is the acceptance: the repository's
// ruleset against the stock one on the worked example cuts the emails and
// loses no alert beyond the known changes, and every tampering still ends
// on rule 107002 with an email.
func TestNoiseWorkedExample(t *testing.T) {
	needBase(t)
	code, out, errOut := runCLI("noise", "--before", "none", "--after", "../..", "--known-changes", fleetKnown, "--fail-on-lost", fleetCorpus)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"lost alerts: 0 (", "fewer), alerts at level >= 7"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	_, rep := noiseJSON(t, "--before", "none", "--after", "../..", "--known-changes", fleetKnown, fleetCorpus)
	tot := rep.Totals
	if rep.LostCount != 0 || rep.AcceptedCount == 0 || rep.Level != 7 {
		t.Errorf("lost %d, accepted %d, level %d: want 0, some, 7", rep.LostCount, rep.AcceptedCount, rep.Level)
	}
	if red := noise.Reduction(tot.Before.Emails, tot.After.Emails); red < 90 {
		t.Errorf("email reduction %.1f%%, want at least 90%%", red)
	}
	// Each tampering's verdict is a 107002 alert with mail.
	var r107002 *noise.RuleRow
	for i := range rep.Rules {
		if rep.Rules[i].ID == 107002 {
			r107002 = &rep.Rules[i]
		}
	}
	if r107002 == nil || r107002.After.Emails < int64(len(fleetTamperings(t))) {
		t.Errorf("rule 107002 row %+v: want at least one emailed alert per tampering", r107002)
	}
}

// TestNoiseDemotedTampering: a change that demotes the tampering rule
// loses exactly the alerts that ended on 107002, tamperings included, and
// --fail-on-lost makes the run fail.
func TestNoiseDemotedTampering(t *testing.T) {
	needBase(t)
	dir := demotedLayer(t)
	code, out, _ := runCLI("noise", "--before", "none", "--after", dir, "--known-changes", fleetKnown, "--fail-on-lost", fleetCorpus)
	if code != ExitFailed {
		t.Fatalf("demoted 107002: exit %d, want %d\n%s", code, ExitFailed, out)
	}
	if !strings.Contains(out, "LOST ") {
		t.Errorf("output lists no lost alert:\n%s", out)
	}
	_, rep := noiseJSON(t, "--before", "none", "--after", dir, "--known-changes", fleetKnown, fleetCorpus)
	if rep.LostCount == 0 {
		t.Fatal("no lost alert")
	}
	var lost []string
	for _, l := range rep.Lost {
		if l.FinalRule != 107002 || l.AfterFollowUp == nil || l.AfterFollowUp.Outcome.Level != 1 {
			t.Errorf("lost %s:%d ends on rule %d: want the demoted 107002", l.Source, l.Line, l.FinalRule)
		}
		_, path, _ := strings.Cut(l.Log, " ")
		lost = append(lost, l.Host+" "+path)
	}
	for _, tam := range fleetTamperings(t) {
		if !slices.Contains(lost, tam) {
			t.Errorf("tampering %s is not among the lost alerts %q", tam, lost)
		}
	}
	// The same demotion is not lost without --fail-on-lost: exit 0.
	if code, _, _ := runCLI("noise", "--before", "none", "--after", dir, fleetCorpus); code != ExitOK {
		t.Errorf("without --fail-on-lost: exit %d, want 0", code)
	}
}

// TestNoiseGitRevision reads one side from a git revision without
// touching the working tree.
func TestNoiseGitRevision(t *testing.T) {
	needBase(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := demotedLayer(t)
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "demoted")
	// The working tree fixes the demotion; HEAD still has it.
	os.Remove(filepath.Join(repo, "rules", "zz-demote.xml"))
	_, rep := noiseJSON(t, "--repo", repo, "--before", "HEAD", "--after", repo, "--fail-on-lost", fleetCorpus)
	if rep.LostCount != 0 {
		t.Errorf("HEAD (demoted) -> fixed tree: %d lost alerts, want 0", rep.LostCount)
	}
	if !strings.HasPrefix(rep.Before.Label, "HEAD (") {
		t.Errorf("before label %q, want HEAD (commit)", rep.Before.Label)
	}
	found := false
	for _, r := range rep.Rules {
		if r.ID == 107002 && r.BeforeRule != nil {
			found = true
			// An overwrite keeps the place of the rule it overwrites.
			if r.BeforeRule.Level != 1 || r.BeforeRule.File != "HEAD:rules/ossec-ar-verify_rules.xml" {
				t.Errorf("rule 107002 before: %+v, want level 1 from HEAD:rules/ossec-ar-verify_rules.xml", r.BeforeRule)
			}
		}
	}
	if !found {
		t.Error("rule 107002 did not fire before")
	}
	if _, err := os.Stat(filepath.Join(repo, "rules", "zz-demote.xml")); err == nil {
		t.Error("the working tree was changed")
	}
	code, _, errOut := runCLI("noise", "--repo", repo, "--before", "no-such-ref", "--after", repo, fleetCorpus)
	if code != ExitFailed || !strings.Contains(errOut, `"no-such-ref" is neither a directory nor a git revision`) {
		t.Errorf("bad ref: exit %d, stderr %q", code, errOut)
	}
}

// TestNoiseShardsMerge: the merged JSON of three shards equals one run.
func TestNoiseShardsMerge(t *testing.T) {
	needBase(t)
	dir := t.TempDir()
	args := []string{"--before", "none", "--after", "../..", "--known-changes", fleetKnown, fleetCorpus}
	_, whole, _ := runCLI(append([]string{"noise", "--json", "-j", "1"}, args...)...)
	var shards []string
	for _, k := range []string{"1/3", "2/3", "3/3"} {
		code, out, errOut := runCLI(append([]string{"noise", "--json", "--shard", k}, args...)...)
		if code != ExitOK {
			t.Fatalf("shard %s: exit %d\n%s", k, code, errOut)
		}
		f := filepath.Join(dir, strings.ReplaceAll(k, "/", "of")+".json")
		os.WriteFile(f, []byte(out), 0o644)
		shards = append(shards, f)
	}
	code, merged, errOut := runCLI(append([]string{"noise", "--merge", "--json"}, shards...)...)
	if code != ExitOK {
		t.Fatalf("merge: exit %d\n%s", code, errOut)
	}
	if merged != whole {
		t.Errorf("merged shards differ from one run")
	}
	code, _, errOut = runCLI("noise", "--merge", shards[0], shards[2])
	if code != ExitUsage || !strings.Contains(errOut, "missing shards 2/3") {
		t.Errorf("merge of 2 of 3 shards: exit %d, %q", code, errOut)
	}
}

func TestNoiseUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"noise"}, "usage: ossec-ruletest noise"},
		{[]string{"noise", "--before", "none", "--after", "none", "--shard", "4/3", "x"}, "--shard"},
		{[]string{"noise", "--merge", "--before", "none", "x.json"}, "--merge takes shard reports"},
		{[]string{"noise", "--before", "none", "--after", "none", "--known-changes", "/nonexistent", "x"}, "--known-changes"},
		{[]string{"noise", "--before", "none", "--after", "none", "--labels", "x", "x"}, "--labels"},
	} {
		code, _, errOut := runCLI(tt.args...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, ExitUsage, tt.want)
		}
	}
}

// TestProgress: on a terminal, after a second, the progress line gives the
// rate and the time left; before a second, and off a terminal, nothing.
func TestProgress(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "c.log")
	os.WriteFile(f, []byte(strings.Repeat("Sep 15 00:00:00 h x: y\n", 100)), 0o644)
	src, err := corpus.Open([]string{f}, corpus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		src.Next()
	}
	var b bytes.Buffer
	p := newProgress(&b, src)
	p.update(50)
	if b.Len() != 0 {
		t.Errorf("not a terminal: printed %q", b.String())
	}
	p.tty, p.total = true, src.TotalSize()
	p.update(50)
	if b.Len() != 0 {
		t.Errorf("before a second: printed %q", b.String())
	}
	p.start = p.start.Add(-2 * time.Second)
	p.update(50)
	got := b.String()
	if !strings.Contains(got, "50 events, ") || !strings.Contains(got, " events/s, ") || !strings.Contains(got, "ETA ") {
		t.Errorf("progress line %q: want events, events/s and ETA", got)
	}
	p.done()
	if !strings.HasSuffix(b.String(), "\r\033[K") {
		t.Errorf("done does not clear the line: %q", b.String())
	}
}

// TestNoiseGitRevisionDeployedLayout: a git revision of a repository laid
// out as an installation brings its etc/local_decoder.xml with it, and REFs
// are found from a directory below the repository.
func TestNoiseGitRevisionDeployedLayout(t *testing.T) {
	needBase(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	files := map[string]string{
		"etc/local_decoder.xml": "<decoder name=\"payapi\">\n  <program_name>^payapi$</program_name>\n</decoder>\n",
		"rules/local_rules.xml": "<group name=\"local,\">\n  <rule id=\"100001\" level=\"9\">\n    <decoded_as>payapi</decoded_as>\n    <description>payapi</description>\n  </rule>\n</group>\n",
		"cases/.keep":           "",
	}
	for name, data := range files {
		p := filepath.Join(repo, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(data), 0o644)
	}
	corpusFile := filepath.Join(t.TempDir(), "c.log")
	os.WriteFile(corpusFile, []byte("Oct 15 21:07:00 web1 payapi: refused payment 1 from 192.0.2.7\n"), 0o644)
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "payapi")
	t.Chdir(filepath.Join(repo, "cases"))
	_, rep := noiseJSON(t, "--before", "none", "--after", "HEAD", corpusFile)
	found := false
	for _, r := range rep.Rules {
		if r.ID == 100001 && r.AfterRule != nil {
			found = true
		}
	}
	if !found {
		t.Errorf("rule 100001 of HEAD's rules/local_rules.xml (decoded_as the etc/local_decoder.xml decoder) did not fire after")
	}
}
