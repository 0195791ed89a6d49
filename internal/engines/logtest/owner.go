package logtest

import (
	"os"
	"syscall"
)

// Owner is a file owner: the user and group ossec-logtest runs as once it
// has dropped root.
type Owner struct{ UID, GID int }

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

// chown gives path to o.
func (o Owner) chown(path string) error {
	return os.Lchown(path, o.UID, o.GID)
}
