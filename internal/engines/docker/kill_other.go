//go:build !unix

package docker

import "os"

// processGone reports whether no process has the id pid: FindProcess
// fails for one that does not exist where processes are not Unix's.
func processGone(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	p.Release()
	return false
}

// reraise ends the process with the status a shell gives an interrupt
// (the only signal delivered here; a process cannot signal itself).
func reraise(os.Signal) { os.Exit(130) }
