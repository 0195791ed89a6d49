package untar

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name string
	typ  byte
	body string
	link string
}

func archive(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExtract(t *testing.T) {
	dst := t.TempDir()
	data := archive(t,
		entry{name: "./", typ: tar.TypeDir},
		entry{name: "etc/", typ: tar.TypeDir},
		entry{name: "etc/ossec.conf", typ: tar.TypeReg, body: "<ossec_config/>"},
		entry{name: "rules/a/b.xml", typ: tar.TypeReg, body: "rule"},
		entry{name: "rules/x/../c.xml", typ: tar.TypeReg, body: "c"},
		entry{name: "link", typ: tar.TypeSymlink, link: "/etc/passwd"},
		entry{name: "hard", typ: tar.TypeLink, link: "etc/ossec.conf"},
	)
	if err := Extract(dst, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"etc/ossec.conf": "<ossec_config/>", "rules/a/b.xml": "rule", "rules/c.xml": "c"} {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"link", "hard"} {
		if _, err := os.Lstat(filepath.Join(dst, name)); !os.IsNotExist(err) {
			t.Errorf("%s: link extracted (%v); links are left out", name, err)
		}
	}
}

// TestExtractRefuses: names that leave the directory are errors naming
// the entry, and a symbolic link already in the directory is not followed.
func TestExtractRefuses(t *testing.T) {
	for _, name := range []string{"../x", "/etc/x", "a/../../x", "..", "a/b/../../../x", "escape/x"} {
		t.Run(name, func(t *testing.T) {
			top := t.TempDir()
			dst := filepath.Join(top, "dst")
			if err := os.Mkdir(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(top, filepath.Join(dst, "escape")); err != nil {
				t.Fatal(err)
			}
			err := Extract(dst, bytes.NewReader(archive(t, entry{name: name, typ: tar.TypeReg, body: "x"})))
			if err == nil || !strings.Contains(err.Error(), "tar entry") {
				t.Errorf("err = %v, want an error naming the entry", err)
			}
			checkInside(t, top)
		})
	}
}

// checkInside fails when anything but dst/ and its escape link is in top.
func checkInside(t *testing.T, top string) {
	t.Helper()
	ents, err := os.ReadDir(top)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "dst" {
			t.Errorf("%s written outside the directory", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(top, "x")); err == nil {
		t.Error("x written outside the directory")
	}
}

// FuzzExtract extracts archives of hostile names (and a symbolic link to
// the parent already in the directory): nothing is ever written outside
// the directory, and Extract never panics.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{"../x", "/x", "a/../../x", "..", ".", "", "escape/x", "escape/../x",
		"a\\..\\..\\x", "C:\\x", "a/./b/../../..", "//x", "a//b", "./../x"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, name string, dir bool) {
		top := t.TempDir()
		dst := filepath.Join(top, "dst")
		if err := os.Mkdir(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(top, filepath.Join(dst, "escape")); err != nil {
			t.Fatal(err)
		}
		typ := byte(tar.TypeReg)
		if dir {
			typ = tar.TypeDir
		}
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: typ, Mode: 0o644, Size: 1}); err != nil {
			return // not a name tar can write
		}
		tw.Write([]byte("x"))
		tw.Close()
		Extract(dst, &buf)
		checkInside(t, top)
	})
}
