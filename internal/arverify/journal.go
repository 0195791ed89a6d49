//go:build linux

package arverify

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The queue below Spool.Dir/queue:
//
//	cur/journal   requests in arrival order, "ALERT\x00PATH\x00" each
//	cur/count     one byte per request in the journal
//	cur/q-KEY     one empty marker per path in the journal
//	batch/        cur, renamed by the drainer, being verified
//
// A fire appends to cur under an exclusive flock of the cur directory, held
// for a few system calls; the drainer renames cur to batch, takes the same
// lock on it once (so every fire that was appending has finished, and every
// later one finds cur renamed and starts again), and reads the journal.
// Nothing a fire does depends on how many requests are waiting.
const (
	curName     = "cur"
	batchName   = "batch"
	journalName = "journal"
	countName   = "count"
	markerName  = "q-"
)

// DefaultLockTimeout bounds the wait for the queue's lock (held for a few
// system calls by each fire); a fire that cannot take it in that time says
// so in a verdict rather than wait.
const DefaultLockTimeout = 10 * time.Second

// ErrSpoolBusy is returned by Enqueue when the queue's lock could not be
// taken within the lock timeout.
var ErrSpoolBusy = errors.New("the queue stayed locked")

func (s *Spool) lockTimeout() time.Duration {
	if s.LockTimeout > 0 {
		return s.LockTimeout
	}
	return DefaultLockTimeout
}

// lockDir takes an exclusive flock on the open directory fd, waiting at
// most timeout. The lock goes with the descriptor: closing it releases the
// lock. On a timeout the waiting system call is left to end by itself; it
// never touches fd afterwards, and a lock it then gets is released with the
// descriptor's last close.
func lockDir(fd int, timeout time.Duration) error {
	err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		return err
	}
	done := make(chan error, 1)
	go func() {
		var err error
		for {
			if err = syscall.Flock(fd, syscall.LOCK_EX); !errors.Is(err, syscall.EINTR) {
				break
			}
		}
		done <- err
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("%w for %v", ErrSpoolBusy, timeout)
	}
}

// testHookBeforeLock, when set (tests only), runs in Enqueue between the
// opening of cur and its locking, where the drainer may take it away.
var testHookBeforeLock func()

// testHookQueueEmpty, when set (tests only), runs in the drainer when it
// found the queue empty, just before it releases the drain lock: a fire
// that enqueues then finds the lock taken and leaves.
var testHookQueueEmpty func()

// Enqueue adds a request to verify path for the alert alert (TIME.ALERTID),
// in arrival order. A path already waiting in the queue is not added again
// (AlreadyQueued): the verification to come answers both. The queue holds
// at most MaxQueue requests; one more fails with ErrQueueFull. The cost
// does not depend on how many requests are waiting: a few system calls
// under the queue's lock.
func (s *Spool) Enqueue(path, alert string) (EnqueueResult, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return 0, errors.New("the path holds a NUL byte")
	}
	rec := []byte(alertID(alert) + "\x00" + path + "\x00")
	for try := 0; try < 16; try++ {
		res, again, err := s.enqueueOnce(path, rec)
		if !again {
			return res, err
		}
	}
	return 0, fmt.Errorf("%w: rotated 16 times while enqueuing", ErrSpoolBusy)
}

// enqueueOnce is one attempt of Enqueue; again means the drainer took the
// queue away meanwhile and the request was not written.
func (s *Spool) enqueueOnce(path string, rec []byte) (res EnqueueResult, again bool, err error) {
	cur := filepath.Join(s.Dir, "queue", curName)
	if err := os.Mkdir(cur, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return 0, false, err
	}
	dir, err := syscall.Open(cur, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if errors.Is(err, syscall.ENOENT) {
		return 0, true, nil // renamed between the mkdir and the open
	}
	if err != nil {
		return 0, false, fmt.Errorf("open %s: %w", cur, err)
	}
	defer syscall.Close(dir) // releases the lock
	if testHookBeforeLock != nil {
		testHookBeforeLock()
	}
	if err := lockDir(dir, s.lockTimeout()); err != nil {
		return 0, false, err
	}
	var held, now syscall.Stat_t
	if err := syscall.Fstat(dir, &held); err != nil {
		return 0, false, err
	}
	if err := syscall.Lstat(cur, &now); err != nil || now.Ino != held.Ino || now.Dev != held.Dev {
		return 0, true, nil // the drainer renamed it before we locked it
	}
	if held.Uid != uint32(os.Geteuid()) || held.Mode&0o077 != 0 || held.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		return 0, false, fmt.Errorf("%s: must be a directory owned by uid %d with mode 0700", cur, os.Geteuid())
	}
	marker := markerName + key(path)
	if queued, err := exists(dir, marker); err != nil {
		return 0, false, err
	} else if queued {
		return AlreadyQueued, false, nil
	}
	count, st, err := openAppend(dir, countName)
	if err != nil {
		return 0, false, err
	}
	defer syscall.Close(count)
	if n := int(st.Size); n >= s.maxQueue() {
		return 0, false, fmt.Errorf("%w (%d requests)", ErrQueueFull, n)
	}
	journal, jst, err := openAppend(dir, journalName)
	if err != nil {
		return 0, false, err
	}
	defer syscall.Close(journal)
	// Under the lock, a failed write is undone whole, so the journal
	// never holds half a request.
	undo := func(err error) (EnqueueResult, bool, error) {
		syscall.Ftruncate(journal, jst.Size)
		syscall.Ftruncate(count, st.Size)
		return 0, false, err
	}
	if n, err := syscall.Write(journal, rec); err != nil || n != len(rec) {
		return undo(fmt.Errorf("write %s: %d of %d bytes: %v", journalName, n, len(rec), err))
	}
	if n, err := syscall.Write(count, []byte{0}); err != nil || n != 1 {
		return undo(fmt.Errorf("write %s: %v", countName, err))
	}
	m, err := syscall.Openat(dir, marker, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		// The request is written; without its marker a duplicate is
		// only verified twice.
		s.logf("cannot mark %s queued: %v", EscapePath(path), err)
		return Queued, false, nil
	}
	syscall.Close(m)
	return Queued, false, nil
}

// exists reports whether the directory dir holds name (not following a
// link).
func exists(dir int, name string) (bool, error) {
	var st unix.Stat_t
	err := unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	return err == nil, err
}

// Drain verifies queued requests if no other process is doing so, and
// returns how many it settled.
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
		if waiting, err := s.pending(); err != nil || waiting == 0 {
			return total, err
		}
	}
}

// drainOnce takes the drain lock (or reports it could not) and empties the
// queue, batch after batch.
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
	batch := filepath.Join(s.Dir, "queue", batchName)
	for {
		// A batch left by a drainer that was killed comes first.
		if _, err := os.Lstat(batch); errors.Is(err, os.ErrNotExist) {
			moved, err := s.rotate(batch)
			if err != nil || !moved {
				if testHookQueueEmpty != nil {
					testHookQueueEmpty()
				}
				return total, true, err
			}
		} else if err != nil {
			return total, true, err
		}
		n, err := s.drainBatch(dctx, batch)
		total += n
		if err != nil {
			return total, true, err
		}
		if dctx.Err() != nil {
			// Past the deadline this batch's requests were each given
			// a timeout verdict; the next drain, with a deadline of
			// its own, takes the rest.
			return total, true, nil
		}
	}
}

// rotate renames cur to batch if it holds requests.
func (s *Spool) rotate(batch string) (bool, error) {
	cur := filepath.Join(s.Dir, "queue", curName)
	var st syscall.Stat_t
	if err := syscall.Lstat(filepath.Join(cur, countName), &st); errors.Is(err, syscall.ENOENT) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if st.Size == 0 {
		return false, nil
	}
	if err := os.Rename(cur, batch); err != nil {
		return false, err
	}
	return true, nil
}

// pending returns how many requests wait in the queue (cur and batch).
func (s *Spool) pending() (int, error) {
	n := 0
	for _, d := range []string{curName, batchName} {
		var st syscall.Stat_t
		err := syscall.Lstat(filepath.Join(s.Dir, "queue", d, countName), &st)
		if errors.Is(err, syscall.ENOENT) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n += int(st.Size)
	}
	return n, nil
}

// drainBatch verifies the requests of the batch directory dir in arrival
// order with the worker pool, then removes it. A package transaction in
// progress is waited for once, for the whole batch. Past ctx's deadline
// each request left gets a timeout verdict.
func (s *Spool) drainBatch(ctx context.Context, dir string) (int, error) {
	// Every fire still appending to the batch (it was cur until the
	// rename) holds its lock: wait for them. One that locks it after us
	// finds cur renamed and writes nothing here.
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", dir, err)
	}
	err = lockDir(fd, s.lockTimeout())
	syscall.Close(fd)
	if err != nil {
		return 0, err
	}
	f, err := os.OpenFile(filepath.Join(dir, journalName), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, os.ErrNotExist) {
		return 0, os.RemoveAll(dir)
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()

	workers := s.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	v := s.Verifier
	if v == nil {
		v = &Verifier{}
	}
	batch := v.forBatch(ctx)
	type request struct{ alert, path string }
	jobs := make(chan request)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				s.settle(r.alert, r.path, func(path string) Verdict {
					if ctx.Err() != nil {
						return unverified(path, CodeTimeout, "the drain's deadline ("+s.drainDeadline().String()+") passed before it was verified")
					}
					fctx, cancel := context.WithTimeout(ctx, s.fileDeadline())
					defer cancel()
					return batch.Verify(fctx, path)
				})
				mu.Lock()
				done++
				mu.Unlock()
			}
		}()
	}
	r := bufio.NewReaderSize(f, 64<<10)
	var rerr error
	for {
		alert, err := r.ReadString(0)
		if err != nil {
			if err != io.EOF || alert != "" {
				rerr = fmt.Errorf("%s: a request cut short: %q", journalName, alert)
			}
			break
		}
		path, err := r.ReadString(0)
		if err != nil {
			rerr = fmt.Errorf("%s: a request cut short after alert %q", journalName, alert)
			break
		}
		jobs <- request{alertID(strings.TrimSuffix(alert, "\x00")), strings.TrimSuffix(path, "\x00")}
	}
	close(jobs)
	wg.Wait()
	if rerr != nil {
		// Only a write that failed half-way leaves this (Enqueue undoes
		// its own); its fire then gave the request a verdict itself.
		s.logf("%v", rerr)
	}
	return done, os.RemoveAll(dir)
}

// settle decides the verdict of one request with decide, emits it and
// records it for the skip shortcut; a path verified less than the window
// ago with the same state collapses into that verdict.
func (s *Spool) settle(alert, path string, decide func(path string) Verdict) {
	k := key(path)
	if s.recentlySame(k, path) {
		s.logf("%s [alert %s]: verified less than %v ago with the same content; that verdict answers this alert too", EscapePath(path), alert, s.window())
		return
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
			record := fmt.Sprintf("%d\n%s", s.now().UnixNano(), fp)
			if err := replaceFile(filepath.Join(s.Dir, "done"), filepath.Join(s.Dir, "done", k), []byte(record)); err != nil {
				s.logf("cannot record verification: %v", err)
			}
		}
	}
}

// openAppend opens name in the directory dir for appending (created when
// missing, never through a symbolic link) and returns it with its state.
func openAppend(dir int, name string) (int, *syscall.Stat_t, error) {
	const flags = syscall.O_WRONLY | syscall.O_APPEND | syscall.O_CREAT | syscall.O_NOFOLLOW | syscall.O_CLOEXEC
	fd, err := syscall.Openat(dir, name, flags, 0o600)
	if err != nil {
		return -1, nil, fmt.Errorf("open %s: %w", name, err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return -1, nil, err
	}
	return fd, &st, nil
}
