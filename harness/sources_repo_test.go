package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadRepoRefusesOutside: a repository file that is a link to outside
// the repository (or in a directory that is), or whose name ossec.conf's
// <rules> list cannot hold, is an error naming it; a link inside the
// repository is read.
func TestReadRepoRefusesOutside(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.xml")
	if err := os.WriteFile(outside, []byte("<group name=\"x,\"></group>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rule := []byte("<group name=\"a,\"><rule id=\"100001\" level=\"3\"><match>a</match><description>a</description></rule></group>\n")
	for _, tc := range []struct {
		name  string
		setup func(repo string) error
		want  string // "" for no error
	}{
		{"link out", func(repo string) error { return os.Symlink(outside, filepath.Join(repo, "rules", "x.xml")) }, "rules/x.xml: a link to " + outside + ", outside the rules repository"},
		{"dir link out", func(repo string) error {
			return os.Symlink(filepath.Dir(outside), filepath.Join(repo, "decoders"))
		}, "decoders/secret.xml: a link to " + outside + ", outside"},
		{"config link out", func(repo string) error { return os.Symlink(outside, filepath.Join(repo, "ossec.conf")) }, "ossec.conf: a link to " + outside},
		{"newline", func(repo string) error {
			return os.WriteFile(filepath.Join(repo, "lists", "x\n..\nclient.keys"), []byte("a:b\n"), 0o644)
		}, `rules repository file name has '\n'`},
		{"angle", func(repo string) error {
			return os.WriteFile(filepath.Join(repo, "rules", "a<!--.xml"), rule, 0o644)
		}, `rules repository file name has '<'`},
		{"link in", func(repo string) error {
			if err := os.MkdirAll(filepath.Join(repo, "shared"), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(repo, "shared", "b.xml"), rule, 0o644); err != nil {
				return err
			}
			return os.Symlink("../shared/b.xml", filepath.Join(repo, "rules", "b.xml"))
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := t.TempDir()
			for _, d := range []string{"rules", "lists"} {
				if err := os.MkdirAll(filepath.Join(repo, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(repo, "rules", "a.xml"), rule, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tc.setup(repo); err != nil {
				t.Fatal(err)
			}
			r, err := ReadRepo(repo)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("ReadRepo: %v", err)
			case tc.want == "" && len(r.Files) != 2:
				t.Errorf("ReadRepo read %v, want rules/a.xml and rules/b.xml", r.Files)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), repo)):
				t.Errorf("ReadRepo: %v, want an error naming the file and saying %q", err, tc.want)
			}
		})
	}
}
