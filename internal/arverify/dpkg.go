//go:build linux

package arverify

import (
	"bufio"
	"context"
	"fmt"
	"path"
	"strings"
)

// Dpkg is the PackageManager for Debian-based hosts.
//
// It runs `dpkg-query -S -- PATH` to find the owning packages (the path's
// glob characters escaped, since dpkg-query takes a pattern; only output
// lines naming exactly PATH count, diversion lines are skipped), then looks
// the file up in the package's md5sums file under InfoDir, and for a
// conffile, which md5sums does not list, in
// `dpkg-query -W -f='${Conffiles}\n' -- PACKAGE`. It compares the recorded
// MD5 with the content of the file opened by OpenFile. dpkg records no
// digest for a directory or a symbolic link, so an owned one, like any owned
// file with no recorded digest, counts as not matching (Verify never asks
// about a directory: see Verify).
type Dpkg struct {
	Query   string // absolute path of dpkg-query
	InfoDir string // /var/lib/dpkg/info
	// Root, when set, is the root directory of the host whose database
	// is asked (dpkg-query --root).
	Root   string
	Runner Runner
	// LockFiles are the dpkg lock files probed by Busy.
	LockFiles []string
	// TrustedUID owns InfoDir's files (0; tests use their own uid).
	TrustedUID uint32
}

// NewDpkg returns the dpkg manager for this host, or nil if dpkg is absent.
func NewDpkg(r Runner) *Dpkg {
	bin := lookBinary("/usr/bin/dpkg-query", "/bin/dpkg-query")
	if bin == "" {
		return nil
	}
	return &Dpkg{Query: bin, InfoDir: "/var/lib/dpkg/info", Runner: r,
		LockFiles: []string{"/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock"}}
}

// Name implements PackageManager.
func (*Dpkg) Name() string { return "dpkg" }

// argv is the dpkg-query command line with args, asking Root's database.
func (m *Dpkg) argv(args ...string) []string {
	argv := []string{m.Query}
	if m.Root != "" {
		argv = append(argv, "--root="+m.Root)
	}
	return append(argv, args...)
}

// Busy implements PackageManager.
func (m *Dpkg) Busy() bool { return anyLocked(m.LockFiles) }

// Check implements PackageManager.
func (m *Dpkg) Check(ctx context.Context, f *File) (PackageResult, error) {
	var name string
	var pkgs []string
	for _, n := range f.Names() {
		out, status, err := m.Runner.Run(ctx, m.argv("-S", "--", globEscape(n)))
		if err != nil {
			return PackageResult{}, err
		}
		if status != 0 {
			continue
		}
		if pkgs = parseDpkgS(out, n); len(pkgs) > 0 {
			name = n
			break
		}
	}
	if len(pkgs) == 0 {
		return PackageResult{}, nil
	}
	res := PackageResult{Owned: true, Package: pkgs[0]}
	var details []string
	for _, pkg := range pkgs {
		sum, err := m.recordedMD5(ctx, pkg, name)
		if err != nil {
			return PackageResult{}, err
		}
		switch {
		case sum == "":
			details = append(details, pkg+": no digest recorded")
		case !f.Exists:
			details = append(details, pkg+": missing")
		case !f.IsRegular():
			details = append(details, pkg+": not a regular file")
		default:
			same, err := f.DigestMatches(ctx, "md5", sum)
			if err != nil {
				return PackageResult{}, err
			}
			if same {
				return PackageResult{Owned: true, Match: true, Package: pkg}, nil
			}
			details = append(details, pkg+": md5 digest differs")
		}
	}
	res.Detail = strings.Join(details, "; ")
	return res, nil
}

// globEscape escapes the characters dpkg-query's fnmatch pattern treats
// specially.
func globEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`*?[]\`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseDpkgS returns the packages that `dpkg-query -S` says own exactly name.
func parseDpkgS(out []byte, name string) []string {
	var pkgs []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "diversion by ") {
			continue
		}
		i := strings.Index(line, ": ")
		if i < 0 || line[i+2:] != name {
			continue
		}
		for _, p := range strings.Split(line[:i], ",") {
			if p = strings.TrimSpace(p); p != "" {
				pkgs = append(pkgs, p)
			}
		}
	}
	return pkgs
}

// recordedMD5 returns the MD5 dpkg recorded for name in pkg, or "".
func (m *Dpkg) recordedMD5(ctx context.Context, pkg, name string) (string, error) {
	if strings.ContainsAny(pkg, "/\x00") || pkg == "." || pkg == ".." {
		return "", fmt.Errorf("dpkg: odd package name %q", pkg)
	}
	data, err := readTrusted(path.Join(m.InfoDir, pkg+".md5sums"), m.TrustedUID)
	if err != nil {
		return "", err
	}
	rel := strings.TrimPrefix(name, "/")
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		sum, file, ok := strings.Cut(sc.Text(), "  ")
		if ok && file == rel {
			return sum, nil
		}
	}
	out, status, err := m.Runner.Run(ctx, m.argv("-W", "-f=${Conffiles}\\n", "--", pkg))
	if err != nil {
		return "", err
	}
	if status != 0 {
		return "", nil
	}
	for _, line := range strings.Split(string(out), "\n") {
		// " /etc/x 0123...[ obsolete][ remove-on-upgrade]"
		line = strings.TrimPrefix(line, " ")
		for {
			t := strings.TrimSuffix(strings.TrimSuffix(line, " obsolete"), " remove-on-upgrade")
			if t == line {
				break
			}
			line = t
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if file, sum := line[:i], line[i+1:]; file == name && len(sum) == 32 {
			return sum, nil
		}
	}
	return "", nil
}
