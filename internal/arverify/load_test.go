//go:build linux

package arverify

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
			var cpu, biggest time.Duration
			var maxRSS int64
			mem := startMemSampler()
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
					mem.gone(pid)
					// Linux gives the process's own usage and that of
					// the children it reaped (the drainer's rpm runs).
					used := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
					cpu += used
					biggest = max(biggest, used)
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
				mem.add(cmd.Process.Pid)
				procs = append(procs, cmd)
				alive++
				peak = max(peak, alive)
				reap(false) // execd reaps with WNOHANG between messages
			}
			started := time.Since(start)
			reap(true)
			wall := time.Since(start)
			running, rss, private := mem.stop()
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
			t.Logf("%d fires (all started after %v): wall %v, CPU %v (%v per fire; %v without the busiest process, the drainer, and its rpm runs), "+
				"at most %d processes not yet reaped and %d running (sampled), summed RSS of live processes at most %.1f MiB (%.1f MiB not shared), largest RSS %d KiB, %d verdicts",
				n, started.Round(time.Millisecond), wall.Round(time.Millisecond), cpu.Round(time.Millisecond), (cpu / time.Duration(n)).Round(10*time.Microsecond),
				((cpu - biggest) / time.Duration(max(n-1, 1))).Round(10*time.Microsecond),
				peak, running, float64(rss)/(1<<20), float64(private)/(1<<20), maxRSS, len(lines))
		})
	}
}

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// memSampler samples the processes a load test started (every 20 ms, from
// /proc/PID/statm and /proc/PID/stat): the most running at once and the
// largest sum of their resident sets, whole and not shared.
type memSampler struct {
	mu           sync.Mutex
	pids         map[int]bool
	stopc        chan struct{}
	done         chan struct{}
	running      int
	rss, private int64
}

func startMemSampler() *memSampler {
	m := &memSampler{pids: map[int]bool{}, stopc: make(chan struct{}), done: make(chan struct{})}
	page := int64(os.Getpagesize())
	go func() {
		defer close(m.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-m.stopc:
				return
			case <-tick.C:
			}
			m.mu.Lock()
			pids := make([]int, 0, len(m.pids))
			for p := range m.pids {
				pids = append(pids, p)
			}
			m.mu.Unlock()
			running := 0
			var rss, private int64
			for _, p := range pids {
				stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
				if err != nil {
					continue
				}
				if i := strings.LastIndexByte(string(stat), ')'); i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' {
					continue
				}
				statm, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", p))
				if err != nil {
					continue
				}
				var size, res, shared int64
				if _, err := fmt.Sscan(string(statm), &size, &res, &shared); err != nil {
					continue
				}
				running++
				rss += res * page
				private += (res - shared) * page
			}
			m.running = max(m.running, running)
			m.rss = max(m.rss, rss)
			m.private = max(m.private, private)
		}
	}()
	return m
}

func (m *memSampler) add(pid int) {
	m.mu.Lock()
	m.pids[pid] = true
	m.mu.Unlock()
}

func (m *memSampler) gone(pid int) {
	m.mu.Lock()
	delete(m.pids, pid)
	m.mu.Unlock()
}

func (m *memSampler) stop() (running int, rss, private int64) {
	close(m.stopc)
	<-m.done
	return m.running, m.rss, m.private
}
