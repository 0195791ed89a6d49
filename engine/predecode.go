package engine

import (
	"encoding/binary"
	"errors"
	"strings"
	"unsafe"
)

// errFormat is OSSEC's FORMAT_ERROR: a message whose location part is
// missing or refers to a parent folder. ossec-logtest logs it and goes on
// with the next line.
var errFormat = errors.New("invalid message format")

// hostChar reports whether OSSEC's hostname_map accepts c: letters,
// digits and ( ) - . / @ _.
func hostChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '(', ')', '-', '.', '/', '@', '_':
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// cut returns s up to its first NUL byte, as C sees the string.
func cut(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// hasControl reports whether s holds a byte OSSEC counts as a control
// character (0-31, 127; NUL included), eight bytes at a time.
func hasControl(s string) bool {
	const lo, hi, del = 0x0101010101010101, 0x8080808080808080, 0x7f7f7f7f7f7f7f7f
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b)
		// A byte below 0x20, or a byte equal to 0x7f (zero once xored
		// with del).
		if x := w ^ del; ((w-0x20*lo)&^w|(x-lo)&^x)&hi != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 32 || c == 127 {
			return true
		}
	}
	return false
}

// removeControl drops the bytes OSSEC counts as control characters
// (0-31 and 127), allocating only when there is one.
func removeControl(s string) string {
	i := 0
	for i < len(s) && s[i] > 31 && s[i] != 127 {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if c := s[i]; c > 31 && c != 127 {
			b = append(b, c)
		}
	}
	return string(b)
}

// refParentFolder is w_ref_parent_folder: a location that starts with
// "../" (or is "..") or contains "/.." followed by '/' or its end.
func refParentFolder(p string) bool {
	if p == ".." || strings.HasPrefix(p, "../") {
		return true
	}
	for {
		i := strings.Index(p, "/..")
		if i < 0 {
			return false
		}
		if i+3 == len(p) || p[i+3] == '/' {
			return true
		}
		p = p[i+3:]
	}
}

// splitMessage separates an analysisd queue message body "location:text"
// as OS_CleanMSG does: at the first ':' or, for an agent location
// "(name) ip->file", at the first ':' after "->".
func splitMessage(body string) (location, text string, err error) {
	i := strings.IndexByte(body, ':')
	if i < 0 {
		return "", "", errFormat
	}
	if body[0] == '(' {
		a := strings.Index(body, "->")
		if a < 0 {
			return "", "", errFormat
		}
		j := strings.IndexByte(body[a:], ':')
		if j < 0 {
			return "", "", errFormat
		}
		i = a + j
	}
	return body[:i], body[i+1:], nil
}

// cbuf is the log buffer OS_CleanMSG works on, with the NUL bytes it
// writes into it recorded instead of written, so that every string it
// hands out is a substring of the input.
type cbuf struct {
	s    string
	nuls [4]int
	n    int
}

func (b *cbuf) at(i int) byte {
	if i < 0 || i >= len(b.s) {
		return 0
	}
	for k := 0; k < b.n; k++ {
		if b.nuls[k] == i {
			return 0
		}
	}
	return b.s[i]
}

func (b *cbuf) nul(i int) {
	if b.n < len(b.nuls) {
		b.nuls[b.n] = i
		b.n++
	}
}

func (b *cbuf) unnul(i int) {
	for k := 0; k < b.n; k++ {
		if b.nuls[k] == i {
			b.nuls[k] = -1
		}
	}
}

// str returns the C string starting at i.
func (b *cbuf) str(i int) string {
	if i >= len(b.s) {
		return ""
	}
	end := len(b.s)
	for k := 0; k < b.n; k++ {
		if n := b.nuls[k]; n >= i && n < end {
			end = n
		}
	}
	return b.s[i:end]
}

// index is strchr from i within the C string starting at i.
func (b *cbuf) index(i int, c byte) int {
	s := b.str(i)
	if j := strings.IndexByte(s, c); j >= 0 {
		return i + j
	}
	return -1
}

// preDecode is OS_CleanMSG: it fills location, full_log, log, hostname
// and program_name of ev from a message's location and text, exactly as
// OSSEC 4.3.0 does (including what it does to odd input).
func (s *Session) preDecode(ev *event, location, text string) error {
	if refParentFolder(location) {
		return errFormat
	}
	ev.location = location
	full := text
	if hasControl(text) {
		full = removeControl(cut(text))
	}
	ev.fullLog = full
	loglen := len(full) + 1

	// pieces: the view the date checks look at. A month written "Mär"
	// (UTF-8 a-umlaut) is read as "Mar" one byte earlier.
	p := full
	if len(p) > 2 && p[1] == 0xC3 && p[2] == 0xA4 {
		p = "Ma" + p[3:]
	}
	at := func(i int) byte {
		if i < len(p) {
			return p[i]
		}
		return 0
	}

	b := cbuf{s: full}
	logOff := 0
	syslogDate := false
	switch {
	case loglen > 17 && at(3) == ' ' && at(6) == ' ' && at(9) == ':' && at(12) == ':' && at(15) == ' ':
		logOff, syslogDate = 16, true
	case loglen > 24 && at(4) == '-' && at(7) == '-' && at(10) == ' ' && at(13) == ':' && at(16) == ':' && at(19) == ',':
		logOff, syslogDate = 23, true
	case loglen > 33 && at(4) == '-' && at(7) == '-' && at(10) == 'T' && at(13) == ':' && at(16) == ':' && isoOffset(at) > 0:
		logOff, syslogDate = isoOffset(at), true
	case loglen > 21 && isDigit(at(0)) && at(4) == ' ' && at(8) == ' ' && at(11) == ' ' && at(14) == ':' && at(17) == ':' && at(20) == ' ':
		logOff, syslogDate = 21, true
	case loglen > 20 && isDigit(at(0)) && at(4) == ':' && at(7) == ':' && at(10) == '-' && at(13) == ':' && at(16) == ':':
		logOff, syslogDate = 20, true
	}

	hostStart, hostEnd := -1, -1
	pnStart := -1
	dateEnd := logOff
	if syslogDate && len(p) < len(full) {
		dateEnd++ // the two-byte a-umlaut
	}
	if syslogDate {
		if b.at(logOff) == ' ' {
			logOff++
		}
		hostStart = logOff
		i := logOff
		for hostChar(b.at(i)) {
			i++
		}
		pieces := -1
		switch {
		case b.at(i) == ':' && b.at(i+1) == ' ':
			// Solaris 8/9: no hostname, the word is the program name.
			pnStart = hostStart
			hostStart = -1
			b.nul(i)
			pieces = i + 2
			logOff = pieces
		case b.at(i) != ' ':
			hostStart = -1
		default:
			hostEnd = i
			b.nul(i)
			i++
			logOff = i
			pnStart = i
			j := i
			for hostChar(b.at(j)) {
				j++
			}
			switch {
			case b.at(j) == ':' && b.at(j+1) == ' ':
				b.nul(j)
				pieces = j + 2
			case b.at(j) == '[' && isDigit(b.at(j+1)):
				b.nul(j)
				k := j + 2
				for isDigit(b.at(k)) {
					k++
				}
				switch {
				case b.at(k) == ']' && b.at(k+1) == ':' && b.at(k+2) == ' ':
					pieces = k + 3
				case b.at(k) == ']' && b.at(k+1) == ' ':
					pieces = k + 2
				default:
					b.unnul(j)
					pnStart = -1
				}
			case b.at(j) == '|' && isLower(b.at(j+1)):
				// AIX: "auth|security:info p_name: ..."
				k := j + 2
				for isAlnum(b.at(k)) {
					k++
				}
				if b.at(k) != ':' {
					pnStart = -1
					break
				}
				k++
				for isAlnum(b.at(k)) {
					k++
				}
				if b.at(k) != ' ' {
					pnStart = -1
					break
				}
				k++
				pnStart = k
				m := k
				for hostChar(b.at(m)) {
					m++
				}
				pieces = m
				switch {
				case b.at(m) == ':' && b.at(m+1) == ' ':
					b.nul(m)
					pieces = m + 2
				case b.at(m) == '[' && isDigit(b.at(m+1)):
					b.nul(m)
					q := m + 2
					for isDigit(b.at(q)) {
						q++
					}
					if b.at(q) == ']' && b.at(q+1) == ':' && b.at(q+2) == ' ' {
						pieces = q + 3
					} else {
						pieces = -1
					}
				}
			default:
				pnStart = -1
			}
		}
		if pieces >= 0 {
			logOff = pieces
			if b.at(pieces) == '[' && b.at(pieces+1) == 'I' && b.at(pieces+2) == 'D' && b.at(pieces+3) == ' ' {
				rest := b.str(pieces + 4)
				if k := strings.Index(rest, "] "); k >= 0 {
					logOff = pieces + 4 + k + 2
				}
			}
		}
	} else {
		switch {
		case loglen > 28 && at(3) == ' ' && at(7) == ' ' && at(10) == ' ' && at(13) == ':' && at(16) == ':' && at(19) == ' ' && at(24) == ' ' && at(26) == ' ':
			// xferlog
			logOff = 24
		case loglen > 24 && at(2) == '/' && at(5) == '-' && at(8) == ':' && at(11) == ':' && at(14) == '.' && at(21) == ' ':
			// snort
			logOff = 23
		case loglen > 26 && at(2) == '/' && at(5) == '/' && at(10) == '-' && at(13) == ':' && at(16) == ':' && at(19) == '.' && at(26) == ' ':
			// suricata
			logOff = 28
		case loglen > 27 && at(0) == '[' && at(4) == ' ' && at(8) == ' ' && at(11) == ' ' && at(14) == ':' && at(17) == ':' && at(20) == ' ' && at(25) == ']':
			// apache
			logOff = 27
		case loglen > 26 && at(0) == '[' && at(1) == 'T' && at(5) == ' ' && at(10) == '.' && at(13) == '.' && at(16) == ' ' && at(19) == ':':
			// Mac OS X ASL
			logOff = 25
			dateEnd = 25
			if i := strings.IndexByte(full, ']'); i >= 0 {
				dateEnd = i + 1
			}
			logOff, pnStart, hostStart = s.aslHeader(&b, logOff)
		case loglen > 32 && at(0) == '1' && isDigit(at(1)) && isDigit(at(2)) && isDigit(at(3)) && at(10) == '.' && isDigit(at(13)) && at(14) == ' ' && (at(21) == ' ' || at(22) == ' '):
			// squid
			logOff = 14
			for b.at(logOff) == ' ' {
				logOff++
			}
		}
	}

	if dateEnd == 0 && !syslogDate {
		dateEnd = logOff
	}
	ev.timestamp = strings.TrimRight(full[:min(dateEnd, len(full))], " ")
	ev.log = b.str(logOff)
	if pnStart >= 0 {
		ev.programName = b.str(pnStart)
		ev.hasProgramName = true
	}
	switch {
	case len(location) > 0 && location[0] == '(':
		ev.hostname = location
		ev.hasHostname = true
		ev.hostIsLocation = true
	case hostStart >= 0:
		if hostEnd >= 0 {
			ev.hostname = full[hostStart:hostEnd]
		} else {
			ev.hostname = b.str(hostStart)
		}
		ev.hasHostname = true
	default:
		ev.hostname = s.e.hostname
		ev.hasHostname = true
	}
	return nil
}

// isoOffset returns how far an ISO 8601 timestamp header reaches
// (syslog-ng / rsyslog formats), 0 when it is not one.
func isoOffset(at func(int) byte) int {
	if at(22) == ':' && at(25) == ' ' {
		return 26
	}
	if at(19) == '.' || at(19) == ',' {
		for k := 24; k <= 29; k++ {
			if at(k) == ':' {
				return k + 3
			}
		}
	}
	return 0
}

// aslHeader reads the "[Sender x] [Message y] [Host z]" entries of an
// Apple System Log line, as OS_CleanMSG does.
func (s *Session) aslHeader(b *cbuf, logOff int) (newLog, pnStart, hostStart int) {
	pnStart, hostStart = -1, -1
	done := false
	p := b.index(logOff, '[')
	for p >= 0 {
		p++
		rest := b.str(p)
		switch {
		case strings.HasPrefix(rest, "Sender ") && pnStart < 0:
			p += 7
			pnStart = p
			e := b.index(p, ']')
			if e < 0 {
				pnStart = -1
				return logOff, pnStart, hostStart
			}
			b.nul(e)
			p = e + 1
		case strings.HasPrefix(rest, "Message ") && !done:
			p += 8
			done = true
			logOff = p
			e := b.index(p, ']')
			if e < 0 {
				return logOff, pnStart, hostStart
			}
			b.nul(e)
			p = e + 1
		case strings.HasPrefix(rest, "Host "):
			p += 5
			hostStart = p
			e := b.index(p, ']')
			if e < 0 {
				hostStart = -1
			} else {
				b.nul(e)
			}
			return logOff, pnStart, hostStart
		}
		p = b.index(p, '[')
	}
	return logOff, pnStart, hostStart
}

func indexStr(s, sub string) int     { return strings.Index(s, sub) }
func indexByte(s string, c byte) int { return strings.IndexByte(s, c) }
