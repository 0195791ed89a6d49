package engine

import (
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// specialDecoderFor is the decoder analysisd uses for a special message
// kind: its id is name's in the decoder store, its name shown, its type
// "ossec". The engine makes the few there are once (past events keep
// them).
func (s *Session) specialDecoderFor(name, shown string) *specialDecoder {
	if d := s.e.specials[[2]string{name, shown}]; d != nil {
		return d
	}
	return newSpecialDecoder(s.e.rs, name, shown)
}

func newSpecialDecoder(rs *ruleset.Ruleset, name, shown string) *specialDecoder {
	d := &specialDecoder{name: shown, typ: ruleset.CategoryOSSEC}
	for i, n := range rs.DecoderNames {
		if n == name {
			d.id = i
			break
		}
	}
	return d
}

// specialDecoders are the (name, shown name) pairs of specialDecoderFor.
var specialDecoders = [][2]string{
	{"rootcheck", "rootcheck"},
	{"hostinfo_new", "hostinfo_modified"},
	{"hostinfo_modified", "hostinfo_modified"},
	{"syscheck_integrity_changed", "syscheck_integrity_changed"},
	{"syscheck_integrity_changed_2nd", "syscheck_integrity_changed"},
	{"syscheck_integrity_changed_3rd", "syscheck_integrity_changed"},
	{"syscheck_new_entry", "syscheck_integrity_changed"},
	{"syscheck_deleted", "syscheck_integrity_changed"},
}

// decodeRootcheck is DecodeRootcheck: rootcheck keeps, per location, the
// messages it has seen; a message seen for the first time is marked so
// that <if_fts/> rules fire for it.
func (s *Session) decodeRootcheck(ev *event) bool {
	if s.rk == nil {
		s.rk = map[string]map[string]bool{}
	}
	seen := s.rk[ev.location]
	if seen == nil {
		seen = map[string]bool{}
		s.rk[ev.location] = seen
	}
	ev.special = s.specialDecoderFor("rootcheck", "rootcheck")
	if !seen[ev.log] {
		seen[ev.log] = true
		ev.ftsDone = true
	}
	if i := indexStr(ev.log, " file '"); i >= 0 {
		rest := ev.log[i+7:]
		if j := indexByte(rest, '\''); j > 0 {
			ev.put(slotFileName, rest[:j])
		}
	}
	return true
}

// decodeHostinfo is DecodeHostinfo: "Host: <ip> (name), open ports: ..."
// messages are compared with the ports last recorded for the host. An
// unchanged host is dropped; a new one gets the decoder hostinfo_new, a
// changed one hostinfo_modified.
func (s *Session) decodeHostinfo(ev *event) bool {
	log := ev.log
	if len(log) > 6144 {
		log = log[:6144]
	}
	if len(log) <= len("Host: ") || !strings.HasPrefix(log, "Host: ") {
		return false
	}
	rest := log[len("Host: "):]
	c := strings.IndexByte(rest, ',')
	if c < 0 {
		return false
	}
	ip, ports := rest[:c], rest[c+1:]
	if sp := strings.IndexByte(ip, ' '); sp >= 0 {
		ip = ip[:sp]
	}
	changed := false
	for _, line := range s.hostinfo {
		if strings.HasPrefix(line, ip) {
			if line[len(ip):] == ports {
				return false
			}
			changed = true
		}
	}
	s.hostinfo = append(s.hostinfo, ip+ports)
	name := "hostinfo_new"
	if changed {
		name = "hostinfo_modified"
	}
	ev.special = s.specialDecoderFor(name, "hostinfo_modified")
	return true
}
