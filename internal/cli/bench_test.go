package cli

import (
	"bytes"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
