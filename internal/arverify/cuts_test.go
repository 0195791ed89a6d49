//go:build linux

package arverify

import (
	"context"
	"strings"
	"testing"
)

// TestOSSECCuts checks the simulation against the lengths OSSEC 4.3.0's
// buffers give, and that ParseArgs sees every cut it makes: for names of
// every length around each limit, on the manager and on an agent with the
// longest name OSSEC accepts (128 bytes), a name that reaches the program
// different from the file's is always marked as possibly cut.
func TestOSSECCuts(t *testing.T) {
	// syscheckd: "CHECKSUM NAME" in 915 bytes.
	long := "/" + strings.Repeat("n", 900)
	if got := (ossecPath{}).decoded(long); len(got) != 915-len(realSum)-1 {
		t.Fatalf("syscheckd kept %d bytes of the name, want %d", len(got), 915-len(realSum)-1)
	}
	// analysisd: the name ends at the first newline.
	if got := (ossecPath{}).decoded("/etc/\nevil"); got != "/etc/" {
		t.Fatalf("decoder passed %q", got)
	}
	agent := "(" + strings.Repeat("a", 128) + ") 2001:db8::1->syscheck"
	for _, loc := range []string{"syscheck", agent, "(web-01) 10.0.0.7->syscheck"} {
		for _, esc := range []string{"x", " ", "x(", "x  "} {
			missed, cut := 0, 0
			for n := 1; n < 1100; n++ {
				name := "/" + strings.Repeat(esc, n)[:n]
				o := ossecPath{location: loc}
				req, err := ParseArgs(o.argv(name))
				if err != nil {
					t.Fatal(err)
				}
				if req.Path != name {
					cut++
					if !req.Truncated() {
						missed++
						if missed < 3 {
							t.Errorf("location %.20q, %d-byte name of %q: arrived as %d bytes, not marked cut", loc, len(name), esc, len(req.Path))
						}
					}
				}
				if req.Location != loc {
					t.Fatalf("location %q, want %q", req.Location, loc)
				}
			}
			if cut == 0 {
				t.Fatalf("location %.20q: no name was cut: the simulation is wrong", loc)
			}
		}
	}
}

// TestAgentLocationCut: an agent's long name takes room in analysisd's
// 1024 bytes twice; a name that fits on the manager is cut on such an
// agent, and the cut name, a packaged file, is not verified in its place.
func TestAgentLocationCut(t *testing.T) {
	dir := privateTempDir(t)
	loc := "(" + strings.Repeat("a", 128) + ") 10.0.0.7->syscheck"
	full := dir + "/" + strings.Repeat("p", 200) + "/" + strings.Repeat("q", 200) + "/" + strings.Repeat("r", 240)
	if len(full) >= SyscheckNameMin {
		t.Fatalf("name of %d bytes: syscheckd's limit would catch it first", len(full))
	}
	o := ossecPath{location: loc}
	req, err := ParseArgs(o.argv(full))
	if err != nil {
		t.Fatal(err)
	}
	if req.Path == full || !strings.HasPrefix(full, req.Path) {
		t.Fatalf("the agent's message did not cut the name: %d of %d bytes", len(req.Path), len(full))
	}
	if m, _ := ParseArgs(ossecPath{}.argv(full)); m.Path != full || m.Truncated() {
		t.Fatalf("on the manager the name is cut too (%d bytes, %q): the row proves nothing", len(m.Path), m.Cut)
	}
	// The cut name is a packaged file that matches its package.
	run := newFakeRunner()
	db := &fakeRPMDB{run: run, bin: "/usr/bin/rpm", pkgs: map[string][]rpmFileSpec{"p-1-1.noarch": owned(true)(t, dir, req.Path)}}
	db.install()
	writeFile(t, full, "planted\n", 0o644)
	ver := &Verifier{Packages: []PackageManager{&RPM{Binary: "/usr/bin/rpm", Runner: run}}}
	if v := ver.Verify(context.Background(), req.Path); v.Kind != OK {
		t.Fatalf("the cut name verifies %q: the row proves nothing", v.Line())
	}
	v := Decide(context.Background(), req, ver)
	if v.Kind != Unverified || v.Code != CodeNameCut || !strings.HasSuffix(v.Line(), `\...): name-cut [alert `+testAlert+"]") {
		t.Fatalf("got %q (%s)", v.Line(), v.Reason)
	}
}
