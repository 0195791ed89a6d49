//go:build linux

package arverify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// PackageManager answers whether a package owns a file and whether the file
// still matches the package database.
type PackageManager interface {
	// Name is the word used in verdicts: "RPM", "dpkg", ...
	Name() string
	// Check looks f up in the package database. Owned false means no
	// package owns it. err means the database could not be asked; the
	// caller then does not guess.
	Check(ctx context.Context, f *File) (PackageResult, error)
	// Busy reports whether a package transaction is in progress, during
	// which files and database legitimately disagree.
	Busy() bool
}

// PackageResult is what a PackageManager says about one file.
type PackageResult struct {
	Owned   bool
	Match   bool   // the file matches the database (meaningful when Owned)
	Package string // the owning package that decided
	Detail  string // what differs, for the log
}

// RPM is the PackageManager for rpm-based hosts.
//
// It runs `rpm -qf --queryformat FMT -- PATH`, which prints, for every file
// of every package owning PATH, the file's name, digest, mode, size, flags,
// state, owner, group and link target; it keeps the rows for PATH and
// compares them with the file opened by OpenFile, hashing the file's content
// itself. That costs one rpm query per file whatever the package's size
// (where `rpm -Vf PATH` would verify every file of the package), and rpm
// never reopens PATH, so a symbolic link planted after OpenFile checked the
// path cannot redirect the verification.
//
// The file matches when some owning package has a row for it in state
// "normal" whose type, permissions, owner, group, and (for a regular file)
// size, digest and capabilities (security.capability against FILECAPS),
// (for a link) target, or (for a device) device number are equal;
// modification times
// are not compared (rpm -V reports them, but they say nothing about
// content). Rows of %ghost files and of files in another state ("replaced",
// "not installed", "net shared", "wrong color") are not verified: a file only
// in such rows counts as owned and not matching.
type RPM struct {
	Binary string // absolute path of rpm
	// Root, when set, is the root directory of the host whose database
	// is asked (rpm --root).
	Root   string
	Runner Runner
	// LockFiles are the rpm database lock files probed by Busy.
	LockFiles []string
}

// rpmDatabases are files one of which an rpm database holds (Berkeley DB,
// NDB, SQLite; in /var/lib/rpm or /usr/lib/sysimage/rpm).
var rpmDatabases = []string{
	"/var/lib/rpm/Packages", "/var/lib/rpm/Packages.db", "/var/lib/rpm/rpmdb.sqlite",
	"/usr/lib/sysimage/rpm/Packages", "/usr/lib/sysimage/rpm/Packages.db", "/usr/lib/sysimage/rpm/rpmdb.sqlite",
}

// NewRPM returns the RPM manager for this host, or nil if rpm or its
// database is absent (a Debian host with the rpm tool installed has no
// packages in it: asking would only cost a process per file).
func NewRPM(r Runner) *RPM { return newRPMAt(r, "") }

// newRPMAt is NewRPM for the host whose root directory is root ("" for
// this one): the rpm tool is this host's, the database root's.
func newRPMAt(r Runner, root string) *RPM {
	bin := lookBinary("/usr/bin/rpm", "/bin/rpm")
	if bin == "" {
		return nil
	}
	found := false
	for _, db := range rpmDatabases {
		if _, err := os.Stat(filepath.Join("/", root, db)); err == nil {
			found = true
			break
		}
	}
	if !found {
		return nil
	}
	return &RPM{Binary: bin, Runner: r, Root: root,
		LockFiles: rooted(root, "/var/lib/rpm/.rpm.lock", "/usr/lib/sysimage/rpm/.rpm.lock")}
}

// argv is the rpm command line with args, asking Root's database.
func (m *RPM) argv(args ...string) []string {
	argv := []string{m.Binary}
	if m.Root != "" {
		argv = append(argv, "--root", m.Root)
	}
	return append(argv, args...)
}

// rooted returns paths as seen from this host when root ("" for this host)
// is the root directory of theirs.
func rooted(root string, paths ...string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Join("/", root, p)
	}
	return out
}

// Name implements PackageManager.
func (*RPM) Name() string { return "RPM" }

// Busy implements PackageManager: rpm holds a write lock on its lock file
// for the length of a transaction.
func (m *RPM) Busy() bool { return anyLocked(m.LockFiles) }

// rpmQueryFormat prints one row per file of the owning packages. Names,
// link targets and capabilities are shell-quoted (:shescape), so any byte in
// them parses back; the other fields never hold a space. A package without
// capabilities prints FILECAPS as (none), unquoted.
const rpmQueryFormat = "[%{FILENAMES:shescape} %{=FILEDIGESTALGO} %{FILEDIGESTS} %{FILEMODES} " +
	"%{FILESIZES} %{FILEFLAGS} %{FILESTATES} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILERDEVS} " +
	"%{FILELINKTOS:shescape} %{FILECAPS:shescape} %{=NAME}-%{=VERSION}-%{=RELEASE}.%{=ARCH}\\n]"

// rpmFileGhost is RPMFILE_GHOST in FILEFLAGS.
const rpmFileGhost = 1 << 6

// rpmRow is one file row of rpmQueryFormat.
type rpmRow struct {
	name, algo, digest string
	mode               uint32
	size               int64
	flags, state       int64
	user, group        string
	rdev               uint64
	link, caps, pkg    string
}

// Check implements PackageManager.
func (m *RPM) Check(ctx context.Context, f *File) (PackageResult, error) {
	var rows []rpmRow
	for _, p := range f.Names() {
		out, status, err := m.Runner.Run(ctx, m.argv("-qf", "--queryformat", rpmQueryFormat, "--", p))
		if err != nil {
			return PackageResult{}, err
		}
		if status != 0 {
			// "file ... is not owned by any package" (or missing):
			// try the next name.
			continue
		}
		names := f.Names()
		all, err := parseRPMRows(out, func(n string) bool { return slices.Contains(names, n) })
		if err != nil {
			return PackageResult{}, fmt.Errorf("rpm -qf %s: %w", p, err)
		}
		rows = append(rows, all...)
		if len(rows) > 0 {
			break
		}
	}
	if len(rows) == 0 {
		return PackageResult{}, nil
	}
	res := PackageResult{Owned: true}
	var details []string
	for _, r := range rows {
		if r.state != 0 || r.flags&rpmFileGhost != 0 {
			details = append(details, r.pkg+": not installed normally")
			continue
		}
		diff, err := compareRPMRow(ctx, r, f)
		if err != nil {
			return PackageResult{}, err
		}
		if diff == "" {
			return PackageResult{Owned: true, Match: true, Package: r.pkg}, nil
		}
		details = append(details, r.pkg+": "+diff)
		res.Package = r.pkg
	}
	res.Detail = strings.Join(details, "; ")
	return res, nil
}

// rpmDigestAlgos maps FILEDIGESTALGO (PGPHASHALGO_*) to newHash names.
var rpmDigestAlgos = map[string]string{
	"1": "md5", "2": "sha1", "8": "sha256", "9": "sha384", "10": "sha512", "11": "sha224",
	"(none)": "md5", // packages older than the tag use MD5
}

// compareRPMRow returns "" when f matches r, else what differs.
func compareRPMRow(ctx context.Context, r rpmRow, f *File) (string, error) {
	if !f.Exists {
		return "missing", nil
	}
	var diffs []string
	if f.Mode != r.mode {
		diffs = append(diffs, fmt.Sprintf("mode %o, package %o", f.Mode, r.mode))
	}
	if u := userName(f.Uid); u != r.user {
		diffs = append(diffs, "owner "+u+", package "+r.user)
	}
	if g := groupName(f.Gid); g != r.group {
		diffs = append(diffs, "group "+g+", package "+r.group)
	}
	switch {
	case f.IsRegular():
		if f.Size != r.size {
			diffs = append(diffs, fmt.Sprintf("size %d, package %d", f.Size, r.size))
			break
		}
		algo, ok := rpmDigestAlgos[r.algo]
		if !ok {
			return "", fmt.Errorf("rpm: unknown digest algorithm %q for %s", r.algo, r.pkg)
		}
		same, err := f.DigestMatches(ctx, algo, r.digest)
		if err != nil {
			return "", err
		}
		if !same {
			diffs = append(diffs, algo+" digest differs")
		}
		// Capabilities were read when the file was opened; the digest's
		// re-check of the change time (which setting them moves) holds
		// them to the content hashed.
		d, err := capsDiff(f, r.caps)
		if err != nil {
			return "", fmt.Errorf("rpm: %s: %w", r.pkg, err)
		}
		if d != "" {
			diffs = append(diffs, d)
		}
	case f.IsSymlink():
		if f.LinkTarget != r.link {
			diffs = append(diffs, "link target differs")
		}
	case f.Mode&syscall.S_IFMT == syscall.S_IFCHR || f.Mode&syscall.S_IFMT == syscall.S_IFBLK:
		// rpm keeps 16 bits of a device's number, as rpm -V compares.
		if f.Rdev&0xffff != r.rdev&0xffff {
			diffs = append(diffs, fmt.Sprintf("device %#x, package %#x", f.Rdev&0xffff, r.rdev))
		}
	}
	return strings.Join(diffs, ", "), nil
}

// parseRPMRows parses the output of rpmQueryFormat and returns the rows
// whose file name keep accepts (a package may have thousands of rows; the
// others are only scanned).
func parseRPMRows(out []byte, keep func(name string) bool) ([]rpmRow, error) {
	s := string(out)
	var rows []rpmRow
	var f []string
	for len(s) > 0 {
		var r rpmRow
		var err error
		if r.name, s, err = shellWord(s); err != nil {
			return nil, err
		}
		if f, s, err = plainFields(s, 9, f[:0]); err != nil {
			return nil, err
		}
		if !keep(r.name) {
			if _, s, err = shellWord(s); err != nil { // link target
				return nil, err
			}
			if !strings.HasPrefix(s, " ") {
				return nil, fmt.Errorf("bad row for %q", r.name)
			}
			if _, s, err = shellWord(s[1:]); err != nil { // capabilities
				return nil, err
			}
			nl := strings.IndexByte(s, '\n')
			if !strings.HasPrefix(s, " ") || nl < 0 {
				return nil, fmt.Errorf("bad row for %q", r.name)
			}
			s = s[nl+1:]
			continue
		}
		r.algo, r.digest = f[0], f[1]
		// FILEMODES is a 16-bit tag: accept it printed signed too.
		mode, err1 := strconv.ParseInt(f[2], 10, 32)
		if mode < 0 {
			mode += 1 << 16
		}
		size, err2 := strconv.ParseInt(f[3], 10, 64)
		flags, err3 := strconv.ParseInt(f[4], 10, 64)
		state, err4 := strconv.ParseInt(f[5], 10, 64)
		rdev, err5 := strconv.ParseUint(f[8], 10, 64)
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return nil, fmt.Errorf("bad row for %q: %w", r.name, err)
		}
		r.mode, r.size, r.flags, r.state = uint32(mode), size, flags, state
		r.user, r.group, r.rdev = f[6], f[7], rdev
		if r.link, s, err = shellWord(s); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(s, " ") {
			return nil, fmt.Errorf("bad row for %q: no capabilities", r.name)
		}
		if r.caps, s, err = shellWord(s[1:]); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(s, " ") {
			return nil, fmt.Errorf("bad row for %q: no package", r.name)
		}
		nl := strings.IndexByte(s, '\n')
		if nl < 0 {
			return nil, fmt.Errorf("bad row for %q: unterminated", r.name)
		}
		r.pkg, s = s[1:nl], s[nl+1:]
		rows = append(rows, r)
	}
	return rows, nil
}

// shellWord reads one shell-quoted word (single quotes and backslashes, as
// rpm's :shescape writes) at the start of s, and returns it and the rest of s
// starting at the byte that ended the word.
func shellWord(s string) (word, rest string, err error) {
	// Fast path: one quoted segment with no quote inside.
	if len(s) > 1 && s[0] == '\'' {
		if end := strings.IndexByte(s[1:], '\''); end >= 0 {
			if after := s[end+2:]; after == "" || after[0] == ' ' || after[0] == '\n' {
				return s[1 : end+1], after, nil
			}
		}
	}
	var b strings.Builder
	i := 0
	for i < len(s) && s[i] != ' ' && s[i] != '\n' {
		switch s[i] {
		case '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return "", "", errors.New("unterminated quote")
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 2
		case '\\':
			if i+1 >= len(s) {
				return "", "", errors.New("lone backslash")
			}
			b.WriteByte(s[i+1])
			i += 2
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), s[i:], nil
}

// plainFields reads n space-separated fields (possibly empty) that follow a
// space at the start of s.
func plainFields(s string, n int, out []string) ([]string, string, error) {
	for k := 0; k < n; k++ {
		if !strings.HasPrefix(s, " ") {
			return nil, "", errors.New("row has too few fields")
		}
		s = s[1:]
		end := 0
		for end < len(s) && s[end] != ' ' && s[end] != '\n' {
			end++
		}
		if end == len(s) {
			return nil, "", errors.New("row is unterminated")
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	if !strings.HasPrefix(s, " ") {
		return nil, "", errors.New("row has too few fields")
	}
	return out, s[1:], nil
}
