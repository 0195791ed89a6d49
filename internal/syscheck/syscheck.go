// Package syscheck builds file-integrity events as OSSEC's syscheckd sends
// them to the manager: the checksum message "size:mode:uid:gid:md5:sha1:sha256
// PATH" and the queue message analysisd reads.
package syscheck

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

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

// Default is the state the harness's syscheck command gives a file unless
// told otherwise: a 1024-byte root-owned regular file with mode 0644 and
// hashes derived from the path and version (so two versions differ).
func Default(path, version string) FileState {
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

// Message is a file-integrity event exactly as analysisd reads it
// from its queue when agent sent it (agent "" means the manager's own
// syscheckd): checksum, a space, the path, and for a change the optional
// "what changed" text after a newline. A checksum of "-1" reports a
// deleted file.
func Message(agent, checksum, path, diff string) engine.Message {
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

// Set changes one attribute of st from its text form.
func (st *FileState) Set(name, value string) error {
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
