package engine

import (
	"fmt"
	"strings"
	"unique"
)

// skEntry is a file's line in OSSEC's per-agent integrity database:
// the last checksum (packed, see packSum) and a change counter, the three
// characters before it in OSSEC ("+++", "!++", "!!+", "!!!", "!!?") as
// the number of changes they stand for (0, 1, 2, 3, 4). The file names
// that key the database are interned: a fleet's agents report the same
// few thousand paths.
type skEntry struct {
	sum     string
	changes uint8
}

// skState is the integrity database of one process (or of two, see
// Session.ShareIntegrity: side says which) and the working buffers OSSEC
// reuses between syscheck events.
type skState struct {
	db     *skDB
	side   uint8
	shared bool
	// perm is sdb.perm: OSSEC leaves it unchanged when one of the two
	// permissions is missing, so it can show the previous event's text.
	perm string
}

// placeholderHash is fim_hash_is_placeholder.
func placeholderHash(h string) bool {
	return h == "" || strings.HasPrefix(h, "xxx") && (len(h) == 3 || h[3] == ':')
}

// realChange is fim_sum_has_real_change: whether two checksums differ
// in more than hash placeholders ("xxx").
func realChange(old, cur string) bool {
	if old == cur {
		return false
	}
	if len(old) >= 512 || len(cur) >= 512 {
		return true
	}
	of, on := splitSum(old)
	nf, nn := splitSum(cur)
	if on < 6 || nn < 6 {
		return true
	}
	for i := 0; i < 4; i++ {
		if of[i] != nf[i] {
			return true
		}
	}
	for i := 4; i < on && i < nn && i < 7; i++ {
		if of[i] == nf[i] || placeholderHash(of[i]) || placeholderHash(nf[i]) {
			continue
		}
		return true
	}
	return false
}

// splitSum is strings.SplitN(s, ":", 8) into an array: n parts.
func splitSum(s string) (f [8]string, n int) {
	for n < 7 {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			break
		}
		f[n], s = s[:i], s[i+1:]
		n++
	}
	f[n] = s
	return f, n + 1
}

// filePerm is agent_file_perm: "rwxr-xr-x" from an octal (3 digits) or
// decimal mode.
func filePerm(s string) string {
	base := 10
	if len(s) == 3 {
		base = 8
	}
	var mode uint64
	for i := 0; i < len(s); i++ {
		d := uint64(s[i] - '0')
		if s[i] < '0' || d >= uint64(base) {
			break
		}
		mode = mode*uint64(base) + d
	}
	b := []byte("---------")
	set := func(i int, bit uint64, c byte) {
		if mode&bit != 0 {
			b[i] = c
		}
	}
	set(0, 0o400, 'r')
	set(1, 0o200, 'w')
	set(2, 0o100, 'x')
	set(2, 0o4000, 's')
	set(3, 0o040, 'r')
	set(4, 0o020, 'w')
	set(5, 0o010, 'x')
	set(5, 0o2000, 's')
	set(6, 0o004, 'r')
	set(7, 0o002, 'w')
	set(8, 0o001, 'x')
	set(8, 0o1000, 't')
	return string(b)
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// decodeSyscheck is DecodeSyscheck with the ruleset's <syscheck>
// settings (ignore list, auto_ignore, alert_new_files; maintenance mode is
// never on): "checksum filename" messages are compared with the integrity
// database. An ignored file, an unchanged checksum, a file seen for the
// first time (unless alert_new_files) and, with auto_ignore, a file
// changed more than three times are dropped (false).
func (s *Session) decodeSyscheck(ev *event) bool {
	log := ev.log
	sp := strings.IndexByte(log, ' ')
	if sp < 0 {
		return false
	}
	sum, fname := log[:sp], log[sp+1:]
	data, hasData := "", false
	if nl := strings.IndexByte(fname, '\n'); nl >= 0 {
		fname, data, hasData = fname[:nl], fname[nl+1:], true
	}
	cfg := &s.e.rs.Config
	for _, ig := range cfg.SyscheckIgnore {
		if len(fname) >= len(ig) && strings.EqualFold(fname[:len(ig)], ig) {
			return false
		}
	}
	ev.put(slotFileName, fname)
	key := unique.Make(fname)
	db, ent, ok, write := s.skLookup(ev.location, key)
	if !ok {
		if write {
			db[key] = skEntry{sum: packSum(sum)}
		}
		if !cfg.SyscheckAlertNew {
			return false
		}
		s.setSyscheckEvent(ev, "syscheck_new_entry", newFileMessage(fname, sum))
		return true
	}
	if sumIs(ent.sum, sum) {
		return false
	}
	saved := unpackSum(ent.sum)
	if !realChange(saved, sum) {
		if write {
			db[key] = skEntry{sum: packSum(sum)}
		}
		return false
	}
	p := int(ent.changes)
	name := "syscheck_integrity_changed"
	if cfg.SyscheckAutoIgnore {
		switch p {
		case 0:
		case 1:
			name = "syscheck_integrity_changed_2nd"
		case 2:
			name = "syscheck_integrity_changed_3rd"
		default:
			return false
		}
	}
	// "!++", "!!+", "!!!", then "!!?" for good.
	if write {
		db[key] = skEntry{sum: packSum(sum), changes: uint8(min(p+1, 4))}
	}

	var comment string
	switch {
	case strings.HasPrefix(sum, "-1"):
		name = "syscheck_deleted"
		comment = fmt.Sprintf("File '%s' was deleted. Unable to retrieve checksum.", trunc(fname, 756))
	case strings.HasPrefix(saved, "-1"):
		name = "syscheck_new_entry"
		comment = fmt.Sprintf("File '%s' was re-added.", trunc(fname, 756))
	default:
		comment = s.syscheckChanges(fname, saved, sum, data, hasData)
	}
	s.setSyscheckEvent(ev, name, comment)
	return true
}

// setSyscheckEvent makes the event what DecodeSyscheck leaves: the
// syscheck decoder (always named syscheck_integrity_changed, its id
// telling the kind), the message as full_log and log, no extra_data.
func (s *Session) setSyscheckEvent(ev *event, idName, comment string) {
	ev.special = s.specialDecoderFor(idName, "syscheck_integrity_changed")
	if len(comment) > 6144 {
		comment = comment[:6144]
	}
	ev.fullLog, ev.log = comment, comment
	// DecodeSyscheck duplicates the hostname: the alert shows it even
	// for an agent ("(a) ip->syscheck->(a) ip->syscheck").
	ev.hostIsLocation = false
	ev.set &^= 1 << slotData
	ev.vals[slotData] = ""
}

// newFileMessage is the alert_new_files text: the 5th, 6th and 7th
// ':'-separated tokens of the checksum (strtok: empty tokens skipped) are
// the md5, sha1 and sha256.
func newFileMessage(fname, sum string) string {
	var tok []string
	for _, t := range strings.Split(sum, ":") {
		if t != "" {
			tok = append(tok, t)
		}
	}
	md5, sha1, sha256 := "Unknown", "Unknown", ""
	if len(tok) >= 5 {
		md5 = tok[4]
	}
	if len(tok) >= 6 {
		sha1 = tok[5]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "New file '%s' added to the file system.\n", trunc(fname, 756))
	b.WriteString(trunc(fmt.Sprintf("New sha1sum is : '%s'\n", sha1), 255))
	b.WriteString(trunc(fmt.Sprintf("New md5sum is : '%s'\n", md5), 255))
	if len(tok) >= 7 {
		sha256 = tok[6]
		b.WriteString(trunc(fmt.Sprintf("New sha256sum is : '%s'\n", sha256), 255))
	}
	return b.String()
}

// sumFields splits an old and a new checksum in step, as OSSEC does:
// size, perm, uid, gid, md5, sha1, sha256; field k exists only when both
// sums have their k-th ':' and runs to the next ':' only when both have
// that one too.
func sumFields(o, n string) (of, nf [7]string, have [7]bool) {
	of[0], nf[0], have[0] = o, n, true
	for k := 1; k < 7; k++ {
		i, j := strings.IndexByte(of[k-1], ':'), strings.IndexByte(nf[k-1], ':')
		if i < 0 || j < 0 {
			break
		}
		of[k], nf[k], have[k] = of[k-1][i+1:], nf[k-1][j+1:], true
		of[k-1], nf[k-1] = of[k-1][:i], nf[k-1][:j]
	}
	return
}

// syscheckChanges builds the "Integrity checksum changed" message.
func (s *Session) syscheckChanges(fname, old, cur, data string, hasData bool) string {
	of, nf, have := sumFields(old, cur)
	var b strings.Builder
	b.Grow(64 + len(fname) + 2*(len(old)+len(cur)) + len(data))
	b.WriteString("Integrity checksum changed for: '")
	b.WriteString(trunc(fname, 756))
	b.WriteString("'\n")
	if of[0] != nf[0] {
		line255(&b, "Size changed from '", of[0], "' to '", nf[0], "'\n")
	}
	op, np := 0, 0
	if have[1] {
		op, np = atoiC(of[1]), atoiC(nf[1])
	}
	switch {
	case op == np:
		s.sk.perm = ""
	case op > 0 && np > 0:
		s.sk.perm = trunc(fmt.Sprintf("Permissions changed from '%.9s' to '%.9s'\n", filePerm(of[1]), filePerm(nf[1])), 255)
	}
	b.WriteString(s.sk.perm)
	if have[2] && of[2] != nf[2] {
		line255(&b, "Ownership was '", of[2], "', now it is '", nf[2], "'\n")
	}
	if have[3] && of[3] != nf[3] {
		line255(&b, "Group ownership was '", of[3], "', now it is '", nf[3], "'\n")
	}
	for k, label := range [...]string{4: "md5", 5: "sha1", 6: "sha256"} {
		if k < 4 || !have[k] || of[k] == nf[k] || placeholderHash(of[k]) || placeholderHash(nf[k]) {
			continue
		}
		line255(&b, "Old ", label, "sum was: '", of[k], "'\nNew ", label, "sum is : '", nf[k], "'\n")
	}
	if hasData {
		b.WriteString("What changed:\n")
		b.WriteString(data)
	}
	return b.String()
}

// line255 writes the parts, cut to 255 bytes together as OSSEC's
// snprintf of one line into a 256-byte buffer cuts them.
func line255(b *strings.Builder, parts ...string) {
	n := 255
	for _, p := range parts {
		if len(p) > n {
			p = p[:n]
		}
		b.WriteString(p)
		if n -= len(p); n == 0 {
			return
		}
	}
}
