//go:build linux

package arverify

import (
	"errors"
	"fmt"
	"net"
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
//
// Every write has a deadline (Timeout): a daemon that stops reading never
// blocks the program. After a failed write the emitter fails at once, so the
// caller's fallback takes every later verdict without waiting again.
type SyslogEmitter struct {
	// Sockets are tried in order (DefaultSyslogSockets when nil), each as
	// a datagram and then as a stream socket, as log/syslog does.
	Sockets []string
	Timeout time.Duration // DefaultSyslogTimeout when zero

	mu     sync.Mutex
	conn   net.Conn
	broken error
}

// DefaultSyslogSockets are where syslog daemons listen.
var DefaultSyslogSockets = []string{"/dev/log", "/var/run/syslog", "/var/run/log"}

// DefaultSyslogTimeout bounds one write to syslog.
const DefaultSyslogTimeout = 5 * time.Second

// syslogDaemonNotice is LOG_DAEMON|LOG_NOTICE.
const syslogDaemonNotice = 3<<3 | 5

// Emit writes v.
func (e *SyslogEmitter) Emit(v Verdict) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.broken != nil {
		return e.broken
	}
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = DefaultSyslogTimeout
	}
	if e.conn == nil {
		c, err := dialSyslog(e.Sockets, timeout)
		if err != nil {
			e.broken = err
			return err
		}
		e.conn = c
	}
	msg := fmt.Sprintf("<%d>%s %s[%d]: %s\n", syslogDaemonNotice, time.Now().Format(time.Stamp), Tag, os.Getpid(), v.Line())
	if err := e.conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		e.broken = err
		return err
	}
	if _, err := e.conn.Write([]byte(msg)); err != nil {
		e.conn.Close()
		e.broken = fmt.Errorf("syslog: %w", err)
		return e.broken
	}
	return nil
}

func dialSyslog(sockets []string, timeout time.Duration) (net.Conn, error) {
	if sockets == nil {
		sockets = DefaultSyslogSockets
	}
	var errs []error
	for _, p := range sockets {
		for _, network := range []string{"unixgram", "unix"} {
			c, err := net.DialTimeout(network, p, timeout)
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
		}
	}
	return nil, fmt.Errorf("syslog: no daemon: %w", errors.Join(errs...))
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

// appendSafely appends data to a regular file with one name, never
// following a symbolic link in the last component and never blocking on a
// FIFO; it creates the file if missing.
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
	// A hard link planted by whoever can write the directory (the OSSEC
	// user, in logs/) would make root append to another file.
	if st, ok := info.Sys().(*syscall.Stat_t); !ok || st.Nlink != 1 {
		return fmt.Errorf("%s: has other names (hard links); not written", path)
	}
	_, err = f.Write(data)
	return err
}
