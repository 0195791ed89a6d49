package noise

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/corpus"
)

// fakeRules is a tiny stand-in for a ruleset: it knows file-integrity
// events, verdict lines and failed logins, with a frequency rule that
// needs session state.
type fakeRules struct {
	fim     *engine.RuleMatch // the rule of a file-integrity event
	verify  bool              // decode verdict lines
	managed int               // level of the "file managed" verdict rule
}

func rule(id, level int, groups ...string) *engine.RuleMatch {
	return &engine.RuleMatch{ID: id, Level: level, Description: fmt.Sprintf("rule %d", id), Groups: groups, File: "/tmp/x/rules/r.xml", Line: id % 100}
}

var (
	stockRules   = fakeRules{fim: rule(550, 7, "ossec", "syscheck")}
	ourRules     = fakeRules{fim: rule(106002, 1, "syscheck"), verify: true, managed: 12}
	demotedRules = fakeRules{fim: rule(106002, 1, "syscheck"), verify: true, managed: 1}
)

func (f fakeRules) side(label string, email int) Side {
	return Side{Label: label, EmailAlertLevel: email, FileName: func(p string) string { return strings.TrimPrefix(p, "/tmp/x/") },
		NewAnalyzer: func(now func() time.Time) Analyzer { return fakeAnalyzer{f, email, now} }}
}

type fakeAnalyzer struct {
	f     fakeRules
	email int
	now   func() time.Time
}

func (a fakeAnalyzer) NewSession() Session { return &fakeSession{a: a} }

type fakeSession struct {
	a     fakeAnalyzer
	fails []time.Time
}

var verdict = regexp.MustCompile(`ossec-ar-verify: file (ok|managed by \S+|unmanaged) \((.+)\)`)

func (s *fakeSession) result(m *engine.RuleMatch, fields ...engine.Field) engine.Result {
	r := engine.Result{Rule: m, Fields: fields, Alert: m.Level >= 1, Mail: m.Level >= s.a.email}
	return r
}

func (s *fakeSession) Process(line string) engine.Result {
	if len(line) < 2 {
		return engine.Result{Log: line, Skipped: true}
	}
	if m := verdict.FindStringSubmatch(line); m != nil && s.a.f.verify {
		path := engine.Field{Name: "extra_data", Value: m[2]}
		switch {
		case m[1] == "ok":
			return s.result(rule(107001, 1, "verify"), path)
		case strings.HasPrefix(m[1], "managed"):
			return s.result(rule(107002, s.a.f.managed, "verify"), path)
		default:
			r := s.result(rule(107003, 9, "verify"), path)
			r.Mail = false // no_email_alert
			return r
		}
	}
	if strings.Contains(line, "Failed password") {
		// Rule 5720 fires on the third failure within two minutes.
		now := s.a.now()
		s.fails = append(s.fails, now)
		recent := 0
		for _, t := range s.fails {
			if now.Sub(t) <= 2*time.Minute {
				recent++
			}
		}
		if recent >= 3 {
			s.fails = nil
			return s.result(rule(5720, 10, "sshd", "authentication_failures"))
		}
		return s.result(rule(5716, 5, "sshd", "authentication_failed"))
	}
	return engine.Result{}
}

func (s *fakeSession) ProcessMessage(m engine.Message) engine.Result {
	if m.Queue != engine.QueueSyscheck {
		return s.Process(m.Text)
	}
	_, path, _ := strings.Cut(m.Text, " ")
	r := s.result(s.a.f.fim)
	if s.a.f.verify {
		r.ActiveResponses = []engine.ActiveResponse{{Command: "ossec-ar-verify-file", Location: "local", Args: map[string]string{"filename": path}}}
	}
	return r
}

type sliceSource struct {
	evs []corpus.Event
	i   int
}

func (s *sliceSource) Next() (corpus.Event, error) {
	if s.i == len(s.evs) {
		return corpus.Event{}, io.EOF
	}
	ev := s.evs[s.i]
	s.i++
	return ev, nil
}

func source(lines ...string) *sliceSource {
	s := &sliceSource{}
	for i, l := range lines {
		ev := corpus.Parse(l, corpus.Options{})
		ev.Seq, ev.Source, ev.Line = int64(i), "corpus.log", i+1
		s.evs = append(s.evs, ev)
	}
	return s
}

func fim(host, path string) string {
	return "8:(" + host + ") 10.0.0.1->syscheck:1024:33188:0:0:a:b:c " + path
}

var workedLines = []string{
	fim("web01", "/etc/cron.d/puppet-job"),
	"Sep 15 00:26:10 web01 ossec-ar-verify: file ok (/etc/cron.d/puppet-job)",
	fim("db01", "/etc/mcollective/facts.yaml"),
	fim("web01", "/etc/hosts"),
	"Sep 15 00:26:11 db01 ossec-ar-verify: file managed by RPM (/etc/mcollective/facts.yaml) changed outside of RPM",
	"Sep 15 00:26:12 web01 ossec-ar-verify: file unmanaged (/etc/hosts) changed",
	"Sep 15 00:27:00 bastion sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2",
}

func TestRunWorkedExample(t *testing.T) {
	known, err := ParseKnownChanges("known.txt", strings.NewReader("# verified\n550 107001 verified as made by the package manager or Puppet\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), source(workedLines...), stockRules.side("stock", 7), ourRules.side("ours", 9), Options{Known: known, Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	wantTotals := Pair{
		Before: Counts{Events: 7, Alerts: 4, Notable: 3, Emails: 3},
		After:  Counts{Events: 7, Alerts: 7, Notable: 2, Emails: 1},
	}
	if d := cmp.Diff(wantTotals, rep.Totals); d != "" {
		t.Errorf("totals mismatch (-want +got):\n%s", d)
	}
	if rep.Level != 7 || rep.LostCount != 0 || rep.AcceptedCount != 1 {
		t.Errorf("level %d, lost %d, accepted %d; want 7, 0, 1", rep.Level, rep.LostCount, rep.AcceptedCount)
	}
	if len(rep.Lost) != 0 || len(rep.Known) != 1 || rep.Known[0].Used != 1 {
		t.Errorf("lost = %+v, known = %+v: want none listed, one accepted by the known change", rep.Lost, rep.Known)
	}
	wantTrans := []Transition{
		{BeforeRule: 550, AfterRule: 106002, FinalRule: 107001, Events: 1, Lost: 1},
		{BeforeRule: 550, AfterRule: 106002, FinalRule: 107002, Events: 1},
		{BeforeRule: 550, AfterRule: 106002, FinalRule: 107003, Events: 1},
	}
	if d := cmp.Diff(wantTrans, rep.Transitions); d != "" {
		t.Errorf("transitions mismatch (-want +got):\n%s", d)
	}
	if got := Reduction(rep.Totals.Before.Emails, rep.Totals.After.Emails); got < 66.6 || got > 66.7 {
		t.Errorf("email reduction %.2f%%, want 66.67%%", got)
	}
	if rep.Rules[0].ID != 550 || rep.Rules[0].BeforeRule.File != "rules/r.xml" || rep.Rules[0].AfterRule != nil {
		t.Errorf("first rule row %+v: want 550, before only, file trimmed to rules/r.xml", rep.Rules[0])
	}

	// Demoting the tampering verdict loses the alert of line 3.
	rep, err = Run(context.Background(), source(workedLines...), stockRules.side("stock", 7), demotedRules.side("demoted", 9), Options{Known: known, Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if rep.LostCount != 1 {
		t.Fatalf("demoted 107002: %d unaccepted lost alerts, want 1", rep.LostCount)
	}
	l := rep.Lost[0]
	if l.Line != 3 || l.BeforeRule != 550 || l.FinalRule != 107002 || l.AfterFollowUp.Line != 5 || l.AfterFollowUp.Outcome.Level != 1 {
		t.Errorf("lost alert %+v: want line 3, 550 -> 107002 (level 1) via line 5", l)
	}
}

// TestManagerHost: the manager's own file-integrity event (location
// syscheck, no host) is followed up by its verdict line, which carries the
// manager's hostname.
func TestManagerHost(t *testing.T) {
	lines := []string{
		"8:syscheck:1024:33188:0:0:a:b:c /etc/shadow",
		"Sep 15 00:26:11 ossec-mgr ossec-ar-verify: file managed by RPM (/etc/shadow) changed outside of RPM",
	}
	for _, tt := range []struct {
		hostname string
		lost     int64
	}{{"ossec-mgr", 0}, {"other", 1}} {
		rep, err := Run(context.Background(), source(lines...), stockRules.side("stock", 7), ourRules.side("ours", 9), Options{Hostname: tt.hostname})
		if err != nil {
			t.Fatal(err)
		}
		if rep.LostCount != tt.lost {
			t.Errorf("hostname %s: lost %d, want %d", tt.hostname, rep.LostCount, tt.lost)
		}
	}
}

func TestFollowWindow(t *testing.T) {
	lines := []string{fim("h", "/etc/a")}
	for range 5 {
		lines = append(lines, "Sep 15 00:00:00 h x: filler")
	}
	lines = append(lines, "Sep 15 00:26:11 h ossec-ar-verify: file managed by RPM (/etc/a) changed outside of RPM")
	for _, tt := range []struct {
		window int
		lost   int64
	}{{6, 0}, {5, 1}} {
		rep, err := Run(context.Background(), source(lines...), stockRules.side("stock", 7), ourRules.side("ours", 9), Options{FollowWindow: tt.window})
		if err != nil {
			t.Fatal(err)
		}
		if rep.LostCount != tt.lost {
			t.Errorf("window %d: lost %d, want %d", tt.window, rep.LostCount, tt.lost)
		}
	}
}

// randomCorpus is a corpus of many hosts where correlation matters.
func randomCorpus(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 1))
	var lines []string
	t := time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)
	for range n {
		t = t.Add(time.Duration(rng.IntN(20)) * time.Second)
		host := fmt.Sprintf("h%02d", rng.IntN(40))
		ts := t.Format(time.Stamp)
		switch rng.IntN(5) {
		case 0, 1:
			path := fmt.Sprintf("/etc/f%d", rng.IntN(30))
			lines = append(lines, fim(host, path))
			if rng.IntN(10) > 0 {
				kind := []string{"ok", "managed by RPM", "unmanaged"}[rng.IntN(3)]
				lines = append(lines, fmt.Sprintf("%s %s ossec-ar-verify: file %s (%s) changed", ts, host, kind, path))
			}
		default:
			lines = append(lines, fmt.Sprintf("%s %s sshd[9]: Failed password for root from 1.2.3.4 port 22 ssh2", ts, host))
		}
	}
	return lines
}

func jsonOf(t *testing.T, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestShardsMergeToSingleRun checks that worker count and sharding do not
// change the report: N merged shard reports equal one run byte for byte.
func TestShardsMergeToSingleRun(t *testing.T) {
	lines := randomCorpus(3000, 7)
	known := &KnownChanges{Changes: []KnownChange{{Before: "550", After: "107001", Reason: "verified", Pos: "k:1"}}}
	before, after := stockRules.side("stock", 7), demotedRules.side("demoted", 9)
	run := func(opts Options) *Report {
		t.Helper()
		opts.Year, opts.Known, opts.Inputs, opts.MaxLost = 2026, known, []string{"corpus.log"}, 5
		r, err := Run(context.Background(), source(lines...), before, after, opts)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	single := run(Options{Workers: 1})
	if single.LostCount <= 5 || len(single.Lost) != 5 || single.AcceptedCount == 0 || single.Totals.Before.Notable == 0 {
		t.Fatalf("corpus too tame for the test: %+v", single.Totals)
	}
	if got := single.Totals.After.Events; got != int64(len(lines)) {
		t.Fatalf("after events %d, want %d", got, len(lines))
	}
	want := jsonOf(t, single)
	if got := jsonOf(t, run(Options{Workers: 3})); got != want {
		t.Errorf("3 workers differ from 1:\n%s", cmp.Diff(want, got))
	}
	for _, n := range []int{2, 5} {
		var shards []*Report
		for k := n; k >= 1; k-- { // any order
			r := run(Options{Workers: 2, Shard: Shard{K: k, N: n}})
			// Through JSON, as CI jobs hand them over.
			back, err := ReadJSON(strings.NewReader(jsonOf(t, r)))
			if err != nil {
				t.Fatal(err)
			}
			shards = append(shards, back)
		}
		merged, err := Merge(shards)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonOf(t, merged); got != want {
			t.Errorf("%d shards merged differ from one run:\n%s", n, cmp.Diff(want, got))
		}
	}
}

func TestMergeErrors(t *testing.T) {
	lines := randomCorpus(200, 3)
	run := func(sh Shard, label string) *Report {
		var known *KnownChanges
		if label == "known" {
			label, known = "stock", &KnownChanges{Changes: []KnownChange{{Before: "*", After: "*", Reason: "all", Pos: "k:1"}}}
		}
		r, err := Run(context.Background(), source(lines...), stockRules.side(label, 7), ourRules.side("ours", 9), Options{Shard: sh, Known: known})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c := run(Shard{1, 3}, "stock"), run(Shard{2, 3}, "stock"), run(Shard{3, 3}, "other")
	whole := run(Shard{}, "stock")
	k3 := run(Shard{3, 3}, "known")
	for _, tt := range []struct {
		name   string
		shards []*Report
		want   string
	}{
		{"missing", []*Report{a, b}, "missing shards 3/3"},
		{"twice", []*Report{a, a, b}, "shard 1/3 given twice"},
		{"other replay", []*Report{a, b, c}, "from another replay"},
		{"other known changes", []*Report{a, b, k3}, "shard 3/3 was run with other known changes than shard 1/3"},
		{"not a shard", []*Report{whole}, "not a shard report"},
		{"none", nil, "no shard reports"},
	} {
		_, err := Merge(tt.shards)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	if s, err := ParseShard("2/4"); err != nil || s != (Shard{2, 4}) {
		t.Errorf("ParseShard(2/4) = %v, %v", s, err)
	}
	for _, bad := range []string{"0/4", "5/4", "x/2", "3", "1/0", "-1/2"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q): no error", bad)
		}
	}
	// Every host lands in exactly one shard.
	for _, h := range []string{"", "web01", "db02", "a"} {
		n := 0
		for k := 1; k <= 3; k++ {
			if (Shard{k, 3}).Contains(h) {
				n++
				if ShardOf(h, 3) != k {
					t.Errorf("ShardOf(%q, 3) = %d, Contains says %d", h, ShardOf(h, 3), k)
				}
			}
		}
		if n != 1 {
			t.Errorf("host %q is in %d of 3 shards", h, n)
		}
	}
}

func TestKnownChanges(t *testing.T) {
	k, err := ParseKnownChanges("k.txt", strings.NewReader("\n# c\n550  107001   verified   by RPM\n* - gone on purpose\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []KnownChange{
		{Before: "550", After: "107001", Reason: "verified   by RPM", Pos: "k.txt:3"},
		{Before: "*", After: "-", Reason: "gone on purpose", Pos: "k.txt:4"},
	}
	if d := cmp.Diff(want, k.Changes); d != "" {
		t.Errorf("changes mismatch (-want +got):\n%s", d)
	}
	for _, tt := range []struct{ before, final, want int }{{550, 107001, 0}, {551, 0, 1}, {550, 107002, -1}} {
		if got := k.match(tt.before, tt.final); got != tt.want {
			t.Errorf("match(%d, %d) = %d, want %d", tt.before, tt.final, got, tt.want)
		}
	}
	for _, tt := range []struct{ text, want string }{
		{"550 107001", "k.txt:1: want \"BEFORE AFTER REASON\""},
		{"\nx 1 r", "k.txt:2: BEFORE \"x\" is not a rule id or *"},
		{"1 +2 r", "k.txt:1: AFTER \"+2\" is not a rule id, - (no rule) or *"},
	} {
		_, err := ParseKnownChanges("k.txt", strings.NewReader(tt.text))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseKnownChanges(%q): err = %v, want %q", tt.text, err, tt.want)
		}
	}
}
