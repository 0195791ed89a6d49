package docker

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// TestParseRecordedArchives reads what a real analysisd wrote to
// archives.json and checks each event as the live engine reports it.
func TestParseRecordedArchives(t *testing.T) {
	evs, err := ParseArchivesJSON("archives.json", bytes.NewReader(readRecorded(t, "archives.json")))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Logfile, Decoder, Host string
		Rule, Level            int
		Fields                 map[string]string
	}
	var got []row
	for i := range evs {
		r := evs[i].Result(evs[i].text(), nil)
		w := row{Logfile: evs[i].Logfile, Decoder: r.Decoder, Host: r.Phase1.Hostname}
		if r.Rule != nil {
			w.Rule, w.Level = r.Rule.ID, r.Rule.Level
		}
		if len(r.Fields) > 0 {
			w.Fields = map[string]string{}
			for _, f := range r.Fields {
				w.Fields[f.Name] = f.Value
			}
		}
		got = append(got, w)
	}
	want := []row{
		{Logfile: "127.0.0.1", Host: "vm"},
		{Logfile: "127.0.0.1", Decoder: "sshd", Host: "someserver", Rule: 5716, Level: 5, Fields: map[string]string{"srcip": "1.2.3.4", "dstuser": "root"}},
		{Logfile: "127.0.0.1", Host: "vm"},
		{Logfile: "127.0.0.1", Decoder: "ossec-ar-verify", Host: "ether"}, // level 0: no rule recorded
		{Logfile: "127.0.0.1", Host: "vm"},
		{Logfile: "syscheck", Decoder: "syscheck_integrity_changed", Host: "vm", Rule: 106002, Level: 1},
		{Logfile: "/var/ossec/logs/ar-verify.log", Decoder: "ossec-ar-verify", Host: "vm", Rule: 107003, Level: 9,
			Fields: map[string]string{"action": "unmanaged", "extra_data": "/etc/hosts", "id": "1796565360.2"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("archives.json (-want +got):\n%s", diff)
	}
	var produced []int
	for i := range evs {
		if producedByFile(&evs[i], "127.0.0.1") {
			produced = append(produced, i)
		}
	}
	if len(produced) != 1 || produced[0] != 6 {
		t.Errorf("events produced by the manager from a file: %v; want [6] (the verdict)", produced)
	}
	if producedByFile(&Archived{Logfile: "df -P", FullLog: "ossec: output: 'df -P'"}, "127.0.0.1") {
		t.Errorf("a command's output counts as produced from a file")
	}
	if evs[5].Filename != "/etc/hosts" {
		t.Errorf("integrity event's filename = %q", evs[5].Filename)
	}
	// A partial last line is left for the next read; a broken one names
	// its line.
	if evs, err := ParseArchivesJSON("a", strings.NewReader("{\"log\":\"x\"}\n{\"log\":")); err != nil || len(evs) != 1 {
		t.Errorf("partial last line: %d events, %v", len(evs), err)
	}
	if _, err := ParseArchivesJSON("a", strings.NewReader("{\"log\":\"x\"}\nnot json\n")); err == nil || !strings.Contains(err.Error(), "a:2:") {
		t.Errorf("broken line: %v; want an error naming a:2", err)
	}
}

// TestRecordedARLog reads the active response's own log: its argv line is
// the response (the file name whole), its verdict line is none.
func TestRecordedARLog(t *testing.T) {
	var ars []engine.ActiveResponse
	for _, l := range ParseARLog(readRecorded(t, "active-responses.log")) {
		if ar, ok := l.response(); ok {
			ars = append(ars, ar)
		}
	}
	want := []engine.ActiveResponse{{Command: "ossec-ar-verify-file", Location: "local", Args: map[string]string{"filename": "/etc/hosts"}}}
	if diff := cmp.Diff(want, ars); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// An OSSEC script's line, the name shell-escaped by analysisd and
	// split by execd at every space.
	l := ParseARLog([]byte(`Sun Dec  6 13:56:01 UTC 2026 /var/ossec/active-response/bin/firewall-drop.sh add - 1.2.3.4 1796565360.2 5712 127.0.0.1 /etc/job\ \(copy\)` + "\n"))
	ar, ok := l[0].response()
	if !ok || ar.Command != "firewall-drop.sh" || ar.Args["srcip"] != "1.2.3.4" || ar.Args["filename"] != "/etc/job (copy)" {
		t.Errorf("script line: %+v %v", ar, ok)
	}
}

func TestSyslogListener(t *testing.T) {
	for _, c := range []struct {
		name, conf string
		added      bool
		port       int
	}{
		{"none", `<ossec_config><remote><connection>secure</connection><port>1514</port></remote></ossec_config>`, true, 514},
		{"reused", `<remote><connection>syslog</connection><port>10514</port><allowed-ips>10.0.0.0/8</allowed-ips><allowed-ips>127.0.0.1</allowed-ips></remote>`, false, 10514},
		{"514 for others", `<remote><connection>syslog</connection><allowed-ips>10.0.0.0/8</allowed-ips></remote>`, true, ourSyslogPort},
		{"tcp", `<remote><connection>syslog</connection><protocol>tcp</protocol><port>601</port><allowed-ips>127.0.0.1</allowed-ips></remote>`, true, 514},
	} {
		block, port := syslogListener(c.conf)
		if (block != "") != c.added || port != c.port {
			t.Errorf("%s: block %q port %d; want added %v port %d", c.name, block, port, c.added, c.port)
		}
		if c.added && !strings.Contains(block, "<allowed-ips>127.0.0.1</allowed-ips>") {
			t.Errorf("%s: the added listener does not take lines from 127.0.0.1: %s", c.name, block)
		}
	}
}

func TestARConfig(t *testing.T) {
	conf := `<ossec_config>
  <global><white_list>127.0.0.1</white_list><allow_list>10.1.0.0/16</allow_list><white_list>gw.example</white_list></global>
  <command><name>ossec-ar-verify-file</name><executable>ossec-ar-verify-file</executable><expect>filename</expect></command>
  <command><name>firewall-drop</name><executable>firewall-drop.sh</executable><expect>srcip</expect></command>
  <command><name>disable-account</name><executable>disable-account.sh</executable><expect>user</expect></command>
  <active-response><command>ossec-ar-verify-file</command><location>local</location><rules_id>106002, 106003</rules_id></active-response>
  <active-response><command>firewall-drop</command><location>local</location><level>7</level></active-response>
  <active-response><command>disable-account</command><location>server</location><rules_group>authentication_failed</rules_group></active-response>
  <active-response><command>firewall-drop</command><location>all</location><rules_id>5720</rules_id></active-response>
  <!-- <active-response><command>firewall-drop</command><rules_group>sshd,</rules_group></active-response> -->
  <active-response><disabled>yes</disabled><command>firewall-drop</command><level>1</level></active-response>
</ossec_config>`
	c := parseARConfig(conf)
	names := func(ars []engine.ActiveResponse) string {
		var s []string
		for _, a := range ars {
			s = append(s, a.Command)
		}
		return strings.Join(s, ",")
	}
	for _, x := range []struct {
		name          string
		id, level     int
		groups        []string
		a             Archived
		location      string
		all, onServer string
	}{
		{"verify, local file", 106002, 1, nil, Archived{Filename: "/etc/hosts"}, "syscheck", "ossec-ar-verify-file", "ossec-ar-verify-file"},
		{"verify, agent's file", 106003, 1, nil, Archived{Filename: "/etc/hosts"}, "(web1) 10.0.0.1->syscheck", "ossec-ar-verify-file", ""},
		{"verify without a file name", 106002, 12, nil, Archived{}, "syscheck", "", ""},
		{"level 7, no srcip", 107004, 10, nil, Archived{}, "127.0.0.1", "", ""},
		{"level 7, srcip", 31151, 10, nil, Archived{Fields: map[string]string{"srcip": "1.2.3.4"}}, "127.0.0.1", "firewall-drop", "firewall-drop"},
		{"level 7, allowed srcip", 31151, 10, nil, Archived{Fields: map[string]string{"srcip": "127.0.0.1"}}, "127.0.0.1", "", ""},
		{"level 7, allowed network", 31151, 10, nil, Archived{Fields: map[string]string{"srcip": "::ffff:10.1.2.3"}}, "127.0.0.1", "", ""},
		{"level 7, allowed host name prefix", 31151, 10, nil, Archived{Fields: map[string]string{"srcip": "gw"}}, "127.0.0.1", "", ""},
		{"level 7, crafted srcip", 31151, 10, nil, Archived{Fields: map[string]string{"srcip": "1.2.3.4;rm"}}, "127.0.0.1", "", ""},
		{"server response, user", 5716, 5, []string{"syslog", "authentication_failed"}, Archived{Fields: map[string]string{"srcuser": "bob"}}, "(web1) 10.0.0.1->/var/log/auth.log", "disable-account", "disable-account"},
		{"crafted user", 5716, 5, []string{"authentication_failed"}, Archived{Fields: map[string]string{"dstuser": "bob smith", "srcuser": "bob"}}, "127.0.0.1", "", ""},
		{"to all agents", 5720, 6, nil, Archived{Fields: map[string]string{"srcip": "1.2.3.4"}}, "127.0.0.1", "firewall-drop", ""},
		{"no response", 5716, 5, []string{"sshd"}, Archived{Fields: map[string]string{"srcip": "1.2.3.4"}}, "127.0.0.1", "", ""},
	} {
		r := engine.Result{Rule: &engine.RuleMatch{ID: x.id, Level: x.level, Groups: x.groups}}
		all, onServer := c.sent(r, &x.a, x.location)
		if names(all) != x.all || names(onServer) != x.onServer {
			t.Errorf("%s: sent %q, on the server %q; want %q and %q", x.name, names(all), names(onServer), x.all, x.onServer)
		}
	}
	all, _ := c.sent(engine.Result{Rule: &engine.RuleMatch{ID: 106002, Level: 1}}, &Archived{Filename: "/etc/hosts"}, "syscheck")
	want := []engine.ActiveResponse{{Command: "ossec-ar-verify-file", Location: "local", Args: map[string]string{"filename": "/etc/hosts"}}}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
}
