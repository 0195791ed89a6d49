package logtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// recorded returns a RunFunc that answers with the recorded output of the
// real ossec-logtest in ../logtestfmt/testdata, checking that it is asked
// for exactly the recorded input.
func recorded(t *testing.T, name string, calls *int) RunFunc {
	read := func(f string) []byte {
		data, err := os.ReadFile(filepath.Join("..", "..", "logtestfmt", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	in := read(name + ".log")
	return func(ctx context.Context, alerts bool, stdin []byte) ([]byte, []byte, error) {
		*calls++
		if string(stdin) != string(in) {
			t.Errorf("stdin = %q, want the recorded input", stdin)
		}
		if alerts {
			return read(name + "-a.txt"), nil, nil
		}
		return nil, read(name + ".txt"), nil
	}
}

func TestReplayRecorded(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "logtestfmt", "testdata", "freq.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	calls := 0
	res, err := Replay(t.Context(), recorded(t, "freq", &calls), lines)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("%d runs, want 2 (default and -a)", calls)
	}
	var ids []int
	for _, r := range res {
		ids = append(ids, r.Rule.ID)
	}
	if d := cmp.Diff([]int{5716, 5716, 5716, 5716, 5716, 5716, 5716, 5720, 5716, 5716, 5716, 5716}, ids); d != "" {
		t.Errorf("rules (-want +got):\n%s", d)
	}
	if !res[7].Mail || res[0].Mail || len(res[7].Rule.Groups) == 0 {
		t.Errorf("groups and mail not merged from -a: %+v / %+v", res[0], res[7])
	}
}

func TestReplayErrors(t *testing.T) {
	fail := func(context.Context, bool, []byte) ([]byte, []byte, error) {
		return nil, nil, errors.New("boom")
	}
	if _, err := Replay(t.Context(), fail, []string{"a line"}); err == nil || err.Error() != "boom" {
		t.Errorf("err = %v, want boom", err)
	}
	none := func(context.Context, bool, []byte) ([]byte, []byte, error) { return nil, nil, nil }
	if _, err := Replay(t.Context(), none, []string{"a line"}); err == nil || !strings.Contains(err.Error(), "printed 0 events for 1 input lines") {
		t.Errorf("err = %v, want a count mismatch", err)
	}
}

func TestSessionUnsupported(t *testing.T) {
	s := NewSession(nil)
	_, err := s.Process(t.Context(), engine.Message{Queue: engine.QueueSyscheck, Location: "syscheck", Text: "x"})
	var u *harness.UnsupportedError
	if !errors.As(err, &u) {
		t.Errorf("err = %v, want *harness.UnsupportedError", err)
	}
}

// realDir returns the OSSEC installation to test against, or skips.
func realDir(t *testing.T) string {
	dir := testenv.OSSECDir(t)
	if _, err := FindBinary(dir); err != nil {
		t.Skipf("no real OSSEC: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("ossec-logtest chroots into its directory: this test needs root")
	}
	return dir
}

// TestRealSession runs a correlation sequence on the real ossec-logtest
// through the Backend: one session, replayed per event.
func TestRealSession(t *testing.T) {
	dir := realDir(t)
	b, err := NewBackend(dir, "melancia")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, err := b.Open(t.Context(), ruleset.Sources{Base: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	msg := func(text string) engine.Message {
		return engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: text}
	}
	const ids = "10/20-20:43:32.334621  [**] [1:10000001:0] /etc/passwd test detected [**] [Priority: 0] {TCP} 10.1.4.2:59240 -> 10.1.7.2:80"
	var got []int
	for _, text := range []string{ids, "x", ids} {
		r, err := s.Process(t.Context(), msg(text))
		if err != nil {
			t.Fatal(err)
		}
		id := 0
		if r.Rule != nil {
			id = r.Rule.ID
		}
		got = append(got, id)
		if r.Log != text {
			t.Errorf("Log = %q, want the input", r.Log)
		}
	}
	if d := cmp.Diff([]int{20100, 0, 20101}, got); d != "" {
		t.Errorf("rules (-want +got):\n%s", d)
	}
	r, err := s.Process(t.Context(), msg("[error] [client 80.230.208.105] Directory index forbidden by rule: /home/"))
	if err != nil {
		t.Fatal(err)
	}
	want := &engine.RuleMatch{ID: 30106, Level: 5, Description: "Attempt to access forbidden directory index.", Groups: []string{"apache", "access_denied"}}
	if d := cmp.Diff(want, r.Rule); d != "" || r.Phase1.Hostname != "melancia" || !r.Alert {
		t.Errorf("rule (-want +got):\n%s\nhostname %q alert %v", d, r.Phase1.Hostname, r.Alert)
	}
}

// TestRealLayers runs a rule file and a CDB list layered over the stock
// ruleset on the real ossec-logtest and on the native engine: both must
// give the rule that looks the list up.
func TestRealLayers(t *testing.T) {
	dir := realDir(t)
	layer := t.TempDir()
	rules := filepath.Join(layer, "local.xml")
	list := filepath.Join(layer, "bad-ips")
	os.WriteFile(rules, []byte(`<group name="local,">
  <rule id="100100" level="7">
    <if_sid>5716</if_sid>
    <list field="srcip" lookup="address_match_key">lists/bad-ips</list>
    <description>Failed login from a listed address.</description>
  </rule>
</group>
`), 0o644)
	os.WriteFile(list, []byte("192.168.1.1:bad ### listed\n10.0.0.0:net\n"), 0o644)
	src := ruleset.Sources{Base: dir, Rules: []string{rules}, Lists: []string{list}}

	b, err := NewBackend(dir, "melancia")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	native := harness.NewNative("melancia")
	lines := []string{
		"Aug 18 07:30:25 192.168.1.5 sshd[20247]: [ID 800047 auth.notice] Failed none for root from 192.168.1.1 port 36942 ssh2",
		"Aug 18 07:30:25 192.168.1.5 sshd[20247]: [ID 800047 auth.notice] Failed none for root from 192.168.1.2 port 36942 ssh2",
	}
	for _, be := range []harness.Backend{b, native} {
		s, err := be.Open(t.Context(), src)
		if err != nil {
			t.Fatalf("%s: %v", be.Name(), err)
		}
		var got []int
		for _, l := range lines {
			r, err := s.Process(t.Context(), engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: l})
			if err != nil {
				t.Fatalf("%s: %v", be.Name(), err)
			}
			got = append(got, r.Rule.ID)
		}
		s.Close()
		if d := cmp.Diff([]int{100100, 5716}, got); d != "" {
			t.Errorf("%s engine: rules (-want +got):\n%s", be.Name(), d)
		}
	}
}
