package arverify

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoad starts the program as ossec-execd does (one process per alert,
// all at once, none waited for before the next starts) for N distinct files
// and for N fires of one path, and checks that each distinct file gets
// exactly one verdict. N is 50, or RULETEST_ARVERIFY_LOAD; with
// RULETEST_ARVERIFY_RPM_MS the verifier asks a fake rpm that takes that
// long. It logs wall time, CPU per fire, the most processes alive at once
// and the largest resident set (figures for docs/ar-verify.md).
func TestLoad(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("the configuration file must be root's")
	}
	if testing.Short() {
		t.Skip("-short: a load measurement (it runs in the plain go test)")
	}
	if os.Getenv("RULETEST_MUTATION") != "" {
		t.Skip("RULETEST_MUTATION: a load measurement, not a check a mutation could fail")
	}
	n := 50
	if v := os.Getenv("RULETEST_ARVERIFY_LOAD"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	conf := "package_managers = none\n"
	if ms := os.Getenv("RULETEST_ARVERIFY_RPM_MS"); ms != "" {
		rpm := fakeBinary(t, "rpm", fmt.Sprintf("sleep %s; echo not owned; exit 1", strconv.FormatFloat(atof(ms)/1000, 'f', 3, 64)))
		conf = "package_managers = rpm\nrpm = " + rpm + "\n"
	}
	// The program as installed: built from cmd/ossec-ar-verify and put in
	// OSSECDIR/active-response/bin, where it finds its OSSEC directory.
	bin := filepath.Join(t.TempDir(), "ossec-ar-verify-file")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/ossec-ar-verify")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("cannot build the program: %v\n%s", err, out)
	}
	files := privateTempDir(t)
	var distinct []string
	for i := 0; i < n; i++ {
		distinct = append(distinct, writeFile(t, filepath.Join(files, "d", strconv.Itoa(i/1000), strconv.Itoa(i)), "x", 0o644))
	}
	one := writeFile(t, filepath.Join(files, "one"), "y", 0o644)
	for _, tc := range []struct {
		name  string
		paths func(i int) string
		want  int
	}{
		{"distinct files", func(i int) string { return distinct[i] }, n},
		{"one path", func(int) string { return one }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ossec, verdicts := ossecInstall(t, conf+"max_queue = "+strconv.Itoa(2*n)+"\n", 0o600)
			prog := filepath.Join(ossec, "active-response", "bin", "ossec-ar-verify-file")
			if err := os.Link(bin, prog); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			var procs []*exec.Cmd
			alive, peak := 0, 0
			var cpu time.Duration
			var maxRSS int64
			reap := func(block bool) {
				for len(procs) > 0 {
					opt := syscall.WNOHANG
					if block {
						opt = 0
					}
					var ws syscall.WaitStatus
					var ru syscall.Rusage
					pid, err := syscall.Wait4(-1, &ws, opt, &ru)
					if err != nil || pid <= 0 {
						return
					}
					alive--
					cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
					maxRSS = max(maxRSS, ru.Maxrss)
					for i, c := range procs {
						if c.Process.Pid == pid {
							procs = append(procs[:i], procs[i+1:]...)
							break
						}
					}
				}
			}
			for i := 0; i < n; i++ {
				argv := ossecPath{alert: fmt.Sprintf("1700000000.%d", i)}.argv(tc.paths(i))
				cmd := exec.Command(prog, argv[1:]...)
				cmd.Env = []string{"PATH=/usr/bin:/bin"}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				procs = append(procs, cmd)
				alive++
				peak = max(peak, alive)
				reap(false) // execd reaps with WNOHANG between messages
			}
			reap(true)
			wall := time.Since(start)
			data, _ := os.ReadFile(verdicts)
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			seen := map[string]int{}
			for _, l := range lines {
				if l == "" {
					continue
				}
				_, v, _ := strings.Cut(l, " ossec-ar-verify: ")
				p := v[strings.IndexByte(v, '(')+1 : strings.LastIndexByte(v, ')')]
				seen[p]++
				if !strings.HasPrefix(v, "file unmanaged (") && !strings.HasPrefix(v, "file managed by RPM (") {
					t.Errorf("verdict %q", v)
				}
			}
			if len(seen) != tc.want {
				t.Errorf("%d distinct files verified, want %d", len(seen), tc.want)
			}
			for p, c := range seen {
				if c != 1 {
					t.Errorf("%s: %d verdicts", p, c)
				}
			}
			t.Logf("%d fires: wall %v, CPU %v (%v per fire), at most %d processes alive, largest RSS %d KiB, %d verdicts",
				n, wall.Round(time.Millisecond), cpu.Round(time.Millisecond), (cpu / time.Duration(n)).Round(10*time.Microsecond), peak, maxRSS, len(lines))
		})
	}
}

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
