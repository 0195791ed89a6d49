package ruleset

import (
	"net/netip"
	"strings"
)

// parseIP is OS_IsValidIP: an optional '!', then "any" or an address
// (IPv4 in any inet_aton form, or IPv6) with an optional "/n" whose n is
// read with atoi (at most three characters).
func parseIP(s string) (IPMatch, bool) {
	m := IPMatch{Text: s}
	a := s
	if strings.HasPrefix(a, "!") {
		m.Negate = true
		a = a[1:]
	}
	if a == "any" {
		a = "::/0"
	}
	cidr := -1
	if i := strings.IndexByte(a, '/'); i >= 0 {
		c := a[i+1:]
		a = a[:i]
		if len(c) > 3 {
			return m, false
		}
		cidr = atoi(c)
	}
	addr, ok := parseNumericHost(a)
	if !ok {
		return m, false
	}
	bits := addr.BitLen()
	switch {
	case cidr < 0:
	case cidr <= bits:
		bits = cidr
	default:
		return m, false
	}
	// sacmp compares IPv4-mapped IPv6 addresses as IPv4.
	if addr.Is4In6() {
		addr = addr.Unmap()
		if bits >= 96 {
			bits -= 96
		} else if bits > 0 {
			// A prefix shorter than the mapping: OSSEC compares the IPv4
			// part over the given length (it shifts the pointer); keep it.
			if bits > 32 {
				bits = 32
			}
		}
	}
	m.Prefix = netip.PrefixFrom(addr, bits)
	m.Any = bits == 0
	return m, true
}

// parseNumericHost is getaddrinfo with AI_NUMERICHOST: IPv4 as inet_aton
// reads it ("10.1" is 10.0.0.1, parts may be octal or hex), or IPv6.
func parseNumericHost(s string) (netip.Addr, bool) {
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Addr{}, false
		}
		return a, true
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 || s == "" {
		return netip.Addr{}, false
	}
	var vals []uint64
	for _, p := range parts {
		v, ok := parseCNumber(p)
		if !ok {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	var n uint64
	last := len(vals) - 1
	for i, v := range vals[:last] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*uint(i))
	}
	max := uint64(1)<<(32-8*uint(last)) - 1
	if vals[last] > max {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// parseCNumber reads a decimal, octal (leading 0) or hex (0x) number.
func parseCNumber(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
		base, p = 16, p[2:]
		if p == "" {
			return 0, true // inet_aton accepts "0x" as 0
		}
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	var v uint64
	for i := 0; i < len(p); i++ {
		c := p[i]
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		v = v*base + d
		if v > 0xffffffff {
			return 0, false
		}
	}
	return v, true
}

// parseTime is OS_IsValidTime.
func parseTime(s string) (*TimeRange, bool) {
	i := 0
	skip := func() {
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	skip()
	neg := false
	if i < len(s) && s[i] == '!' {
		neg = true
		i++
		skip()
	}
	first, ok := getHour(s, &i)
	if !ok {
		return nil, false
	}
	skip()
	if i >= len(s) || s[i] != '-' {
		return nil, false
	}
	i++
	skip()
	second, ok := getHour(s, &i)
	if !ok {
		return nil, false
	}
	skip()
	if i < len(s) {
		return nil, false
	}
	if first > second {
		return &TimeRange{Negate: true, Start: second, End: first}, true
	}
	return &TimeRange{Negate: neg, Start: first, End: second}, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// getHour is __gethour: "h", "hh", "hh:mm", each optionally followed by
// am/pm. It returns "HH:MM".
func getHour(s string, i *int) (string, bool) {
	at := func(j int) byte {
		if j < len(s) {
			return s[j]
		}
		return 0
	}
	p := *i
	hour := atoi(s[p:])
	if hour < 0 || hour >= 24 {
		return "", false
	}
	n := 0
	for isDigit(at(p)) {
		n++
		p++
	}
	if n > 2 {
		return "", false
	}
	min := 0
	if at(p) == ':' {
		p++
		if (!isDigit(at(p)) || !isDigit(at(p+1))) && isDigit(at(p+2)) {
			return "", false
		}
		if p < len(s) {
			min = atoi(s[p:])
		}
		p += 2
		if p > len(s) {
			p = len(s)
		}
	}
	for at(p) == ' ' {
		p++
	}
	format := func(h int) string {
		return pad2(h) + ":" + pad2(min)
	}
	switch at(p) {
	case 'a', 'A':
		if c := at(p + 1); c == 'm' || c == 'M' {
			*i = p + 2
			return format(hour), true
		}
		return "", false
	case 'p', 'P':
		if c := at(p + 1); c == 'm' || c == 'M' {
			if hour != 12 {
				hour += 12
			}
			if hour >= 24 {
				return "", false
			}
			*i = p + 2
			return format(hour), true
		}
		return "", false
	}
	*i = p
	return format(hour), true
}

// pad2 formats n as "%02d".
func pad2(n int) string {
	if n >= 0 && n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

var dayNames = []struct {
	name string
	day  int // 0..6, 7 weekdays, 8 weekends
}{
	{"sunday", 0}, {"sun", 0}, {"monday", 1}, {"mon", 1}, {"tuesday", 2}, {"tue", 2},
	{"wednesday", 3}, {"wed", 3}, {"thursday", 4}, {"thu", 4}, {"friday", 5},
	{"fri", 5}, {"saturday", 6}, {"sat", 6}, {"weekdays", 7}, {"weekends", 8},
}

// parseWeekday is OS_IsValidDay. Its '!' handling never skips the '!', so
// a negated weekday is always invalid in OSSEC 4.3.0.
func parseWeekday(s string) (*WeekdaySet, bool) {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	var w WeekdaySet
	for i < len(s) {
		found := false
		for _, d := range dayNames {
			if len(s)-i >= len(d.name) && strings.EqualFold(s[i:i+len(d.name)], d.name) {
				switch d.day {
				case 7:
					for k := 1; k <= 5; k++ {
						w.Days[k] = true
					}
				case 8:
					w.Days[0], w.Days[6] = true, true
				default:
					w.Days[d.day] = true
				}
				i += len(d.name)
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
		if i < len(s) && (s[i] == ' ' || s[i] == ',') {
			for i < len(s) && (s[i] == ' ' || s[i] == ',') {
				i++
			}
			continue
		}
		if i < len(s) {
			return nil, false
		}
	}
	for _, d := range w.Days {
		if d {
			return &w, true
		}
	}
	return nil, false
}
