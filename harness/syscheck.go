package harness

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// FileState is what syscheckd reports about a file: the fields of its
// checksum message "size:mode:uid:gid:md5:sha1:sha256 PATH".
type FileState struct {
	Size   int64
	Mode   uint32 // st_mode: file type and permission bits
	UID    int
	GID    int
	MD5    string
	SHA1   string
	SHA256 string
}

// DefaultFileState is the state the syscheck command gives a file unless
// told otherwise: a 1024-byte root-owned regular file with mode 0644 and
// hashes derived from the path and version (so two versions differ).
func DefaultFileState(path, version string) FileState {
	content := []byte(version + "\x00" + path)
	m := md5.Sum(content)
	s1 := sha1.Sum(content)
	s256 := sha256.Sum256(content)
	return FileState{
		Size:   1024,
		Mode:   0o100644,
		MD5:    hex.EncodeToString(m[:]),
		SHA1:   hex.EncodeToString(s1[:]),
		SHA256: hex.EncodeToString(s256[:]),
	}
}

// Checksum is the checksum part of syscheckd's message for st (the mode
// in decimal, as syscheckd sends st_mode).
func (st FileState) Checksum() string {
	return fmt.Sprintf("%d:%d:%d:%d:%s:%s:%s", st.Size, st.Mode, st.UID, st.GID, st.MD5, st.SHA1, st.SHA256)
}

// SyscheckMessage is a file-integrity event exactly as analysisd reads it
// from its queue when agent sent it (agent "" means the manager's own
// syscheckd): checksum, a space, the path, and for a change the optional
// "what changed" text after a newline. A checksum of "-1" reports a
// deleted file.
func SyscheckMessage(agent, checksum, path, diff string) engine.Message {
	loc := "syscheck"
	if agent != "" {
		loc = "(" + agent + ") any->syscheck"
	}
	text := checksum + " " + path
	if diff != "" {
		text += "\n" + diff
	}
	return engine.Message{Queue: engine.QueueSyscheck, Location: loc, Text: text}
}

// cmdSyscheck feeds a file-integrity event, as the manager receives it from
// an agent's syscheckd:
//
//	syscheck changed PATH [ATTR=VALUE ...]
//	syscheck added PATH [ATTR=VALUE ...]
//	syscheck deleted PATH [agent=NAME]
//
// ATTR is size, perm (octal, e.g. 600 or 100600), uid, gid, md5, sha1 or
// sha256 for the file's new state, the same prefixed with "old." for its
// earlier state, diff (the "what changed" text) and agent (the agent's
// name, default "agent"; empty for the manager's own syscheckd).
// changed and deleted first feed the file's earlier state, so that the
// manager's integrity database knows the file, unless an earlier syscheck
// command of the case told it already (then the earlier state is the state
// that command left); the assertions apply to the last event. changed with
// no new-state attribute changes the content (size and hashes).
func cmdSyscheck(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: syscheck changed|added|deleted PATH [ATTR=VALUE ...]"
	if neg {
		ts.Fatalf("unsupported: ! syscheck (assert on the event with rule, noalert, ...)")
	}
	if len(args) < 2 {
		ts.Fatalf("%s", usage)
	}
	kind, path := args[0], args[1]
	if kind != "changed" && kind != "added" && kind != "deleted" {
		ts.Fatalf("syscheck: %q is not changed, added or deleted\n%s", kind, usage)
	}
	if path == "" || strings.ContainsAny(path, "\n") {
		ts.Fatalf("syscheck: bad path %q", path)
	}
	agent := "agent"
	for _, a := range args[2:] {
		if v, ok := strings.CutPrefix(a, "agent="); ok {
			agent = v
		}
	}
	st := state(ts)
	key := agent + "\x00" + path
	known, isKnown := st.files[key]
	if known.deleted {
		isKnown = false
	}

	diff := ""
	oldState := DefaultFileState(path, "old")
	if isKnown {
		oldState = known.state
	}
	newState := oldState
	if kind == "added" {
		newState = DefaultFileState(path, "new")
	}
	newSet := false
	for _, a := range args[2:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			ts.Fatalf("syscheck: %q is not ATTR=VALUE\n%s", a, usage)
		}
		switch k {
		case "agent":
			continue
		case "diff":
			if kind != "changed" {
				ts.Fatalf("syscheck: diff= applies to changed files only")
			}
			diff = v
			continue
		}
		if kind == "deleted" {
			ts.Fatalf("syscheck deleted: takes only agent=, not %q", a)
		}
		target := &newState
		if name, old := strings.CutPrefix(k, "old."); old {
			if kind != "changed" {
				ts.Fatalf("syscheck: %s= applies to changed files only", k)
			}
			if isKnown {
				ts.Fatalf("syscheck: %s= but the manager already knows %s from an earlier event of this case", k, path)
			}
			target, k = &oldState, name
		} else {
			newSet = true
		}
		if err := target.set(k, v); err != nil {
			ts.Fatalf("syscheck: %v\n%s", err, usage)
		}
	}
	if kind == "changed" && !newSet {
		st.versions++
		fresh := DefaultFileState(path, "new"+strconv.Itoa(st.versions))
		newState.Size = oldState.Size + 1
		newState.MD5, newState.SHA1, newState.SHA256 = fresh.MD5, fresh.SHA1, fresh.SHA256
	}

	what := fmt.Sprintf("syscheck %s %s", kind, path)
	if kind != "added" && !isKnown {
		st.feed(ts, SyscheckMessage(agent, oldState.Checksum(), path, ""), what+" (earlier state)", false)
	}
	var m engine.Message
	switch kind {
	case "deleted":
		m = SyscheckMessage(agent, "-1", path, "")
	default:
		m = SyscheckMessage(agent, newState.Checksum(), path, diff)
	}
	res := st.feed(ts, m, what, false)
	st.files[key] = knownFile{state: newState, deleted: kind == "deleted"}
	fmt.Fprintln(ts.Stdout(), Summary(res))
}

// knownFile is what the manager's integrity database holds about a file
// after the events of a case.
type knownFile struct {
	state   FileState
	deleted bool
}

// set changes one attribute of st from its text form.
func (st *FileState) set(name, value string) error {
	switch name {
	case "size":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("size %q is not a byte count", value)
		}
		st.Size = n
	case "perm":
		n, err := strconv.ParseUint(value, 8, 32)
		if err != nil {
			return fmt.Errorf("perm %q is not an octal mode", value)
		}
		if n <= 0o7777 {
			n |= 0o100000 // a regular file
		}
		st.Mode = uint32(n)
	case "uid", "gid":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return fmt.Errorf("%s %q is not a number", name, value)
		}
		if name == "uid" {
			st.UID = n
		} else {
			st.GID = n
		}
	case "md5", "sha1", "sha256":
		if value == "" || strings.ContainsAny(value, ": \n") {
			return fmt.Errorf("%s %q: want a hash (or xxx when not checked)", name, value)
		}
		switch name {
		case "md5":
			st.MD5 = value
		case "sha1":
			st.SHA1 = value
		default:
			st.SHA256 = value
		}
	default:
		return fmt.Errorf("unknown attribute %q (size, perm, uid, gid, md5, sha1, sha256, old.ATTR, diff, agent)", name)
	}
	return nil
}
