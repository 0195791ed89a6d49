package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
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

// TestBenchAgainst runs bench --against on a stand-in ossec-logtest (a
// script that reads its input): the side-by-side figures name it, the
// queue messages are left out, and a failing ossec-logtest is an error.
func TestBenchAgainst(t *testing.T) {
	base := testenv.StockRuleset(t)
	dir := t.TempDir()
	corpus := filepath.Join(dir, "c.log")
	os.WriteFile(corpus, []byte("Oct 15 21:07:00 web1 sshd[29205]: Failed password for root from 192.0.2.5 port 1066 ssh2\n8:(db04) any->syscheck:1024:33188:0:0:2d17:f13c:b395 /etc/x\n"), 0o644)
	ossec := filepath.Join(dir, "ossec")
	os.MkdirAll(filepath.Join(ossec, "bin"), 0o755)
	bin := filepath.Join(ossec, "bin", "ossec-logtest")
	os.WriteFile(bin, []byte("#!/bin/sh\n[ \"$*\" = \"-D "+ossec+" -c "+ossec+"/etc/ossec.conf -q\" ] || exit 9\nn=0\nwhile read l; do n=$((n+1)); done\necho \"$n\" >> "+filepath.Join(dir, "count")+"\n"), 0o755)
	var stdout, stderr bytes.Buffer
	if code := runBench([]string{"--base", base, "--no-repo", "--min-time", "1ms", "--against", ossec, corpus}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, re := range []string{
		`(?m)^against: +` + regexp.QuoteMeta(bin) + `, one pass over the 1 lines$`,
		`(?m)^ +ours +ossec-logtest$`,
		`(?m)^load cpu +\S+ +\S+$`,
		`(?m)^peak memory +\d+\.\d MB +\d+\.\d MB$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", re, out)
		}
	}
	if !strings.Contains(stderr.String(), "1 queue messages left out") {
		t.Errorf("stderr %q does not say the queue message was left out", stderr.String())
	}
	// Once without input (its load), once with the line.
	if got, _ := os.ReadFile(filepath.Join(dir, "count")); string(got) != "0\n1\n" {
		t.Errorf("the stand-in read %q lines per run, want 0 then 1", got)
	}
	os.WriteFile(bin, []byte("#!/bin/sh\necho 'ossec-logtest: cannot read config' >&2\nexit 1\n"), 0o755)
	stderr.Reset()
	if code := runBench([]string{"--base", base, "--no-repo", "--min-time", "1ms", "--against", ossec, corpus}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "cannot read config") {
		t.Errorf("failing ossec-logtest: exit %d, stderr %q", code, stderr.String())
	}
}
