package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestPatternCacheCheck: a command during which the pattern cache found
// its file wrong says so and does not succeed.
func TestPatternCacheCheck(t *testing.T) {
	wrong := errors.New("pattern cache /c/patterns-1: pcre2 pattern \"a(b\" was given as compiling, but it does not compile")
	for _, c := range []struct {
		code int
		err  error
		want int
	}{
		{0, nil, 0}, {ExitFailed, nil, ExitFailed},
		{0, wrong, ExitFailed}, {ExitFailed, wrong, ExitFailed}, {ExitUsage, wrong, ExitUsage},
	} {
		var stderr bytes.Buffer
		if got := patternCacheCheck(c.code, c.err, &stderr); got != c.want {
			t.Errorf("patternCacheCheck(%d, %v) = %d, want %d", c.code, c.err, got, c.want)
		}
		if said := stderr.String(); (c.err != nil) != strings.Contains(said, "patterns-1") {
			t.Errorf("patternCacheCheck(%d, %v) said %q", c.code, c.err, said)
		}
	}
}
