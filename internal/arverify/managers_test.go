//go:build linux

package arverify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func verifyWith(t *testing.T, v *Verifier, path string) Verdict {
	t.Helper()
	return v.Verify(context.Background(), path)
}

func TestRPM(t *testing.T) {
	dir := privateTempDir(t)
	me, grp := userName(uint32(os.Getuid())), groupName(uint32(os.Getgid()))
	run := newFakeRunner()
	db := &fakeRPMDB{run: run, bin: "/usr/bin/rpm", pkgs: map[string][]rpmFileSpec{}}
	same := writeFile(t, dir+"/same", pkgContent, 0o644)
	mode := writeFile(t, dir+"/mode", pkgContent, 0o600)
	ghost := writeFile(t, dir+"/ghost", "runtime\n", 0o644)
	multi := writeFile(t, dir+"/multi", "new version\n", 0o644)
	replaced := writeFile(t, dir+"/replaced", pkgContent, 0o644)
	db.pkgs["a-1-1.noarch"] = []rpmFileSpec{
		{name: same, content: pkgContent, mode: 0o100644, user: me, group: grp},
		{name: mode, content: pkgContent, mode: 0o100644, user: me, group: grp},
		{name: ghost, mode: 0o100644, user: me, group: grp, flags: rpmFileGhost},
		{name: multi, content: "old version\n", mode: 0o100644, user: me, group: grp},
		{name: replaced, content: pkgContent, mode: 0o100644, user: me, group: grp, state: 1},
	}
	db.pkgs["b-2-1.noarch"] = []rpmFileSpec{{name: multi, content: "new version\n", mode: 0o100644, user: me, group: grp}}
	db.install()
	v := &Verifier{Packages: []PackageManager{&RPM{Binary: "/usr/bin/rpm", Runner: run}}}
	for _, tc := range []struct {
		path, line string
	}{
		{same, "file ok (" + same + ")"},
		{mode, "file managed by RPM (" + mode + ") changed outside of RPM"},
		{ghost, "file managed by RPM (" + ghost + ") changed outside of RPM"},
		{multi, "file ok (" + multi + ")"},
		{replaced, "file managed by RPM (" + replaced + ") changed outside of RPM"},
		{writeFile(t, dir+"/mine", "x", 0o644), "file unmanaged (" + dir + "/mine) changed"},
	} {
		if got := verifyWith(t, v, tc.path); got.Line() != tc.line {
			t.Errorf("%s: got %q (%s), want %q", tc.path, got.Line(), got.Reason, tc.line)
		}
	}
	// A device node is compared by its number (rpm keeps 16 bits).
	dev := dir + "/null"
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o644, int(mkdev(1, 3))); err == nil {
		os.Chmod(dev, 0o644)
		for _, tc := range []struct {
			rdev int
			kind Kind
		}{{0x103, OK}, {0x105, Changed}} {
			db.pkgs["dev-1-1.noarch"] = []rpmFileSpec{{name: dev, mode: 0o20644, user: me, group: grp, rdev: tc.rdev}}
			db.install()
			if got := verifyWith(t, v, dev); got.Kind != tc.kind {
				t.Errorf("device 1:3, package %#x: got %q (%s)", tc.rdev, got.Line(), got.Reason)
			}
		}
	} else {
		t.Logf("no device node (%v): device numbers not checked", err)
	}
	// A database that cannot be asked gives no guess.
	run.on([]string{"/usr/bin/rpm", "-qf", "--queryformat", rpmQueryFormat, "--", same}, fakeAnswer{err: errors.New("killed after 30s")})
	if got := verifyWith(t, v, same); got.Kind != Unverified || got.Code != CodeManagerError || !strings.Contains(got.Reason, "killed") {
		t.Errorf("rpm failing: got %q (%s)", got.Line(), got.Reason)
	}
	// Garbage output is an error, not a verdict of the rows it could read.
	run.on([]string{"/usr/bin/rpm", "-qf", "--queryformat", rpmQueryFormat, "--", same}, fakeAnswer{out: "'" + same + "' 8 abc\n"})
	if got := verifyWith(t, v, same); got.Kind != Unverified || got.Code != CodeManagerError {
		t.Errorf("rpm garbage: got %q", got.Line())
	}
}

func TestParseRPMRowsQuoting(t *testing.T) {
	name := "/x/it's a\nname 'quoted'"
	out := rpmShescape(name) + " 8 abcd 33188 5 0 0 root root 0 '' 'cap_net_raw=ep cap_chown+i' p-1-1.x86_64\n" +
		"'/l' 8  41471 3 0 0 root root 0 " + rpmShescape("../t a'r") + " (none) p-1-1.x86_64\n"
	rows, err := parseRPMRows([]byte(out), func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if only, _ := parseRPMRows([]byte(out), func(n string) bool { return n == "/l" }); len(only) != 1 || only[0].name != "/l" {
		t.Fatalf("filtered rows = %+v", only)
	}
	if len(rows) != 2 || rows[0].name != name || rows[0].digest != "abcd" || rows[0].mode != 33188 || rows[0].pkg != "p-1-1.x86_64" ||
		rows[0].caps != "cap_net_raw=ep cap_chown+i" || rows[1].digest != "" || rows[1].link != "../t a'r" || rows[1].caps != "(none)" {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestDpkg(t *testing.T) {
	dir := privateTempDir(t)
	info := filepath.Join(dir, "info")
	files := filepath.Join(dir, "root")
	uid := uint32(os.Getuid())
	plain := writeFile(t, files+"/usr/bin/tool", "tool v1\n", 0o755)
	conf := writeFile(t, files+"/etc/tool.conf", "edited\n", 0o644)
	glob := writeFile(t, files+"/usr/share/a*b[1]", "g\n", 0o644)
	writeFile(t, info+"/tool:amd64.md5sums", md5hex("tool v1\n")+"  "+strings.TrimPrefix(plain, "/")+"\n"+
		md5hex("g\n")+"  "+strings.TrimPrefix(glob, "/")+"\n", 0o644)
	run := newFakeRunner()
	q := "/usr/bin/dpkg-query"
	run.on([]string{q, "-S", "--", plain}, fakeAnswer{out: "tool:amd64: " + plain + "\n"})
	run.on([]string{q, "-S", "--", globEscape(glob)}, fakeAnswer{out: "diversion by x from: " + glob + "\ntool:amd64: " + glob + "\n"})
	run.on([]string{q, "-S", "--", conf}, fakeAnswer{out: "tool:amd64: " + conf + "\n"})
	run.on([]string{q, "-W", "-f=${Conffiles}\\n", "--", "tool:amd64"}, fakeAnswer{out: " " + conf + " " + md5hex("shipped\n") + "\n /etc/old " + md5hex("x") + " obsolete\n"})
	m := &Dpkg{Query: q, InfoDir: info, Runner: run, TrustedUID: uid}
	v := &Verifier{Packages: []PackageManager{m}}
	for _, tc := range []struct{ path, line string }{
		{plain, "file ok (" + plain + ")"},
		{glob, "file ok (" + glob + ")"},
		{conf, "file managed by dpkg (" + conf + ") changed outside of dpkg"},
	} {
		if got := verifyWith(t, v, tc.path); got.Line() != tc.line {
			t.Errorf("%s: got %q (%s), want %q", tc.path, got.Line(), got.Reason, tc.line)
		}
	}
	// dpkg records no device numbers, modes or capabilities, only MD5s
	// of regular files: an owned device node can never be ok.
	dev := files + "/dev/null"
	os.MkdirAll(files+"/dev", 0o755)
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, int(mkdev(1, 3))); err == nil {
		run.on([]string{q, "-S", "--", dev}, fakeAnswer{out: "tool:amd64: " + dev + "\n"})
		writeFile(t, info+"/tool:amd64.md5sums", md5hex("tool v1\n")+"  "+strings.TrimPrefix(plain, "/")+"\n"+
			md5hex("g\n")+"  "+strings.TrimPrefix(glob, "/")+"\n"+md5hex("")+"  "+strings.TrimPrefix(dev, "/")+"\n", 0o644)
		if got := verifyWith(t, v, dev); got.Kind != Changed {
			t.Errorf("device owned by dpkg: got %q (%s)", got.Line(), got.Reason)
		}
	} else {
		t.Logf("no device node (%v): not checked", err)
	}
	writeFile(t, conf, "shipped\n", 0o644)
	if got := verifyWith(t, v, conf); got.Kind != OK {
		t.Errorf("restored conffile: got %q (%s)", got.Line(), got.Reason)
	}
	// An md5sums file others can write is not trusted.
	if err := os.Chmod(info+"/tool:amd64.md5sums", 0o666); err != nil {
		t.Fatal(err)
	}
	if got := verifyWith(t, v, plain); got.Kind != Unverified || !strings.Contains(got.Reason, "not a regular file owned by") {
		t.Errorf("untrusted md5sums: got %q (%s)", got.Line(), got.Reason)
	}
}

// writeCatalog writes a Puppet catalog JSON with the given File resources.
func writeCatalog(t *testing.T, dir string, resources []map[string]any, metadata map[string]any) {
	t.Helper()
	data, err := json.Marshal(map[string]any{"name": "host", "version": 1, "resources": resources, "metadata": metadata})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "host.json"), string(data), 0o600)
}

func TestPuppet(t *testing.T) {
	dir := privateTempDir(t)
	cat := filepath.Join(dir, "catalog")
	f := func(name, content string) string {
		return writeFile(t, filepath.Join(dir, "files", name), content, 0o644)
	}
	lit := f("literal", "managed content\n")
	sum := f("bysum", "sum content\n")
	src := f("bysource", "from the server\n")
	bin := f("binary", "\x00\x01binary")
	drift := f("drifted", "someone edited this\n")
	unmanagedContent := f("ownership-only", "anything\n")
	absent := filepath.Join(dir, "files", "absent")
	link := filepath.Join(dir, "files", "link")
	if err := os.Symlink("/etc/target", link); err != nil {
		t.Fatal(err)
	}
	writeCatalog(t, cat, []map[string]any{
		{"type": "File", "title": lit, "parameters": map[string]any{"ensure": "file", "content": "managed content\n"}},
		{"type": "File", "title": "sum", "parameters": map[string]any{"path": sum, "content": "{md5}" + md5hex("sum content\n")}},
		{"type": "File", "title": src, "parameters": map[string]any{"source": "puppet:///modules/x/y"}},
		{"type": "File", "title": bin, "parameters": map[string]any{"content": map[string]any{"__ptype": "Binary", "__pvalue": base64.StdEncoding.EncodeToString([]byte("\x00\x01binary"))}}},
		{"type": "File", "title": drift, "parameters": map[string]any{"content": "the catalog's content\n"}},
		{"type": "File", "title": unmanagedContent, "parameters": map[string]any{"owner": "root", "mode": "0644"}},
		{"type": "File", "title": absent, "parameters": map[string]any{"ensure": "absent"}},
		{"type": "File", "title": link, "parameters": map[string]any{"ensure": "link", "target": "/etc/target"}},
		{"type": "Package", "title": "openssh", "parameters": map[string]any{"ensure": "installed"}},
	}, map[string]any{src: map[string]any{"checksum": map[string]any{"type": "md5", "value": "{md5}" + md5hex("from the server\n")}}})
	p := &Puppet{CatalogDirs: []string{cat}, TrustedUID: uint32(os.Getuid())}
	v := &Verifier{Configs: []ConfigManager{p}}
	for _, tc := range []struct{ path, line string }{
		{lit, "file ok (" + lit + ")"},
		{sum, "file ok (" + sum + ")"},
		{src, "file ok (" + src + ")"},
		{bin, "file ok (" + bin + ")"},
		{drift, "file managed by Puppet (" + drift + ") changed outside of Puppet"},
		{unmanagedContent, "file unmanaged (" + unmanagedContent + ") changed"},
		{absent, "file ok (" + absent + ")"},
		{link, "file ok (" + link + ")"},
	} {
		if got := verifyWith(t, v, tc.path); got.Line() != tc.line {
			t.Errorf("%s: got %q (%s), want %q", tc.path, got.Line(), got.Reason, tc.line)
		}
	}
	// Puppet decides before the package database: a managed config file
	// that the package would call modified is ok.
	run := newFakeRunner()
	db := &fakeRPMDB{run: run, bin: "/usr/bin/rpm", pkgs: map[string][]rpmFileSpec{
		"x-1-1.noarch": {{name: lit, content: "shipped\n", mode: 0o100644, user: "root", group: "root"}}}}
	db.install()
	v.Packages = []PackageManager{&RPM{Binary: "/usr/bin/rpm", Runner: run}}
	if got := verifyWith(t, v, lit); got.Kind != OK {
		t.Errorf("Puppet over RPM: got %q (%s)", got.Line(), got.Reason)
	}
	// A catalog owned by another user decides nothing either.
	if os.Getuid() == 0 {
		p2 := &Puppet{CatalogDirs: []string{cat}, TrustedUID: 65534}
		if got := verifyWith(t, &Verifier{Configs: []ConfigManager{p2}}, lit); got.Kind != Unverified || !strings.Contains(got.Reason, "not a regular file owned by") {
			t.Errorf("catalog of another owner: got %q (%s)", got.Line(), got.Reason)
		}
	}
	// A catalog others could have written decides nothing.
	if err := os.Chmod(filepath.Join(cat, "host.json"), 0o646); err != nil {
		t.Fatal(err)
	}
	// Make the change visible to the cache (same size and mtime otherwise).
	later := time.Now().Add(time.Minute)
	os.Chtimes(filepath.Join(cat, "host.json"), later, later)
	if got := verifyWith(t, v, lit); got.Kind != Unverified || !strings.Contains(got.Reason, "not a regular file owned by") {
		t.Errorf("untrusted catalog: got %q (%s)", got.Line(), got.Reason)
	}
}

type busyPM struct {
	*RPM
	busy int
}

func (b *busyPM) Busy() bool {
	if b.busy > 0 {
		b.busy--
		return true
	}
	return false
}

// TestTransactionInProgress: a file that a running transaction replaced is
// compared with the database the transaction leaves.
func TestTransactionInProgress(t *testing.T) {
	dir := privateTempDir(t)
	path := writeFile(t, dir+"/lib.so", "new\n", 0o644)
	run := newFakeRunner()
	db := &fakeRPMDB{run: run, bin: "/usr/bin/rpm", pkgs: map[string][]rpmFileSpec{
		"lib-1-1.x86_64": {{name: path, content: "old\n", mode: 0o100644, user: userName(uint32(os.Getuid())), group: groupName(uint32(os.Getgid()))}}}}
	db.install()
	pm := &busyPM{RPM: &RPM{Binary: "/usr/bin/rpm", Runner: run}, busy: 3}
	slept := 0
	v := &Verifier{Packages: []PackageManager{pm}, Sleep: func(time.Duration) {
		slept++
		if slept == 2 { // the transaction commits the new version
			db.pkgs["lib-1-1.x86_64"][0].content = "new\n"
			db.install()
		}
	}}
	if got := verifyWith(t, v, path); got.Kind != OK || slept != 3 {
		t.Fatalf("got %q (%s) after %d waits", got.Line(), got.Reason, slept)
	}
	// A transaction that never ends is waited for at most
	// TransactionWait, and the file is then not compared with a database
	// in the middle of a transaction.
	pm.busy, slept = 1<<30, 0
	db.pkgs["lib-1-1.x86_64"][0].content = "other\n"
	db.install()
	v.TransactionWait = 5 * time.Second
	v.Sleep = func(time.Duration) { slept++ }
	if got := verifyWith(t, v, path); got.Kind != Unverified || got.Code != CodeTransaction || slept != 5 {
		t.Fatalf("endless transaction: got %q after %d waits", got.Line(), slept)
	}
}

func TestAnyLocked(t *testing.T) {
	dir := t.TempDir()
	lock := writeFile(t, dir+"/lock", "", 0o644)
	if anyLocked([]string{lock, dir + "/missing"}) {
		t.Fatal("unlocked file reported locked")
	}
	// A child process holds the lock (fcntl locks of our own process are
	// invisible to F_GETLK).
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ARVERIFY_HOLD_LOCK="+lock)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	buf := make([]byte, 7)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("helper: %q, %v", buf, err)
	}
	if !anyLocked([]string{dir + "/missing", lock}) {
		t.Fatal("lock held by another process not seen")
	}
}

// TestMain doubles as a helper process that holds an fcntl write lock on
// $ARVERIFY_HOLD_LOCK until its standard input closes.
func TestMain(m *testing.M) {
	if p := os.Getenv("ARVERIFY_HOLD_LOCK"); p != "" {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			os.Exit(3)
		}
		lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLKW, &lk); err != nil {
			os.Exit(4)
		}
		os.Stdout.WriteString("locked\n")
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// mkdev is Linux's makedev for small numbers.
func mkdev(major, minor uint32) uint64 {
	return uint64(major)<<8 | uint64(minor&0xff) | uint64(minor&^0xff)<<12
}
