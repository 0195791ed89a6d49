package ruleset

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
)

// loadLists is Lists_OP_LoadList for each <list> of the configuration and
// each extra list: the list is known under its text name and its .cdb
// name. OSSEC reads the compiled .cdb when a rule looks it up; Load reads
// the .cdb when it exists, else the text file ossec-makelists compiles.
func (l *loader) loadLists() {
	for _, f := range l.listFiles {
		name := f.name
		if !strings.Contains(name, "/") {
			name = "rules/" + name
		}
		if i := strings.Index(name, ".cdb"); i >= 0 {
			name = name[:i]
		}
		lst := &List{Name: name, CDBName: name + ".cdb", Configured: f.name, Pos: f.pos}
		l.readList(lst, l.basePath(lst.CDBName), l.basePath(lst.Name))
		l.rs.Lists = append(l.rs.Lists, lst)
	}
	for _, f := range l.src.Lists {
		name := extraListName(f)
		lst := &List{Name: name, CDBName: name + ".cdb", Configured: name, Pos: Pos{File: f}}
		l.readList(lst, f+".cdb", f)
		l.rs.Lists = append(l.rs.Lists, lst)
	}
}

func (l *loader) readList(lst *List, cdbPath, txtPath string) {
	if data, err := os.ReadFile(cdbPath); err == nil {
		if m, ok := parseCDB(data); ok {
			lst.Entries, lst.Path, lst.Loaded = m, cdbPath, true
			return
		}
		l.warnf(Pos{File: cdbPath}, CodeListMissing, "list %q: %s is not a valid CDB file", lst.Name, cdbPath)
	}
	data, err := os.ReadFile(txtPath)
	if err != nil {
		l.warnf(lst.Pos, CodeListMissing, "list %q: neither %s nor %s can be read: lookups in it never match", lst.Name, cdbPath, txtPath)
		return
	}
	lst.Entries, lst.Path, lst.Loaded = parseListText(data), txtPath, true
}

// parseListText reads a list as Lists_OP_MakeCDB does: one key:value per
// line, a "###" starts a comment (with the blanks before it), lines without
// ':' are skipped, the first entry of a key wins (as a CDB lookup finds it).
func parseListText(data []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(line, '\r'); i >= 0 {
			line = line[:i]
		}
		if i := strings.Index(line, "###"); i >= 0 {
			line = strings.TrimRight(line[:i], " \t")
		}
		if line == "" {
			continue
		}
		i := strings.IndexByte(line, ':')
		if i < 0 {
			continue
		}
		if _, dup := m[line[:i]]; !dup {
			m[line[:i]] = line[i+1:]
		}
	}
	return m
}

// parseCDB reads every record of a constant database: a 2048-byte table
// of hash-table positions, then key length, data length, key, data records
// up to the first hash table.
func parseCDB(data []byte) (map[string]string, bool) {
	if len(data) < 2048 {
		return nil, false
	}
	end := uint32(len(data))
	for i := 0; i < 256; i++ {
		if p := binary.LittleEndian.Uint32(data[i*8:]); p < end {
			end = p
		}
	}
	if end < 2048 {
		return nil, false
	}
	m := map[string]string{}
	for p := uint32(2048); p < end; {
		if p+8 > end {
			return nil, false
		}
		kl := binary.LittleEndian.Uint32(data[p:])
		dl := binary.LittleEndian.Uint32(data[p+4:])
		p += 8
		if uint64(p)+uint64(kl)+uint64(dl) > uint64(end) {
			return nil, false
		}
		k := string(bytes.Clone(data[p : p+kl]))
		if _, dup := m[k]; !dup {
			m[k] = string(data[p+kl : p+kl+dl])
		}
		p += kl + dl
	}
	return m, true
}

// findList is OS_FindList: the first list whose text or .cdb name is name.
func (l *loader) findList(name string) *List {
	for _, lst := range l.rs.Lists {
		if lst.Name == name || lst.CDBName == name {
			return lst
		}
	}
	return nil
}
