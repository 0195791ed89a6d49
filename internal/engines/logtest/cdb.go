package logtest

import (
	"encoding/binary"
	"strings"
)

// makeCDB compiles the text of a CDB list as ossec-makelists does
// (Lists_OP_MakeCDB) into the constant database ossec-logtest reads:
// lines are read in pieces of at most 6142 bytes, lose their "\r..." and
// "\n", and a "###" comment with the blanks before it; a line without ':'
// is dropped, otherwise the key is what precedes the first ':' and the
// value what follows. Keys are stored in order, repeated keys included
// (a lookup finds the first).
func makeCDB(text []byte) []byte {
	const piece = 6144 - 1 - 1 // fgets(str, OS_MAXSTR - 1, ...)
	type rec struct{ key, val string }
	var recs []rec
	s := string(text)
	for len(s) > 0 {
		n := min(piece, len(s))
		if i := strings.IndexByte(s[:n], '\n'); i >= 0 {
			n = i + 1
		}
		line := s[:n]
		s = s[n:]
		if i := strings.IndexByte(line, '\r'); i >= 0 {
			line = line[:i]
		}
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		if i := strings.Index(line, "###"); i >= 0 {
			line = strings.TrimRight(line[:i], " \t")
		}
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		recs = append(recs, rec{k, v})
	}

	// The layout of D. J. Bernstein's cdb: a 2048-byte table of 256
	// (position, slots) pairs, the records, then the 256 hash tables.
	type slot struct{ h, pos uint32 }
	var buckets [256][]slot
	out := make([]byte, 2048)
	le := binary.LittleEndian
	for _, r := range recs {
		pos := uint32(len(out))
		out = le.AppendUint32(out, uint32(len(r.key)))
		out = le.AppendUint32(out, uint32(len(r.val)))
		out = append(out, r.key...)
		out = append(out, r.val...)
		h := cdbHash(r.key)
		buckets[h&255] = append(buckets[h&255], slot{h, pos})
	}
	for i, b := range buckets {
		n := uint32(2 * len(b))
		le.PutUint32(out[8*i:], uint32(len(out)))
		le.PutUint32(out[8*i+4:], n)
		table := make([]slot, n)
		for _, e := range b {
			w := (e.h >> 8) % n
			for table[w].pos != 0 {
				if w++; w == n {
					w = 0
				}
			}
			table[w] = e
		}
		for _, e := range table {
			out = le.AppendUint32(out, e.h)
			out = le.AppendUint32(out, e.pos)
		}
	}
	return out
}

// cdbHash is cdb's hash function (h = 5381; h = h*33 ^ c).
func cdbHash(s string) uint32 {
	h := uint32(5381)
	for i := 0; i < len(s); i++ {
		h = (h + h<<5) ^ uint32(s[i])
	}
	return h
}

// cdbFind looks key up in db as cdb_find does and returns its first value.
func cdbFind(db []byte, key string) (string, bool) {
	le := binary.LittleEndian
	if len(db) < 2048 {
		return "", false
	}
	h := cdbHash(key)
	tpos, n := le.Uint32(db[8*(h&255):]), le.Uint32(db[8*(h&255)+4:])
	if n == 0 {
		return "", false
	}
	w := (h >> 8) % n
	for range n {
		at := tpos + 8*w
		sh, pos := le.Uint32(db[at:]), le.Uint32(db[at+4:])
		if pos == 0 {
			return "", false
		}
		if sh == h {
			kl, vl := le.Uint32(db[pos:]), le.Uint32(db[pos+4:])
			if string(db[pos+8:pos+8+kl]) == key {
				return string(db[pos+8+kl : pos+8+kl+vl]), true
			}
		}
		if w++; w == n {
			w = 0
		}
	}
	return "", false
}
