package harness

import (
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
