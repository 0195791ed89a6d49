package engine

import (
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// runPlugin runs a <plugin_decoder>. Plugin decoders set fields without
// printing them, and some change their decoder's type for good (OSSEC
// writes into the shared decoder), which the Session remembers.
func (s *Session) runPlugin(ev *event, n *decNode) {
	switch n.d.Plugin {
	case ruleset.PluginPF:
		pfDecode(ev)
	case ruleset.PluginSymantecWS:
		symantecWSDecode(ev)
	case ruleset.PluginSonicWall:
		s.sonicWallDecode(ev, n)
	case ruleset.PluginOSSECAlert:
		s.ossecAlertDecode(ev, n)
	}
}

// pfDecode is PF_Decoder_Exec (OpenBSD pf):
// "... rule 3/(match) pass out on xl0: 192.168.2.10.1514 > 192.168.2.190.1030:  udp 73".
func pfDecode(ev *event) {
	log := ev.log
	i := strings.IndexByte(log, ')')
	if i < 0 {
		return
	}
	t := log[i+1:]
	if !strings.HasPrefix(t, " ") {
		return
	}
	t = t[1:]
	switch {
	case strings.HasPrefix(t, "p"):
		ev.put(slotAction, "pass")
	case strings.HasPrefix(t, "b"):
		ev.put(slotAction, "block")
	default:
		return
	}
	c := strings.IndexByte(t, ':')
	if c < 0 {
		return
	}
	t = t[c+1:]
	if !strings.HasPrefix(t, " ") {
		return
	}
	t = t[1:]
	sp := strings.IndexByte(t, ' ')
	if sp < 0 {
		return
	}
	src := t[:sp]
	if ip, port, ok := splitFourthDot(src); ok {
		ev.put(slotSrcIP, ip)
		ev.put(slotSrcPort, port)
	} else {
		ev.put(slotSrcIP, src)
	}
	a := t[sp+1:]
	if !strings.HasPrefix(a, "> ") {
		return
	}
	a = a[2:]
	c = strings.IndexByte(a, ':')
	if c < 0 {
		return
	}
	dst := a[:c]
	if ip, port, ok := splitFourthDot(dst); ok {
		ev.put(slotDstIP, ip)
		ev.put(slotDstPort, port)
	} else {
		ev.put(slotDstIP, dst)
	}
	rest := a[c+1:]
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	if rest == "" {
		return
	}
	switch rest[0] {
	case 'u':
		ev.put(slotProtocol, "UDP")
	case 'i':
		ev.put(slotProtocol, "ICMP")
	default:
		ev.put(slotProtocol, "TCP")
	}
}

// splitFourthDot splits "a.b.c.d.port" at its fourth dot.
func splitFourthDot(s string) (string, string, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			n++
			if n == 4 {
				return s[:i], s[i+1:], true
			}
		}
	}
	return s, "", false
}

// symantecWSDecode is SymantecWS_Decoder_Exec (Symantec Web Security):
// "20070717,73613,1=5,11=10.1.1.3,10=userc,3=1,2=1".
func symantecWSDecode(ev *event) {
	log := ev.log
	// OSSEC searches the second ',' starting at the first one, so it
	// finds the first one again: values start after the first comma.
	i := strings.IndexByte(log, ',')
	if i < 0 {
		return
	}
	t := log[i+1:]
	for {
		value := func(skip, max int) string {
			v := t[skip:]
			n := 0
			for n < len(v) && n < max && v[n] != ',' {
				n++
			}
			t = v[n:]
			return v[:n]
		}
		switch {
		case strings.HasPrefix(t, "10="):
			v := value(3, 128)
			if !ev.has(slotDstUser) {
				ev.put(slotDstUser, v)
			}
		case strings.HasPrefix(t, "11="):
			v := value(3, 128)
			if !ev.has(slotSrcIP) {
				ev.put(slotSrcIP, v)
			}
		case strings.HasPrefix(t, "60="):
			v := value(3, 1024)
			if !ev.has(slotURL) {
				ev.put(slotURL, v)
			}
		case strings.HasPrefix(t, "3="), strings.HasPrefix(t, "2="):
			n := min(len(t), 9)
			v := t[:n]
			t = t[n:]
			if !ev.has(slotID) {
				ev.put(slotID, v)
			}
		}
		c := strings.IndexByte(t, ',')
		if c < 0 {
			return
		}
		t = t[c+1:]
	}
}

// sonicPatterns are the OS_Regex patterns of SonicWall_Decoder.
type sonicPatterns struct {
	prid, sdip, prox *osregex.Pattern
}

func compileSonic() *sonicPatterns {
	var p sonicPatterns
	var err error
	if p.prid, err = osregex.Compile(osregex.KindRegex, `pri=(\d) c=(\d+) m=(\d+) `, 0); err != nil {
		return nil
	}
	if p.sdip, err = osregex.Compile(osregex.KindRegex, `src=(\d+.\d+.\d+.\d+):(\d+):\S+ dst=(\d+.\d+.\d+.\d+):(\d+):`, 0); err != nil {
		return nil
	}
	if p.prox, err = osregex.Compile(osregex.KindRegex, `result=(\d+) dstname=(\S+) arg=(\S+)$`, 0); err != nil {
		return nil
	}
	return &p
}

// sonicWallDecode is SonicWall_Decoder_Exec. It sets the decoder's type
// to syslog, then to ids, firewall or squid depending on the message.
func (s *Session) sonicWallDecode(ev *event, n *decNode) {
	s.setDecType(n, ruleset.CategorySyslog)
	if s.e.sonic == nil {
		return
	}
	sp := s.e.sonic()
	if sp == nil {
		return
	}
	end, subs := exec(sp.prid, ev.log, s.subs[:0])
	s.subs = subs
	if end < 0 || len(subs) < 3 {
		return
	}
	ev.put(slotStatus, subs[0])
	ev.put(slotID, subs[2])
	category := subs[1]
	if len(category) > 7 {
		category = category[:7]
	}
	rest := ev.log[end:]
	end2, subs2 := exec(sp.sdip, rest, s.subs2[:0])
	s.subs2 = subs2
	if end2 < 0 || len(subs2) < 4 {
		return
	}
	ev.put(slotSrcIP, subs2[0])
	ev.put(slotSrcPort, subs2[1])
	ev.put(slotDstIP, subs2[2])
	ev.put(slotDstPort, subs2[3])
	tail := rest[end2:]
	hasTail := false
	if i := strings.IndexByte(tail, ' '); i >= 0 {
		tail = tail[i+1:]
		hasTail = true
		if strings.HasPrefix(tail, "proto=") {
			p := tail[6:]
			k := 0
			for k < len(p) && hostChar(p[k]) && p[k] != '/' && k < 6 {
				k++
			}
			ev.put(slotProtocol, p[:k])
			tail = p[k:]
		}
	}
	id := subs[2]
	switch {
	case category == "32":
		s.setDecType(n, ruleset.CategoryIDS)
	case id == "98" || id == "597" || id == "598":
		s.setDecType(n, ruleset.CategoryFirewall)
		ev.put(slotAction, "pass")
	case id == "38" || id == "36" || id == "173" || id == "174" || id == "37":
		s.setDecType(n, ruleset.CategoryFirewall)
		ev.put(slotAction, "drop")
	case id == "537":
		s.setDecType(n, ruleset.CategoryFirewall)
		ev.put(slotAction, "close")
	case id == "97":
		s.setDecType(n, ruleset.CategorySquid)
		if !hasTail {
			return
		}
		_, subs3 := exec(sp.prox, tail, s.subs2[:0])
		s.subs2 = subs3
		if len(subs3) < 1 {
			return
		}
		ev.put(slotID, subs3[0])
		if len(subs3) >= 3 {
			ev.put(slotURL, subs3[1]+subs3[2])
		}
	}
}

// ossecAlertDecode is OSSECAlert_Decoder_Exec: an alert forwarded by
// another OSSEC manager ("ossec: Alert Level: 3; Rule: 5715 - ...;
// Location: ...; srcip: ...; user: ...; <log>") points the event at the
// rule that generated it.
func (s *Session) ossecAlertDecode(ev *event, n *decNode) {
	s.setDecType(n, categoryOSSECAlert)
	log := ev.log
	if !strings.HasPrefix(log, "Alert Level:") && !strings.HasPrefix(log, "ossec: Alert Level") {
		return
	}
	i := strings.IndexByte(log, ';')
	if i < 0 {
		return
	}
	t := log[i+1:]
	c := strings.IndexByte(t, ':')
	if c < 0 {
		return
	}
	t = t[c+1:]
	if !strings.HasPrefix(t, " ") {
		return
	}
	t = t[1:]
	sp := strings.IndexByte(t, ' ')
	if sp < 0 {
		return
	}
	rule := s.e.byID()[t[:sp]]
	if rule == nil {
		return
	}
	t = t[sp:]
	c = strings.IndexByte(t, ';')
	if c < 0 {
		return
	}
	t = t[c+1:]
	if !strings.HasPrefix(t, " Location: ") {
		return
	}
	t = t[11:]
	c = strings.IndexByte(t, ';')
	if c < 0 {
		return
	}
	loc := ev.location + "|" + t[:c]
	if len(loc) > 254 {
		loc = loc[:254]
	}
	ev.location = loc
	ev.hostname = loc
	ev.hasHostname = true
	// OSSEC points hostname at the location, then duplicates it: the
	// alert shows "loc->loc".
	ev.hostIsLocation = false
	t = t[c+1:]
	for len(t) >= 1 && t[0] == ' ' && (len(t) < 2 || t[1] != ' ') {
		t = t[1:]
		c = strings.IndexByte(t, ';')
		if c < 0 {
			return
		}
		v := t[:c]
		if strings.HasPrefix(v, "srcip: ") {
			ev.put(slotSrcIP, v[7:])
		}
		if strings.HasPrefix(v, "user: ") {
			ev.put(slotDstUser, v[6:])
		}
		t = t[c+1:]
	}
	for len(t) > 0 && t[0] == ' ' {
		t = t[1:]
	}
	if len(t) > 4094 {
		t = t[:4094]
	}
	ev.fullLog = t
	ev.log = t
	ev.generated = rule
}
