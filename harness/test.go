package harness

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// Test runs the cases of dir (*.txtar, relative to the test's package
// directory) as subtests of t on the native engine. It is the entry point
// of a rules repository's own `go test`: a file ruletest_test.go at the
// repository's root holding
//
//	func TestCases(t *testing.T) { harness.Test(t, "cases") }
//
// runs every case with the repository's ossec.conf, decoders/, rules/ and
// lists/ (the nearest directory at or above the package directory that has
// one of them) on the base installation of $OSSEC_RULESET, when it is set;
// cases that need the base say `[!base] skip 'REASON'`. examples/rulesrepo
// is such a repository. For another engine or base, set up a Config and
// call its Test method. A case that would run a program or reach outside
// its work directory fails the test before any case runs (see
// checkConfined).
func Test(t *testing.T, dir string) {
	t.Helper()
	cfg := &Config{Backend: NewNative("ossec-ruletest"), Base: os.Getenv("OSSEC_RULESET")}
	cfg.Test(t, dir)
}

// Test runs the cases of dir with cfg as subtests of t. An empty cfg.Repo
// is the nearest directory at or above the working directory that holds a
// rules repository's files (ossec.conf, decoders/, rules/, lists/), if any.
func (cfg *Config) Test(t *testing.T, dir string) {
	t.Helper()
	if cfg.Repo == "" {
		repo, err := findRepo()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Repo = repo
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("cases: %v", err)
	}
	if err := checkCaseFiles(dir); err != nil {
		t.Fatal(err)
	}
	p := cfg.Params()
	p.Dir = dir
	testscript.Run(t, p)
}

// findRepo returns the nearest directory at or above the working directory
// whose layer is not empty, or "".
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		l, err := ReadLayer(dir)
		if err != nil {
			return "", err
		}
		if !l.Empty() {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", nil
		}
		dir = up
	}
}

// checkCaseFiles checks each case file of dir with checkArchive, before
// testscript writes any archive: the errors of all that fail.
func checkCaseFiles(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		if err := checkArchive(f); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
