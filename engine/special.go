package engine

import (
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// specialDecoderFor builds the decoder analysisd uses for a special
// message kind: name and id come from the decoder store, the type is
// "ossec".
func (s *Session) specialDecoderFor(name string) *specialDecoder {
	d := &specialDecoder{name: name, typ: ruleset.CategoryOSSEC}
	for i, n := range s.e.rs.DecoderNames {
		if n == name {
			d.id = i
			break
		}
	}
	return d
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
	ev.special = s.specialDecoderFor("rootcheck")
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
	d := s.specialDecoderFor(name)
	d.name = "hostinfo_modified"
	ev.special = d
	return true
}
