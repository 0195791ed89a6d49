package logtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestInstallationBase checks that the installation whose ossec-logtest
// runs is the base of cases given none when it holds a ruleset
// (etc/ossec.conf and rules/), and that a directory without one gives no
// base, so that run says a base is missing instead of real ossec-logtest
// failing on a ruleset without its category roots.
func TestInstallationBase(t *testing.T) {
	dir := t.TempDir()
	b := &Backend{Dir: dir}
	for _, step := range []struct {
		mkdir, file string
		want        string
	}{
		{want: ""},
		{mkdir: "rules", want: ""},
		{file: "etc/ossec.conf", want: dir},
	} {
		if step.mkdir != "" {
			if err := os.MkdirAll(filepath.Join(dir, step.mkdir), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if step.file != "" {
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(step.file)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, step.file), []byte("<ossec_config/>\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := b.InstallationBase(context.Background())
		if err != nil || got != step.want {
			t.Errorf("after %q%q: InstallationBase = %q, %v; want %q", step.mkdir, step.file, got, err, step.want)
		}
	}
}
