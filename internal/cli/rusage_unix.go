//go:build unix

package cli

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// usage is the CPU time (user+system) and peak resident memory of a
// process, from getrusage.
type procUsage struct {
	cpu    time.Duration
	maxRSS int64 // bytes
	ok     bool
}

func usageOf(ru *syscall.Rusage) procUsage {
	rss := int64(ru.Maxrss)
	if runtime.GOOS != "darwin" {
		rss *= 1024 // kilobytes, except on macOS
	}
	return procUsage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), maxRSS: rss, ok: true}
}

// selfUsage is this process's usage so far.
func selfUsage() procUsage {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return procUsage{}
	}
	return usageOf(&ru)
}

// childUsage is the usage of a process that has exited.
func childUsage(ps *os.ProcessState) procUsage {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok && ru != nil {
		return usageOf(ru)
	}
	return procUsage{}
}
