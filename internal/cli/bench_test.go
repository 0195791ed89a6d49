package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

func TestBench(t *testing.T) {
	base := testenv.StockRuleset(t)
	corpus := filepath.Join(t.TempDir(), "c.log")
	os.WriteFile(corpus, []byte("[error] [client 80.230.208.105] Directory index forbidden by rule: /home/\nx\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if code := runBench([]string{"--base", base, "--no-repo", "--min-time", "1ms", corpus}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, re := range []string{
		`(?m)^ruleset: .* \(\d+ rules, \d+ decoders\) loaded in \S+$`,
		`(?m)^corpus: +2 lines \(1 analysed, the rest shorter than 2 bytes\) x \d+ passes$`,
		`(?m)^events/second: +\d+$`,
		`(?m)^allocs/event: +\d+\.\d\d$`,
		`(?m)^load cpu +\S+$`,
		`(?m)^cpu/event +\S+$`,
		`(?m)^events/cpu-second +\d+$`,
		`(?m)^peak memory +\d+\.\d MB$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", re, out)
		}
	}
	stderr.Reset()
	if code := runBench([]string{"--base", "", "--no-repo", corpus}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "no ruleset") {
		t.Errorf("no base: exit %d, stderr %q", code, stderr.String())
	}
}

// TestBenchAgainst runs bench --against on stand-ins for ossec-logtest and
// for this program (scripts that check their arguments and count the lines
// they read): the side-by-side figures name it, both get the same lines the
// same way, the queue messages are left out, and a failing ossec-logtest
// is an error.
func TestBenchAgainst(t *testing.T) {
	base := testenv.StockRuleset(t)
	dir := t.TempDir()
	corpus := filepath.Join(dir, "c.log")
	os.WriteFile(corpus, []byte("Oct 15 21:07:00 web1 sshd[29205]: Failed password for root from 192.0.2.5 port 1066 ssh2\n8:(db04) any->syscheck:1024:33188:0:0:2d17:f13c:b395 /etc/x\n"), 0o644)
	ossec := filepath.Join(dir, "ossec")
	os.MkdirAll(filepath.Join(ossec, "bin"), 0o755)
	bin := filepath.Join(ossec, "bin", "ossec-logtest")
	standIn := func(args, count string) []byte {
		return []byte("#!/bin/sh\n[ \"$*\" = \"" + args + "-D " + ossec + " -c " + ossec + "/etc/ossec.conf -q\" ] || exit 9\nn=0\nwhile read l; do n=$((n+1)); done\necho \"$n\" >> " + filepath.Join(dir, count) + "\nsleep 0.05\n")
	}
	os.WriteFile(bin, standIn("", "count"), 0o755)
	self := filepath.Join(dir, "ossec-ruletest")
	os.WriteFile(self, standIn("logtest ", "count-ours"), 0o755)
	defer func(f func() (string, error)) { benchSelf = f }(benchSelf)
	benchSelf = func() (string, error) { return self, nil }
	var stdout, stderr bytes.Buffer
	if code := runBench([]string{"--base", base, "--no-repo", "--min-time", "1ms", "--against", ossec, corpus}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	// The processes' own peaks come from /proc (Linux); elsewhere none
	// is printed.
	peakRow := `(?m)^peak memory +\d+\.\d MB +\d+\.\d MB$`
	if runtime.GOOS != "linux" {
		peakRow = `(?m)^peak memory +- +-$`
	}
	for _, re := range []string{
		`(?m)^against: +` + regexp.QuoteMeta(bin) + `, both logtests as processes, one pass over the 1 lines each$`,
		`(?m)^ +ours +ossec-logtest$`,
		`(?m)^load cpu +\S+ +\S+$`,
		peakRow,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", re, out)
		}
	}
	if !strings.Contains(stderr.String(), "1 queue messages left out") {
		t.Errorf("stderr %q does not say the queue message was left out", stderr.String())
	}
	// Once without input (its load), once with the line.
	for _, count := range []string{"count", "count-ours"} {
		if got, _ := os.ReadFile(filepath.Join(dir, count)); string(got) != "0\n1\n" {
			t.Errorf("the stand-in (%s) read %q lines per run, want 0 then 1", count, got)
		}
	}
	os.WriteFile(bin, []byte("#!/bin/sh\necho 'ossec-logtest: cannot read config' >&2\nexit 1\n"), 0o755)
	stderr.Reset()
	if code := runBench([]string{"--base", base, "--no-repo", "--min-time", "1ms", "--against", ossec, corpus}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "cannot read config") {
		t.Errorf("failing ossec-logtest: exit %d, stderr %q", code, stderr.String())
	}
	// One that loads but fails on the corpus: its output went to
	// /dev/null, so the error says where to look instead.
	os.WriteFile(bin, []byte("#!/bin/sh\nread l && { echo 'lost output' >&2; exit 4; }\nexit 0\n"), 0o755)
	stderr.Reset()
	if code := runBench([]string{"--base", base, "--no-repo", "--min-time", "1ms", "--against", ossec, corpus}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "exit status 4: on the corpus (its output went to /dev/null; run it by hand to see it)") {
		t.Errorf("ossec-logtest failing on the corpus: exit %d, stderr %q", code, stderr.String())
	}
}

// TestStatusHWM reads the peak memory of /proc/PID/status files: only
// those of the process named (before its exec, a child shares its
// parent's memory), and none of an ended one (no memory lines).
func TestStatusHWM(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		status, name string
		want         int64
	}{
		{"Name:\tossec-logtest\nState:\tR (running)\nVmPeak:\t  20000 kB\nVmHWM:\t   9904 kB\nVmRSS:\t 9000 kB\n", "ossec-logtest", 9904},
		{"Name:\tbench.test\nVmHWM:\t  60000 kB\n", "ossec-logtest", 0},
		{"Name:\tossec-logtest\nState:\tZ (zombie)\n", "ossec-logtest", 0},
	} {
		f := filepath.Join(dir, "status")
		if err := os.WriteFile(f, []byte(c.status), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := statusHWM(f, c.name); got != c.want {
			t.Errorf("statusHWM(%q, %q) = %d, want %d", c.status, c.name, got, c.want)
		}
	}
	if got := statusHWM(filepath.Join(dir, "none"), "x"); got != 0 {
		t.Errorf("no file: %d", got)
	}
}
