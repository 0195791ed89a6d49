package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

var (
	realOnce sync.Once
	realBin  string
	realErr  error
)

// realRuletest builds cmd/ossec-ruletest-docker, the program with the
// docker engines (whose executable goes into the containers: the stand-in,
// docker-live's helper), as a static binary, once: the stand-in runs it as
// /var/ossec/bin/ossec-logtest.
func realRuletest(t *testing.T) string {
	t.Helper()
	realOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dockerengine-real")
		if err != nil {
			realErr = err
			return
		}
		realBin = filepath.Join(dir, "ossec-ruletest-docker")
		cmd := exec.Command("go", "build", "-o", realBin, "../../../cmd/ossec-ruletest-docker")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			realErr = fmt.Errorf("building ossec-ruletest-docker: %v\n%s", err, out)
		}
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realBin
}

func logLine(text string) engine.Message {
	return engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: text}
}

// summary is what the test compares of a result.
type summary struct {
	Skipped     bool
	Hostname    string
	Decoder     string
	Rule, Level int
	Alert, Mail bool
	Groups      []string
}

func summarize(r engine.Result) summary {
	s := summary{Skipped: r.Skipped, Hostname: r.Phase1.Hostname, Decoder: r.Decoder, Alert: r.Alert, Mail: r.Mail}
	if r.Rule != nil {
		s.Rule, s.Level, s.Groups = r.Rule.ID, r.Rule.Level, r.Rule.Groups
	}
	return s
}

// TestBackendOnStandin runs the real ossec-ruletest as ossec-logtest in
// the stand-in image through the harness interfaces: decoding, the
// frequency rule's per-case state, groups and mail from the -a process,
// skipped lines, the hostname, and a run that leaves no container.
func TestBackendOnStandin(t *testing.T) {
	pool := dockerOrSkip(t)
	base, err := filepath.Abs("testdata/base")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBackend(context.Background(), Config{Image: ImageStandin, Executable: realRuletest(t), Hostname: "e2ehost", Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	runID := b.Manager().RunID()
	defer func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
		if list := runContainers(t, pool, runID); len(list) != 0 {
			t.Errorf("containers left: %+v", list)
		}
	}()
	if b.Name() != "docker" {
		t.Errorf("Name() = %q", b.Name())
	}
	src := ruleset.Sources{Base: base}
	login := "Nov 26 10:00:00 web1 e2e: login bob from 10.0.0.1"
	first := summary{Hostname: "web1", Decoder: "e2e", Rule: 100100, Level: 3, Alert: true, Groups: []string{"e2e", "login"}}
	burst := summary{Hostname: "web1", Decoder: "e2e", Rule: 100101, Level: 8, Alert: true, Mail: true, Groups: []string{"e2e", "login_burst"}}

	var wg sync.WaitGroup
	for c := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := b.Open(context.Background(), src)
			if err != nil {
				t.Errorf("case %d: Open: %v", c, err)
				return
			}
			defer s.Close()
			var got []summary
			for _, m := range []engine.Message{logLine(login), logLine(login), logLine("x"), logLine(login), logLine(login), logLine("no header here")} {
				r, err := s.Process(context.Background(), m)
				if err != nil {
					t.Errorf("case %d: Process(%q): %v", c, m.Text, err)
					return
				}
				if r.Log != m.Text {
					t.Errorf("case %d: Log = %q, want %q", c, r.Log, m.Text)
				}
				got = append(got, summarize(r))
			}
			want := []summary{first, first, {Skipped: true}, first, burst, {Hostname: "e2ehost"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("case %d (-want +got):\n%s", c, diff)
			}
			_, err = s.Process(context.Background(), engine.Message{Queue: engine.QueueSyscheck, Location: "syscheck", Text: "x"})
			var u *harness.UnsupportedError
			if !errors.As(err, &u) {
				t.Errorf("case %d: syscheck event: %v, want *harness.UnsupportedError", c, err)
			}
		}()
	}
	wg.Wait()
}

// TestBackendBrokenRuleset checks that a ruleset ossec-logtest refuses is
// an error quoting its diagnostic, not a wrong answer.
func TestBackendBrokenRuleset(t *testing.T) {
	dockerOrSkip(t)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/base")); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "rules", "e2e_rules.xml")
	data, _ := os.ReadFile(bad)
	os.WriteFile(bad, []byte(strings.Replace(string(data), "<if_matched_sid>100100", "<if_matched_sid>999999", 1)), 0o644)
	b, err := NewBackend(context.Background(), Config{Image: ImageStandin, Executable: realRuletest(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, err := b.Open(context.Background(), ruleset.Sources{Base: dir})
	if err == nil {
		_, err = s.Process(context.Background(), logLine("Nov 26 10:00:00 web1 e2e: login bob from 10.0.0.1"))
		s.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "e2e_rules.xml") || !strings.Contains(err.Error(), "999999") {
		t.Errorf("broken ruleset: %v; want ossec-logtest's diagnostic naming the file and the rule", err)
	}
}

// TestLiveHelperFromTheDockerProgram installs live injection's helper in
// a stand-in container as the engine does (the binary of
// cmd/ossec-ruletest-docker, which the engine runs in, copied in) and
// talks to its docker-helper serve: the program that has the docker
// engines has the container-side command too.
func TestLiveHelperFromTheDockerProgram(t *testing.T) {
	dockerOrSkip(t)
	ctx := context.Background()
	m, err := Start(ctx, Config{Image: ImageStandin, Executable: realRuletest(t), Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.installHelper(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := m.startServed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	const f = SessionRoot + "/helper-test"
	if r, err := srv.call(ctx, &Request{Op: "write", Files: []WireFile{{Path: f, Data: []byte("one\ntwo\n"), Mode: 0o644}}}); err != nil || r.Err != "" {
		t.Fatalf("write through docker-helper serve: %v %q (helper%s)", err, r.Err, srv.said())
	}
	r, err := srv.call(ctx, &Request{Op: "read", Path: f, Off: 4})
	if err != nil || r.Err != "" || string(r.Data) != "two\n" {
		t.Errorf("read through docker-helper serve: %q, %v %q (helper%s)", r.Data, err, r.Err, srv.said())
	}
}
