//go:build linux

package arverify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeBinary writes an executable script into a temporary directory; tests
// only (the program itself never runs a shell).
func fakeBinary(t *testing.T, name, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	writeFile(t, p, "#!/bin/sh\n"+script+"\n", 0o755)
	return p
}

func TestExecRunner(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for fake binaries")
	}
	r := ExecRunner{Timeout: 300 * time.Millisecond, Grace: 300 * time.Millisecond}
	ctx := context.Background()

	echo := fakeBinary(t, "rpm", `printf '%s|' "$@"; env | sort | tr '\n' ' '; exit 1`)
	t.Setenv("ARVERIFY_SECRET", "leak")
	// A generous timeout here: on a loaded machine the shell pipeline
	// alone can take longer than the short one below.
	out, status, err := ExecRunner{Timeout: 20 * time.Second}.Run(ctx, []string{echo, "-qf", "/a b;$(x)", "--"})
	if err != nil || status != 1 {
		t.Fatalf("status %d, err %v", status, err)
	}
	got := string(out)
	if !strings.HasPrefix(got, "-qf|/a b;$(x)|--|") {
		t.Errorf("arguments not passed as given: %q", got)
	}
	if strings.Contains(got, "ARVERIFY_SECRET") || !strings.Contains(got, "LC_ALL=C") {
		t.Errorf("environment not replaced: %q", got)
	}

	slow := fakeBinary(t, "slow", `sleep 10`)
	start := time.Now()
	if _, _, err := r.Run(ctx, []string{slow}); err == nil || !strings.Contains(err.Error(), "killed after") {
		t.Errorf("slow command: err %v", err)
	}
	// The shell's own child (sleep) is killed with it: nothing holds the
	// output pipe until WaitDelay.
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("slow command ran %v despite the timeout", d)
	}

	// More output than maxOutput, with time to print it all: the cap,
	// not a timeout, must stop it (with r's short timeout the test once
	// accepted "killed", which hid that the cap kept all 70 MB).
	big := fakeBinary(t, "big", `head -c 70000000 /dev/zero`)
	if out, status, err := (ExecRunner{Timeout: 20 * time.Second}).Run(ctx, []string{big}); !errors.Is(err, ErrOutputTooLarge) {
		t.Errorf("huge output: err %v, status %d, %d bytes kept", err, status, len(out))
	}

	if _, _, err := r.Run(ctx, []string{"rpm", "-qa"}); err == nil {
		t.Error("relative program name accepted")
	}
}

// TestManualModeWithFakeRPM runs the program's manual mode against a fake
// rpm binary, as docs/ar-verify.md shows.
func TestManualModeWithFakeRPM(t *testing.T) {
	dir := privateTempDir(t)
	target := writeFile(t, dir+"/etc/app.conf", "edited\n", 0o644)
	row := rpmShescape(target) + " 8 " + strings.Repeat("0", 64) + " 33188 7 16 0 root root 0 '' (none) app-1-1.noarch"
	rpm := fakeBinary(t, "rpm", `[ "$1" = -qf ] && [ "$5" = "`+target+`" ] && { printf '%s\n' "`+row+`"; exit 0; }; echo "file $5 is not owned by any package"; exit 1`)
	var out, errOut strings.Builder
	code := Main([]string{"ossec-ar-verify-file", "-ossec-dir", dir, "-package-managers", "rpm", "-rpm", rpm, "-no-puppet", target, dir + "/other"}, &out, &errOut)
	want := "file managed by RPM (" + target + ") changed outside of RPM\nfile unmanaged (" + dir + "/other) changed\n"
	if code != 0 || out.String() != want {
		t.Fatalf("exit %d\nstdout %q\nwant   %q\nstderr %s", code, out.String(), want, errOut.String())
	}
}

// TestTrustedRootFile: a binary the program runs as root must be a regular
// file of root's that no one else can write, and executable.
func TestTrustedRootFile(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("the files must be root's")
	}
	dir := privateTempDir(t)
	good := writeFile(t, filepath.Join(dir, "good"), "#!/bin/sh\n", 0o755)
	groupW := writeFile(t, filepath.Join(dir, "group-writable"), "#!/bin/sh\n", 0o775)
	otherW := writeFile(t, filepath.Join(dir, "other-writable"), "#!/bin/sh\n", 0o757)
	noExec := writeFile(t, filepath.Join(dir, "not-executable"), "#!/bin/sh\n", 0o644)
	theirs := writeFile(t, filepath.Join(dir, "theirs"), "#!/bin/sh\n", 0o755)
	if err := os.Chown(theirs, 65534, 0); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(good, link)
	for _, tc := range []struct {
		path string
		exec bool
		want bool
	}{
		{good, true, true}, {noExec, false, true},
		{groupW, true, false}, {otherW, true, false}, {noExec, true, false},
		{theirs, true, false}, {link, true, false}, {dir, true, false}, {dir + "/missing", true, false},
	} {
		if got := trustedRootFile(tc.path, tc.exec); got != tc.want {
			t.Errorf("trustedRootFile(%s, %v) = %v", filepath.Base(tc.path), tc.exec, got)
		}
	}
	if got := lookBinary(theirs, good); got != good {
		t.Errorf("lookBinary = %q, want %q", got, good)
	}
}

// TestReadTrustedWhole: a state file (md5sums, a catalog, the
// configuration) is read whole, however many chunks it takes.
func TestReadTrustedWhole(t *testing.T) {
	content := strings.Repeat("0123456789abcdef", 20_000) + "the end\n"
	p := writeFile(t, filepath.Join(privateTempDir(t), "md5sums"), content, 0o644)
	data, err := readTrusted(p, uint32(os.Getuid()))
	if err != nil || string(data) != content {
		t.Fatalf("read %d bytes of %d, %v", len(data), len(content), err)
	}
}
