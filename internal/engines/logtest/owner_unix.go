//go:build unix

package logtest

import (
	"os"
	"syscall"
)

// ownerOf returns the owner of path, when path exists and is owned by
// someone other than root (an installation whose queue is root's needs no
// change).
func ownerOf(path string) (Owner, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return Owner{}, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (st.Uid == 0 && st.Gid == 0) {
		return Owner{}, false
	}
	return Owner{UID: int(st.Uid), GID: int(st.Gid)}, true
}
