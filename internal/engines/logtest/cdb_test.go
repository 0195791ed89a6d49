package logtest

import (
	"fmt"
	"strings"
	"testing"
)

func TestMakeCDB(t *testing.T) {
	var b strings.Builder
	b.WriteString("### a comment line\n\n192.168.1.1:bad\r\nno colon here\nroot:admin:yes   ### trailing comment\nkey only:\nroot:second\n")
	for i := range 500 {
		fmt.Fprintf(&b, "k%d:v%d\n", i, i)
	}
	db := makeCDB([]byte(b.String()))
	for key, want := range map[string]string{
		"192.168.1.1": "bad",
		"root":        "admin:yes", // the first of a repeated key; the value keeps its colons
		"key only":    "",
		"k0":          "v0",
		"k499":        "v499",
	} {
		got, ok := cdbFind(db, key)
		if !ok || got != want {
			t.Errorf("%q: %q, %v; want %q", key, got, ok, want)
		}
	}
	for _, key := range []string{"no colon here", "### a comment line", "", "k500", "192.168.1.1\r"} {
		if v, ok := cdbFind(db, key); ok {
			t.Errorf("%q found (%q), want absent", key, v)
		}
	}
	if len(makeCDB(nil)) != 2048 {
		t.Errorf("empty list: %d bytes, want the 2048-byte header", len(makeCDB(nil)))
	}
}
