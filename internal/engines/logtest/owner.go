package logtest

import "os"

// Owner is a file owner: the user and group ossec-logtest runs as once it
// has dropped root.
type Owner struct{ UID, GID int }

// chown gives path to o.
func (o Owner) chown(path string) error {
	return os.Lchown(path, o.UID, o.GID)
}
