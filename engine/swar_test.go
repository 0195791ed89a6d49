package engine

import "testing"

func TestHasControl(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := c < 32 || c == 127
		for pos := 0; pos < 20; pos++ {
			b := []byte("abcdefghijklmnopqrstuvwxyz")
			b[pos] = byte(c)
			if got := hasControl(string(b)); got != want {
				t.Fatalf("byte %#x at %d: %v, want %v", c, pos, got, want)
			}
		}
	}
	if hasControl("") || hasControl("\x80\xff\xfe plain ÄÖÜ text with spaces") {
		t.Errorf("false positive")
	}
}
