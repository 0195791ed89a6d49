package logtestfmt

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

func readLines(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func parseFile(t *testing.T, name string) []engine.Result {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func parseAlertsFile(t *testing.T, name string) []Alert {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	as, err := ParseAlerts(f)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestParseRecorded parses the recorded output of the real ossec-logtest.
func TestParseRecorded(t *testing.T) {
	lines := readLines(t, "mix.log")
	rs, err := Align(lines, parseFile(t, "mix.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := MergeAlerts(rs, parseAlertsFile(t, "mix-a.txt")); err != nil {
		t.Fatal(err)
	}
	byLine := map[string]engine.Result{}
	for i, r := range rs {
		if !r.Skipped && r.Phase1.FullEvent != lines[i] {
			t.Errorf("line %d: full event %q, want the input", i+1, r.Phase1.FullEvent)
		}
		byLine[lines[i]] = r
	}
	want := []engine.Result{
		{
			Log:     "[error] [client 64.94.163.159] Client sent malformed Host header",
			Phase1:  engine.Phase1{FullEvent: "[error] [client 64.94.163.159] Client sent malformed Host header", Hostname: "melancia", Log: "[error] [client 64.94.163.159] Client sent malformed Host header"},
			Decoder: "apache-errorlog",
			Fields:  []engine.Field{{Name: "srcip", Value: "64.94.163.159"}},
			Rule: &engine.RuleMatch{ID: 30107, Level: 6, Description: "Code Red attack.", Info: []engine.Info{
				{Type: "Link", Data: "http://www.cert.org/advisories/CA-2001-19.html"},
				{Type: "Text", Data: `CERT: Advisory CA-2001-19 "Code Red" Worm Exploiting Buffer Overflow In IIS Indexing Service DLL`},
			}, Groups: []string{"apache", "automatic_attack"}},
			Alert: true,
		},
		{
			Log:     "Jan 27 09:25:36 junction dhcpd[71391]: DHCPREQUEST for 192.168.17.164 from f4:8c:50:9d:eb:35 via em1",
			Phase1:  engine.Phase1{FullEvent: "Jan 27 09:25:36 junction dhcpd[71391]: DHCPREQUEST for 192.168.17.164 from f4:8c:50:9d:eb:35 via em1", Hostname: "junction", ProgramName: "dhcpd", HasProgramName: true, Log: "DHCPREQUEST for 192.168.17.164 from f4:8c:50:9d:eb:35 via em1"},
			Decoder: "dhcpd",
			Fields:  []engine.Field{{Name: "action", Value: "DHCPREQUEST"}, {Name: "srcip", Value: "192.168.17.164"}, {Name: "extra_data", Value: "f4:8c:50:9d:eb:35"}, {Name: "extra_data", Value: "em1"}},
			Rule:    &engine.RuleMatch{ID: 53001, Level: 1, Description: "Normal dhcp.", Groups: []string{"syslog", "dhcpd"}},
			Alert:   true,
		},
		{
			Log:    "%%ASA-6-308001: Console enable password incorrect for 3 tries (from ssh (remote 198.18.1.100))",
			Phase1: engine.Phase1{FullEvent: "%%ASA-6-308001: Console enable password incorrect for 3 tries (from ssh (remote 198.18.1.100))", Hostname: "melancia", Log: "%%ASA-6-308001: Console enable password incorrect for 3 tries (from ssh (remote 198.18.1.100))"},
		},
		{Log: "x", Skipped: true},
		{
			Log:         "Jan 11 09:26:57 hostname slapd[20872]: conn=999999 op=0 BIND dn=\"uid=example,ou=People,dc=example,dc=com\" method=128",
			Phase1:      engine.Phase1{FullEvent: "Jan 11 09:26:57 hostname slapd[20872]: conn=999999 op=0 BIND dn=\"uid=example,ou=People,dc=example,dc=com\" method=128", Hostname: "hostname", ProgramName: "slapd", HasProgramName: true, Log: "conn=999999 op=0 BIND dn=\"uid=example,ou=People,dc=example,dc=com\" method=128"},
			Decoder:     "openldap",
			Fields:      []engine.Field{{Name: "id", Value: "999999"}, {Name: "dstuser", Value: "example"}},
			Accumulated: true,
			Rule:        &engine.RuleMatch{ID: 2507, Level: 0, Description: "OpenLDAP group."},
		},
		{
			Log:   "2014 Dec 20 14:29:48 (HME-TEST-01) 10.0.15.14->WinEvtLog 2014 Dec 20 09:29:47 WinEvtLog: Microsoft-Windows-Sysmon/Operational: INFORMATION(1): Microsoft-Windows-Sysmon: SYSTEM: NT AUTHORITY: WIN-U93G48C7BOP: Process Create:  UtcTime: 12/20/2014 2:29 PM  ProcessGuid: {00000000-87DB-5495-0000-001045F25A00}  ProcessId: 3048  Image: C:\\Windows\\system32\\svchost.exe  CommandLine: \"C:\\Windows\\system32\\NOTEPAD.EXE\" C:\\Users\\Administrator\\Desktop\\ossec.log  User: WIN-U93G48C7BOP\\Administrator  LogonGuid: {00000000-84B8-5494-0000-0020CB330200}  LogonId: 0x233CB  TerminalSessionId: 1  IntegrityLevel: High  HashType: SHA1  Hash: 9FEF303BEDF8430403915951564E0D9888F6F365  ParentProcessGuid: {00000000-84B9-5494-0000-0010BE4A0200}  ParentProcessId: 848  ParentImage: C:\\Windows\\Explorer.EXE  ParentCommandLine: C:\\Windows\\Explorer.EXE",
			Rule:  &engine.RuleMatch{ID: 18501, Level: 12, Description: "Sysmon - Suspicious Process - svchost.exe", Groups: []string{"sysmon_process-anomalies"}},
			Alert: true,
			Mail:  true,
		},
	}
	for _, w := range want {
		got, ok := byLine[w.Log]
		if !ok {
			t.Errorf("no result for %q", w.Log)
			continue
		}
		if w.Decoder == "" && w.Rule != nil && w.Rule.ID == 18501 {
			// Only phase 3 and the alert are spelled out for this one.
			got.Phase1, got.Decoder, got.Fields = engine.Phase1{}, "", nil
		}
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("%.40q... (-want +got):\n%s", w.Log, d)
		}
	}
}

func TestParseAlertsRecorded(t *testing.T) {
	as := parseAlertsFile(t, "mix-a.txt")
	if len(as) != 8 {
		t.Fatalf("%d alerts, want 8", len(as))
	}
	want := Alert{
		Time: 1795688356, ID: 8, Groups: []string{"syslog", "access_control"},
		Date: "2026 Nov 26 10:19:16", Host: "hostname", Location: "stdin",
		Rule: 2509, Level: 5, Description: "OpenLDAP authentication failed.",
		SrcIP: "10.10.248.27", User: "example",
		FullLog:    "Jan 11 09:26:57 hostname slapd[20872]: conn=999999 op=0 RESULT tag=97 err=49 text=",
		LastEvents: []string{"Jan 11 09:26:57 hostname slapd[20872]: conn=999999 fd=64 ACCEPT from IP=10.10.248.27:33957 (IP=10.10.241.77:389)"},
	}
	if d := cmp.Diff(want, as[7]); d != "" {
		t.Errorf("last alert (-want +got):\n%s", d)
	}
	if !as[2].Mail || as[2].Rule != 20100 || as[2].DstIP != "10.1.7.2" || as[1].Mail {
		t.Errorf("mail flags or fields wrong: %+v / %+v", as[1], as[2])
	}
}

// TestParseFrequency checks a recorded sequence: rule 5720 (frequency 6)
// fires on the 8th of 12 identical failures.
func TestParseFrequency(t *testing.T) {
	rs, err := Align(readLines(t, "freq.log"), parseFile(t, "freq.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := MergeAlerts(rs, parseAlertsFile(t, "freq-a.txt")); err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, r := range rs {
		ids = append(ids, r.Rule.ID)
	}
	if d := cmp.Diff([]int{5716, 5716, 5716, 5716, 5716, 5716, 5716, 5720, 5716, 5716, 5716, 5716}, ids); d != "" {
		t.Errorf("rules (-want +got):\n%s", d)
	}
	if r := rs[7]; !r.Mail || r.Rule.Level != 10 || !strings.Contains(strings.Join(r.Rule.Groups, ","), "authentication_failures") {
		t.Errorf("5720: %+v %+v", r.Rule, r.Mail)
	}
}

// TestParseVerbose checks that -v rule traces are tolerated and change
// nothing.
func TestParseVerbose(t *testing.T) {
	rs := parseFile(t, "small-v.txt")
	if len(rs) != 2 {
		t.Fatalf("%d events, want 2", len(rs))
	}
	if rs[0].Rule == nil || rs[0].Rule.ID != 30107 || !rs[0].Alert || rs[0].Decoder != "apache-errorlog" {
		t.Errorf("event 1: %+v", rs[0])
	}
	if rs[1].Rule != nil || rs[1].Decoder != "" || rs[1].Fields != nil {
		t.Errorf("event 2: %+v", rs[1])
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"garbage\n", "line 1: unexpected text before the first event"},
		{"**Phase 1: Completed pre-decoding.\n       full event: 'a'\n       hostname: 'h'\n       program_name: '(null)'\n       log: 'a'\nwhat\n", "line 6: unexpected line"},
		{"**Phase 1: Completed pre-decoding.\n       full event: 'a'\n", "event ends before its phase 1 is complete"},
		{"**Phase 1: Completed pre-decoding.\n       full event: 'a'\n       hostname: 'h'\n       program_name: '(null)'\n       log: 'a'\n**Alert to be generated.\n", "alert without a rule"},
		{"**Phase 1: Completed pre-decoding.\n       full event: 'a'\n       hostname: 'h'\n       program_name: '(null)'\n       log: 'a'\n**Phase 3: Completed filtering (rules).\n       Rule id: 'x'\n", "rule id is not a number"},
	} {
		_, err := Parse(strings.NewReader(tc.in))
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.want)
		}
	}
	if _, err := ParseAlerts(strings.NewReader("** Alert 1.2: - a,\nnot a date\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ParseAlerts: err = %v", err)
	}
}

func TestAlign(t *testing.T) {
	r := engine.Result{Decoder: "d"}
	// "y\x00zz" is one byte long for ossec-logtest (C strings end at NUL).
	got, err := Align([]string{"a line", "", "x", "y\x00zz", "another"}, []engine.Result{r, r})
	if err != nil {
		t.Fatal(err)
	}
	want := []engine.Result{{Log: "a line", Decoder: "d"}, {Log: "", Skipped: true}, {Log: "x", Skipped: true}, {Log: "y\x00zz", Skipped: true}, {Log: "another", Decoder: "d"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := Align([]string{"a line"}, []engine.Result{r, r}); err == nil {
		t.Error("Align accepted more results than lines")
	}
}

func TestSplitGroups(t *testing.T) {
	for in, want := range map[string][]string{
		"syslog,sshd,":             {"syslog", "sshd"},
		"sysmon_process-anomalies": {"sysmon_process-anomalies"},
		"syslog, su,":              {"syslog", " su"},
		"":                         nil,
	} {
		if d := cmp.Diff(want, SplitGroups(in)); d != "" {
			t.Errorf("SplitGroups(%q): %s", in, d)
		}
	}
}

func TestSplitInput(t *testing.T) {
	long := strings.Repeat("a", 6135)
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"short", []string{"short"}},
		{"", []string{""}},
		{long, []string{long, ""}},
		{long + "bc", []string{long, "bc"}},
		{long + long + "x", []string{long, long, "x"}},
		{"a\nb", []string{"a", "b"}},
	} {
		if d := cmp.Diff(tc.want, SplitInput(tc.in)); d != "" {
			t.Errorf("SplitInput(%d bytes) (-want +got):\n%s", len(tc.in), d)
		}
	}
}
