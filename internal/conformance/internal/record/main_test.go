//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestResetState checks that every run starts from the installation as
// Install made it: an empty queue/diff, and nothing an earlier run wrote
// (check_diff files, also outside queue/diff), while the installation's own
// files stay.
func TestResetState(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "etc", "ossec.conf")
	if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("<ossec_config/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := resetState(dir); err != nil {
		t.Fatal(err)
	}
	// What a run leaves behind.
	for _, p := range []string{"queue/diff/h1/533/last-entry", "queue/533/last-entry", "533/last-entry", "etc/x"} {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("p22"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := resetState(dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"queue/diff/h1", "queue/533", "533", "etc/x"} {
		if _, err := os.Stat(filepath.Join(dir, p)); !os.IsNotExist(err) {
			t.Errorf("%s survived the reset (%v)", p, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "queue", "diff")); err != nil || !fi.IsDir() {
		t.Errorf("queue/diff is not there: %v", err)
	}
	if _, err := os.Stat(conf); err != nil {
		t.Errorf("the installation's own file is gone: %v", err)
	}
}

func TestSplit(t *testing.T) {
	if got := split(""); got != nil {
		t.Errorf("split(\"\") = %q", got)
	}
	if got := split("a,b"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("split(\"a,b\") = %q", got)
	}
}
