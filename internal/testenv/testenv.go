// Package testenv tells the tests where the data and tools they need from
// outside the repository are, and what to do when one is missing: skip,
// with one line saying what is missing and how to get it, or, under
// CI=true, fail, so that a CI run missing its data cannot look green.
//
// Every test that needs outside data or tools asks this package; the
// environment variables are read here and nowhere else in the tests:
//
//	OSSEC_RULESET         the stock OSSEC 4.3.0 ruleset: a directory with
//	                      etc/ossec.conf, etc/decoder.xml, rules/ and tests/
//	                      (an installation's /var/ossec, or OSSEC 4.3.0's
//	                      source tree laid out the same way).
//	                      A relative path is relative to the module root.
//	                      Default: shared/ossec-ruleset-4.3.0 in the nearest
//	                      directory above the module root that has one.
//	RULETEST_CONFORMANCE  the recordings of real ossec-logtest (*.jsonl).
//	                      Default: shared/conformance, found the same way.
//	PATH                  pcre2test (Debian's pcre2-utils), for the
//	                      differential tests against real PCRE2.
//	DOCKER_HOST           the Docker engine (default: the local socket).
//	RULETEST_OSSEC_DIR    a real OSSEC 4.3.0 installation (bin/ossec-logtest).
//	RULETEST_OSSEC_IMAGE  a real OSSEC 4.3.0 manager image.
//	OSSEC_SRC             OSSEC 4.3.0's source tree (its src/ directory).
//	CI                    when true, a missing stock ruleset, conformance
//	                      data or pcre2test fails the test instead of
//	                      skipping it (CI has them; .ci/run installs
//	                      pcre2test). Docker, a real OSSEC and OSSEC's
//	                      source stay optional: CI has none of them.
//
// Only tests import this package, and the command internal/testenv/skipped,
// which says after go test ./... what the tests skipped for want of data.
package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The environment variables this package reads.
const (
	EnvRuleset     = "OSSEC_RULESET"
	EnvConformance = "RULETEST_CONFORMANCE"
	EnvOSSECDir    = "RULETEST_OSSEC_DIR"
	EnvOSSECImage  = "RULETEST_OSSEC_IMAGE"
	EnvOSSECSrc    = "OSSEC_SRC"
)

// CI reports whether the tests run in CI (CI=true), where missing data is
// a failure.
func CI() bool {
	ok, _ := strconv.ParseBool(os.Getenv("CI"))
	return ok
}

// missing skips tb saying what is missing and how to get it, or fails it
// under CI=true.
func missing(tb testing.TB, what, how string) {
	tb.Helper()
	if CI() {
		tb.Fatalf("CI=true and %s: %s", what, how)
	}
	tb.Skipf("%s: %s", what, how)
}

// optional skips tb saying what is missing, even in CI, which does not
// have it.
func optional(tb testing.TB, what, how string) {
	tb.Helper()
	tb.Skipf("%s: %s", what, how)
}

// StockRuleset returns the stock OSSEC 4.3.0 ruleset directory, or skips
// (fails under CI=true) when there is none.
func StockRuleset(tb testing.TB) string {
	tb.Helper()
	dir, err := lookupRuleset()
	if err != nil {
		missing(tb, err.Error(), howRuleset)
	}
	return dir
}

// StockRulesetIfAny returns the stock ruleset directory, or "" when there
// is none, for tests that run with or without it (cases whose scripts skip
// what needs the stock rules). Under CI=true a missing ruleset fails tb.
func StockRulesetIfAny(tb testing.TB) string {
	tb.Helper()
	dir, err := lookupRuleset()
	if err != nil {
		if CI() {
			tb.Fatalf("CI=true and %v: %s", err, howRuleset)
		}
		tb.Logf("%v: %s; running without it", err, howRuleset)
		return ""
	}
	return dir
}

const howRuleset = "set " + EnvRuleset + " to an OSSEC 4.3.0 ruleset (etc/ossec.conf, rules/), or put it at ../shared/ossec-ruleset-4.3.0 beside the repository"

func lookupRuleset() (string, error) {
	dir := os.Getenv(EnvRuleset)
	if dir == "" {
		dir = findShared("ossec-ruleset-4.3.0")
		if dir == "" {
			return "", errors.New("no stock OSSEC 4.3.0 ruleset (" + EnvRuleset + " unset, no shared/ossec-ruleset-4.3.0 above the module)")
		}
	}
	dir = abs(dir)
	if _, err := os.Stat(filepath.Join(dir, "etc", "ossec.conf")); err != nil {
		return "", fmt.Errorf("no stock OSSEC 4.3.0 ruleset at %s (%v)", dir, err)
	}
	return dir, nil
}

// Conformance returns the directory of the recordings of real
// ossec-logtest (*.jsonl), or skips (fails under CI=true).
func Conformance(tb testing.TB) string {
	tb.Helper()
	dir, err := lookupConformance()
	if err != nil {
		missing(tb, err.Error(), howConformance)
	}
	return dir
}

// ConformanceIfAny returns the recordings' directory, or "" when there is
// none, for tests that run with or without them. Under CI=true missing
// recordings fail tb.
func ConformanceIfAny(tb testing.TB) string {
	tb.Helper()
	dir, err := lookupConformance()
	if err != nil {
		if CI() {
			tb.Fatalf("CI=true and %v: %s", err, howConformance)
		}
		tb.Logf("%v: %s; running without them", err, howConformance)
		return ""
	}
	return dir
}

const howConformance = "set " + EnvConformance + " to the directory of the *.jsonl recordings, or put them at ../shared/conformance beside the repository"

func lookupConformance() (string, error) {
	dir := os.Getenv(EnvConformance)
	if dir == "" {
		dir = findShared("conformance")
		if dir == "" {
			return "", errors.New("no conformance recordings (" + EnvConformance + " unset, no shared/conformance above the module)")
		}
	}
	dir = abs(dir)
	if m, err := filepath.Glob(filepath.Join(dir, "*.jsonl")); err != nil || len(m) == 0 {
		return "", errors.New("no conformance recordings (*.jsonl) in " + dir)
	}
	return dir, nil
}

// NeedPCRE2Test returns the path of pcre2test, or skips (fails under
// CI=true) when it is not on PATH.
func NeedPCRE2Test(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("pcre2test")
	if err != nil {
		missing(tb, "no pcre2test on PATH", "install Debian's pcre2-utils (apt-get install pcre2-utils; .ci/run does)")
	}
	return p
}

// NeedDocker skips tb when no Docker engine answers at DOCKER_HOST or the
// local socket. Docker is optional even in CI.
func NeedDocker(tb testing.TB) {
	tb.Helper()
	if err := dockerErr(); err != nil {
		optional(tb, "no Docker engine reachable ("+err.Error()+")", "start one, or set DOCKER_HOST")
	}
}

var (
	dockerOnce sync.Once
	dockerE    error
)

func dockerErr() error {
	dockerOnce.Do(func() {
		network, addr := "unix", "/var/run/docker.sock"
		if h := os.Getenv("DOCKER_HOST"); h != "" {
			scheme, rest, ok := strings.Cut(h, "://")
			if !ok {
				dockerE = fmt.Errorf("DOCKER_HOST=%q has no scheme", h)
				return
			}
			network, addr = scheme, rest
			if network == "http" || network == "https" {
				network = "tcp"
			}
		}
		c, err := net.DialTimeout(network, addr, 2*time.Second)
		if err != nil {
			dockerE = err
			return
		}
		c.Close()
	})
	return dockerE
}

// OSSECDir returns the real OSSEC 4.3.0 installation of
// RULETEST_OSSEC_DIR, or skips: CI has none.
func OSSECDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv(EnvOSSECDir)
	if dir == "" {
		optional(tb, "no real OSSEC ("+EnvOSSECDir+" unset)", "set it to an OSSEC 4.3.0 installation (bin/ossec-logtest)")
	}
	return dir
}

// OSSECImage returns the real OSSEC 4.3.0 manager image of
// RULETEST_OSSEC_IMAGE, or skips: CI has none.
func OSSECImage(tb testing.TB) string {
	tb.Helper()
	img := os.Getenv(EnvOSSECImage)
	if img == "" {
		optional(tb, "no real OSSEC manager image ("+EnvOSSECImage+" unset)", "set it to an OSSEC 4.3.0 manager image")
	}
	return img
}

// OSSECSource returns OSSEC 4.3.0's src/ directory from OSSEC_SRC, or
// skips: CI has none.
func OSSECSource(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv(EnvOSSECSrc)
	if dir == "" {
		optional(tb, "no OSSEC source ("+EnvOSSECSrc+" unset)", "set it to the src/ directory of ossec-hids 4.3.0")
	}
	if _, err := os.Stat(filepath.Join(dir, "os_regex")); err != nil {
		optional(tb, "no OSSEC source at "+dir+" ("+err.Error()+")", "set "+EnvOSSECSrc+" to the src/ directory of ossec-hids 4.3.0")
	}
	return dir
}

// ModuleRoot returns the directory of the go.mod above the working
// directory (a test runs in its package's directory).
func ModuleRoot(tb testing.TB) string {
	tb.Helper()
	root := moduleRoot()
	if root == "" {
		tb.Fatal("no go.mod above the working directory")
	}
	return root
}

func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// abs makes a path from the environment absolute: a relative one is
// relative to the module root (where go test ./... is typed), not to the
// package directory a test runs in.
func abs(dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	if root := moduleRoot(); root != "" {
		return filepath.Join(root, dir)
	}
	return dir
}

// findShared returns shared/NAME in the nearest directory above the module
// root that has it (../shared beside a clone, or further up beside a
// worktree), or "".
func findShared(name string) string {
	root := moduleRoot()
	if root == "" {
		return ""
	}
	dir := filepath.Dir(root)
	for {
		p := filepath.Join(dir, "shared", name)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// A DataSet is one kind of outside data or tool that some tests need.
type DataSet struct {
	// What is missing, and How to get it, as a skipped test says them.
	What, How string
	// Required is true for what CI has: under CI=true its tests fail.
	Required bool
}

// Missing returns the data sets and tools that are not there, each as the
// tests that need it say it when they skip: what go test ./... left
// untested, one line each.
func Missing() []DataSet {
	var out []DataSet
	if _, err := lookupRuleset(); err != nil {
		out = append(out, DataSet{err.Error(), howRuleset, true})
	}
	if _, err := lookupConformance(); err != nil {
		out = append(out, DataSet{err.Error(), howConformance, true})
	}
	if _, err := exec.LookPath("pcre2test"); err != nil {
		out = append(out, DataSet{"no pcre2test on PATH", "install Debian's pcre2-utils (apt-get install pcre2-utils; .ci/run does)", true})
	}
	if err := dockerErr(); err != nil {
		out = append(out, DataSet{"no Docker engine reachable (" + err.Error() + ")", "start one, or set DOCKER_HOST", false})
	}
	if os.Getenv(EnvOSSECDir) == "" {
		out = append(out, DataSet{"no real OSSEC (" + EnvOSSECDir + " unset)", "set it to an OSSEC 4.3.0 installation (bin/ossec-logtest)", false})
	}
	if os.Getenv(EnvOSSECImage) == "" {
		out = append(out, DataSet{"no real OSSEC manager image (" + EnvOSSECImage + " unset)", "set it to an OSSEC 4.3.0 manager image", false})
	}
	if os.Getenv(EnvOSSECSrc) == "" {
		out = append(out, DataSet{"no OSSEC source (" + EnvOSSECSrc + " unset)", "set it to the src/ directory of ossec-hids 4.3.0", false})
	}
	return out
}

// ARBin builds the ossec-ar-verify-file active response (cmd/ossec-ar-verify)
// into a directory of the test's, under the name ossec.conf's <executable>
// gives it, and returns the directory: harness.Config.ARBin, from which the
// native engine runs the cases' active responses. It needs the go command
// (go test has it): go build reuses its cache, so this is a link, not a
// compile, after the first time.
func ARBin(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "ossec-ar-verify-file"), "./cmd/ossec-ar-verify")
	cmd.Dir = ModuleRoot(tb)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build ./cmd/ossec-ar-verify: %v\n%s", err, out)
	}
	return dir
}
