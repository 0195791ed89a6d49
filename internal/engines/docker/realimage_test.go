package docker

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// EnvImage names the environment variable with a real OSSEC manager image
// (e.g. the one built from containers/manager) for the tests that need
// one; they skip without it.
const EnvImage = "RULETEST_OSSEC_IMAGE"

func realImageOrSkip(t *testing.T) string {
	t.Helper()
	img := testenv.OSSECImage(t)
	dockerOrSkip(t)
	return img
}

// realLines are log lines for several stock decoders and rules, and a
// line without a syslog header.
var realLines = []string{
	"Feb  9 11:44:56 someserver sshd[1234]: Failed password for root from 1.2.3.4 port 22 ssh2",
	"Feb  9 11:44:57 someserver sshd[1234]: Accepted password for alice from 10.1.2.3 port 4242 ssh2",
	"x",
	"Feb  9 11:44:58 someserver su[99]: pam_unix(su:auth): authentication failure; logname=bob uid=1000 euid=0 tty=pts/0 ruser=bob rhost=  user=root",
	`192.168.2.10 - - [26/Nov/2026:10:00:00 +0000] "GET /../../etc/passwd HTTP/1.1" 400 226 "-" "curl/8.0"`,
	"[error] [client 64.94.163.159] Client sent malformed Host header",
	"a line that no decoder knows",
}

// TestRealImageLogtestAgreesWithNative runs lines through the real
// ossec-logtest of the image, on the image's own ruleset, and through the
// native engine on a copy of that ruleset: every field of the summary,
// groups and mail included, must agree.
func TestRealImageLogtestAgreesWithNative(t *testing.T) {
	img := realImageOrSkip(t)
	ctx := context.Background()
	b, err := NewBackend(ctx, Config{Image: img, Hostname: "melancia", Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, err := b.Open(ctx, ruleset.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base, err := b.imageBase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	native, err := harness.NewNative("melancia").Open(ctx, ruleset.Sources{Base: base})
	if err != nil {
		t.Fatalf("native engine on the image's ruleset: %v", err)
	}
	defer native.Close()
	alerts := 0
	for _, line := range realLines {
		msg := engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: line}
		got, err := s.Process(ctx, msg)
		if err != nil {
			t.Fatalf("%q on %s: %v", line, img, err)
		}
		want, err := native.Process(ctx, msg)
		if err != nil {
			t.Fatalf("%q on native: %v", line, err)
		}
		if diff := cmp.Diff(summarize(want), summarize(got)); diff != "" {
			t.Errorf("%q: native and %s differ (-native +real):\n%s", line, img, diff)
		}
		if got.Alert {
			alerts++
		}
	}
	if alerts == 0 {
		t.Errorf("no line alerted on %s: the lines do not test groups and mail", img)
	}
}

// TestRealImageLive injects a log line and two file-integrity events into
// the manager's daemons and reads the alerts back.
func TestRealImageLive(t *testing.T) {
	img, b := realLiveBackend(t)
	ctx := context.Background()
	if _, err := b.m.sh(ctx, `test -x /var/ossec/bin/ossec-control && test -x /var/ossec/bin/ossec-remoted`); err != nil {
		t.Skipf("%s has no ossec-control or ossec-remoted: %v", img, err)
	}
	s, err := b.Open(ctx, ruleset.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Process(ctx, engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: realLines[0]})
	if err != nil {
		t.Fatal(err)
	}
	if r.Rule == nil || r.Rule.ID != 5716 || !r.Alert || !cmp.Equal(r.Rule.Groups, []string{"syslog", "sshd", "authentication_failed"}) {
		t.Errorf("sshd failure by syslog: %+v", r)
	}
	if v, _ := r.Field("srcip"); v != "1.2.3.4" {
		t.Errorf("srcip = %q", v)
	}
	old := "1024:33188:0:0:d41d8cd98f00b204e9800998ecf8427e:da39a3ee5e6b4b0d3255bfef95601890afd80709 /etc/hosts"
	changed := "2048:33188:0:0:9e107d9d372bb6826bd81d3542a419d6:2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 /etc/hosts"
	for i, text := range []string{old, changed} {
		r, err := s.Process(ctx, engine.Message{Queue: engine.QueueSyscheck, Location: "syscheck", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && r.Rule != nil {
			t.Errorf("first report of /etc/hosts alerted: %+v", r.Rule)
		}
		if i == 1 && (r.Rule == nil || r.Rule.ID != 550) {
			t.Errorf("changed /etc/hosts: %+v, want rule 550", r.Rule)
		}
	}
}

// TestRealImageLiveStartFailure: a ruleset analysisd refuses stops the
// case once, within seconds, with an error naming ossec-analysisd and
// quoting its ossec.log line; the next case with a good ruleset runs.
func TestRealImageLiveStartFailure(t *testing.T) {
	img, b := realLiveBackend(t)
	ctx := context.Background()
	bad := filepath.Join(t.TempDir(), "bad_rules.xml")
	if err := os.WriteFile(bad, []byte("<group name=\"bad,\">\n  <rule id=\"100900\" level=\"3\">\n    <match>x</match>\n  </rul>\n</group>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s, err := b.Open(ctx, ruleset.Sources{Rules: []string{bad}})
	took := time.Since(start)
	if err == nil {
		s.Close()
		t.Fatalf("a ruleset with a broken rule file started on %s", img)
	}
	msg := err.Error()
	if !strings.Contains(msg, "ossec-analysisd") || !strings.Contains(msg, "ossec.log:") || !strings.Contains(msg, "bad_rules.xml") {
		t.Errorf("the error does not name analysisd and quote its ossec.log line about bad_rules.xml:\n%s", msg)
	}
	if took > 30*time.Second {
		t.Errorf("the failure took %v, want seconds", took)
	}
	t.Logf("failed in %v:\n%s", took.Round(time.Millisecond), msg)
	s, err = b.Open(ctx, ruleset.Sources{})
	if err != nil {
		t.Fatalf("the next case: %v", err)
	}
	defer s.Close()
	r, err := s.Process(ctx, engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: realLines[0]})
	if err != nil || r.Rule == nil || r.Rule.ID != 5716 {
		t.Errorf("after the failure: %+v, %v; want rule 5716", r.Rule, err)
	}
}

// realLiveBackend starts the docker-live engine on the real image of
// RULETEST_OSSEC_IMAGE, closed when the test ends.
func realLiveBackend(t *testing.T) (string, *LiveBackend) {
	t.Helper()
	img := realImageOrSkip(t)
	b, err := NewLiveBackend(context.Background(), Config{Image: img, Executable: realRuletest(t), Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return img, b
}
