package engine

import (
	"net/netip"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// parseEventIP reads a decoded IP the way OS_IsValidIP does: an optional
// '!', "any", an optional "/cidr" (at most 3 characters), then a numeric
// address as getaddrinfo(AI_NUMERICHOST) accepts it (IPv4 in any
// inet_aton form, IPv6 with an optional zone).
func parseEventIP(s string) (netip.Addr, bool) {
	s = strings.TrimPrefix(s, "!")
	if s == "any" {
		return netip.IPv6Unspecified(), true
	}
	if i := strings.IndexByte(s, '/'); i >= 0 {
		cidr := s[i+1:]
		if len(cidr) > 3 {
			return netip.Addr{}, false
		}
		n := atoiC(cidr)
		s = s[:i]
		a, ok := parseNumericHost(s)
		if !ok {
			return a, false
		}
		if a.Is4() && (n < 0 || n > 32) || a.Is6() && (n < 0 || n > 128) {
			return a, false
		}
		return a, true
	}
	return parseNumericHost(s)
}

// atoiC is atoi: optional sign and leading digits, 0 otherwise.
func atoiC(s string) int {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	n := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		n = n*10 + int(s[i]-'0')
		if n > 1<<30 {
			break
		}
	}
	if neg {
		return -n
	}
	return n
}

func parseNumericHost(s string) (netip.Addr, bool) {
	if a, ok := inetAton(s); ok {
		return a, true
	}
	if strings.IndexByte(s, ':') < 0 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone(""), true
}

// inetAton is glibc's inet_aton_exact: one to four parts, each decimal,
// octal (leading 0) or hex (0x), the last one filling the remaining bytes.
func inetAton(s string) (netip.Addr, bool) {
	var parts [4]uint64
	n := 0
	for {
		if n == 4 || s == "" || !isDigit(s[0]) {
			return netip.Addr{}, false
		}
		base := uint64(10)
		if s[0] == '0' {
			base = 8
			if len(s) > 1 && (s[1] == 'x' || s[1] == 'X') {
				base = 16
				s = s[2:]
			}
		}
		var v uint64
		k := 0
		for k < len(s) {
			c := s[k]
			var d uint64
			switch {
			case c >= '0' && c <= '9':
				d = uint64(c - '0')
			case base == 16 && c >= 'a' && c <= 'f':
				d = uint64(c-'a') + 10
			case base == 16 && c >= 'A' && c <= 'F':
				d = uint64(c-'A') + 10
			default:
				d = 99
			}
			if d >= base {
				break
			}
			v = v*base + d
			if v > 0xffffffff {
				return netip.Addr{}, false
			}
			k++
		}
		parts[n] = v
		n++
		s = s[k:]
		if s == "" {
			break
		}
		if s[0] != '.' {
			return netip.Addr{}, false
		}
		s = s[1:]
	}
	var v uint64
	switch n {
	case 1:
		v = parts[0]
	case 2:
		if parts[0] > 0xff || parts[1] > 0xffffff {
			return netip.Addr{}, false
		}
		v = parts[0]<<24 | parts[1]
	case 3:
		if parts[0] > 0xff || parts[1] > 0xff || parts[2] > 0xffff {
			return netip.Addr{}, false
		}
		v = parts[0]<<24 | parts[1]<<16 | parts[2]
	case 4:
		for _, p := range parts {
			if p > 0xff {
				return netip.Addr{}, false
			}
		}
		v = parts[0]<<24 | parts[1]<<16 | parts[2]<<8 | parts[3]
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// ipFoundList is OS_IPFoundList: the first entry that contains ip decides
// (true, or false for a '!' entry); when none does, the answer is the
// opposite of the last entry's.
func ipFoundList(ip string, list []ruleset.IPMatch) bool {
	a, ok := parseEventIP(ip)
	if !ok {
		return false
	}
	truth := true
	for i := range list {
		m := &list[i]
		truth = !m.Negate
		if m.Any {
			return truth
		}
		if prefixContains(m.Prefix, a) {
			return truth
		}
	}
	return !truth
}

// prefixContains is sacmp: compare the first Bits() bits of both
// addresses, IPv4-mapped IPv6 addresses counting as IPv4.
func prefixContains(p netip.Prefix, a netip.Addr) bool {
	bits := p.Bits()
	if bits == 0 {
		return true
	}
	b := p.Addr().Unmap()
	a = a.Unmap()
	if a.Is4() != b.Is4() {
		return false
	}
	if b.Is4() && bits > 32 {
		bits = 32
	}
	pa, err := a.Prefix(bits)
	if err != nil {
		return false
	}
	pb, err := b.Prefix(bits)
	if err != nil {
		return false
	}
	return pa.Addr() == pb.Addr()
}
