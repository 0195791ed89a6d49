//go:build linux

package arverify

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPathHandling checks, for any file name: the argv OSSEC builds parses
// back to it (or says it may be truncated), CheckPath's result is clean and
// stable, the escaped form is one safe line that unescapes to it, and the
// verdict line starts with its verdict.
func FuzzPathHandling(f *testing.F) {
	for _, s := range []string{
		"/etc/hosts", "/a b/c (d)", "/x/file ok (y)", "/n\nl", "/\xff\xfe", "/../etc", "//a//b/",
		`/back\slash\`, "/\u2028\u202e", "/a) changed outside of RPM", "relative", "",
	} {
		f.Add(s)
	}
	f.Fuzz(checkPathHandling)
}

// TestPathHandlingRandom is a short, deterministic run of the fuzz target's
// checks on random names built from the bytes that matter, so that plain
// `go test` exercises more than the seeds.
func TestPathHandlingRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"/", "/", "a", " ", "(", ")", "..", ".", "\\", "\n", "\n", "\r", "\t", "\x00", "\x7f",
		"\xff", "\xc3", "é", "\u2028", "\u202e", "file ok ", ") changed", "-", "'", "$", strings.Repeat("z", 300)}
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for n := rng.IntN(12); n >= 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		checkPathHandling(t, b.String())
	}
}

func checkPathHandling(t *testing.T, raw string) {
	{
		if strings.IndexByte(raw, 0) < 0 && !strings.Contains(raw, "\n") {
			// A file name as the syscheck decoder passes it (no NUL,
			// no newline: it stops at the first one).
			req, err := ParseArgs(execdArgv("syscheck", raw))
			switch {
			case err != nil:
				t.Fatalf("ParseArgs: %v", err)
			case raw == "" || raw == "-" || raw == "(null)":
				if !req.NoName {
					t.Fatalf("no file name accepted: %q", raw)
				}
			case !req.Truncated() && req.Path != raw:
				t.Fatalf("ParseArgs path %q, want %q: a cut name not seen", req.Path, raw)
			case req.Truncated() && !strings.HasPrefix(raw, req.Path):
				t.Fatalf("truncated path %q is not a prefix of %q", req.Path, raw)
			}
		}
		if p, err := CheckPath(raw); err == nil {
			if p2, err := CheckPath(p); err != nil || p2 != p {
				t.Fatalf("CheckPath not stable: %q -> %q -> %q, %v", raw, p, p2, err)
			}
			if !strings.HasPrefix(p, "/") || strings.Contains(p, "//") || (len(p) > 1 && strings.HasSuffix(p, "/")) ||
				strings.Contains(p+"/", "/../") || strings.Contains(p+"/", "/./") || len(p) > MaxPathLen {
				t.Fatalf("CheckPath(%q) = %q is not clean", raw, p)
			}
		}
		esc := EscapePath(raw)
		if !utf8.ValidString(esc) || len(esc) > MaxShownPathLen {
			t.Fatalf("EscapePath(%q) = %q", raw, esc)
		}
		for i := 0; i < len(esc); i++ {
			if esc[i] < 0x20 || esc[i] == 0x7f {
				t.Fatalf("EscapePath(%q) holds byte %#x", raw, esc[i])
			}
		}
		if !strings.HasSuffix(esc, truncMark) {
			if back, err := UnescapePath(esc); err != nil || back != raw {
				t.Fatalf("UnescapePath(EscapePath(%q)) = %q, %v", raw, back, err)
			}
		}
		for _, k := range []Kind{OK, Changed, Unmanaged} {
			line := Verdict{Kind: k, Manager: "RPM", Path: raw}.Line()
			want := map[Kind]string{OK: "file ok (", Changed: "file managed by RPM (", Unmanaged: "file unmanaged ("}[k]
			if !strings.HasPrefix(line, want) || strings.ContainsAny(line, "\n\r") {
				t.Fatalf("line %q", line)
			}
		}
		// Verify never panics, and a path it refuses is unverified even
		// with a manager that would call any file it is asked about ok.
		if _, err := CheckPath(raw); err != nil {
			if v := yesVerifier.Verify(context.Background(), raw); v.Kind != Unverified || v.Code != CodeRefusedPath {
				t.Fatalf("refused path %q got %q", raw, v.Line())
			}
		}
	}
}

// yesManager decides every file it is asked about, and says it matches.
type yesManager struct{}

func (yesManager) Name() string { return "Yes" }
func (yesManager) Check(context.Context, *File) (ConfigResult, error) {
	return ConfigResult{Decides: true, Match: true}, nil
}

// yesVerifier would say ok to any path that reaches its manager.
var yesVerifier = &Verifier{Configs: []ConfigManager{yesManager{}}}
