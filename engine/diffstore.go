package engine

import "strings"

// diffStore is the part of an OSSEC installation that <check_diff> uses:
// doDiff keeps the previous output of a rule for a host in the file
// queue/diff/HOST/RULE/last-entry (under the chroot) and creates only the
// last two directories of that path, so the file system decides when a
// host can have state at all and which hosts share it. The store models
// that: paths resolve component by component against the directories of an
// installation plus those made during the session ("." is skipped, ".."
// goes up, a missing directory or a name over 255 bytes fails), and files
// are keyed by their resolved path.
type diffStore struct {
	dirs  map[string]bool   // resolved directories made during the session
	files map[string]string // resolved file path -> stored output
}

// installDirs are the directories of an OSSEC installation (relative to
// its root, which ossec-logtest and analysisd chroot into) that a
// check_diff path can reach.
var installDirs = map[string]bool{
	"": true, "queue": true, "queue/diff": true, "queue/fts": true, "queue/alerts": true,
	"queue/ossec": true, "queue/rootcheck": true, "queue/syscheck": true, "queue/agent-info": true,
	"queue/rids": true, "queue/agentless": true, "queue/agents": true, "etc": true, "etc/shared": true,
	"rules": true, "logs": true, "logs/alerts": true, "logs/archives": true, "logs/firewall": true,
	"bin": true, "stats": true, "tmp": true, "var": true, "var/run": true, "active-response": true,
	"active-response/bin": true, "agentless": true, "lua": true, ".ssh": true,
}

// maxName is the longest file name the file system accepts (NAME_MAX).
const maxName = 255

func (d *diffStore) isDir(p string) bool { return installDirs[p] || d.dirs[p] }

// resolve walks path (relative to the installation root) and returns the
// resolved parent directory and last name; ok is false when a directory on
// the way does not exist or a name is too long.
func (d *diffStore) resolve(path string) (dir, name string, ok bool) {
	comps := strings.Split(path, "/")
	last := len(comps) - 1
	for last > 0 && comps[last] == "" {
		last-- // a trailing slash names the directory itself
	}
	cur := ""
	for i, c := range comps[:last+1] {
		if len(c) > maxName {
			return "", "", false
		}
		if i == last && c != "" && c != "." && c != ".." {
			return cur, c, true
		}
		switch c {
		case "", ".":
			continue
		case "..":
			if j := strings.LastIndexByte(cur, '/'); j >= 0 {
				cur = cur[:j]
			} else {
				cur = ""
			}
			continue
		}
		next := join(cur, c)
		if !d.isDir(next) {
			return "", "", false
		}
		cur = next
	}
	// The path ends in ".", ".." or "/": it names the directory cur.
	return cur, "", true
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// exists reports whether path is an existing directory.
func (d *diffStore) dirExists(path string) bool {
	dir, name, ok := d.resolve(path)
	if !ok {
		return false
	}
	if name == "" {
		return true
	}
	return d.isDir(join(dir, name))
}

// mkdir makes the directory path as mkdir(2) would.
func (d *diffStore) mkdir(path string) bool {
	dir, name, ok := d.resolve(path)
	if !ok || name == "" {
		return false // missing parent, or "." / ".." (EEXIST)
	}
	p := join(dir, name)
	if d.isDir(p) {
		return false
	}
	if _, isFile := d.files[p]; isFile {
		return false
	}
	if d.dirs == nil {
		d.dirs = map[string]bool{}
	}
	d.dirs[p] = true
	return true
}

// file resolves a file path: key is its resolved path; ok is false when it
// cannot be opened (a directory on the way is missing, or it is a directory).
func (d *diffStore) file(path string) (key string, ok bool) {
	dir, name, ok := d.resolve(path)
	if !ok || name == "" {
		return "", false
	}
	key = join(dir, name)
	if d.isDir(key) {
		return "", false
	}
	return key, true
}

// lookup returns the stored output at path, if the file exists.
func (d *diffStore) lookup(path string) (string, bool) {
	key, ok := d.file(path)
	if !ok {
		return "", false
	}
	s, ok := d.files[key]
	return s, ok
}

// store writes text at path as _add2last does: when the file cannot be
// opened, it makes the path's last two directories (each only when it is
// not already a directory) and tries again. It reports success.
func (d *diffStore) store(path, text string) bool {
	key, ok := d.file(path)
	if !ok {
		rule := path[:strings.LastIndexByte(path, '/')]
		i := strings.LastIndexByte(rule, '/')
		if i < 0 {
			return false
		}
		agent := rule[:i]
		if !d.dirExists(agent) && !d.mkdir(agent) {
			return false
		}
		if !d.dirExists(rule) && !d.mkdir(rule) {
			return false
		}
		if key, ok = d.file(path); !ok {
			return false
		}
	}
	if d.files == nil {
		d.files = map[string]string{}
	}
	d.files[key] = text
	return true
}
