package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/logtest"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

func TestPrintDiffs(t *testing.T) {
	real := engine.Result{
		Phase1:  engine.Phase1{FullEvent: "l", Hostname: "h", Log: "l"},
		Decoder: "sshd",
		Rule:    &engine.RuleMatch{ID: 5715, Level: 3, Groups: []string{"syslog"}},
		Alert:   true,
		Extra:   []engine.Result{{Decoder: "pam"}},
	}
	native := real
	native.Rule = &engine.RuleMatch{ID: 5716, Level: 3, Groups: []string{"syslog"}}
	native.Extra = nil
	var b bytes.Buffer
	if n := printDiffs(&b, "f.log:3", real, native); n != 2 {
		t.Errorf("%d differences, want 2", n)
	}
	want := "f.log:3: rule: native \"5716\", real \"5715\"\n" +
		"f.log:3 (event 2 of the line): decoder: native \"\", real \"pam\"\n"
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("output (-want +got):\n%s", d)
	}
	b.Reset()
	if n := printDiffs(&b, "x", real, real); n != 0 || b.Len() != 0 {
		t.Errorf("equal results: %d differences: %s", n, b.String())
	}
}

// TestReplayGroups checks that the pieces of long lines come back as the
// line's further events, in one process and in one process per line.
func TestReplayGroups(t *testing.T) {
	event := func(text string) string {
		return "**Phase 1: Completed pre-decoding.\n       full event: '" + text + "'\n       hostname: 'h'\n       program_name: '(null)'\n       log: '" + text + "'\n\n**Phase 2: Completed decoding.\n       No decoder matched.\n       decoder: '(null)'\n\n"
	}
	runs := 0
	run := func(_ context.Context, alerts bool, stdin []byte) ([]byte, []byte, error) {
		runs++
		var out strings.Builder
		for _, l := range strings.Split(strings.TrimSuffix(string(stdin), "\n"), "\n") {
			if len(l) >= 2 {
				out.WriteString(event(l))
			}
		}
		return nil, []byte(out.String()), nil
	}
	groups := [][]string{{"first", "more"}, {"x"}, {"third"}}
	for _, fresh := range []bool{false, true} {
		runs = 0
		res, err := replayGroups(t.Context(), run, groups, fresh)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 || res[0].Log != "first" || len(res[0].Extra) != 1 || res[0].Extra[0].Log != "more" || !res[1].Skipped || res[2].Log != "third" {
			t.Errorf("fresh=%v: %+v", fresh, res)
		}
		if want := map[bool]int{false: 1, true: 3}[fresh]; runs != want {
			t.Errorf("fresh=%v: %d runs, want %d", fresh, runs, want)
		}
	}
}

func TestDiffUsage(t *testing.T) {
	t.Setenv(logtest.EnvDir, "")
	var stdout, stderr bytes.Buffer
	if code := runDiff([]string{"x.log"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "no OSSEC installation") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestDiffReal compares both engines on a few lines with a real
// ossec-logtest, where one is installed.
func TestDiffReal(t *testing.T) {
	dir := testenv.OSSECDir(t)
	if os.Geteuid() != 0 {
		t.Skip("ossec-logtest chroots into its directory: this test needs root")
	}
	log := filepath.Join(t.TempDir(), "x.log")
	os.WriteFile(log, []byte("Oct 26 18:07:45 ccs rpc.statd[189]: gethostbyname error for something\nx\n[error] [client 80.230.208.105] Directory index forbidden by rule: /home/\n"), 0o644)
	var stdout, stderr bytes.Buffer
	code := runDiff([]string{"--against", dir, "--hostname", "melancia", log}, &stdout, &stderr)
	if code != 0 || stdout.String() != "0 of 3 lines differ\n" {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
}
