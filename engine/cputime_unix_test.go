//go:build unix

package engine_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) the process used so far: on a
// machine shared with other work it measures what a benchmark costs
// better than the wall clock does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
