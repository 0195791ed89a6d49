package arverify

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
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
	Mtime      int64  // nanoseconds since the epoch
	Ctime      int64  // nanoseconds since the epoch
	LinkTarget string // for a symbolic link

	fd      int
	digests map[string]string
}

// IsRegular reports whether the file is a regular file.
func (f *File) IsRegular() bool { return f.Exists && f.Mode&syscall.S_IFMT == syscall.S_IFREG }

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

// Digest returns the lowercase hex digest of a regular file's content with
// algo (see newHash), computed once per algorithm.
func (f *File) Digest(algo string) (string, error) {
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
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for off := int64(0); ; {
		n, err := f.readAt(buf, off)
		h.Write(buf[:n])
		off += int64(n)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", f.Path, err)
		}
		if n == 0 {
			break
		}
	}
	d := hex.EncodeToString(h.Sum(nil))
	if f.digests == nil {
		f.digests = map[string]string{}
	}
	f.digests[algo] = d
	return d, nil
}

// DigestMatches reports whether the file's content has the given hex digest.
func (f *File) DigestMatches(algo, want string) (bool, error) {
	got, err := f.Digest(algo)
	if err != nil {
		return false, err
	}
	return got == strings.ToLower(want), nil
}

// ContentEquals reports whether the file's content is exactly want.
func (f *File) ContentEquals(want []byte) (bool, error) {
	if !f.IsRegular() {
		return false, nil
	}
	buf := make([]byte, 32*1024)
	var off int64
	for {
		n, err := f.readAt(buf, off)
		if n > 0 {
			if int64(len(want)) < off+int64(n) || string(want[off:off+int64(n)]) != string(buf[:n]) {
				return false, nil
			}
			off += int64(n)
		}
		if err != nil {
			return false, err
		}
		if n == 0 {
			return off == int64(len(want)), nil
		}
	}
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
