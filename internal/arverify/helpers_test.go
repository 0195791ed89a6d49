//go:build linux

package arverify

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// fakeRunner answers commands from a table keyed by argv joined with NUL.
type fakeRunner struct {
	mu      sync.Mutex
	answers map[string]fakeAnswer
	calls   [][]string
}

type fakeAnswer struct {
	out    string
	status int
	err    error
}

func newFakeRunner() *fakeRunner { return &fakeRunner{answers: map[string]fakeAnswer{}} }

func (r *fakeRunner) on(argv []string, a fakeAnswer) { r.answers[strings.Join(argv, "\x00")] = a }

func (r *fakeRunner) Run(_ context.Context, argv []string) ([]byte, int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, argv)
	a, ok := r.answers[strings.Join(argv, "\x00")]
	if !ok {
		// Unknown commands behave like "not owned by any package".
		return nil, 1, nil
	}
	return []byte(a.out), a.status, a.err
}

// fakeRPMDB models rpm's database for the fake runner: it answers
// `rpm -qf --queryformat rpmQueryFormat -- PATH` the way rpm prints it.
type fakeRPMDB struct {
	run  *fakeRunner
	bin  string
	pkgs map[string][]rpmFileSpec // package -> files
}

type rpmFileSpec struct {
	name    string
	content string // digest computed from it (sha256) for regular files
	mode    uint32
	user    string
	group   string
	link    string
	flags   int
	state   int
	rdev    int
	// caps is FILECAPS as rpm prints it (libcap's text); "" prints
	// (none), as for a package without capabilities.
	caps string
}

// rpmShescape is how rpm's :shescape formatter quotes a value.
func rpmShescape(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (db *fakeRPMDB) install() {
	owners := map[string][]string{}
	for pkg, files := range db.pkgs {
		for _, f := range files {
			owners[f.name] = append(owners[f.name], pkg)
		}
	}
	for name, pkgs := range owners {
		var b strings.Builder
		for _, pkg := range pkgs {
			for _, f := range db.pkgs[pkg] {
				digest := ""
				if f.mode&0o170000 == 0o100000 {
					h := sha256.Sum256([]byte(f.content))
					digest = hex.EncodeToString(h[:])
				}
				caps := "(none)"
				if f.caps != "" {
					caps = rpmShescape(f.caps)
				}
				fmt.Fprintf(&b, "%s 8 %s %d %d %d %d %s %s %d %s %s %s\n", rpmShescape(f.name), digest, f.mode,
					len(f.content), f.flags, f.state, f.user, f.group, f.rdev, rpmShescape(f.link), caps, pkg)
			}
		}
		db.run.on([]string{db.bin, "-qf", "--queryformat", rpmQueryFormat, "--", name}, fakeAnswer{out: b.String()})
	}
}

// writeFile creates a file with content and mode below dir and returns its path.
func writeFile(t testing.TB, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// privateTempDir returns a temporary directory that only the test's user can
// write, so that links the test makes in it count as trusted when the test
// runs as root.
func privateTempDir(t testing.TB) string {
	t.Helper()
	d := t.TempDir()
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	// t.TempDir's parent is private too; resolve links in it (such as a
	// TMPDIR under a link) so that paths are the ones OpenFile walks.
	real, err := filepath.EvalSymlinks(d)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

// decoderRegexes reads the <regex> of every child decoder of
// decoders/ossec-ar-verify_decoders.xml, keyed by decoder name, so that the
// tests check our lines against the decoder the manager runs.
func decoderRegexes(t testing.TB) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "decoders", "ossec-ar-verify_decoders.xml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := regexp.MustCompile(`(?s)<decoder name="([^"]+)">(.*?)</decoder>`)
	re := regexp.MustCompile(`<regex[^>]*>(.*?)</regex>`)
	out := map[string]string{}
	for _, m := range dec.FindAllStringSubmatch(string(data), -1) {
		if r := re.FindStringSubmatch(m[2]); r != nil {
			out[m[1]] = r[1]
		}
	}
	return out
}
