package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// TestExecdCall checks the argv of a response against OSSEC 4.3.0's
// OS_Exec message and execd's split of it.
func TestExecdCall(t *testing.T) {
	now := time.Unix(1764151200, 0)
	verify := func(loc, file string) engine.ActiveResponse {
		ar := engine.ActiveResponse{Command: "ossec-ar-verify-file", Name: "ossec-ar-verify-file0", Executable: "ossec-ar-verify-file", Location: loc, Args: map[string]string{}}
		if file != "" {
			ar.Args["filename"] = file
		}
		return ar
	}
	long := "/" + strings.Repeat("d", 1100)
	for _, tc := range []struct {
		name     string
		ar       engine.ActiveResponse
		location string
		want     []string // nil: does not run on the case's host
		agent    string
	}{
		{name: "manager", ar: verify("local", "/etc/hosts"), location: "syscheck",
			want: []string{"add", "-", "-", "1764151200.7", "106002", "syscheck", "/etc/hosts"}},
		{name: "escaped name in pieces", ar: verify("local", "/etc/a (b)"), location: "syscheck",
			want: []string{"add", "-", "-", "1764151200.7", "106002", "syscheck", `/etc/a\`, `\(b\)`}},
		{name: "no file name", ar: verify("server", ""), location: "(web) 10.0.0.1->syscheck",
			want: []string{"add", "-", "-", "1764151200.7", "106002", "(web)", "10.0.0.1->syscheck", "-"}},
		{name: "agent", ar: verify("local", "/etc/hosts"), location: "(web) 10.0.0.1->syscheck", agent: "(web) 10.0.0.1",
			want: []string{"add", "-", "-", "1764151200.7", "106002", "(web)", "10.0.0.1->syscheck", "/etc/hosts"}},
		{name: "agent, no file name", ar: verify("local", ""), location: "(web) 10.0.0.1->syscheck", agent: "(web) 10.0.0.1",
			want: []string{"add", "-", "-", "1764151200.7", "106002", "(web)", "10.0.0.1->syscheck", "(null)"}},
		{name: "all agents", ar: verify("all", "/etc/hosts"), location: "syscheck"},
		{name: "defined agent", ar: verify("defined-agent", "/etc/hosts"), location: "(web) 10.0.0.1->syscheck"},
		{name: "1023 bytes", ar: verify("local", long), location: "syscheck",
			want: []string{"add", "-", "-", "1764151200.7", "106002", "syscheck", long[:1023-len("ossec-ar-verify-file0 - - 1764151200.7 106002 syscheck ")]}},
		{name: "29 arguments", ar: verify("local", "/"+strings.Repeat("a ", 40)), location: "syscheck",
			want: append([]string{"add", "-", "-", "1764151200.7", "106002", "syscheck", `/a\`}, strings.Fields(strings.Repeat(`a\ `, 23))...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := execdCall(tc.ar, 106002, tc.location, now, 7)
			if tc.want == nil {
				if ok {
					t.Fatalf("runs with %q, want not on the case's host", c.argv)
				}
				return
			}
			if !ok {
				t.Fatal("does not run")
			}
			if d := cmp.Diff(tc.want, c.argv); d != "" {
				t.Errorf("argv (-want +got):\n%s", d)
			}
			if c.agent != tc.agent {
				t.Errorf("agent %q, want %q", c.agent, tc.agent)
			}
		})
	}
}

// arCase writes a case whose rule 100001 runs the program prog.sh (from a
// directory of programs holding program as prog.sh) on the manager, then
// asks for the event it produced (with produced's args).
func arCase(t *testing.T, program, produced string) (*Config, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "prog.sh"), []byte(program), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "c.txtar")
	text := "logtest 'Dec  6 10:00:00 web prog: trigger'\nrule 100001\nproduced " + produced + "\nrule 100002\n" +
		"-- ossec.conf --\n<ossec_config>\n<command><name>prog</name><executable>prog.sh</executable><expect></expect><timeout_allowed>no</timeout_allowed></command>\n" +
		"<active-response><command>prog</command><location>local</location><rules_id>100001</rules_id></active-response>\n</ossec_config>\n" +
		"-- rules/local_rules.xml --\n<group name=\"t,\">\n<rule id=\"100001\" level=\"5\"><match>trigger</match><description>t</description></rule>\n" +
		"<rule id=\"100002\" level=\"6\"><match>answered</match><description>a</description></rule>\n</group>\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return &Config{Backend: NewNative("execd-test"), ARBin: bin}, file
}

// TestExecdChildKeepsOutput: a program done once it exits, though a child
// of its still holds its output, is done for produced too (it waited for
// the child: 20 s here).
func TestExecdChildKeepsOutput(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh for the program")
	}
	cfg, file := arCase(t, "#!/bin/sh\nsleep 20 &\necho 'Dec  6 10:00:01 web prog: answered' >> logs/prog.log\n", "")
	start := time.Now()
	res := RunFiles(cfg, []string{file}, false)
	if res[0].Status != Passed {
		t.Fatalf("%s:\n%s", res[0].Status, res[0].Log)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the case took %v: produced waited for the program's child", d)
	}
}

// TestExecdTimeout: a program still running after produced's -wait is
// killed and fails the case at the produced line, saying so.
func TestExecdTimeout(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh for the program")
	}
	cfg, file := arCase(t, "#!/bin/sh\nexec sleep 30\n", "-wait 1s")
	start := time.Now()
	res := RunFiles(cfg, []string{file}, false)
	want := file + ":3: produced: active response prog0 for "
	if res[0].Status != Failed || !strings.Contains(res[0].Log, want) || !strings.Contains(res[0].Log, "still running after 1s (produced -wait), killed") {
		t.Errorf("%s, log:\n%s\nwant a failure at %q saying the program was killed after 1s", res[0].Status, res[0].Log, want)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the case took %v", d)
	}
}
