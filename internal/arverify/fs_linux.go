//go:build linux

package arverify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// oPath is Linux's O_PATH (the same on every architecture Go supports; the
// syscall package does not export it for all of them).
const oPath = 0x200000

// maxLinkHops bounds the trusted symbolic links followed while opening one
// path, as the kernel's own limit does.
const maxLinkHops = 40

// ErrUntrustedLink is returned by OpenFile when a directory in the path is a
// symbolic link that a user other than root could have planted.
var ErrUntrustedLink = errors.New("path goes through a symbolic link that is not root's in a root-only directory")

// OpenFile opens path (as returned by CheckPath) for verification without
// following a symbolic link that anyone but root could have planted.
//
// Each directory is opened with openat relative to the one before it, with
// O_NOFOLLOW. A directory component that is a symbolic link is followed only
// when the link is owned by root and sits in a directory owned by root that
// no one else can write (so only root made it: /bin -> usr/bin on a merged
// /usr system); otherwise OpenFile fails with ErrUntrustedLink. The last
// component is never followed: a symbolic link there is described (its
// target read with readlinkat), not opened. Only a regular file is opened
// for reading, with O_NONBLOCK and O_NOCTTY, and its identity is checked
// against the first lookup. A missing file is not an error: the result has
// Exists false.
func OpenFile(path string) (*File, error) { return openFile(context.Background(), "/", path, false) }

// OpenForVerify is OpenFile for the file Verify verifies: it also looks, in
// the file's directory, for an entry whose name is the file's name followed
// by a newline and more (File.CutSibling). analysisd ends a syscheck file
// name at its first newline, so such an entry may be the file that changed,
// whose name reached the program cut. A directory component that does not
// exist makes the file missing, not an error (a package removal deletes
// files and their directories).
func OpenForVerify(ctx context.Context, path string) (*File, error) {
	return openFile(ctx, "/", path, true)
}

// OpenUnder is OpenForVerify for the file path of a host whose root file
// system is the directory root (a mounted image, a test's fake host): path
// is resolved below root as if root were "/", absolute link targets and ".."
// included, and the File names path as the host sees it.
func OpenUnder(ctx context.Context, root, path string) (*File, error) {
	return openFile(ctx, root, path, true)
}

func openFile(ctx context.Context, rootDir, path string, verify bool) (*File, error) {
	root, err := syscall.Open(rootDir, oPath|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", rootDir, err)
	}
	hops := 0
	f := &File{Path: path, RealPath: path, fd: -1}
	w := walker{root: rootDir, hops: &hops}
	dir, err := w.walkDirs(root, "", components(path), true)
	if verify && errors.Is(err, syscall.ENOENT) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	defer syscall.Close(dir.fd)
	if path == "/" {
		return describe(f, dir.fd, ".")
	}
	comps := components(path)
	last := comps[len(comps)-1]
	if verify {
		sib, err := newlineSibling(ctx, dir.fd, last)
		if err != nil {
			return nil, err
		}
		f.CutSibling = sib
	}
	f.RealPath = dir.path + "/" + last
	f.Aliases = mergedUsrAliases(rootDir, f.RealPath)
	return describe(f, dir.fd, last)
}

// readdirChunk is how many names newlineSibling reads at a time (tests
// make it small to cover directories read in several chunks).
var readdirChunk = 4096

// newlineSibling returns the name of an entry of the directory dir (an
// O_PATH descriptor) that starts with name followed by a newline, or "".
func newlineSibling(ctx context.Context, dir int, name string) (string, error) {
	fd, err := syscall.Openat(dir, ".", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("read directory: %w", err)
	}
	d := os.NewFile(uintptr(fd), "dir")
	defer d.Close()
	prefix := name + "\n"
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		names, err := d.Readdirnames(readdirChunk)
		for _, n := range names {
			if strings.HasPrefix(n, prefix) {
				return n, nil
			}
		}
		if err == io.EOF || (err == nil && len(names) == 0) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("read directory: %w", err)
		}
	}
}

// testHookBeforeOpen, when set (tests only), runs between the lookup of a
// regular file and its opening for reading, where a racing user could
// replace it.
var testHookBeforeOpen func(name string)

// dirRef is an open directory (O_PATH) and its metadata.
type dirRef struct {
	fd   int
	st   syscall.Stat_t
	path string // the directory's path without symbolic links; "" for /
}

// walker walks directories below root (the "/" of the paths it is given),
// counting the symbolic links it follows in hops.
type walker struct {
	root string
	hops *int
}

// walkDirs opens the components of comps as directories, one below the other,
// starting at the directory start (whose path is startPath), and returns
// the last one opened; with skipLast it stops before the last component. It
// takes over start (closes it).
func (w walker) walkDirs(start int, startPath string, comps []string, skipLast bool) (dirRef, error) {
	cur := dirRef{fd: start, path: startPath}
	if err := syscall.Fstat(start, &cur.st); err != nil {
		syscall.Close(start)
		return dirRef{}, err
	}
	n := len(comps)
	if skipLast && n > 0 {
		n--
	}
	for i := 0; i < n; i++ {
		next, err := w.stepDir(cur, comps[i])
		syscall.Close(cur.fd)
		if err != nil {
			return dirRef{}, err
		}
		cur = next
	}
	return cur, nil
}

// stepDir opens the directory name below parent, following name only if it
// is a trusted symbolic link. It does not close parent. Above the root
// there is nothing: ".." of the root is the root, as in a chroot.
func (w walker) stepDir(parent dirRef, name string) (dirRef, error) {
	if name == ".." && parent.path == "" {
		name = "."
	}
	fd, err := syscall.Openat(parent.fd, name, oPath|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return dirRef{}, fmt.Errorf("open directory %q: %w", name, err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return dirRef{}, err
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		p := parent.path + "/" + name
		if name == "." {
			p = parent.path
		}
		if name == ".." {
			p = ""
			if i := strings.LastIndexByte(parent.path, '/'); i >= 0 {
				p = parent.path[:i]
			}
		}
		return dirRef{fd: fd, st: st, path: p}, nil
	case syscall.S_IFLNK:
	default:
		syscall.Close(fd)
		return dirRef{}, fmt.Errorf("open directory %q: %w", name, syscall.ENOTDIR)
	}
	defer syscall.Close(fd)
	if !trustedLink(parent.st, st) {
		return dirRef{}, fmt.Errorf("%q: %w", name, ErrUntrustedLink)
	}
	*w.hops++
	if *w.hops > maxLinkHops {
		return dirRef{}, fmt.Errorf("%q: %w", name, syscall.ELOOP)
	}
	target, err := readlinkFD(fd)
	if err != nil {
		return dirRef{}, fmt.Errorf("read link %q: %w", name, err)
	}
	start, startPath := parent.fd, parent.path
	if len(target) > 0 && target[0] == '/' {
		start, startPath = -1, ""
	}
	var base int
	if start < 0 {
		base, err = syscall.Open(w.root, oPath|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	} else {
		base, err = syscall.Openat(start, ".", oPath|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return dirRef{}, err
	}
	// A ".." in the target is opened like any other component: the
	// kernel resolves it from the directory descriptor reached so far.
	return w.walkDirs(base, startPath, splitLink(target), false)
}

// splitLink splits a link target into components, dropping empty ones and ".".
func splitLink(t string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(t); i++ {
		if i == len(t) || t[i] == '/' {
			if c := t[start:i]; c != "" && c != "." {
				out = append(out, c)
			}
			start = i + 1
		}
	}
	return out
}

// trustedLink reports whether only root could have made the link: the link
// is root's and its directory is root's and writable by no one else.
func trustedLink(dir, link syscall.Stat_t) bool {
	return link.Uid == 0 && dir.Uid == 0 && dir.Mode&0o022 == 0
}

// readlinkFD reads the target of a symbolic link opened with O_PATH.
func readlinkFD(fd int) (string, error) {
	empty := [1]byte{}
	for size := 256; size <= 1<<16; size *= 2 {
		buf := make([]byte, size)
		n, _, e := syscall.Syscall6(syscall.SYS_READLINKAT, uintptr(fd),
			uintptr(unsafe.Pointer(&empty[0])), uintptr(unsafe.Pointer(&buf[0])), uintptr(size), 0, 0)
		if e != 0 {
			return "", e
		}
		if int(n) < size {
			return string(buf[:n]), nil
		}
	}
	return "", syscall.ENAMETOOLONG
}

// describe fills f with what name below dir is, without following it.
func describe(f *File, dir int, name string) (*File, error) {
	pfd, err := syscall.Openat(dir, name, oPath|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if errors.Is(err, syscall.ENOENT) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", name, err)
	}
	defer syscall.Close(pfd)
	var st syscall.Stat_t
	if err := syscall.Fstat(pfd, &st); err != nil {
		return nil, err
	}
	f.Exists = true
	f.setStat(&st)
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFLNK:
		t, err := readlinkFD(pfd)
		if err != nil {
			return nil, fmt.Errorf("read link %q: %w", name, err)
		}
		f.LinkTarget = t
	case syscall.S_IFREG:
		if testHookBeforeOpen != nil {
			testHookBeforeOpen(name)
		}
		fd, err := syscall.Openat(dir, name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("open %q: %w", name, err)
		}
		var st2 syscall.Stat_t
		if err := syscall.Fstat(fd, &st2); err != nil {
			syscall.Close(fd)
			return nil, err
		}
		if st2.Dev != st.Dev || st2.Ino != st.Ino {
			syscall.Close(fd)
			return nil, fmt.Errorf("open %q: file replaced while opening it", name)
		}
		f.setStat(&st2)
		f.fd = fd
		f.Caps, f.CapsErr = readCaps(fd)
	}
	return f, nil
}

// readCaps reads the security.capability attribute of an open file: nil
// when it has none (or its file system keeps no attributes).
func readCaps(fd int) ([]byte, error) {
	buf := make([]byte, 64)
	n, err := unix.Fgetxattr(fd, securityCapabilityKey, buf)
	switch {
	case errors.Is(err, unix.ENODATA), errors.Is(err, unix.EOPNOTSUPP):
		return nil, nil
	case errors.Is(err, unix.ERANGE):
		// Larger than any revision: DecodeVFSCaps refuses it.
		return make([]byte, len(buf)+1), nil
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", securityCapabilityKey, err)
	}
	return buf[:n], nil
}

func (f *File) setStat(st *syscall.Stat_t) {
	f.Mode = st.Mode
	f.Uid = st.Uid
	f.Gid = st.Gid
	f.Size = st.Size
	f.Dev = uint64(st.Dev)
	f.Ino = uint64(st.Ino)
	f.Rdev = uint64(st.Rdev)
	f.Mtime = st.Mtim.Nano()
	f.Ctime = st.Ctim.Nano()
}

// readAt reads from the file opened by OpenFile.
func (f *File) readAt(b []byte, off int64) (int, error) {
	if f.fd < 0 {
		return 0, os.ErrClosed
	}
	n, err := syscall.Pread(f.fd, b, off)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Close releases the file. It is safe to call more than once.
func (f *File) Close() error {
	if f == nil || f.fd < 0 {
		return nil
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	return err
}

// mergedUsrAliases returns the other name of a file under /usr/bin,
// /usr/sbin or /usr/lib* on a merged-/usr system, where /bin (and the others)
// is a trusted link to usr/bin: dpkg's database lists such files under
// their old name.
func mergedUsrAliases(root, real string) []string {
	rest, ok := strings.CutPrefix(real, "/usr/")
	if !ok {
		return nil
	}
	top, _, ok := strings.Cut(rest, "/")
	if !ok {
		return nil
	}
	switch top {
	case "bin", "sbin", "lib", "lib32", "lib64", "libx32":
	default:
		return nil
	}
	fd, err := syscall.Open(filepath.Join(root, top), oPath|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	var st, rst syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFLNK || syscall.Stat(root, &rst) != nil || !trustedLink(rst, st) {
		return nil
	}
	if t, err := readlinkFD(fd); err != nil || (t != "usr/"+top && t != "/usr/"+top) {
		return nil
	}
	return []string{"/" + rest}
}
