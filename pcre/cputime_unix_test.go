//go:build unix

package pcre

import "syscall"

// cpuNow is the process's CPU time (user and system) so far, in
// nanoseconds.
func cpuNow() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
