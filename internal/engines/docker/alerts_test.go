package docker

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

func readRecorded(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/recorded/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseRecordedAlerts reads what a real analysisd wrote and checks the
// three alerts, and that alerts.json and alerts.log pair up by id.
func TestParseRecordedAlerts(t *testing.T) {
	js, err := ParseAlertsJSON("alerts.json", strings.NewReader(string(readRecorded(t, "alerts.json"))))
	if err != nil {
		t.Fatal(err)
	}
	logs, err := ParseAlertsLog(readRecorded(t, "alerts.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(js) != 3 || len(logs) != 3 {
		t.Fatalf("%d JSON alerts, %d alerts.log alerts; want 3 of each", len(js), len(logs))
	}
	type row struct {
		ID, Decoder, Location, Hostname string
		Rule, Level                     int
		Groups                          []string
		Mail                            bool
		Fields                          map[string]string
		Path                            string
	}
	var got []row
	for i, j := range js {
		if alertKey(logs[i]) != j.ID {
			t.Errorf("alert %d: alerts.log id %s, alerts.json id %s", i, alertKey(logs[i]), j.ID)
		}
		r := liveResult(j.FullLog, &js[i], &logs[i])
		x := row{ID: j.ID, Decoder: r.Decoder, Location: j.Location, Hostname: j.Hostname, Rule: r.Rule.ID, Level: r.Rule.Level,
			Groups: r.Rule.Groups, Mail: r.Mail, Fields: j.Fields}
		if j.SyscheckFile != nil {
			x.Path = j.SyscheckFile.Path
		}
		got = append(got, x)
	}
	want := []row{
		{ID: "1795690343.1", Decoder: "sshd", Location: "/var/log/auth.log", Hostname: "someserver", Rule: 5716, Level: 5,
			Groups: []string{"syslog", "sshd", "authentication_failed"}, Fields: map[string]string{"srcip": "1.2.3.4", "dstuser": "root"}},
		{ID: "1795690343.2", Decoder: "sshd", Location: "127.0.0.1", Hostname: "web1", Rule: 10100, Level: 4, Mail: true,
			Groups: []string{"syslog", "fts", "authentication_success"}, Fields: map[string]string{"srcip": "10.1.2.3", "dstuser": "alice"}},
		{ID: "1795690343.3", Decoder: "syscheck_integrity_changed", Location: "syscheck", Hostname: js[2].Hostname, Rule: 550, Level: 7, Mail: true,
			Groups: []string{"ossec", "syscheck"}, Path: "/etc/hosts"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recorded alerts (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(js[2].FullLog, "Integrity checksum changed for: '/etc/hosts'\n") || js[2].SyscheckFile.MD5After != "9e107d9d372bb6826bd81d3542a419d6" {
		t.Errorf("syscheck alert: full_log %q, file %+v", js[2].FullLog, js[2].SyscheckFile)
	}
}

func TestParseAlertsJSONErrorsNameTheLine(t *testing.T) {
	rec := string(readRecorded(t, "alerts.json"))
	lines := strings.SplitAfter(rec, "\n")
	broken := lines[0] + "{not json\n" + lines[1]
	_, err := ParseAlertsJSON("alerts.json", strings.NewReader(broken))
	if err == nil || !strings.HasPrefix(err.Error(), "alerts.json:2: ") {
		t.Errorf("got %v; want an error at alerts.json:2", err)
	}
	_, err = ParseAlertsJSON("alerts.json", strings.NewReader(`{"rule":{}}`+"\n"))
	if err == nil || !strings.Contains(err.Error(), "not an alert") {
		t.Errorf("object without id: %v", err)
	}
	// A line still being written (no newline yet) is left for later.
	got, err := ParseAlertsJSON("alerts.json", strings.NewReader(lines[0]+lines[1][:40]))
	if err != nil || len(got) != 1 {
		t.Errorf("partial last line: %d alerts, %v; want 1 and no error", len(got), err)
	}
}

func TestParseAlertsLogLeavesAPartialAlert(t *testing.T) {
	rec := readRecorded(t, "alerts.log")
	cut := strings.Index(string(rec), "** Alert 1795690343.3") + 60
	got, err := ParseAlertsLog(rec[:cut])
	if err != nil || len(got) != 2 {
		t.Fatalf("cut inside the third alert: %d alerts, %v; want 2", len(got), err)
	}
}

func TestParseARLog(t *testing.T) {
	// Lines as OSSEC's firewall-drop.sh and ossec-ar-verify-file write them.
	data := "Thu Nov 26 10:52:23 UTC 2026 /var/ossec/active-response/bin/firewall-drop.sh add - 1.2.3.4 1795690343.1 5712\n" +
		"Thu Nov  6 10:52:24 UTC 2026 ossec-ar-verify-file: queued /etc/hosts\n" +
		"garbage line\n\n"
	got := ParseARLog([]byte(data))
	want := []ARLine{
		{Text: strings.Split(data, "\n")[0], Program: "/var/ossec/active-response/bin/firewall-drop.sh", Args: []string{"add", "-", "1.2.3.4", "1795690343.1", "5712"}},
		{Text: strings.Split(data, "\n")[1], Program: "ossec-ar-verify-file", Args: []string{"queued", "/etc/hosts"}},
		{Text: "garbage line"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLiveResultWithoutAlert(t *testing.T) {
	r := liveResult("a line", nil, nil)
	if diff := cmp.Diff(engine.Result{Log: "a line"}, r); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLiveResultUsesLogtestFieldNames(t *testing.T) {
	j := &JSONAlert{Fields: map[string]string{"data": "/etc/hosts", "protocol": "tcp", "systemname": "web", "srcip": "1.2.3.4"}}
	j.Rule.SIDID = 1
	r := liveResult("x", j, nil)
	want := []engine.Field{{Name: "extra_data", Value: "/etc/hosts"}, {Name: "proto", Value: "tcp"}, {Name: "srcip", Value: "1.2.3.4"}, {Name: "system_name", Value: "web"}}
	if diff := cmp.Diff(want, r.Fields); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
