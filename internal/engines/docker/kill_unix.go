//go:build unix

package docker

import (
	"errors"
	"os"
	"syscall"
)

// processGone reports whether no process has the id pid.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// reraise sends sig to the process again (its handler is gone by then), so
// that it ends as the signal would have ended it.
func reraise(sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		syscall.Kill(os.Getpid(), s)
	}
}
