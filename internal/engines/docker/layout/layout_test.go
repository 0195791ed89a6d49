package layout

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestFill(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// The official layout for etc and queue (a nested directory, a mode
	// and a link kept), a flat rules, a link without template (left).
	must(os.MkdirAll(filepath.Join(root, "etc-template", "shared"), 0o750))
	must(os.WriteFile(filepath.Join(root, "etc-template", "ossec.conf"), []byte("<ossec_config/>"), 0o640))
	must(os.Symlink("ossec.conf", filepath.Join(root, "etc-template", "link.conf")))
	must(os.MkdirAll(filepath.Join(root, "queue-template", "fts"), 0o770))
	must(os.Chmod(filepath.Join(root, "queue-template", "fts"), 0o770)) // past the umask
	must(os.MkdirAll(filepath.Join(root, "rules"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "data"), 0o755))
	for _, d := range []string{"etc", "queue", "logs"} {
		must(os.Symlink("data/"+d, filepath.Join(root, d)))
	}
	filled, err := Fill(root)
	must(err)
	if !slices.Equal(filled, []string{"etc", "queue"}) {
		t.Errorf("filled %v; want [etc queue]", filled)
	}
	data, err := os.ReadFile(filepath.Join(root, "etc", "link.conf"))
	if err != nil || string(data) != "<ossec_config/>" {
		t.Errorf("etc/link.conf through the volume: %q, %v", data, err)
	}
	if l, err := os.Readlink(filepath.Join(root, "data", "etc", "link.conf")); err != nil || l != "ossec.conf" {
		t.Errorf("the link was not kept as a link: %q, %v", l, err)
	}
	if fi, err := os.Stat(filepath.Join(root, "etc", "ossec.conf")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("ossec.conf mode: %v, %v; want 0640", fi, err)
	}
	if fi, err := os.Stat(filepath.Join(root, "queue", "fts")); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o770 {
		t.Errorf("queue/fts: %v, %v; want a 0770 directory", fi, err)
	}
	if _, err := os.Stat(filepath.Join(root, "logs")); err == nil {
		t.Errorf("logs has no template and must stay a dangling link")
	}
	// A volume that holds data is left alone.
	must(os.WriteFile(filepath.Join(root, "etc", "ossec.conf"), []byte("changed"), 0o640))
	filled, err = Fill(root)
	must(err)
	if len(filled) != 0 {
		t.Errorf("second Fill filled %v", filled)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "etc", "ossec.conf")); string(data) != "changed" {
		t.Errorf("second Fill overwrote the volume: %q", data)
	}
}
