package engine

import (
	"slices"
	"strings"
	"unique"
)

// skDB is an integrity database: per location, the files by interned
// name. Checksums are kept packed (packSum), apart from the message they
// came in.
//
// Two sessions may share one (Session.ShareIntegrity): lookups then
// counts the lookups of each, and undo holds, oldest first, the entries
// as they were before the lookups one session made and the other has not
// made yet.
type skDB struct {
	files    map[string]map[unique.Handle[string]]skEntry
	lookups  [2]int64
	undo     []skUndo
	undoHead int
}

type skUndo struct {
	name unique.Handle[string]
	ent  skEntry
	ok   bool
}

// ShareIntegrity makes s and other keep one file-integrity database, when
// their rulesets' <syscheck> settings (ignore, auto_ignore,
// alert_new_files) are the same and neither has analysed a file-integrity
// message yet; it reports whether they do. The two must then be given the
// same messages, each to both before the next one (in either order), as
// noise gives a host's events to its sessions of the rulesets before and
// after a change: the first of the two to look a file up changes its
// entry, the second sees the entry as the first saw it. Their verdicts
// are those of two databases, in half the memory.
func (s *Session) ShareIntegrity(other *Session) bool {
	a, b := &s.e.rs.Config, &other.e.rs.Config
	if s == other || s.sk.db != nil || other.sk.db != nil ||
		!slices.Equal(a.SyscheckIgnore, b.SyscheckIgnore) ||
		a.SyscheckAutoIgnore != b.SyscheckAutoIgnore || a.SyscheckAlertNew != b.SyscheckAlertNew {
		return false
	}
	d := &skDB{}
	other.sk.db, other.sk.side, other.sk.shared = d, 0, true
	s.sk.db, s.sk.side, s.sk.shared = d, 1, true
	return true
}

// skLookup returns the files of loc and the entry of name in them. write
// is false when the entry comes from the undo list: the other session
// sharing the database made that change already.
func (s *Session) skLookup(loc string, name unique.Handle[string]) (files map[unique.Handle[string]]skEntry, ent skEntry, ok, write bool) {
	sk := &s.sk
	if sk.db == nil {
		sk.db = &skDB{}
	}
	d := sk.db
	if d.files == nil {
		d.files = map[string]map[unique.Handle[string]]skEntry{}
	}
	files = d.files[loc]
	if files == nil {
		files = map[unique.Handle[string]]skEntry{}
		d.files[strings.Clone(loc)] = files
	}
	if !sk.shared {
		ent, ok = files[name]
		return files, ent, ok, true
	}
	k := d.lookups[sk.side]
	d.lookups[sk.side]++
	if d.lookups[1-sk.side] > k {
		u := d.undo[d.undoHead]
		d.undo[d.undoHead] = skUndo{}
		d.undoHead++
		if d.undoHead == len(d.undo) {
			d.undo, d.undoHead = d.undo[:0], 0
		}
		if u.name != name {
			panic("engine: sessions sharing an integrity database (ShareIntegrity) were given different messages")
		}
		return files, u.ent, u.ok, false
	}
	ent, ok = files[name]
	d.undo = append(d.undo, skUndo{name: name, ent: ent, ok: ok})
	return files, ent, ok, true
}

// Packed checksums: a checksum "size:mode:uid:gid:md5:sha1:sha256" is
// mostly hexadecimal hashes, kept as bytes. The packed form of a sum
// without a control byte is, when it has a hash field (16 to 510
// lowercase hexadecimal digits, an even number), packedMark followed by
// its fields separated by ':', each a hash as hashMark, its length in
// bytes and the bytes, or else its text; a sum without hash field is kept
// as it is, and one with a control byte as rawMark followed by the sum.
const (
	packedMark = 0x00
	rawMark    = 0x01
	hashMark   = 0x02
)

const hexDigits = "0123456789abcdef"

// hexValue is, by byte, its value as a lowercase hexadecimal digit, or
// 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < 16; i++ {
		t[hexDigits[i]] = byte(i)
	}
	return t
}()

// appendHash appends the bytes of f to b when f is a hash field (16 to
// 510 lowercase hexadecimal digits, an even number), as hashMark, length,
// bytes; ok is false (and b unchanged) otherwise.
func appendHash(b []byte, f string) ([]byte, bool) {
	if len(f) < 16 || len(f)%2 != 0 || len(f) > 510 {
		return b, false
	}
	n := len(b)
	b = append(b, hashMark, byte(len(f)/2))
	for j := 0; j+1 < len(f); j += 2 {
		hi, lo := hexValue[f[j]], hexValue[f[j+1]]
		if hi > 15 || lo > 15 {
			return b[:n], false
		}
		b = append(b, hi<<4|lo)
	}
	return b, true
}

// packSum returns the packed form of sum (a new string).
func packSum(sum string) string {
	var buf [256]byte
	b := append(buf[:0], packedMark)
	hashes := false
	for i := 0; i < len(sum); {
		e := strings.IndexByte(sum[i:], ':')
		if e < 0 {
			e = len(sum) - i
		}
		field := sum[i : i+e]
		var ok bool
		if b, ok = appendHash(b, field); ok {
			hashes = true
		} else {
			for j := 0; j < len(field); j++ {
				if field[j] < 0x20 {
					return "\x01" + sum // rawMark
				}
			}
			b = append(b, field...)
		}
		i += e
		if i < len(sum) {
			b = append(b, ':')
			i++
		}
	}
	if !hashes {
		return strings.Clone(sum)
	}
	return string(b)
}

// unpackSum returns the checksum p is the packed form of.
func unpackSum(p string) string {
	switch {
	case p == "" || p[0] > rawMark:
		return p
	case p[0] == rawMark:
		return p[1:]
	}
	var b strings.Builder
	b.Grow(2 * len(p))
	for i := 1; i < len(p); {
		if p[i] == hashMark {
			n := int(p[i+1])
			for _, c := range []byte(p[i+2 : i+2+n]) {
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&15])
			}
			i += 2 + n
		} else {
			e := strings.IndexByte(p[i:], ':')
			if e < 0 {
				e = len(p) - i
			}
			b.WriteString(p[i : i+e])
			i += e
		}
		if i < len(p) {
			b.WriteByte(':') // p[i] is the separator
			i++
			if i == len(p) {
				break
			}
		}
	}
	return b.String()
}

// sumIs reports whether p is the packed form of sum: unpackSum(p) == sum,
// without building it.
func sumIs(p, sum string) bool {
	switch {
	case p == "" || p[0] > rawMark:
		return p == sum
	case p[0] == rawMark:
		return p[1:] == sum
	}
	i, j := 1, 0
	for {
		if i < len(p) && p[i] == hashMark {
			n := int(p[i+1])
			if len(sum)-j < 2*n {
				return false
			}
			for _, c := range []byte(p[i+2 : i+2+n]) {
				if sum[j] != hexDigits[c>>4] || sum[j+1] != hexDigits[c&15] {
					return false
				}
				j += 2
			}
			i += 2 + n
		} else {
			e := strings.IndexByte(p[i:], ':')
			if e < 0 {
				e = len(p) - i
			}
			if !strings.HasPrefix(sum[j:], p[i:i+e]) {
				return false
			}
			i, j = i+e, j+e
		}
		if i == len(p) {
			return j == len(sum)
		}
		if j == len(sum) || sum[j] != ':' {
			return false
		}
		i, j = i+1, j+1
	}
}
