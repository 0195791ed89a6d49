//go:build unix

package ruleset

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestPatternCacheNotOwn: a cache file, intact, that others may write or
// that another user owns is not read (its facts could be made up).
func TestPatternCacheNotOwn(t *testing.T) {
	dir := t.TempDir()
	usePatternCache(t, dir)
	f := newFixture(t)
	if _, err := Load(Sources{Decoders: []string{f.file("d.xml", testDecoders)}, Rules: []string{f.file("root.xml", rootRule)}}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "patterns-*"))
	if len(files) != 1 {
		t.Fatalf("cache files %q, want one", files)
	}
	if _, err := readPatternCache(files[0]); err != nil {
		t.Fatalf("own cache file: %v", err)
	}
	if err := os.Chmod(files[0], 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := readPatternCache(files[0]); !errors.Is(err, errBadCache) {
		t.Errorf("a cache file others may write: %v, want refused", err)
	}
	if os.Geteuid() != 0 {
		return // only root can give the file away
	}
	if err := os.Chmod(files[0], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(files[0], 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, err := readPatternCache(files[0]); !errors.Is(err, errBadCache) {
		t.Errorf("a cache file of uid 65534: %v, want refused", err)
	}
}
