package cli

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// startupLine matches OSSEC's time-stamped log lines (start-up messages).
var startupLine = regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ossec-testrule: INFO: .*\n`)

// TestLogtestRecorded feeds the inputs of logtestfmt/testdata to `logtest`
// on the stock ruleset ($OSSEC_RULESET) and compares what it prints with
// what the real ossec-logtest 4.3.0 printed (hostname melancia), byte for
// byte except the time-stamped start-up lines: the default output, and -v
// with its rule trace.
func TestLogtestRecorded(t *testing.T) {
	base := testenv.StockRuleset(t)
	for _, tc := range []struct{ input, flag, recorded string }{
		{"mix.log", "", "mix.txt"},
		{"freq.log", "", "freq.txt"},
		{"small.log", "-v", "small-v.txt"},
	} {
		t.Run(tc.recorded, func(t *testing.T) {
			in, err := os.ReadFile("../logtestfmt/testdata/" + tc.input)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile("../logtestfmt/testdata/" + tc.recorded)
			if err != nil {
				t.Fatal(err)
			}
			logtestStdin = bytes.NewReader(in)
			defer func() { logtestStdin = os.Stdin }()
			args := []string{"-D", base, "--hostname", "melancia"}
			if tc.flag != "" {
				args = append(args, tc.flag)
			}
			var stdout, stderr bytes.Buffer
			if code := runLogtest(args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
			}
			got := startupLine.ReplaceAllString(stderr.String(), "")
			if d := cmp.Diff(strings.Split(startupLine.ReplaceAllString(string(want), ""), "\n"), strings.Split(got, "\n")); d != "" {
				t.Errorf("logtestfmt/testdata/%s: output differs (-recorded +ours):\n%s", tc.recorded, d)
			}
		})
	}
}

// alertTime matches what differs between two -a runs: the time in the
// alert header and the date line.
var alertTime = regexp.MustCompile(`(?m)^(\*\* Alert )\d+(\.)|^\d{4} \w{3} \d\d \d\d:\d\d:\d\d `)

// TestLogtestAlertsRecorded compares `logtest -a` with the alerts the real
// ossec-logtest printed for the same input, except the read times.
func TestLogtestAlertsRecorded(t *testing.T) {
	base := testenv.StockRuleset(t)
	for _, name := range []string{"mix", "freq"} {
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile("../logtestfmt/testdata/" + name + ".log")
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile("../logtestfmt/testdata/" + name + "-a.txt")
			if err != nil {
				t.Fatal(err)
			}
			logtestStdin = bytes.NewReader(in)
			defer func() { logtestStdin = os.Stdin }()
			var stdout, stderr bytes.Buffer
			if code := runLogtest([]string{"-a", "-D", base, "--hostname", "melancia"}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
			}
			norm := func(s string) []string { return strings.Split(alertTime.ReplaceAllString(s, "${1}T${2}"), "\n") }
			if d := cmp.Diff(norm(string(want)), norm(stdout.String())); d != "" {
				t.Errorf("logtestfmt/testdata/%s-a.txt: alerts differ (-recorded +ours):\n%s", name, d)
			}
		})
	}
}

// TestLogtestUnitTestExitCodes checks -U's exit codes on our ruleset.
func TestLogtestUnitTestExitCodes(t *testing.T) {
	line := "Sep 15 00:26:10 ether ossec-ar-verify: file ok (/etc/cron.d/puppet-job)\n"
	for _, tc := range []struct {
		ut   string
		code int
		out  string
	}{
		{"107001:1:ossec-ar-verify", 0, "0\n"},
		{"107001:2:ossec-ar-verify", 1, ""},
		{"107002:1:ossec-ar-verify", 2, ""},
		{"107001:1:sshd", 3, ""},
	} {
		t.Run(tc.ut, func(t *testing.T) {
			wd, _ := os.Getwd()
			if err := os.Chdir("../.."); err != nil {
				t.Fatal(err)
			}
			defer os.Chdir(wd)
			logtestStdin = strings.NewReader(line)
			defer func() { logtestStdin = os.Stdin }()
			var stdout, stderr bytes.Buffer
			code := runLogtest([]string{"-q", "--base", "", "-U", tc.ut}, &stdout, &stderr)
			if code != tc.code || stdout.String() != tc.out {
				t.Errorf("exit %d, stdout %q; want %d, %q; stderr:\n%s", code, stdout.String(), tc.code, tc.out, stderr.String())
			}
		})
	}
}

// TestLogtestAnswersEachLine: the events' output is buffered, but a line
// is answered before logtest waits for the next one (a user typing lines
// sees each verdict at once).
func TestLogtestAnswersEachLine(t *testing.T) {
	base := testenv.StockRuleset(t)
	r, w := io.Pipe()
	logtestStdin = r
	defer func() { logtestStdin = os.Stdin }()
	var stdout bytes.Buffer
	var stderr syncBuffer
	done := make(chan int)
	go func() { done <- runLogtest([]string{"-D", base, "--hostname", "melancia"}, &stdout, &stderr) }()
	line := "Dec  6 15:30:00 host sshd[123]: Failed password for root from 1.2.3.4 port 22 ssh2\n"
	for i := 1; i <= 2; i++ {
		if _, err := io.WriteString(w, line); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for strings.Count(stderr.String(), "Rule id: '5716'") < i {
			if time.Now().After(deadline) {
				t.Fatalf("line %d not answered while logtest waits for the next:\n%s", i, stderr.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	w.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
}
