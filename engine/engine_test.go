package engine_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

func pat(t testing.TB, kind osregex.Kind, s string) *osregex.Pattern {
	t.Helper()
	flags := osregex.Flags(0)
	if kind == osregex.KindPCRE2 {
		flags = osregex.Caseless
	}
	p, err := osregex.Compile(kind, s, flags)
	if err != nil {
		t.Fatalf("compile %q: %v", s, err)
	}
	return p
}

// smallRuleset builds, by hand, what the loader makes of a few stock
// decoders and rules (sshd, a windows-date-format prematch, the syslog
// templates, 5716/5720 brute force, a level-0 rule and an
// alert_by_email rule), so that the engine can be tested on its own.
func smallRuleset(t testing.TB) *ruleset.Ruleset {
	rs := &ruleset.Ruleset{}
	rs.Config = ruleset.Config{LogAlertLevel: 1, EmailAlertLevel: 7, DefaultTimeframe: 360, SidPrevMatchedMax: 128, MemorySize: 8192}
	names := []string{"", "sshd", "windows-date-format", "web-accesslog"}
	rs.DecoderNames = names

	sshd := &ruleset.Decoder{Name: "sshd", OwnName: "sshd", ID: 1, Type: ruleset.CategorySyslog,
		ProgramName: pat(t, osregex.KindMatch, "^sshd")}
	fail := &ruleset.Decoder{Name: "sshd", OwnName: "ssh-failed", ID: 1, Parent: "sshd", Type: ruleset.CategorySyslog,
		Prematch: pat(t, osregex.KindRegex, `^Failed \S+ `),
		Regex:    pat(t, osregex.KindRegex, `^for (\S+) from (\S+) port \d+ \w+$`),
		Order:    []ruleset.FieldSetter{{Kind: ruleset.FieldDstUser, Name: "user"}, {Kind: ruleset.FieldSrcIP, Name: "srcip"}},
		FTS:      ruleset.FTSName | ruleset.FTSDstUser | ruleset.FTSLocation}
	fail.RegexOffset = ruleset.OffsetAfterPrematch
	fail.ParentDecoders = []*ruleset.Decoder{sshd}
	sshd.Children = []*ruleset.Decoder{fail}
	wdf := &ruleset.Decoder{Name: "windows-date-format", OwnName: "windows-date-format", ID: 2, Type: ruleset.CategorySyslog,
		Prematch: pat(t, osregex.KindPCRE2, `^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} `)}
	web := &ruleset.Decoder{Name: "web-accesslog", OwnName: "web-accesslog", ID: 3, Type: ruleset.CategoryWebLog,
		Prematch: pat(t, osregex.KindRegex, `^\d+.\d+.\d+.\d+ - `),
		Regex:    pat(t, osregex.KindRegex, `^(\d+.\d+.\d+.\d+) - (\S+) \.+] "(\w+) (\S+) HTTP\S+ (\d+) `),
		Order: []ruleset.FieldSetter{{Kind: ruleset.FieldSrcIP, Name: "srcip"}, {Kind: ruleset.FieldDynamic, Name: "who"},
			{Kind: ruleset.FieldAction, Name: "action"}, {Kind: ruleset.FieldURL, Name: "url"}, {Kind: ruleset.FieldID, Name: "id"}}}
	rs.Decoders = []*ruleset.Decoder{sshd, fail, wdf, web}
	rs.ProgramNameDecoders = []*ruleset.Decoder{sshd}
	rs.NoProgramNameDecoders = []*ruleset.Decoder{wdf, web}

	opts := func(level int) ruleset.AlertOpts {
		var o ruleset.AlertOpts
		if level >= 1 {
			o |= ruleset.DoLogAlert
		}
		if level >= 7 {
			o |= ruleset.DoMailAlert
		}
		return o
	}
	add := func(r *ruleset.Rule, parents ...*ruleset.RuleNode) *ruleset.RuleNode {
		r.Index = len(rs.AllRules)
		r.AlertOpts |= opts(r.Level)
		if r.Timeframe == 0 {
			r.Timeframe = 360
		}
		rs.AllRules = append(rs.AllRules, r)
		n := &ruleset.RuleNode{Rule: r}
		r.Nodes = append(r.Nodes, n)
		if len(parents) == 0 {
			rs.Rules = append(rs.Rules, n)
		}
		for _, p := range parents {
			p.Children = append(p.Children, n)
			r.Parents = append(r.Parents, p.Rule)
		}
		return n
	}
	r1 := add(&ruleset.Rule{ID: 1, Level: 0, Category: ruleset.CategorySyslog, Groups: "syslog,", Description: "Generic template for all syslog rules."})
	r2 := add(&ruleset.Rule{ID: 2, Level: 0, Category: ruleset.CategoryWebLog, Groups: "web,", Description: "Generic template for all web rules."})
	r1002 := add(&ruleset.Rule{ID: 1002, Level: 2, Category: ruleset.CategorySyslog, Groups: "syslog,errors,",
		Description: "Unknown problem somewhere in the system.", AlertOpts: ruleset.DoMailAlert}, r1)
	r1002.Rule.EditExtras().Match = pat(t, osregex.KindMatch, "core_dumped|failure|error")
	r5700 := add(&ruleset.Rule{ID: 5700, Level: 0, Category: ruleset.CategorySyslog, Groups: "syslog,sshd,",
		Description: "SSHD messages grouped.", DecodedAs: 1, DecodedAsName: "sshd"}, r1)
	r5716 := add(&ruleset.Rule{ID: 5716, Level: 5, Category: ruleset.CategorySyslog, Groups: "syslog,sshd,authentication_failed,",
		Description: "SSHD authentication failed.", KeepsSidHistory: true}, r5700)
	r5716.Rule.EditExtras().Match = pat(t, osregex.KindMatch, "^Failed|^error: PAM: Authentication")
	r5720 := &ruleset.Rule{ID: 5720, Level: 10, Frequency: 6, Timeframe: 360, Category: ruleset.CategorySyslog,
		Groups: "syslog,sshd,authentication_failures,", Description: "Multiple SSHD authentication failures.",
		Context: true, ContextOpts: ruleset.SameSrcIP, EventSearch: ruleset.SearchLastSids, IfMatchedSID: 5716,
		SidSearch: r5716.Rule}
	add(r5720, r5716)
	r31100 := add(&ruleset.Rule{ID: 31100, Level: 0, Category: ruleset.CategoryWebLog, Groups: "web,accesslog,", Description: "Access log messages grouped."}, r2)
	r31101 := add(&ruleset.Rule{ID: 31101, Level: 5, Category: ruleset.CategoryWebLog, Groups: "web,accesslog,attack,",
		Description: "Web server 400 error code."}, r31100)
	*r31101.Rule.EditConditions() = ruleset.FieldConditions{EventID: pat(t, osregex.KindMatch, "^4"),
		Fields: []ruleset.FieldMatch{{Name: "who", Pattern: pat(t, osregex.KindRegex, `^bob$`)}}}
	rs.ByID = map[int]*ruleset.Rule{}
	for _, r := range rs.AllRules {
		rs.ByID[r.ID] = r
	}
	return rs
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestSmallRuleset(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	e := engine.New(smallRuleset(t), engine.Options{Hostname: "melancia", Now: c.now})

	t.Run("sshd failure", func(t *testing.T) {
		s := e.NewSession()
		r := s.Process("Nov 26 10:00:00 host sshd[123]: Failed password for root from 10.0.0.1 port 22 ssh2")
		if diff := cmp.Diff(engine.Phase1{
			FullEvent: "Nov 26 10:00:00 host sshd[123]: Failed password for root from 10.0.0.1 port 22 ssh2",
			Timestamp: "Nov 26 10:00:00",
			Hostname:  "host", ProgramName: "sshd", HasProgramName: true,
			Log: "Failed password for root from 10.0.0.1 port 22 ssh2",
		}, r.Phase1); diff != "" {
			t.Errorf("phase 1 (-want +got):\n%s", diff)
		}
		if r.Decoder != "sshd" {
			t.Errorf("decoder %q, want sshd", r.Decoder)
		}
		if diff := cmp.Diff([]engine.Field{{Name: "dstuser", Value: "root"}, {Name: "srcip", Value: "10.0.0.1"}}, r.Fields); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		if r.Rule == nil || r.Rule.ID != 5716 || !r.Alert || r.Mail {
			t.Fatalf("rule %+v alert %v mail %v, want 5716 alert, no mail", r.Rule, r.Alert, r.Mail)
		}
		if diff := cmp.Diff([]string{"syslog", "sshd", "authentication_failed"}, r.Rule.Groups); diff != "" {
			t.Errorf("groups (-want +got):\n%s", diff)
		}
	})

	t.Run("frequency fires on the N+2th event", func(t *testing.T) {
		s := e.NewSession()
		var fired []int
		for i := 1; i <= 20; i++ {
			r := s.Process("Nov 26 10:00:00 host sshd[123]: Failed password for root from 10.0.0.2 port 22 ssh2")
			if r.Rule != nil && r.Rule.ID == 5720 {
				fired = append(fired, i)
			}
		}
		if diff := cmp.Diff([]int{8, 16}, fired); diff != "" {
			t.Errorf("5720 fired on events (-want +got):\n%s", diff)
		}
	})

	t.Run("same_source_ip and timeframe", func(t *testing.T) {
		s := e.NewSession()
		for i := 0; i < 7; i++ {
			ip := "10.0.0.3"
			if i%2 == 1 {
				ip = "10.0.0.4"
			}
			if r := s.Process("Nov 26 10:00:00 host sshd[1]: Failed password for root from " + ip + " port 22 ssh2"); r.Rule.ID != 5716 {
				t.Fatalf("event %d: rule %d, want 5716", i+1, r.Rule.ID)
			}
		}
		old := c.t
		c.t = c.t.Add(361 * time.Second)
		defer func() { c.t = old }()
		if r := s.Process("Nov 26 10:00:00 host sshd[1]: Failed password for root from 10.0.0.3 port 22 ssh2"); r.Rule.ID != 5716 {
			t.Errorf("after the timeframe: rule %d, want 5716", r.Rule.ID)
		}
	})

	t.Run("program name selects the decoder list", func(t *testing.T) {
		s := e.NewSession()
		r := s.Process("Jul 18 10:51:43 localhost firewalld: 2014-07-18 10:51:43 ERROR: failure")
		if r.Decoder != "" {
			t.Errorf("decoder %q, want none (nopname decoders are not tried with a program name)", r.Decoder)
		}
		if r.Rule == nil || r.Rule.ID != 1002 || !r.Alert || !r.Mail {
			t.Errorf("rule %+v alert %v mail %v, want 1002 with alert_by_email", r.Rule, r.Alert, r.Mail)
		}
		r = s.Process("2014-07-18 10:51:43 ERROR: something")
		if r.Decoder != "windows-date-format" {
			t.Errorf("decoder %q, want windows-date-format", r.Decoder)
		}
	})

	t.Run("level 0 and dynamic fields", func(t *testing.T) {
		s := e.NewSession()
		r := s.Process(`1.2.3.4 - alice [26/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 404 12`)
		if r.Decoder != "web-accesslog" || r.Rule == nil || r.Rule.ID != 31100 || r.Alert {
			t.Errorf("decoder %q rule %+v alert %v, want web-accesslog 31100 without alert", r.Decoder, r.Rule, r.Alert)
		}
		if v, _ := r.Field("who"); v != "alice" {
			t.Errorf("who = %q, want alice", v)
		}
		r = s.Process(`1.2.3.4 - bob [26/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 404 12`)
		if r.Rule == nil || r.Rule.ID != 31101 || !r.Alert {
			t.Errorf("rule %+v alert %v, want 31101 alert", r.Rule, r.Alert)
		}
	})

	t.Run("short lines are skipped", func(t *testing.T) {
		s := e.NewSession()
		if r := s.Process("x"); !r.Skipped {
			t.Errorf("one byte line not skipped")
		}
		if r := s.Process("xy"); r.Skipped {
			t.Errorf("two byte line skipped")
		}
	})
}

type recorder struct{ events []string }

func (o *recorder) DecoderTried(d *ruleset.Decoder)   { o.events = append(o.events, "dt:"+d.OwnName) }
func (o *recorder) DecoderMatched(d *ruleset.Decoder) { o.events = append(o.events, "dm:"+d.OwnName) }
func (o *recorder) RuleTried(r *ruleset.Rule)         { o.events = append(o.events, "rt:"+itoa(r.ID)) }
func (o *recorder) RuleMatched(r *ruleset.Rule)       { o.events = append(o.events, "rm:"+itoa(r.ID)) }

func itoa(n int) string { return strconv.Itoa(n) }

type childRecorder struct{ recorder }

func (o *childRecorder) TryingChildren(r *ruleset.Rule) {
	o.events = append(o.events, "ch:"+itoa(r.ID))
}

func TestChildrenObserver(t *testing.T) {
	o := &childRecorder{}
	s := engine.New(smallRuleset(t), engine.Options{Hostname: "melancia"}).NewSession()
	s.SetObserver(o)
	s.Process("Nov 26 10:00:00 host sshd[123]: Failed password for root from 10.0.0.1 port 22 ssh2")
	want := []string{"dt:sshd", "dm:sshd", "dt:ssh-failed", "dm:ssh-failed", "dm:ssh-failed",
		"rt:1", "rm:1", "ch:1", "rt:1002", "rt:5700", "rm:5700", "ch:5700", "rt:5716", "rm:5716", "ch:5716", "rt:5720"}
	if diff := cmp.Diff(want, o.events); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}

func TestObserver(t *testing.T) {
	o := &recorder{}
	s := engine.New(smallRuleset(t), engine.Options{Hostname: "melancia"}).NewSession()
	s.SetObserver(o)
	s.Process("Nov 26 10:00:00 host sshd[123]: Failed password for root from 10.0.0.1 port 22 ssh2")
	want := []string{"dt:sshd", "dm:sshd", "dt:ssh-failed", "dm:ssh-failed", "dm:ssh-failed",
		"rt:1", "rm:1", "rt:1002", "rt:5700", "rm:5700", "rt:5716", "rm:5716", "rt:5720"}
	if diff := cmp.Diff(want, o.events); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}

// TestEventListEviction checks OS_AddEvent's trimming: once more than
// memory_size (at least 2048) alerts are kept, the 10 oldest are dropped,
// and with them their place in the if_matched_sid history.
func TestEventListEviction(t *testing.T) {
	rs := smallRuleset(t)
	rs.Config.MemorySize = 2048
	e := engine.New(rs, engine.Options{Hostname: "melancia", Now: fixedClock})
	fail := "Nov 26 10:00:00 host sshd[123]: Failed password for root from 10.0.0.9 port 22 ssh2"
	run := func(filler int) bool {
		s := e.NewSession()
		for i := 0; i < 5; i++ {
			s.Process(fail)
		}
		for i := 0; i < filler; i++ {
			if r := s.Process("Nov 26 10:00:00 host prog: some error"); r.Rule == nil || r.Rule.ID != 1002 {
				t.Fatalf("filler event: %+v", r.Rule)
			}
		}
		fired := false
		for i := 0; i < 3; i++ {
			if r := s.Process(fail); r.Rule != nil && r.Rule.ID == 5720 {
				fired = true
			}
		}
		return fired
	}
	if !run(100) {
		t.Errorf("5720 did not fire on the 8th failure with the history intact")
	}
	if run(2048) {
		t.Errorf("5720 fired although the first failures were evicted from the event list")
	}
}

// TestObserverPerSession checks that an observer watches only the session
// it is attached to, so that one engine serves observed and plain sessions.
func TestObserverPerSession(t *testing.T) {
	e := engine.New(smallRuleset(t), engine.Options{Hostname: "melancia"})
	watched, plain := e.NewSession(), e.NewSession()
	o := &recorder{}
	watched.SetObserver(o)
	line := "Nov 26 10:00:00 host sshd[123]: Failed password for root from 10.0.0.1 port 22 ssh2"
	plain.Process(line)
	if len(o.events) != 0 {
		t.Fatalf("observer heard another session: %v", o.events)
	}
	watched.Process(line)
	if len(o.events) == 0 {
		t.Fatal("observer heard nothing from its session")
	}
	n := len(o.events)
	watched.SetObserver(nil)
	watched.Process(line)
	if len(o.events) != n {
		t.Fatalf("observer still heard the session after SetObserver(nil): %v", o.events[n:])
	}
}

// TestRuleMatchInfoCapped: the info of a RuleMatch, which every result
// of the rule shares, is capped like its groups: an append to one
// result's info (or groups) copies it, and another result's append does
// not change what the first appended.
func TestRuleMatchInfoCapped(t *testing.T) {
	rs := smallRuleset(t)
	rs.ByID[5716].EditExtras().InfoDetails = []ruleset.InfoDetail{{Type: ruleset.InfoCVE, Data: "CVE-1"}, {Type: ruleset.InfoLink, Data: "http://a"}, {Type: ruleset.InfoText, Data: "t"}}
	e := engine.New(rs, engine.Options{Hostname: "melancia"})
	const line = "Nov 26 10:00:00 host sshd[123]: Failed password for root from 10.0.0.1 port 22 ssh2"
	r1, r2 := e.NewSession().Process(line), e.NewSession().Process(line)
	if r1.Rule == nil || r1.Rule.ID != 5716 || r2.Rule == nil || r2.Rule.ID != 5716 {
		t.Fatalf("rules %+v, %+v, want 5716 twice", r1.Rule, r2.Rule)
	}
	if m := r1.Rule; len(m.Info) != 3 || cap(m.Info) != len(m.Info) || cap(m.Groups) != len(m.Groups) {
		t.Errorf("info %v (cap %d), groups %q (cap %d): want 3 entries, both capped", m.Info, cap(m.Info), m.Groups, cap(m.Groups))
	}
	a := append(r1.Rule.Info, engine.Info{Type: "Text", Data: "mine"})
	b := append(r2.Rule.Info, engine.Info{Type: "Text", Data: "theirs"})
	if a[3].Data != "mine" || b[3].Data != "theirs" {
		t.Errorf("another result's append changed this one's: %v, %v", a, b)
	}
	g := append(r1.Rule.Groups, "mine")
	h := append(r2.Rule.Groups, "theirs")
	if g[len(g)-1] != "mine" || h[len(h)-1] != "theirs" {
		t.Errorf("another result's append changed this one's groups: %q, %q", g, h)
	}
}
