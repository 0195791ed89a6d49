//go:build linux

package arverify

import (
	"errors"
	"fmt"
	"io"
	"os/user"
	"strconv"
	"sync"
	"syscall"
)

// anyLocked reports whether another process holds a write lock (fcntl, as
// rpm and dpkg take for a transaction) on any of the files. It only asks (F_GETLK); it never
// takes the lock, and a missing file is not locked.
func anyLocked(files []string) bool {
	for _, p := range files {
		fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
		err = syscall.FcntlFlock(uintptr(fd), syscall.F_GETLK, &lk)
		syscall.Close(fd)
		// Only a write lock means a transaction; readers (queries)
		// may hold read locks.
		if err == nil && lk.Type == syscall.F_WRLCK {
			return true
		}
	}
	return false
}

// errUntrustedFile is returned by readTrusted for a file someone other than
// the trusted owner could have written.
var errUntrustedFile = errors.New("not a regular file owned by the trusted user and writable only by it")

// maxStateFile bounds the state files (package database extracts, Puppet
// catalogs) the program reads.
const maxStateFile = 256 << 20

// readTrusted reads a state file through OpenFile, refusing one that is not a
// regular file owned by uid and unwritable by group and others, since its
// content decides verdicts. A missing file gives nil data and no error.
func readTrusted(p string, uid uint32) ([]byte, error) {
	f, err := OpenFile(p)
	if errors.Is(err, syscall.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !f.Exists {
		return nil, nil
	}
	if !f.IsRegular() || f.Uid != uid || f.Mode&0o022 != 0 {
		return nil, fmt.Errorf("%s: %w", p, errUntrustedFile)
	}
	if f.Size > maxStateFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", p, maxStateFile)
	}
	buf := make([]byte, 0, f.Size)
	chunk := make([]byte, 64<<10)
	var off int64
	for {
		n, err := f.readAt(chunk, off)
		buf = append(buf, chunk[:n]...)
		off += int64(n)
		if err != nil {
			return nil, err
		}
		if n == 0 || off > maxStateFile {
			break
		}
	}
	return buf, nil
}

// trustedRootFile reports whether p is a regular file owned by root that
// group and others cannot write (and, if exec, that root can execute).
func trustedRootFile(p string, exec bool) bool {
	f, err := OpenFile(p)
	if err != nil {
		return false
	}
	defer f.Close()
	return f.IsRegular() && f.Uid == 0 && f.Mode&0o022 == 0 && (!exec || f.Mode&0o100 != 0)
}

var (
	nameMu     sync.Mutex
	userNames  = map[uint32]string{}
	groupNames = map[uint32]string{}
)

// userName returns the name of a uid, or the number when it has none (as rpm
// compares names).
func userName(uid uint32) string {
	nameMu.Lock()
	defer nameMu.Unlock()
	if n, ok := userNames[uid]; ok {
		return n
	}
	n := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(n); err == nil {
		n = u.Username
	}
	userNames[uid] = n
	return n
}

// groupName returns the name of a gid, or the number when it has none.
func groupName(gid uint32) string {
	nameMu.Lock()
	defer nameMu.Unlock()
	if n, ok := groupNames[gid]; ok {
		return n
	}
	n := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(n); err == nil {
		n = g.Name
	}
	groupNames[gid] = n
	return n
}
