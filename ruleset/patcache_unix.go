//go:build unix

package ruleset

import (
	"fmt"
	"os"
	"syscall"
)

// ownCacheFile refuses a pattern cache file that is not the user's own, or
// that its group or others may write.
func ownCacheFile(fi os.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%w: owned by uid %d, not this user", errBadCache, st.Uid)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%w: mode %v lets others write it", errBadCache, fi.Mode().Perm())
	}
	return nil
}
