//go:build linux

package arverify

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// vfsCaps encodes capabilities as the kernel stores them (struct
// vfs_cap_data, revision 2), written out here from linux/capability.h so
// that the decoder is checked against an independent encoding.
func vfsCaps(permitted, inheritable uint64, effective bool) []byte {
	b := make([]byte, 20)
	magic := uint32(0x02000000)
	if effective {
		magic |= 1
	}
	binary.LittleEndian.PutUint32(b[0:], magic)
	binary.LittleEndian.PutUint32(b[4:], uint32(permitted))
	binary.LittleEndian.PutUint32(b[8:], uint32(inheritable))
	binary.LittleEndian.PutUint32(b[12:], uint32(permitted>>32))
	binary.LittleEndian.PutUint32(b[16:], uint32(inheritable>>32))
	return b
}

// setCaps sets a file's security.capability, or skips the test when this
// process or file system cannot.
func setCaps(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := unix.Setxattr(path, "security.capability", b, 0); err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EOPNOTSUPP) {
			t.Skipf("cannot set file capabilities here (needs root and a file system with xattrs): %v", err)
		}
		t.Fatal(err)
	}
}

const (
	capChown  = 1 << 0
	capSetuid = 1 << 7
	capNetRaw = 1 << 13
	capNetAdm = 1 << 12
	capSysAdm = 1 << 21
	capBPF    = 1 << 39
)

func TestParseCapText(t *testing.T) {
	all := uint64(1)<<41 - 1
	for _, tc := range []struct {
		text string
		want Capabilities
	}{
		{"", Capabilities{}},
		{"=", Capabilities{}},
		{"cap_net_raw=ep", Capabilities{Permitted: capNetRaw, Effective: capNetRaw}},
		{"cap_net_raw+ep", Capabilities{Permitted: capNetRaw, Effective: capNetRaw}},
		{"cap_net_admin,cap_net_raw=ep", Capabilities{Permitted: capNetRaw | capNetAdm, Effective: capNetRaw | capNetAdm}},
		// rpm 4.18's FILECAPS for %caps(cap_setuid+i cap_chown=p).
		{"cap_setuid=i cap_chown+p", Capabilities{Inheritable: capSetuid, Permitted: capChown}},
		{"CAP_SETUID=eip", Capabilities{Inheritable: capSetuid, Permitted: capSetuid, Effective: capSetuid}},
		{"cap_bpf+p", Capabilities{Permitted: capBPF}},
		{"39+p", Capabilities{Permitted: capBPF}},
		{"0+p", Capabilities{Permitted: capChown}},
		{"=ep", Capabilities{Permitted: all, Effective: all}},
		{"all=p cap_sys_admin-p", Capabilities{Permitted: all &^ capSysAdm}},
		{"cap_chown=eip cap_chown-e", Capabilities{Permitted: capChown, Inheritable: capChown}},
		{"cap_chown+ep-e", Capabilities{Permitted: capChown}},
		{"cap_chown+i=p", Capabilities{Permitted: capChown}},
		{"cap_chown=ep cap_chown=i", Capabilities{Inheritable: capChown}},
	} {
		got, err := ParseCapText(tc.text, 40)
		if err != nil || got != tc.want {
			t.Errorf("ParseCapText(%q) = %+v, %v; want %+v", tc.text, got, err, tc.want)
		}
	}
	for _, bad := range []string{"cap_chown", "cap_nothing=p", "cap_chown=x", "cap_chown+", "+p", "cap_chown,=p", "64+p", "-1+p"} {
		if got, err := ParseCapText(bad, 40); err == nil {
			t.Errorf("ParseCapText(%q) = %+v, want an error", bad, got)
		}
	}
}

func TestDecodeVFSCaps(t *testing.T) {
	hex := func(s string) []byte {
		b := make([]byte, len(s)/2)
		for i := range b {
			var v byte
			for _, c := range s[2*i : 2*i+2] {
				v = v<<4 | byte(strings.IndexRune("0123456789abcdef", c))
			}
			b[i] = v
		}
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want Capabilities
	}{
		// What setcap 3.x wrote on ext4 for "cap_net_admin,cap_net_raw=ep"
		// and "cap_setuid=i cap_chown+p" (getfattr -e hex).
		{"setcap ep", hex("0100000200300000000000000000000000000000"), Capabilities{Permitted: capNetRaw | capNetAdm, Effective: capNetRaw | capNetAdm}},
		{"setcap i p", hex("0000000201000000800000000000000000000000"), Capabilities{Permitted: capChown, Inheritable: capSetuid}},
		{"high word", vfsCaps(capBPF, 0, false), Capabilities{Permitted: capBPF}},
		{"effective covers inheritable", vfsCaps(capChown, capSetuid, true), Capabilities{Permitted: capChown, Inheritable: capSetuid, Effective: capChown | capSetuid}},
		{"revision 1", []byte{0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0}, Capabilities{Permitted: capChown}},
		{"revision 3 with a namespace root", append(vfsCaps(capChown, 0, false)[:20:20], 0xe8, 0x03, 0, 0), Capabilities{Permitted: capChown, RootID: 1000}},
	} {
		b := tc.b
		if tc.name == "revision 3 with a namespace root" {
			b[3] = 3
		}
		got, err := DecodeVFSCaps(b)
		if err != nil || got != tc.want {
			t.Errorf("%s: DecodeVFSCaps = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	for _, bad := range [][]byte{nil, {0, 0, 0}, {0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0}, vfsCaps(1, 0, false)[:12], append(vfsCaps(1, 0, false), 0), {2, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}} {
		if got, err := DecodeVFSCaps(bad); err == nil {
			t.Errorf("DecodeVFSCaps(% x) = %+v, want an error", bad, got)
		}
	}
}

// TestCapsAgainstSetcap sets capabilities with libcap's setcap (where it is
// installed) and checks that the attribute the kernel stores decodes to
// what ParseCapText makes of the same text: the two forms rpm -V compares.
func TestCapsAgainstSetcap(t *testing.T) {
	setcap, err := exec.LookPath("setcap")
	if err != nil {
		for _, p := range []string{"/usr/sbin/setcap", "/sbin/setcap"} {
			if _, err := os.Stat(p); err == nil {
				setcap = p
			}
		}
	}
	if setcap == "" {
		t.Skip("no setcap (Debian: libcap2-bin)")
	}
	p := writeFile(t, filepath.Join(t.TempDir(), "f"), "x", 0o755)
	for _, text := range []string{"cap_net_raw+ep", "cap_net_admin,cap_net_raw=ep", "cap_setuid=i cap_chown+p", "cap_bpf,cap_chown=eip", "all=p", "cap_chown=ei"} {
		if out, err := exec.Command(setcap, text, p).CombinedOutput(); err != nil {
			t.Skipf("setcap %q: %v %s (needs root and a file system with xattrs)", text, err, out)
		}
		f, err := OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got, derr := DecodeVFSCaps(f.Caps)
		f.Close()
		want, perr := ParseCapText(text, lastCap())
		if derr != nil || perr != nil || got != want {
			t.Errorf("%q: file has %+v (%v), text parses to %+v (%v)", text, got, derr, want, perr)
		}
	}
}

// TestRPMCapabilities: a file whose capabilities are not the ones its
// package records is not ok, whichever way they differ; the same
// capabilities, or none on both sides, are.
func TestRPMCapabilities(t *testing.T) {
	dir := privateTempDir(t)
	me, grp := userName(uint32(os.Getuid())), groupName(uint32(os.Getgid()))
	run := newFakeRunner()
	db := &fakeRPMDB{run: run, bin: "/usr/bin/rpm", pkgs: map[string][]rpmFileSpec{}}
	v := &Verifier{Packages: []PackageManager{&RPM{Binary: "/usr/bin/rpm", Runner: run}}}
	for i, tc := range []struct {
		name     string
		pkgCaps  string // FILECAPS; "" prints (none)
		fileCaps []byte // nil: none
		want     Kind
	}{
		{"none, none", "", nil, OK},
		{"same", "cap_net_raw=ep", vfsCaps(capNetRaw, 0, true), OK},
		{"same, other spelling", "cap_net_raw+pe", vfsCaps(capNetRaw, 0, true), OK},
		{"empty set recorded, none set", "=", nil, OK},
		{"added to a file the package gives none", "", vfsCaps(capSetuid, 0, true), Changed},
		{"one more", "cap_net_raw=ep", vfsCaps(capNetRaw|capSysAdm, 0, true), Changed},
		{"removed", "cap_net_raw=ep", nil, Changed},
		{"not effective", "cap_net_raw=ep", vfsCaps(capNetRaw, 0, false), Changed},
		{"inheritable instead of permitted", "cap_net_raw=ep", vfsCaps(0, capNetRaw, true), Changed},
		{"all zero sets, package none", "", vfsCaps(0, 0, false), OK},
	} {
		p := writeFile(t, filepath.Join(dir, "f"+string(rune('a'+i))), pkgContent, 0o755)
		if tc.fileCaps != nil {
			setCaps(t, p, tc.fileCaps)
		}
		db.pkgs["p-1-1.x86_64"] = append(db.pkgs["p-1-1.x86_64"], rpmFileSpec{name: p, content: pkgContent, mode: 0o100755, user: me, group: grp, caps: tc.pkgCaps})
		db.install()
		got := v.Verify(t.Context(), p)
		if got.Kind != tc.want {
			t.Errorf("%s: got %q (%s)", tc.name, got.Line(), got.Reason)
		}
		if tc.want == Changed && !strings.Contains(got.Reason, "capabilities") {
			t.Errorf("%s: reason %q does not say capabilities", tc.name, got.Reason)
		}
	}
	// An attribute the kernel would not have written (it refuses unknown
	// revisions) does not match either.
	if d, err := capsDiff(&File{Caps: []byte{0, 0, 0, 9, 1, 0, 0, 0, 0, 0, 0, 0}}, ""); d == "" || err != nil {
		t.Errorf("unknown revision: diff %q, %v", d, err)
	}
	// Capabilities rpm writes in a form the program cannot read are not
	// guessed at.
	p := writeFile(t, filepath.Join(dir, "bad"), pkgContent, 0o755)
	db.pkgs["p-1-1.x86_64"] = append(db.pkgs["p-1-1.x86_64"], rpmFileSpec{name: p, content: pkgContent, mode: 0o100755, user: me, group: grp, caps: "cap_unheard_of=ep"})
	db.install()
	if got := v.Verify(t.Context(), p); got.Kind != Unverified || got.Code != CodeManagerError {
		t.Errorf("unparsable FILECAPS: got %q (%s)", got.Line(), got.Reason)
	}
}

// TestFingerprintKeysOnCapabilities: setting capabilities alone (same
// content, size, mode and owner) changes the fingerprint, so the skip
// shortcut does not answer for the new state.
func TestFingerprintKeysOnCapabilities(t *testing.T) {
	p := writeFile(t, filepath.Join(privateTempDir(t), "f"), "x", 0o755)
	before := fingerprint(t.Context(), p)
	setCaps(t, p, vfsCaps(capSetuid, 0, true))
	after := fingerprint(t.Context(), p)
	if before == "" || after == "" || before == after {
		t.Fatalf("fingerprints %q before and %q after setting capabilities", before, after)
	}
}

func TestCapabilitiesString(t *testing.T) {
	for _, tc := range []struct {
		c    Capabilities
		want string
	}{
		{Capabilities{}, "="},
		{Capabilities{Permitted: capChown | capSetuid, Effective: capChown | capSetuid}, "cap_chown,cap_setuid=ep"},
		{Capabilities{Inheritable: capSetuid, Permitted: capChown}, "cap_chown=p cap_setuid=i"},
		{Capabilities{Inheritable: capNetRaw}, "cap_net_raw=i"},
		{Capabilities{Permitted: 1 << 45}, "45=p"},
		{Capabilities{Permitted: capBPF, RootID: 1000}, "cap_bpf=p [rootid=1000]"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%+v: String() = %q, want %q", tc.c, got, tc.want)
		}
		if tc.c.IsZero() != (tc.want == "=") {
			t.Errorf("%+v: IsZero() = %v", tc.c, tc.c.IsZero())
		}
	}
}

// TestLastCap: "all" covers the capabilities the running kernel knows
// (cap_last_cap); a value that cannot be one falls back to the last named.
func TestLastCap(t *testing.T) {
	saved := capLastCapFile
	defer func() { capLastCapFile = saved }()
	dir := t.TempDir()
	for _, tc := range []struct {
		content string
		want    int
	}{{"37\n", 37}, {"0\n", 0}, {"63", 63}, {"64\n", 40}, {"-1\n", 40}, {"x\n", 40}, {"", 40}} {
		capLastCapFile = writeFile(t, filepath.Join(dir, "cap_last_cap"), tc.content, 0o644)
		if got := lastCap(); got != tc.want {
			t.Errorf("cap_last_cap %q: lastCap() = %d, want %d", tc.content, got, tc.want)
		}
	}
	capLastCapFile = filepath.Join(dir, "missing")
	if got := lastCap(); got != 40 {
		t.Errorf("no cap_last_cap: lastCap() = %d", got)
	}
	if all, _ := ParseCapText("all=p", 37); all.Permitted != 1<<38-1 {
		t.Errorf("all with 37 capabilities: %+v", all)
	}
}
