package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

// The outputs in testdata/recorded were printed by the real ossec-logtest
// of OSSEC 4.3.0 (/work/ossec-real, as root: ossec-logtest -D DIR -c
// DIR/etc/ossec.conf MODE < INPUT) on a copy of the installation whose
// etc/ossec.conf, etc/decoder.xml, rules/ and lists are the d/ files of
// the named script in testdata/script, on the machine "vm":
//
//	startup*.std*   logtest_startup.txtar, input acc.log; modes -q, none, -a, -t
//	jitstack.stderr logtest_jitstack.txtar, input jitstack.log (bodies of
//	                4,000, 4,500, 4,087 and 4,088 bytes: PCRE2's JIT stack
//	                runs out from 4,088 on, and real OSSEC decodes nothing)

// stamp and pid are what differs between two runs.
var (
	stamp    = regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d `)
	pid      = regexp.MustCompile(`\(pid: \d+\)`)
	ourDiags = regexp.MustCompile(`(?m)^\S+:\d+:\d+: warning: .*\n`)
)

// normRecorded removes time stamps, the pid and alert times, and the
// diagnostics only ossec-ruletest prints (file:line:col: warning: ...).
func normRecorded(s string) []string {
	s = ourDiags.ReplaceAllString(s, "")
	s = stamp.ReplaceAllString(s, "T ")
	s = pid.ReplaceAllString(s, "(pid: P)")
	s = alertTime.ReplaceAllString(s, "${1}T${2}")
	return strings.Split(s, "\n")
}

// scriptRuleset writes the d/ files of a script in testdata/script to a
// new directory and returns it.
func scriptRuleset(t *testing.T, script string) string {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata/script", script))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range ar.Files {
		name, ok := strings.CutPrefix(f.Name, "d/")
		if !ok {
			continue
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func scriptFile(t *testing.T, script, name string) []byte {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata/script", script))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	t.Fatalf("%s has no file %s", script, name)
	return nil
}

// TestLogtestStartupRecorded compares the start-up lines (the legacy
// decoder line, then "Reading the lists file: 'NAME'" for every <list>,
// with -q and -t too) and the accumulator line under -a (on standard
// error) with what real ossec-logtest printed, byte for byte except times.
func TestLogtestStartupRecorded(t *testing.T) {
	dir := scriptRuleset(t, "logtest_startup.txtar")
	in := scriptFile(t, "logtest_startup.txtar", "acc.log")
	for _, tc := range []struct{ mode, name string }{
		{"-q", "startup-q"}, {"", "startup"}, {"-a", "startup-a"}, {"-t", "startup-t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logtestStdin = bytes.NewReader(in)
			defer func() { logtestStdin = os.Stdin }()
			args := []string{"-D", dir, "--hostname", "vm"}
			if tc.mode != "" {
				args = append(args, tc.mode)
			}
			var stdout, stderr bytes.Buffer
			if code := runLogtest(args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
			}
			compareRecorded(t, tc.name+".stderr", stderr.String())
			if tc.mode == "-a" {
				compareRecorded(t, tc.name+".stdout", stdout.String())
			} else if stdout.Len() != 0 {
				t.Errorf("stdout: %q; real ossec-logtest printed nothing there", stdout.String())
			}
		})
	}
}

// TestLogtestJITStackRecorded compares the events of the decoder
// regex on bodies around PCRE2's JIT stack limit with real ossec-logtest.
// Known difference, not part of this comparison: real analysisd logs
// "ossec-analysisd(2106): ERROR: Error adding decoder plugin." at start-up
// for a ruleset with no decoder that has a <program_name> (os_setdecoderids
// finds an empty list), which the engine does not model.
func TestLogtestJITStackRecorded(t *testing.T) {
	dir := scriptRuleset(t, "logtest_jitstack.txtar")
	in, err := os.ReadFile("testdata/recorded/jitstack.log")
	if err != nil {
		t.Fatal(err)
	}
	logtestStdin = bytes.NewReader(in)
	defer func() { logtestStdin = os.Stdin }()
	var stdout, stderr bytes.Buffer
	if code := runLogtest([]string{"-D", dir, "--hostname", "vm"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	want, err := os.ReadFile("testdata/recorded/jitstack.stderr")
	if err != nil {
		t.Fatal(err)
	}
	drop := regexp.MustCompile(`(?m)^.*ossec-analysisd\(2106\): ERROR: Error adding decoder plugin\.\n`)
	if d := cmp.Diff(normRecorded(drop.ReplaceAllString(string(want), "")), normRecorded(stderr.String())); d != "" {
		t.Errorf("testdata/recorded/jitstack.stderr: output differs (-recorded +ours):\n%s", d)
	}
}

func compareRecorded(t *testing.T, name, got string) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join("testdata/recorded", name))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(normRecorded(string(want)), normRecorded(got)); d != "" {
		t.Errorf("testdata/recorded/%s: output differs (-recorded +ours):\n%s", name, d)
	}
}
