package arverify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spool bounds the work when thousands of changes fire at once.
//
// ossec-execd forks one process per alert and never waits for it, so a
// package upgrade starts as many verifications as it touched files. Each
// process only drops a request file (the alert id and the path) into
// Dir/queue, named by a hash of the path, so requests for a path already
// waiting collapse into one; a path verified less than Window ago whose file
// has the same content, type, permissions and owner since (its SHA-256 is
// compared) is skipped, its earlier verdict answering. The queue holds at
// most MaxQueue requests: one more is a "queue-full" verdict, not a silent
// drop. Then the process tries to take Dir/drain.lock (flock, never
// waiting): the one that gets it verifies the queue, oldest request first,
// with Workers goroutines until it is empty and writes the verdicts; the
// others exit at once. After releasing the lock the drainer looks at the
// queue again, so a request added while it was finishing is never stranded.
//
// Every verification has a deadline (FileTimeout) and so has the drain
// (DrainTimeout): a request still queued when the drain's deadline passes
// gets a "timeout" verdict. A package transaction in progress is waited for
// once per batch, not per file.
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
	RecentlyVerified
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

// Enqueue adds a request to verify path for the alert alert (TIME.ALERTID).
func (s *Spool) Enqueue(path, alert string) (EnqueueResult, error) {
	k := key(path)
	if s.recentlySame(k, path) {
		return RecentlyVerified, nil
	}
	qdir := filepath.Join(s.Dir, "queue")
	final := filepath.Join(qdir, k)
	if _, err := os.Lstat(final); err == nil {
		return AlreadyQueued, nil
	}
	if n, err := countEntries(qdir, s.maxQueue()); err != nil {
		return 0, err
	} else if n >= s.maxQueue() {
		return 0, fmt.Errorf("%w (%d requests)", ErrQueueFull, n)
	}
	if err := writeNew(qdir, final, []byte(alertID(alert)+"\n"+path)); err != nil {
		if errors.Is(err, os.ErrExist) {
			return AlreadyQueued, nil
		}
		return 0, err
	}
	return Queued, nil
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

// countEntries counts the requests in dir, stopping at limit.
func countEntries(dir string, limit int) (int, error) {
	d, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	n := 0
	for n < limit {
		names, err := d.Readdirnames(1024)
		for _, name := range names {
			if !strings.HasPrefix(name, ".") {
				n++
			}
		}
		if err == io.EOF || len(names) == 0 {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// writeNew writes data to a fresh temporary file in dir and links it to
// final, failing with os.ErrExist if final exists. The file's modification
// time is set to the time of the call to the nanosecond (file systems
// stamp writes with a coarser clock), which orders the queue.
func writeNew(dir, final string, data []byte) error {
	now := time.Now()
	var rnd [12]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := filepath.Join(dir, ".tmp-"+hex.EncodeToString(rnd[:]))
	fd, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if _, err := fd.Write(data); err != nil {
		fd.Close()
		return err
	}
	if err := fd.Close(); err != nil {
		return err
	}
	if err := os.Chtimes(tmp, now, now); err != nil {
		return err
	}
	return os.Link(tmp, final)
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

// Drain verifies queued requests if no other process is doing so, and
// returns how many it verified.
func (s *Spool) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n, locked, err := s.drainOnce(ctx)
		total += n
		if err != nil || !locked {
			return total, err
		}
		// Released: a request added while we held the lock, by a
		// process that failed to take it, must not be stranded.
		if pending, err := s.pending(); err != nil || len(pending) == 0 {
			return total, err
		}
	}
}

// drainOnce takes the lock (or reports it could not) and empties the queue.
func (s *Spool) drainOnce(ctx context.Context) (int, bool, error) {
	lock, err := os.OpenFile(filepath.Join(s.Dir, "drain.lock"), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return 0, false, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return 0, false, nil
		}
		return 0, false, err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	s.prune()
	dctx, cancel := context.WithTimeout(ctx, s.drainDeadline())
	defer cancel()
	total := 0
	for {
		names, err := s.pending()
		if err != nil {
			return total, true, err
		}
		if len(names) == 0 {
			break
		}
		if dctx.Err() != nil {
			// Past the drain's deadline: every request left gets its
			// verdict now rather than wait for a drainer that may never
			// come.
			for _, n := range names {
				if s.settle(n, func(path string) Verdict {
					return unverified(path, CodeTimeout, "the drain's deadline ("+s.drainDeadline().String()+") passed before it was verified")
				}) {
					total++
				}
			}
			break
		}
		total += s.verifyBatch(dctx, names)
	}
	return total, true, nil
}

// pending lists the queued requests, oldest first.
func (s *Spool) pending() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(s.Dir, "queue"))
	if err != nil {
		return nil, err
	}
	type req struct {
		name string
		at   int64
	}
	var reqs []req
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // taken by a worker meanwhile
		}
		reqs = append(reqs, req{e.Name(), info.ModTime().UnixNano()})
	}
	sort.Slice(reqs, func(i, j int) bool {
		if reqs[i].at != reqs[j].at {
			return reqs[i].at < reqs[j].at
		}
		return reqs[i].name < reqs[j].name
	})
	names := make([]string, len(reqs))
	for i, r := range reqs {
		names[i] = r.name
	}
	return names, nil
}

// verifyBatch verifies the named requests with the worker pool. A package
// transaction in progress is waited for once, for the whole batch.
func (s *Spool) verifyBatch(ctx context.Context, names []string) int {
	workers := s.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	v := s.Verifier
	if v == nil {
		v = &Verifier{}
	}
	batch := v.forBatch(ctx)
	jobs := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range jobs {
				ok := s.settle(name, func(path string) Verdict {
					fctx, cancel := context.WithTimeout(ctx, s.fileDeadline())
					defer cancel()
					return batch.Verify(fctx, path)
				})
				if ok {
					mu.Lock()
					done++
					mu.Unlock()
				}
			}
		}()
	}
	for _, n := range names {
		jobs <- n
	}
	close(jobs)
	wg.Wait()
	return done
}

// settle takes one request out of the queue, decides its verdict with
// decide, emits it and records it for the skip shortcut.
func (s *Spool) settle(name string, decide func(path string) Verdict) bool {
	qpath := filepath.Join(s.Dir, "queue", name)
	data, err := os.ReadFile(qpath)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.logf("cannot read request %s: %v", name, err)
			os.Remove(qpath)
		}
		return false
	}
	// Remove first: a new request for the path that arrives while we
	// verify is queued again and verified after us.
	os.Remove(qpath)
	alert, path, ok := strings.Cut(string(data), "\n")
	if !ok {
		alert, path = "-", string(data)
	}
	// Queued while the same content was being verified: that verdict
	// answers this request too (as at Enqueue).
	if s.recentlySame(name, path) {
		s.logf("%s [alert %s]: verified meanwhile with the same content; that verdict answers this alert too", EscapePath(path), alert)
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.fileDeadline())
	fp := fingerprint(ctx, path)
	cancel()
	v := s.decideSafely(path, decide)
	v.AlertID = alert
	if err := s.Emit(v); err != nil {
		s.logf("cannot write verdict %q: %v", v.Line(), err)
	}
	s.logf("%s (%s)", v.Line(), EscapePath(v.Reason))
	// Only an honest verdict lets a later identical state skip; and the
	// state must not have moved while it was verified.
	if v.Kind != Unverified && fp != "" {
		ctx, cancel := context.WithTimeout(context.Background(), s.fileDeadline())
		after := fingerprint(ctx, path)
		cancel()
		if after == fp {
			record := strconv.FormatInt(s.now().UnixNano(), 10) + "\n" + fp
			if err := replaceFile(filepath.Join(s.Dir, "done"), filepath.Join(s.Dir, "done", name), []byte(record)); err != nil {
				s.logf("cannot record verification: %v", err)
			}
		}
	}
	return true
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

// prune removes old verification records and stale temporary files.
func (s *Spool) prune() {
	now := s.now()
	for _, sub := range []string{"done", "queue"} {
		dir := filepath.Join(s.Dir, sub)
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			info, err := e.Info()
			if err != nil {
				continue
			}
			age := now.Sub(info.ModTime())
			if (sub == "done" && age > s.window()) || (strings.HasPrefix(e.Name(), ".tmp-") && age > time.Minute) {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
}
