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
// process only drops a request file into Dir/queue, named by a hash of the
// path, so requests for a path already waiting collapse into one; a path
// verified less than Window ago whose file has not changed since (same
// device, inode, size, mtime and ctime, and ctime cannot be set by users) is
// skipped. Then the process tries to take Dir/drain.lock (flock, never
// waiting): the one that gets it verifies the queue with Workers goroutines
// until it is empty and writes the verdicts; the others exit at once. After
// releasing the lock the drainer looks at the queue again, so a request
// added while it was finishing is never stranded.
//
// Dir is created with mode 0700 and must be a directory (not a link) owned by
// the process's user and inaccessible to others; temporary files are created
// in it with O_EXCL and a random name.
type Spool struct {
	Dir      string
	Window   time.Duration // DefaultWindow when zero
	Workers  int           // DefaultWorkers when zero
	Verifier *Verifier
	Emit     func(Verdict) error
	Log      func(format string, args ...any)
	// Now returns the time (time.Now when nil).
	Now func() time.Time
}

// Defaults for Spool.
const (
	DefaultWindow  = 5 * time.Minute
	DefaultWorkers = 2
)

// EnqueueResult says what Enqueue did.
type EnqueueResult int

// Results of Enqueue.
const (
	Queued EnqueueResult = iota
	AlreadyQueued
	RecentlyVerified
)

// Prepare creates the spool's directories safely and checks them.
func (s *Spool) Prepare() error {
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

// fingerprint identifies a file's state for the duplicate check.
func fingerprint(path string) string {
	p, err := CheckPath(path)
	if err != nil {
		return ""
	}
	f, err := OpenFile(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	if !f.Exists {
		return "missing"
	}
	return fmt.Sprintf("%d %d %o %d %d %d", f.Dev, f.Ino, f.Mode, f.Size, f.Mtime, f.Ctime)
}

// Enqueue adds a request to verify path.
func (s *Spool) Enqueue(path string) (EnqueueResult, error) {
	k := key(path)
	if data, err := os.ReadFile(filepath.Join(s.Dir, "done", k)); err == nil {
		stamp, fp, _ := strings.Cut(string(data), "\n")
		at, _ := strconv.ParseInt(stamp, 10, 64)
		fresh := s.now().Sub(time.Unix(0, at)) < s.window()
		if fp2 := fingerprint(path); fresh && fp != "" && fp == fp2 {
			return RecentlyVerified, nil
		}
	}
	final := filepath.Join(s.Dir, "queue", k)
	if err := writeNew(filepath.Join(s.Dir, "queue"), final, []byte(path)); err != nil {
		if errors.Is(err, os.ErrExist) {
			return AlreadyQueued, nil
		}
		return 0, err
	}
	return Queued, nil
}

// writeNew writes data to a fresh temporary file in dir and links it to
// final, failing with os.ErrExist if final exists.
func writeNew(dir, final string, data []byte) error {
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
	total := 0
	for ctx.Err() == nil {
		names, err := s.pending()
		if err != nil {
			return total, true, err
		}
		if len(names) == 0 {
			break
		}
		total += s.verifyBatch(ctx, names)
	}
	return total, true, ctx.Err()
}

// pending lists the queued requests.
func (s *Spool) pending() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(s.Dir, "queue"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// verifyBatch verifies the named requests with the worker pool.
func (s *Spool) verifyBatch(ctx context.Context, names []string) int {
	workers := s.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	jobs := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range jobs {
				if s.verifyOne(ctx, name) {
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

// verifyOne verifies one request, emits its verdict, records it and removes
// the request.
func (s *Spool) verifyOne(ctx context.Context, name string) bool {
	qpath := filepath.Join(s.Dir, "queue", name)
	data, err := os.ReadFile(qpath)
	if err != nil {
		s.logf("cannot read request %s: %v", name, err)
		os.Remove(qpath)
		return false
	}
	// Remove first: a new request for the path that arrives while we
	// verify is queued again and verified after us.
	os.Remove(qpath)
	path := string(data)
	fp := fingerprint(path)
	v := s.Verifier.Verify(ctx, path)
	if err := s.Emit(v); err != nil {
		s.logf("cannot write verdict %q: %v", v.Line(), err)
	}
	s.logf("%s (%s)", v.Line(), EscapePath(v.Reason))
	if fp != "" {
		record := strconv.FormatInt(s.now().UnixNano(), 10) + "\n" + fp
		if err := replaceFile(filepath.Join(s.Dir, "done"), filepath.Join(s.Dir, "done", name), []byte(record)); err != nil {
			s.logf("cannot record verification: %v", err)
		}
	}
	return true
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
