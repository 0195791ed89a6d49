// Package cputime tells how much CPU time the process has used, for the
// benchmarks to report beside the wall time: on a machine shared with
// other work, CPU time measures what the code costs better than the wall
// clock does.
package cputime

import "time"

// start is when the process started, as near as a package variable can
// tell: Used counts from it where the system gives no CPU time.
var start = time.Now()

// Used is the CPU time (user and system, every thread, the garbage
// collector's included) the process has used so far. Where the system
// does not tell it, Used is the wall time since the process started, so
// that figures derived from it are wall times there.
func Used() time.Duration {
	if d, ok := used(); ok {
		return d
	}
	return time.Since(start)
}
