//go:build linux

package arverify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Spool bounds the work when thousands of changes fire at once.
//
// ossec-execd forks one process per alert and never waits for it, so a
// package upgrade starts as many verifications as it touched files. Each
// process (a fire) only appends its request (the alert id and the path) to
// the queue's journal, in arrival order, unless the path is already waiting
// there (see Enqueue): a few system calls under a lock held for that long,
// whatever the queue holds, so fires exit as fast as they start. The queue
// holds at most MaxQueue requests: one more is a "queue-full" verdict, not a
// silent drop. Then the fire tries to take Dir/drain.lock (flock, never
// waiting): the one that gets it is the only drainer; the others exit at
// once. The drainer takes the queue as a batch (the journal, renamed) and
// verifies it, oldest request first, with Workers goroutines, reading the
// journal as it goes (its memory does not grow with the queue), until no
// request is left. After releasing the lock it looks at the queue again, so
// a request added while it was finishing is never stranded.
//
// A path verified less than Window ago whose file has the same content,
// capabilities, type, permissions and owner since (its SHA-256 is compared)
// is not verified again: its earlier verdict answers.
//
// Every verification has a deadline (FileTimeout) and so has the drain
// (DrainTimeout): the requests of a batch still waiting when the drain's
// deadline passes get a "timeout" verdict. A package transaction in
// progress is waited for once per batch, not per file.
//
// Dir is created with mode 0700 and must be a directory (not a link) owned by
// the process's user and inaccessible to others; temporary files are created
// in it with O_EXCL and a random name.
type Spool struct {
	Dir          string
	Window       time.Duration // DefaultWindow when zero
	Workers      int           // DefaultWorkers when zero
	MaxQueue     int           // DefaultMaxQueue when zero
	FileTimeout  time.Duration // DefaultFileTimeout when zero
	DrainTimeout time.Duration // DefaultDrainTimeout when zero
	LockTimeout  time.Duration // DefaultLockTimeout when zero
	Verifier     *Verifier
	Emit         func(Verdict) error
	Log          func(format string, args ...any)
	// Now returns the time (time.Now when nil).
	Now func() time.Time
}

// Defaults for Spool.
const (
	DefaultWindow       = 5 * time.Minute
	DefaultWorkers      = 2
	DefaultMaxQueue     = 100_000
	DefaultFileTimeout  = 2 * time.Minute
	DefaultDrainTimeout = time.Hour
)

// ErrQueueFull is returned by Enqueue when the queue holds MaxQueue requests.
var ErrQueueFull = errors.New("the queue is full")

// EnqueueResult says what Enqueue did.
type EnqueueResult int

// Results of Enqueue.
const (
	Queued EnqueueResult = iota
	AlreadyQueued
)

// Prepare creates the spool's directories safely and checks them: Dir and
// its subdirectories must be private (see checkPrivateDir), and every
// directory above Dir must be one only root or the process's user can
// change (see checkAncestors), since the spool is then used by path.
func (s *Spool) Prepare() error {
	if err := checkAncestors(s.Dir); err != nil {
		return err
	}
	for _, d := range []string{s.Dir, filepath.Join(s.Dir, "queue"), filepath.Join(s.Dir, "done")} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if err := checkPrivateDir(d); err != nil {
			return err
		}
	}
	return nil
}

// checkAncestors refuses a path whose directories above the last
// component someone other than root or the process's user could change: each
// must be a directory (a symbolic link only if only root could have made it,
// as OpenFile follows), owned by root or the user, and writable by no one
// else, unless it is sticky (as /tmp) and the next component is root's or
// the user's (others can then neither rename nor remove it).
func checkAncestors(dir string) error {
	p, err := CheckPath(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	me := uint32(os.Geteuid())
	ours := func(uid uint32) bool { return uid == 0 || uid == me }
	comps := components(p)
	cur := "/"
	var st syscall.Stat_t
	if err := syscall.Lstat(cur, &st); err != nil {
		return err
	}
	for i := 0; i+1 < len(comps); i++ {
		next := filepath.Join(cur, comps[i])
		var nst syscall.Stat_t
		if err := syscall.Lstat(next, &nst); err != nil {
			return err
		}
		if st.Mode&0o022 != 0 && (st.Mode&syscall.S_ISVTX == 0 || !ours(nst.Uid)) {
			return fmt.Errorf("%s: %s is writable by others", dir, cur)
		}
		if nst.Mode&syscall.S_IFMT == syscall.S_IFLNK {
			if !trustedLink(st, nst) {
				return fmt.Errorf("%s: %s: %w", dir, next, ErrUntrustedLink)
			}
			if err := syscall.Stat(next, &nst); err != nil {
				return err
			}
		}
		if nst.Mode&syscall.S_IFMT != syscall.S_IFDIR {
			return fmt.Errorf("%s: %s is not a directory", dir, next)
		}
		if !ours(nst.Uid) {
			return fmt.Errorf("%s: %s is owned by uid %d", dir, next, nst.Uid)
		}
		cur, st = next, nst
	}
	if st.Mode&0o022 != 0 && st.Mode&syscall.S_ISVTX == 0 {
		return fmt.Errorf("%s: %s is writable by others", dir, cur)
	}
	return nil
}

// checkPrivateDir refuses a directory that is a link, is not ours, or that
// others can use.
func checkPrivateDir(d string) error {
	var st syscall.Stat_t
	if err := syscall.Lstat(d, &st); err != nil {
		return err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		return fmt.Errorf("%s: not a directory (or a symbolic link)", d)
	}
	if st.Uid != uint32(os.Geteuid()) || st.Mode&0o077 != 0 {
		return fmt.Errorf("%s: must be owned by uid %d with mode 0700 (has uid %d, mode %o)", d, os.Geteuid(), st.Uid, st.Mode&0o7777)
	}
	return nil
}

func (s *Spool) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Spool) window() time.Duration {
	if s.Window > 0 {
		return s.Window
	}
	return DefaultWindow
}

func (s *Spool) maxQueue() int {
	if s.MaxQueue > 0 {
		return s.MaxQueue
	}
	return DefaultMaxQueue
}

func (s *Spool) fileDeadline() time.Duration {
	if s.FileTimeout > 0 {
		return s.FileTimeout
	}
	return DefaultFileTimeout
}

func (s *Spool) drainDeadline() time.Duration {
	if s.DrainTimeout > 0 {
		return s.DrainTimeout
	}
	return DefaultDrainTimeout
}

func (s *Spool) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log(format, args...)
	}
}

// key names a path's files in the spool.
func key(path string) string {
	h := sha256.Sum256([]byte(path))
	return hex.EncodeToString(h[:16])
}

// maxFingerprint is the largest file the skip shortcut hashes; a larger one
// is always verified.
const maxFingerprint = 64 << 20

// fingerprint identifies a file's state for the skip shortcut: its type,
// permissions, owner, the SHA-256 of its content and its capabilities (a
// link's target), or
// "missing". "" means no shortcut (not a clean path, cannot be opened, too
// large, a read error or the end of ctx).
func fingerprint(ctx context.Context, path string) string {
	p, err := CheckPath(path)
	if err != nil {
		return ""
	}
	f, err := OpenFile(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	return fingerprintFile(ctx, f)
}

// fingerprintFile is fingerprint for an open file. Times, inode and device
// are left out on purpose: on a file system with 1-second timestamps a
// change within the same second keeps them.
func fingerprintFile(ctx context.Context, f *File) string {
	if !f.Exists {
		return "missing"
	}
	content := ""
	switch {
	case f.IsRegular():
		if f.Size > maxFingerprint {
			return ""
		}
		d, err := f.Digest(ctx, "sha256")
		if err != nil || f.CapsErr != nil {
			return ""
		}
		// Capabilities decide what the file may do as much as its
		// content: setting them alone moves neither size nor mode.
		content = d + " caps:" + hex.EncodeToString(f.Caps)
	case f.IsSymlink():
		content = hex.EncodeToString([]byte(f.LinkTarget))
	default:
		return ""
	}
	return fmt.Sprintf("%o %d %d %s", f.Mode, f.Uid, f.Gid, content)
}

// recentlySame reports whether path (whose key is k) was verified, with an
// honest verdict, less than Window ago and has the same fingerprint now.
func (s *Spool) recentlySame(k, path string) bool {
	data, err := os.ReadFile(filepath.Join(s.Dir, "done", k))
	if err != nil {
		return false
	}
	stamp, fp, _ := strings.Cut(string(data), "\n")
	at, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || fp == "" || s.now().Sub(time.Unix(0, at)) >= s.window() {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.fileDeadline())
	defer cancel()
	return fingerprint(ctx, path) == fp
}

// replaceFile writes data to a fresh temporary file in dir and renames it
// over final.
func replaceFile(dir, final string, data []byte) error {
	var rnd [12]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := filepath.Join(dir, ".tmp-"+hex.EncodeToString(rnd[:]))
	fd, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	_, werr := fd.Write(data)
	cerr := fd.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// decideSafely is decide(path), or an internal-error verdict if it panics:
// the request has left the queue, so a crash would lose its verdict.
func (s *Spool) decideSafely(path string, decide func(string) Verdict) (v Verdict) {
	defer func() {
		if r := recover(); r != nil {
			v = unverified(path, CodeInternal, fmt.Sprintf("panic: %v", r))
		}
	}()
	return decide(path)
}

// prune removes verification records older than the window and stale
// temporary files.
func (s *Spool) prune() {
	now := s.now()
	dir := filepath.Join(s.Dir, "done")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		age := now.Sub(info.ModTime())
		if age > s.window() || (strings.HasPrefix(e.Name(), ".tmp-") && age > time.Minute) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
