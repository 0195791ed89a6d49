//go:build !unix

package pcre

import "time"

var cpuStart = time.Now()

// cpuNow is the wall time since the process started, in nanoseconds, where
// getrusage is missing (the cpu-ns/op figures are then wall times).
func cpuNow() int64 { return int64(time.Since(cpuStart)) }
