package arverify

import (
	"fmt"
	"log/syslog"
	"os"
	"sync"
	"syscall"
	"time"
)

// Tag is the syslog tag of verdict lines; the manager's decoder matches it
// as the program name.
const Tag = "ossec-ar-verify"

// SyslogEmitter writes verdict lines to the local syslog daemon (facility
// daemon, priority notice) with the tag Tag; the daemon writes them to its
// files as "Mon DD HH:MM:SS host ossec-ar-verify[PID]: file ok (PATH)".
type SyslogEmitter struct {
	mu sync.Mutex
	w  *syslog.Writer
}

// Emit writes v.
func (e *SyslogEmitter) Emit(v Verdict) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.w == nil {
		w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_NOTICE, Tag)
		if err != nil {
			return err
		}
		e.w = w
	}
	return e.w.Notice(v.Line())
}

// FileEmitter appends verdict lines in syslog's file format to a file (for
// hosts without a syslog daemon; point a <localfile> of format syslog at it).
// The file is opened with O_NOFOLLOW and must be a regular file.
type FileEmitter struct {
	Path     string
	Hostname string
	Now      func() time.Time
	mu       sync.Mutex
}

// Emit writes v.
func (e *FileEmitter) Emit(v Verdict) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	host := e.Hostname
	if host == "" {
		host, _ = os.Hostname()
	}
	line := fmt.Sprintf("%s %s %s: %s\n", now().Format(time.Stamp), host, Tag, v.Line())
	return appendSafely(e.Path, 0o640, []byte(line))
}

// appendSafely appends data to a regular file, never following a symbolic
// link in the last component and never blocking on a FIFO; it creates the
// file if missing.
func appendSafely(path string, perm os.FileMode, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY, perm)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	_, err = f.Write(data)
	return err
}
