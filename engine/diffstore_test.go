package engine

import (
	"strings"
	"testing"
)

// TestDiffStorePaths checks the file-system model of check_diff on the
// hostnames for which real ossec-logtest was recorded
// (conformance/testdata/extra-checkdiff.jsonl): whether a host can keep
// state at all, and which hosts share it.
func TestDiffStorePaths(t *testing.T) {
	path := func(host string) string { return "/queue/diff/" + host + "/533/last-entry" }
	long := strings.Repeat("x", 300)
	for _, tc := range []struct {
		host  string
		store bool
	}{
		{"h1", true},
		{"a/b", false},    // queue/diff/a does not exist: mkdir queue/diff/a/b fails
		{"x/..", false},   // x/.. needs x
		{"/tmp/x", false}, // queue/diff//tmp does not exist
		{long, false},     // name longer than 255 bytes
		{"..", true},      // queue/533
		{"../..", true},   // the installation root
		{".", true},       // queue/diff/533
		{"", true},        // queue/diff//533 = queue/diff/533
	} {
		var d diffStore
		if got := d.store(path(tc.host), "p22"); got != tc.store {
			t.Errorf("store for host %q = %v, want %v", tc.host, got, tc.store)
		}
		if _, ok := d.lookup(path(tc.host)); ok != tc.store {
			t.Errorf("lookup for host %q after the store = %v, want %v", tc.host, ok, tc.store)
		}
	}

	// ".", "" (and "(" and "()", whose name inside the parentheses is
	// empty) resolve to one file; "a" and ".." do not share it.
	var d diffStore
	d.store(path("."), "from dot")
	for _, h := range []string{"", "./.", "a/.."} {
		if h == "a/.." {
			d.mkdir("/queue/diff/a")
		}
		if got, ok := d.lookup(path(h)); !ok || got != "from dot" {
			t.Errorf("host %q sees %q, %v; want the output stored for \".\"", h, got, ok)
		}
	}
	for _, h := range []string{"b", ".."} {
		if got, ok := d.lookup(path(h)); ok {
			t.Errorf("host %q sees %q, stored for \".\"", h, got)
		}
	}
}
