//go:build linux

package arverify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
)

// adversarialCase is one hostile file name.
type adversarialCase struct {
	name string
	// rel is the file name below the case's directory (may hold anything).
	rel string
	// setup creates the file (and links) given the full path and the
	// directory; it returns the package rows to install for that path, or
	// nil for an unowned file.
	setup func(t *testing.T, dir, full string) []rpmFileSpec
	want  Kind
	// refused: Verify never resolves the path (the verdict shows it raw).
	// Verdicts of rows that want Unverified must also be ok on the code
	// as it landed before fail-closed: the row's setup makes the cut name
	// verify as ok (checked below), so the row tests the cut detection.
	refused bool
	// truncated: OSSEC cut the name; the line ends in \...
	truncated bool
	rootOnly  bool
}

const pkgContent = "packaged content\n"

// owned makes a regular file that the package database lists with the
// same content (ok) or other content (changed).
func owned(same bool) func(*testing.T, string, string) []rpmFileSpec {
	return func(t *testing.T, dir, full string) []rpmFileSpec {
		content := pkgContent
		if !same {
			content = "changed by hand\n"
		}
		writeFile(t, full, content, 0o644)
		return []rpmFileSpec{{name: full, content: pkgContent, mode: 0o100644, user: userName(uint32(os.Getuid())), group: groupName(uint32(os.Getgid()))}}
	}
}

func unowned(t *testing.T, dir, full string) []rpmFileSpec {
	writeFile(t, full, "anything\n", 0o644)
	return nil
}

// plantedLink makes the directory w (mode, owned by dirUID) holding the
// link evil, owned by linkUID, to a directory with a packaged file that
// matches: each call breaks one condition of a trusted link only, so each
// row fails if that condition is not checked.
func plantedLink(mode os.FileMode, dirUID, linkUID int) func(*testing.T, string, string) []rpmFileSpec {
	return func(t *testing.T, dir, full string) []rpmFileSpec {
		w := filepath.Join(dir, "w")
		real := filepath.Join(dir, "real")
		rows := owned(true)(t, dir, filepath.Join(real, "file"))
		if err := os.Mkdir(w, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(real, filepath.Join(w, "evil")); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(filepath.Join(w, "evil"), linkUID, linkUID); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(w, dirUID, dirUID); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(w, mode); err != nil {
			t.Fatal(err)
		}
		// The database lists the path as given too.
		return append(rows, rpmFileSpec{name: full, content: pkgContent, mode: 0o100644,
			user: userName(uint32(os.Getuid())), group: groupName(uint32(os.Getgid()))})
	}
}

// cutAt makes the file under its full name, unowned, and a packaged file
// that matches the database at the name OSSEC cuts it to (for a cut after
// a slash, a packaged directory): verifying the cut name would say ok.
// withFile false plants the full name beside it only.
func cutAt(withFile bool) func(*testing.T, string, string) []rpmFileSpec {
	return func(t *testing.T, dir, full string) []rpmFileSpec {
		writeFile(t, full, "planted\n", 0o644)
		req, err := ParseArgs(ossecPath{}.argv(full))
		if err != nil {
			t.Fatal(err)
		}
		cut := req.Path
		if cut == full {
			t.Fatalf("OSSEC does not cut %q", full)
		}
		me, grp := userName(uint32(os.Getuid())), groupName(uint32(os.Getgid()))
		if strings.HasSuffix(cut, "/") {
			st, err := os.Stat(cut)
			if err != nil {
				t.Fatal(err)
			}
			return []rpmFileSpec{{name: strings.TrimSuffix(cut, "/"), mode: 0o40000 | uint32(st.Mode().Perm()), user: me, group: grp}}
		}
		if err := os.MkdirAll(filepath.Dir(cut), 0o755); err != nil {
			t.Fatal(err)
		}
		_ = withFile
		return owned(true)(t, dir, cut)
	}
}

// decoys returns rows for names near full that verify ok if asked about.
func decoys(t *testing.T, dir, full string) []rpmFileSpec {
	me, grp := userName(uint32(os.Getuid())), groupName(uint32(os.Getgid()))
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	rows := []rpmFileSpec{{name: dir, mode: 0o40000 | uint32(st.Mode().Perm()), user: me, group: grp}}
	for _, cut := range []string{" ", "\n", "("} {
		if i := strings.Index(full[len(dir):], cut); i > 1 {
			name := full[:len(dir)+i]
			if _, err := os.Lstat(name); err == nil {
				continue // the row's own file or directory
			}
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err == nil {
				rows = append(rows, owned(true)(t, dir, name)...)
			}
		}
	}
	return rows
}

func adversarialCases() []adversarialCase {
	long := strings.Repeat("d", 200)
	var deep []string
	for i := 0; i < 19; i++ {
		deep = append(deep, long)
	}
	return []adversarialCase{
		{name: "spaces", rel: "dir with spaces/file  two  spaces", setup: owned(true), want: OK},
		{name: "parentheses", rel: "paren(s)/a (b) c", setup: owned(false), want: Changed},
		{name: "file ok inside", rel: "x/file ok (y)", setup: unowned, want: Unmanaged},
		{name: "forged managed suffix", rel: "a) changed outside of RPM", setup: owned(false), want: Changed},
		{name: "forged unmanaged suffix", rel: "b) changed", setup: unowned, want: Unmanaged},
		{name: "forged ok suffix", rel: "c) changed) x", setup: owned(true), want: OK},
		{name: "closing paren last", rel: "d)", setup: owned(true), want: OK},
		{name: "newline forging a line", rel: "n\nNov 26 10:00:00 host ossec-ar-verify: file ok (/etc/passwd)", setup: cutAt(false), want: Unverified},
		{name: "carriage return", rel: "cr\rfile ok (/etc/shadow)", setup: unowned, want: Unmanaged},
		{name: "tab and other controls", rel: "t\tx\x01\x1b[31m\x7f", setup: unowned, want: Unmanaged},
		{name: "invalid UTF-8", rel: "bad\xff\xfe\xc3(", setup: unowned, want: Unmanaged},
		{name: "unicode line separators and bidi", rel: "u\u2028v\u0085w\u202egnp.exe\u00a0", setup: unowned, want: Unmanaged},
		{name: "backslashes and escapes", rel: `back\slash\n\x41\...`, setup: owned(true), want: OK},
		{name: "shell metacharacters", rel: "$(reboot);`id`|&>x<'\"#*?[]{}!:", setup: owned(false), want: Changed},
		{name: "leading dash", rel: "-rf --help", setup: owned(true), want: OK},
		{name: "dot dot", rel: "../../../etc/passwd", setup: nil, want: Unverified, refused: true},
		{name: "dot component", rel: "./x", setup: nil, want: Unverified, refused: true},
		{name: "many spaces (execd argument limit)", rel: "s" + strings.Repeat(" s", 30), setup: cutAt(true), want: Unverified, truncated: true},
		{name: "4 KB name (OSSEC's 1024-byte message)", rel: strings.Join(deep, "/") + "/f", setup: cutAt(true), want: Unverified, truncated: true},
		{name: "780-byte name (syscheckd's 916 bytes)", rel: strings.Repeat("e", 200) + "/" + strings.Repeat("e", 200) + "/" + strings.Repeat("e", 200) + "/" + strings.Repeat("f", 150),
			setup: cutAt(true), want: Unverified, truncated: true},
		{name: "newline after a packaged file (analysisd's cut)", rel: "pkgd\nevil", setup: cutAt(false), want: Unverified},
		{name: "newline after a directory (analysisd's cut)", rel: "etc/\nevil", setup: cutAt(false), want: Unverified, truncated: true},
		{name: "root's link in a world-writable directory", rel: "w/evil/file", rootOnly: true, setup: plantedLink(0o1777, 0, 0), want: Unverified},
		{name: "user's link in a root-only directory", rel: "w/evil/file", rootOnly: true, setup: plantedLink(0o755, 0, 65534), want: Unverified},
		{name: "root's link in a user's directory", rel: "w/evil/file", rootOnly: true, setup: plantedLink(0o755, 65534, 0), want: Unverified},
		{name: "root's link in a group-writable directory", rel: "w/evil/file", rootOnly: true, setup: plantedLink(0o775, 0, 0), want: Unverified},
		{name: "planted symlink in the path", rel: "evil/file", setup: func(t *testing.T, dir, full string) []rpmFileSpec {
			// dir is writable by everyone (like /tmp); a user
			// replaced "evil" with a link to a packaged directory.
			if err := os.Chmod(dir, 0o1777); err != nil {
				t.Fatal(err)
			}
			real := filepath.Join(dir, "real")
			rows := owned(true)(t, dir, filepath.Join(real, "file"))
			if err := os.Symlink(real, filepath.Join(dir, "evil")); err != nil {
				t.Fatal(err)
			}
			if os.Getuid() == 0 {
				if err := os.Lchown(filepath.Join(dir, "evil"), 65534, 65534); err != nil {
					t.Fatal(err)
				}
			}
			// The database even lists the path as given.
			rows = append(rows, rpmFileSpec{name: full, content: pkgContent, mode: 0o100644,
				user: userName(uint32(os.Getuid())), group: groupName(uint32(os.Getgid()))})
			return rows
		}, want: Unverified},
		{name: "symlink as the file", rel: "link", setup: func(t *testing.T, dir, full string) []rpmFileSpec {
			real := filepath.Join(dir, "real")
			rows := owned(true)(t, dir, real)
			if err := os.Symlink(real, full); err != nil {
				t.Fatal(err)
			}
			// The package says "link" is a regular file with that
			// content: a link to a matching file is not it.
			rows[0].name = full
			return rows
		}, want: Changed},
		{name: "root's link in a root-only directory", rel: "bin/tool", rootOnly: true, setup: func(t *testing.T, dir, full string) []rpmFileSpec {
			real := filepath.Join(dir, "usr", "bin", "tool")
			rows := owned(true)(t, dir, real)
			if err := os.Symlink("usr/bin", filepath.Join(dir, "bin")); err != nil {
				t.Fatal(err)
			}
			return rows // the database knows only usr/bin/tool
		}, want: OK},
		{name: "deleted packaged file", rel: "gone", setup: func(t *testing.T, dir, full string) []rpmFileSpec {
			return []rpmFileSpec{{name: full, content: pkgContent, mode: 0o100644, user: "root", group: "root"}}
		}, want: Changed},
		{name: "FIFO where a file was", rel: "fifo", setup: func(t *testing.T, dir, full string) []rpmFileSpec {
			if err := syscall.Mkfifo(full, 0o644); err != nil {
				t.Fatal(err)
			}
			return []rpmFileSpec{{name: full, content: pkgContent, mode: 0o100644, user: "root", group: "root"}}
		}, want: Changed},
	}
}

// TestAdversarialPaths runs hostile file names through the whole program
// path: OSSEC's argv, ParseArgs, Verify with a fake rpm database, the verdict
// line, and the manager's decoder regexes (run with osregex, as analysisd
// runs them).
func TestAdversarialPaths(t *testing.T) {
	regexes := decoderRegexes(t)
	decoderFor := map[Kind]string{OK: "ossec-ar-verify-ok-alert", Changed: "ossec-ar-verify-managed-alert",
		Unmanaged: "ossec-ar-verify-unmanaged-alert", Unverified: "ossec-ar-verify-unverified-alert"}
	compiled := map[string]*osregex.Pattern{}
	for name, src := range regexes {
		p, err := osregex.Compile(osregex.KindRegex, src, 0)
		if err != nil {
			t.Fatalf("decoder %s: %v", name, err)
		}
		compiled[name] = p
	}
	cases := adversarialCases()
	var lines []engineCheck
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.rootOnly && os.Getuid() != 0 {
				t.Skip("needs root to make a link only root could have made")
			}
			dir := privateTempDir(t)
			full := dir + "/" + tc.rel
			run := newFakeRunner()
			db := &fakeRPMDB{run: run, bin: "/usr/bin/rpm", pkgs: map[string][]rpmFileSpec{}}
			if tc.setup != nil {
				if rows := tc.setup(t, dir, full); rows != nil {
					db.pkgs["pkg-1.0-1.x86_64"] = rows
				}
			}
			// Decoys: a package owns, with matching rows, the names a
			// wrong lookup would ask about (the directory, the name
			// cut at its first space or newline, the name with a
			// trailing space), so an unowned row's "unmanaged" is an
			// answer, not the only one possible.
			db.pkgs["decoy-1-1.noarch"] = decoys(t, dir, full)
			db.install()

			argv := ossecPath{}.argv(full)
			req, err := ParseArgs(argv)
			if err != nil {
				t.Fatalf("ParseArgs(%q): %v", argv, err)
			}
			if req.Truncated() != tc.truncated {
				t.Fatalf("Truncated = %v (%s), want %v (argv %d entries)", req.Truncated(), req.Cut, tc.truncated, len(argv))
			}
			ver := &Verifier{Packages: []PackageManager{&RPM{Binary: "/usr/bin/rpm", Runner: run}}}
			v := Decide(context.Background(), req, ver)
			if v.Kind != tc.want {
				t.Fatalf("verdict %q (%s), want kind %d", v.Line(), v.Reason, tc.want)
			}
			if v.AlertID != testAlert {
				t.Fatalf("alert id %q, want %q", v.AlertID, testAlert)
			}
			if tc.want == Unverified && !tc.refused {
				// The row can fail: what OSSEC passed is a name that
				// verifies ok when nothing looks for a cut.
				if p, err := CheckPath(req.Path); err == nil {
					if got := (&Verifier{Packages: ver.Packages, Open: plainOpen}).Verify(context.Background(), p); got.Kind != OK && got.Kind != Unverified {
						t.Fatalf("the cut name %q verifies %q (%s) without the cut checks: the row proves nothing", req.Path, got.Line(), got.Reason)
					}
				}
			}
			line := v.Line()
			checkLineShape(t, line)
			lines = append(lines, engineCheck{tc.name, v, line})

			// The decoder of this verdict extracts exactly the
			// escaped path, which unescapes to the path verified.
			dec := compiled[decoderFor[v.Kind]]
			if dec == nil {
				t.Fatalf("no decoder %s in decoders/", decoderFor[v.Kind])
			}
			rest := strings.TrimPrefix(line, "file ")
			_, subs, ok := dec.Exec(rest, nil)
			if !ok {
				t.Fatalf("decoder %s does not match %q", decoderFor[v.Kind], rest)
			}
			got := subs[pathSub[v.Kind]]
			if subs[len(subs)-1] != testAlert {
				t.Fatalf("decoder %s extracted alert id %q from %q", decoderFor[v.Kind], subs[len(subs)-1], rest)
			}
			if want := EscapePath(v.Path); !tc.truncated && got != want {
				t.Fatalf("decoder extracted %q, want %q", got, want)
			}
			if tc.truncated {
				if !strings.HasSuffix(got, `\...`) {
					t.Fatalf("truncated path %q does not end in \\...", got)
				}
				return
			}
			back, err := UnescapePath(got)
			if err != nil || back != v.Path {
				t.Fatalf("UnescapePath(%q) = %q, %v; want %q", got, back, err, v.Path)
			}
			if tc.refused && v.Path != full {
				t.Fatalf("refused path shown as %q, want it as given %q", v.Path, full)
			}
			// The line starts with the prematch of its own verdict's
			// decoder only.
			prematch := map[Kind]string{OK: "ok (", Changed: "managed by ", Unmanaged: "unmanaged (", Unverified: "unverified ("}
			for k, pre := range prematch {
				if strings.HasPrefix(rest, pre) != (k == v.Kind) {
					t.Errorf("line %q vs prematch %q of verdict %d", rest, pre, k)
				}
			}
		})
	}
	t.Logf("adversarial table: %d cases", len(cases))
	checkOnEngine(t, lines)
}

// pathSub is the index of the path among the decoder's captures.
var pathSub = map[Kind]int{OK: 1, Changed: 2, Unmanaged: 1, Unverified: 1}

// plainOpen is OpenFile as the program opened files before it looked for
// names cut at a newline.
func plainOpen(_ context.Context, p string) (*File, error) { return OpenFile(p) }

type engineCheck struct {
	name string
	v    Verdict
	line string
}

// checkLineShape asserts what every verdict line must be: one line of valid
// UTF-8 with no control characters, starting with one of the three verdicts.
func checkLineShape(t *testing.T, line string) {
	t.Helper()
	if !utf8.ValidString(line) {
		t.Fatalf("line is not valid UTF-8: %q", line)
	}
	for _, r := range line {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			t.Fatalf("line holds control character %U: %q", r, line)
		}
	}
	switch {
	case strings.HasPrefix(line, "file ok ("), strings.HasPrefix(line, "file managed by "), strings.HasPrefix(line, "file unmanaged ("),
		strings.HasPrefix(line, "file unverified ("):
	default:
		t.Fatalf("line does not start with a verdict: %q", line)
	}
	if len(line) > MaxShownPathLen+64 {
		t.Fatalf("line is %d bytes", len(line))
	}
}

// TestParseArgsAgentLocation checks that an agent's location, which holds a
// space, is not taken for part of the file name.
func TestParseArgsAgentLocation(t *testing.T) {
	argv := execdArgv("(web-01) 10.0.0.7->syscheck", "/etc/my file")
	req, err := ParseArgs(argv)
	if err != nil {
		t.Fatal(err)
	}
	if req.Location != "(web-01) 10.0.0.7->syscheck" || req.Path != "/etc/my file" || req.RuleID != "106002" || req.AlertID != "1700000000.4242" {
		t.Fatalf("got %+v", req)
	}
	for _, bad := range [][]string{
		{"prog"},
		{"prog", "add", "-", "-"},
		{"prog", "remove", "-", "-", "1.2", "106002", "syscheck", "/etc/x"},
	} {
		if _, err := ParseArgs(bad); err == nil {
			t.Errorf("ParseArgs(%q) accepted", bad)
		}
	}
	for _, none := range []string{"-", "(null)"} {
		req, err := ParseArgs([]string{"prog", "add", "-", "-", "1.2", "106002", "syscheck", none})
		if err != nil || !req.NoName {
			t.Errorf("filename %q: %+v, %v; want NoName", none, req, err)
		}
		if v := Decide(context.Background(), req, &Verifier{}); v.Kind != Unverified || v.Code != CodeNoName {
			t.Errorf("filename %q: verdict %q", none, v.Line())
		}
	}
}

func TestCheckPath(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"/etc/hosts", "/etc/hosts", nil},
		{"//etc///hosts/", "/etc/hosts", nil},
		{"/", "/", nil},
		{"etc/hosts", "", ErrNotAbsolute},
		{"", "", ErrEmpty},
		{"/etc/../etc/shadow", "", ErrDotDot},
		{"/etc/./hosts", "", ErrDotDot},
		{"/etc/..", "", ErrDotDot},
		{"/etc/ho\x00sts", "", ErrNUL},
		{"/" + strings.Repeat("a", 256), "", ErrTooLong},
		{"/" + strings.Repeat("a/", 2048), "", ErrTooLong},
		{"/etc/...", "/etc/...", nil},
	} {
		got, err := CheckPath(tc.in)
		if got != tc.want || err != tc.err {
			t.Errorf("CheckPath(%.40q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestEscapePath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/etc/hosts", "/etc/hosts"},
		{"/a b(c)", "/a b(c)"},
		{"/a\nb\rc\td", `/a\nb\rc\td`},
		{`/a\b`, `/a\\b`},
		{"/\x00\x1f\x7f", `/\x00\x1f\x7f`},
		{"/\xff", `/\xff`},
		{"/é", "/é"},
		{"/\u2028\u202e", `/\xe2\x80\xa8\xe2\x80\xae`},
		{"/\u00a0", `/\xc2\xa0`},
	} {
		if got := EscapePath(tc.in); got != tc.want {
			t.Errorf("EscapePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := "/" + strings.Repeat("\n", 3000)
	got := EscapePath(long)
	if len(got) > MaxShownPathLen || !strings.HasSuffix(got, `\...`) {
		t.Errorf("EscapePath of a long path: %d bytes, ends %q", len(got), got[len(got)-8:])
	}
	if _, err := UnescapePath(got); err == nil {
		t.Error("UnescapePath accepted a truncated path")
	}
}
