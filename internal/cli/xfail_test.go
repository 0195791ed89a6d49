package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzExpectedFailures: reading a file of expected failures never panics,
// and what it accepts has a case and a reason on every entry, each case
// once.
func FuzzExpectedFailures(f *testing.F) {
	for _, seed := range []string{
		"t.ini:16 the decoder says ok\n",
		"# comment\n\nmsauth.ini:2\tno decoder (exit 3)\n",
		"t.ini:16\n",
		"a b\na c\n",
		"",
		"\t\t\n x",
	} {
		f.Add(seed)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data string) {
		file := filepath.Join(dir, "x.txt")
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		xs, err := readExpectedFailures(file)
		if err != nil {
			if !strings.HasPrefix(err.Error(), file) {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		if len(xs) == 0 {
			t.Fatalf("accepted a file with no entry: %q", data)
		}
		seen := map[string]bool{}
		for _, x := range xs {
			if x.key == "" || strings.TrimSpace(x.reason) == "" || x.line < 1 {
				t.Errorf("entry %+v from %q", x, data)
			}
			if seen[x.key] {
				t.Errorf("case %q accepted twice from %q", x.key, data)
			}
			seen[x.key] = true
		}
	})
}
