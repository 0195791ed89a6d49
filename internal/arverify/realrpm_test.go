//go:build linux

package arverify

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRealRPM checks the rpm query format and its parser against a real rpm
// (where rpm and rpmbuild are installed): it builds a small package whose
// files live in a temporary directory, registers it in a private database
// (--justdb), and verifies the files through a wrapper that adds --dbpath.
func TestRealRPM(t *testing.T) {
	for _, bin := range []string{"/usr/bin/rpm", "/usr/bin/rpmbuild"} {
		if _, err := os.Stat(bin); err != nil {
			t.Skipf("no %s", bin)
		}
	}
	if os.Getuid() != 0 {
		t.Skip("the package's files are root's; run as root")
	}
	dir := privateTempDir(t)
	files := filepath.Join(dir, "files")
	top := filepath.Join(dir, "top")
	db := filepath.Join(dir, "db")
	odd := files + "/etc/it's a (name)"
	spec := fmt.Sprintf(`Name: arvtest
Version: 1.0
Release: 1
Summary: arverify test package
License: MIT
BuildArch: noarch
%%description
test
%%install
mkdir -p %%{buildroot}%[1]s/etc
printf 'shipped\n' > %%{buildroot}%[1]s/etc/app.conf
printf 'x\n' > "%%{buildroot}%[2]s"
ln -s ../etc/app.conf %%{buildroot}%[1]s/etc/link
printf 'ping\n' > %%{buildroot}%[1]s/etc/ping
%%files
%%config %[1]s/etc/app.conf
"%[2]s"
%[1]s/etc/link
%%caps(cap_net_raw,cap_net_admin=ep) %[1]s/etc/ping
`, files, odd)
	writeFile(t, filepath.Join(top, "SPECS", "t.spec"), spec, 0o644)
	run := func(argv ...string) {
		t.Helper()
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%q: %v\n%s", argv, err, out)
		}
	}
	run("/usr/bin/rpmbuild", "--define", "_topdir "+top, "-bb", filepath.Join(top, "SPECS", "t.spec"))
	run("/usr/bin/rpm", "--dbpath", db, "--initdb")
	run("/usr/bin/rpm", "--dbpath", db, "-i", "--justdb", "--nodeps", "--noscripts",
		filepath.Join(top, "RPMS", "noarch", "arvtest-1.0-1.noarch.rpm"))
	conf := writeFile(t, files+"/etc/app.conf", "shipped\n", 0o644)
	writeFile(t, odd, "x\n", 0o644)
	if err := os.Symlink("../etc/app.conf", files+"/etc/link"); err != nil {
		t.Fatal(err)
	}
	other := writeFile(t, files+"/etc/other", "y\n", 0o644)
	wrapper := writeFile(t, filepath.Join(dir, "rpm"), "#!/bin/sh\nexec /usr/bin/rpm --dbpath "+db+" \"$@\"\n", 0o755)

	v := &Verifier{Packages: []PackageManager{&RPM{Binary: wrapper, Runner: ExecRunner{}}}}
	check := func(path string, want Kind) {
		t.Helper()
		if got := v.Verify(context.Background(), path); got.Kind != want {
			t.Errorf("%s: %q (%s), want kind %d", path, got.Line(), got.Reason, want)
		}
	}
	check(conf, OK)
	check(odd, OK)
	check(files+"/etc/link", OK)
	check(other, Unmanaged)
	// Capabilities: rpm's FILECAPS against the attribute, where the
	// file system and the process can set one.
	ping := writeFile(t, files+"/etc/ping", "ping\n", 0o644)
	check(ping, Changed) // none set: the package's are missing
	if err := unix.Setxattr(ping, "security.capability", vfsCaps(capNetRaw|capNetAdm, 0, true), 0); err != nil {
		t.Logf("cannot set capabilities (%v): only their absence checked", err)
	} else {
		check(ping, OK)
		if err := unix.Setxattr(ping, "security.capability", vfsCaps(capNetRaw|capNetAdm|capSetuid, 0, true), 0); err != nil {
			t.Fatal(err)
		}
		check(ping, Changed)
	}
	writeFile(t, conf, "edited\n", 0o644)
	check(conf, Changed)
	if err := os.Remove(conf); err != nil {
		t.Fatal(err)
	}
	check(conf, Changed) // deleted: rpm still knows the file
}

// TestRealDpkg asks the host's dpkg (where there is one) about its own
// binary and about a file no package owns.
func TestRealDpkg(t *testing.T) {
	m := NewDpkg(ExecRunner{})
	if m == nil {
		t.Skip("no dpkg-query owned by root on this host")
	}
	v := &Verifier{Packages: []PackageManager{m}}
	if got := v.Verify(context.Background(), m.Query); got.Kind != OK {
		t.Errorf("%s: %q (%s)", m.Query, got.Line(), got.Reason)
	}
	mine := writeFile(t, filepath.Join(privateTempDir(t), "mine"), "x", 0o644)
	if got := v.Verify(context.Background(), mine); got.Kind != Unmanaged {
		t.Errorf("%s: %q (%s)", mine, got.Line(), got.Reason)
	}
}
