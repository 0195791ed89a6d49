//go:build !unix

package ruleset

import "time"

var cpuStart = time.Now()

// cpuTime is the wall time since the process started where getrusage is
// missing (the cpu-ms/op figures are then wall times).
func cpuTime() time.Duration { return time.Since(cpuStart) }
