//go:build linux

package arverify

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"syscall"
)

// File is what OpenFile found at a path. Its content, for a regular file, is
// read only through the descriptor OpenFile opened.
type File struct {
	Path       string
	RealPath   string   // Path with trusted symbolic links resolved
	Aliases    []string // other names of the file (merged /usr)
	Exists     bool
	Mode       uint32 // st_mode: type and permission bits
	Uid, Gid   uint32
	Size       int64
	Dev, Ino   uint64
	Rdev       uint64 // a device's number
	Mtime      int64  // nanoseconds since the epoch
	Ctime      int64  // nanoseconds since the epoch
	LinkTarget string // for a symbolic link
	// Caps is a regular file's security.capability attribute as read
	// through its descriptor (nil: none); CapsErr says why it could not
	// be read.
	Caps    []byte
	CapsErr error
	// CutSibling is, when OpenForVerify opened the file, an entry of its
	// directory named like it followed by a newline and more.
	CutSibling string

	fd      int
	digests map[string]string
}

// IsRegular reports whether the file is a regular file.
func (f *File) IsRegular() bool { return f.Exists && f.Mode&syscall.S_IFMT == syscall.S_IFREG }

// IsDir reports whether the file is a directory.
func (f *File) IsDir() bool { return f.Exists && f.Mode&syscall.S_IFMT == syscall.S_IFDIR }

// IsSymlink reports whether the file is a symbolic link.
func (f *File) IsSymlink() bool { return f.Exists && f.Mode&syscall.S_IFMT == syscall.S_IFLNK }

// newHash returns the hash for an algorithm name: md5, sha1, sha224,
// sha256, sha384 or sha512.
func newHash(algo string) (hash.Hash, error) {
	switch algo {
	case "md5":
		return md5.New(), nil
	case "sha1":
		return sha1.New(), nil
	case "sha224":
		return sha256.New224(), nil
	case "sha256":
		return sha256.New(), nil
	case "sha384":
		return sha512.New384(), nil
	case "sha512":
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("unknown digest algorithm %q", algo)
}

// ErrChangedWhileReading is returned when a file's size, times or identity
// moved while the program read it: its content cannot be vouched for.
var ErrChangedWhileReading = errors.New("the file changed while it was read")

// Digest returns the lowercase hex digest of a regular file's content with
// algo (see newHash), computed once per algorithm. It reads exactly the size
// the file had when it was opened, and fails with ErrChangedWhileReading if
// the file then holds more, or less, or its times moved; it stops at the end
// of ctx.
func (f *File) Digest(ctx context.Context, algo string) (string, error) {
	if !f.IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", f.Path)
	}
	if d, ok := f.digests[algo]; ok {
		return d, nil
	}
	h, err := newHash(algo)
	if err != nil {
		return "", err
	}
	if err := f.readAll(ctx, func(b []byte) bool { h.Write(b); return true }); err != nil {
		return "", err
	}
	d := hex.EncodeToString(h.Sum(nil))
	if f.digests == nil {
		f.digests = map[string]string{}
	}
	f.digests[algo] = d
	return d, nil
}

// readAll passes the file's content to fn, chunk by chunk, exactly Size
// bytes, until fn returns false; see Digest.
func (f *File) readAll(ctx context.Context, fn func([]byte) bool) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for off := int64(0); off < f.Size; {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read %s: %w", f.Path, err)
		}
		want := buf
		if rest := f.Size - off; rest < int64(len(want)) {
			want = want[:rest]
		}
		n, err := f.readAt(want, off)
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Path, err)
		}
		if n == 0 {
			return fmt.Errorf("%s: %w (shorter than %d bytes)", f.Path, ErrChangedWhileReading, f.Size)
		}
		off += int64(n)
		if !fn(want[:n]) {
			return nil
		}
	}
	return f.recheck()
}

// recheck fails with ErrChangedWhileReading when the open file holds more
// than Size bytes, or its size, modification or change time moved.
func (f *File) recheck() error {
	var one [1]byte
	if n, err := f.readAt(one[:], f.Size); err != nil {
		return fmt.Errorf("read %s: %w", f.Path, err)
	} else if n > 0 {
		return fmt.Errorf("%s: %w (longer than %d bytes)", f.Path, ErrChangedWhileReading, f.Size)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(f.fd, &st); err != nil {
		return err
	}
	if st.Size != f.Size || st.Mtim.Nano() != f.Mtime || st.Ctim.Nano() != f.Ctime {
		return fmt.Errorf("%s: %w", f.Path, ErrChangedWhileReading)
	}
	return nil
}

// DigestMatches reports whether the file's content has the given hex digest.
func (f *File) DigestMatches(ctx context.Context, algo, want string) (bool, error) {
	got, err := f.Digest(ctx, algo)
	if err != nil {
		return false, err
	}
	return got == strings.ToLower(want), nil
}

// ContentEquals reports whether the file's content is exactly want.
func (f *File) ContentEquals(ctx context.Context, want []byte) (bool, error) {
	if !f.IsRegular() || f.Size != int64(len(want)) {
		return false, nil
	}
	same := true
	var off int
	err := f.readAll(ctx, func(b []byte) bool {
		if string(want[off:off+len(b)]) != string(b) {
			same = false
			return false
		}
		off += len(b)
		return true
	})
	if err != nil {
		return false, err
	}
	return same, nil
}

// bufPool holds read buffers for hashing.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// Names returns the names under which package databases may list the file:
// its path and, when a trusted symbolic link was followed on the way (as
// /bin -> usr/bin), its path without links.
func (f *File) Names() []string {
	names := []string{f.Path}
	for _, n := range append([]string{f.RealPath}, f.Aliases...) {
		if n != "" && !f.hasListed(names, n) {
			names = append(names, n)
		}
	}
	return names
}

func (f *File) hasListed(names []string, n string) bool {
	for _, m := range names {
		if m == n {
			return true
		}
	}
	return false
}

// HasName reports whether name is one of Names.
func (f *File) HasName(name string) bool { return f.hasListed(f.Names(), name) }
