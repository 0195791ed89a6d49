//go:build linux

package arverify

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenUnder: a path is opened below the root directory, and neither an
// absolute link target nor ".." leads out of it (as in a chroot); the File
// names the path as the host sees it.
func TestOpenUnder(t *testing.T) {
	root := privateTempDir(t)
	writeFile(t, filepath.Join(root, "etc", "x"), "inside\n", 0o644)
	read := func(p string) string {
		t.Helper()
		f, err := OpenUnder(context.Background(), root, p)
		if err != nil {
			t.Fatalf("OpenUnder(%s): %v", p, err)
		}
		defer f.Close()
		if !f.Exists || f.Path != p {
			t.Fatalf("OpenUnder(%s): exists %v, path %q", p, f.Exists, f.Path)
		}
		data, err := io.ReadAll(io.NewSectionReader(fileReaderAt{f}, 0, f.Size))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	if got := read("/etc/x"); got != "inside\n" {
		t.Fatalf("/etc/x: %q", got)
	}
	if f, err := OpenUnder(context.Background(), root, "/etc/missing"); err != nil || f.Exists {
		t.Fatalf("missing file: %+v, %v", f, err)
	}
	// Links are followed only when root made them (see OpenFile).
	if os.Geteuid() != 0 {
		t.Skip("links are trusted only when root's: the rest needs root")
	}
	if err := os.Symlink("/etc", filepath.Join(root, "abs")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../etc", filepath.Join(root, "up")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/abs/x", "/up/x"} {
		if got := read(p); got != "inside\n" {
			t.Errorf("%s: %q, want the root's /etc/x", p, got)
		}
	}
}

// fileReaderAt reads a File opened by OpenFile.
type fileReaderAt struct{ f *File }

func (r fileReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := r.f.readAt(b, off)
	if err == nil && n < len(b) {
		err = io.EOF
	}
	return n, err
}

// TestRootConfig: with root set, the dpkg database, its lock files and
// the Puppet catalogs are the root's unless set otherwise, and the files
// are opened below it.
func TestRootConfig(t *testing.T) {
	c := DefaultConfig("/var/ossec")
	for _, kv := range [][2]string{{"root", "/srv/host"}, {"package_managers", "dpkg"}, {"dpkg_query", "/usr/bin/dpkg-query"}} {
		if err := c.set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	v := c.Verifier()
	if v.Open == nil {
		t.Fatal("root set, files opened from /")
	}
	d, ok := v.Packages[0].(*Dpkg)
	if !ok || d.InfoDir != "/srv/host/var/lib/dpkg/info" || d.Root != "/srv/host" || d.LockFiles[0] != "/srv/host/var/lib/dpkg/lock-frontend" {
		t.Fatalf("dpkg %+v", v.Packages[0])
	}
	if got := d.argv("-S", "--", "/etc/x"); strings.Join(got, " ") != "/usr/bin/dpkg-query --root=/srv/host -S -- /etc/x" {
		t.Fatalf("dpkg-query argv %q", got)
	}
	p := v.Configs[0].(*Puppet)
	if p.CatalogDirs[0] != "/srv/host"+DefaultPuppetCatalogDirs[0] {
		t.Fatalf("catalogs %q", p.CatalogDirs)
	}
	if err := c.set("dpkg_info", "/elsewhere/info"); err != nil {
		t.Fatal(err)
	}
	if d := c.Verifier().Packages[0].(*Dpkg); d.InfoDir != "/elsewhere/info" {
		t.Fatalf("dpkg_info set: %q", d.InfoDir)
	}
	if err := c.set("root", "relative"); err == nil {
		t.Fatal("a relative root accepted")
	}
}

// TestOssecDirFromArgv0: ossec-execd runs a response by its full path
// under OSSECDIR/active-response/bin, which may be a link to the program.
func TestOssecDirFromArgv0(t *testing.T) {
	if got := ossecDir("/work/case/ossec/active-response/bin/ossec-ar-verify-file"); got != "/work/case/ossec" {
		t.Fatalf("ossecDir = %q", got)
	}
	if got := ossecDir("ossec-ar-verify-file"); got != "/var/ossec" {
		t.Fatalf("ossecDir of a bare name = %q, want the default", got)
	}
}
