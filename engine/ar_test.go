package engine_test

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// TestActiveResponses checks which bound responses an alert selects: a
// command gets its expected values or the response is skipped (missing
// or crafted user or IP, allow-listed IP, no file name).
func TestActiveResponses(t *testing.T) {
	rs := smallRuleset(t)
	block := &ruleset.Command{Name: "firewall-drop", Expect: []string{"srcip"}}
	disable := &ruleset.Command{Name: "disable-account", Expect: []string{"user"}}
	quarantine := &ruleset.Command{Name: "quarantine", Expect: []string{"filename"}}
	both := &ruleset.Command{Name: "both", Expect: []string{"srcip", "user"}}
	ars := []*ruleset.ActiveResponse{
		{Name: "firewall-drop600", CommandName: "firewall-drop", Command: block, Location: ruleset.ARRemoteAgent},
		{Name: "disable-account0", CommandName: "disable-account", Command: disable, Location: ruleset.ARServer},
		{Name: "quarantine0", CommandName: "quarantine", Command: quarantine, Location: ruleset.ARAllAgents},
		{Name: "both0", CommandName: "both", Command: both, Location: ruleset.ARSpecificAgent, AgentID: "001"},
	}
	rs.ByID[5716].EditExtras().ActiveResponses = ars
	rs.Config.AllowList = []ruleset.IPMatch{{Text: "192.168.0.0/16", Prefix: netip.MustParsePrefix("192.168.0.0/16")}}
	e := engine.New(rs, engine.Options{Hostname: "melancia", Now: fixedClock})
	run := func(user, ip string) []engine.ActiveResponse {
		r := e.NewSession().Process("Nov 26 10:00:00 host sshd[1]: Failed password for " + user + " from " + ip + " port 22 ssh2")
		if r.Rule == nil || r.Rule.ID != 5716 {
			t.Fatalf("rule %+v, want 5716", r.Rule)
		}
		return r.ActiveResponses
	}
	want := []engine.ActiveResponse{
		{Command: "firewall-drop", Name: "firewall-drop600", Location: "local", Args: map[string]string{"srcip": "10.1.2.3"}},
		{Command: "disable-account", Name: "disable-account0", Location: "server", Args: map[string]string{"user": "root"}},
		{Command: "both", Name: "both0", Location: "defined-agent", AgentID: "001", Args: map[string]string{"srcip": "10.1.2.3", "user": "root"}},
	}
	if diff := cmp.Diff(want, run("root", "10.1.2.3")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	want = []engine.ActiveResponse{
		{Command: "disable-account", Name: "disable-account0", Location: "server", Args: map[string]string{"user": "root"}},
	}
	if diff := cmp.Diff(want, run("root", "192.168.7.7")); diff != "" {
		t.Errorf("allow-listed IP (-want +got):\n%s", diff)
	}
	want = []engine.ActiveResponse{
		{Command: "firewall-drop", Name: "firewall-drop600", Location: "local", Args: map[string]string{"srcip": "::ffff:10.1.2.3"[7:]}},
	}
	if diff := cmp.Diff(want, run("r;oot", "::ffff:10.1.2.3")); diff != "" {
		t.Errorf("crafted user, mapped IP (-want +got):\n%s", diff)
	}
	rs.ByID[5716].AlertOpts |= ruleset.NoAR
	if got := run("root", "10.1.2.3"); got != nil {
		t.Errorf("no_ar: %+v", got)
	}
}
