//go:build linux

package arverify

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPathLen is the longest path the program verifies (Linux PATH_MAX).
const MaxPathLen = 4096

// maxNameLen is the longest path component (Linux NAME_MAX).
const maxNameLen = 255

// MaxShownPathLen bounds the escaped path written into a verdict line, so that
// the whole syslog line stays well below what syslog daemons and OSSEC's
// logcollector (OS_MAXSTR, 6144 bytes) accept in one line.
const MaxShownPathLen = 2048

// truncMark ends an escaped path that was cut at MaxShownPathLen. A backslash
// followed by a dot is never produced by EscapePath otherwise.
const truncMark = `\...`

// EscapePath returns p in the form written between the parentheses of a
// verdict line. Printable UTF-8 (including spaces and parentheses) is kept as
// it is; a backslash becomes `\\`; newline, carriage return and tab become
// `\n`, `\r`, `\t`; every other byte of a control character, of a
// non-printable rune (such as U+0085, U+2028 or U+202E) and every byte of
// invalid UTF-8 becomes `\xHH`. The result has no byte below 0x20, no DEL and
// is valid UTF-8, and UnescapePath reverses it. If the result would be longer
// than MaxShownPathLen it is cut on an escape boundary and ends in `\...`.
func EscapePath(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		var piece string
		switch {
		case r == '\\':
			piece = `\\`
		case r == '\n':
			piece = `\n`
		case r == '\r':
			piece = `\r`
		case r == '\t':
			piece = `\t`
		case r == utf8.RuneError && size <= 1:
			piece = fmt.Sprintf(`\x%02x`, p[i])
		case r == ' ' || (r < utf8.RuneSelf && r > ' ' && r != 0x7f):
			piece = p[i : i+size]
		case r >= utf8.RuneSelf && unicode.IsPrint(r):
			piece = p[i : i+size]
		default:
			var e strings.Builder
			for j := 0; j < size; j++ {
				fmt.Fprintf(&e, `\x%02x`, p[i+j])
			}
			piece = e.String()
		}
		if b.Len()+len(piece) > MaxShownPathLen-len(truncMark) && i+size < len(p) ||
			b.Len()+len(piece) > MaxShownPathLen {
			b.WriteString(truncMark)
			return b.String()
		}
		b.WriteString(piece)
		i += size
	}
	return b.String()
}

// UnescapePath reverses EscapePath. It reports an error for an escape it does
// not know and for a path that EscapePath cut (one ending in `\...`).
func UnescapePath(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", errors.New("escaped path ends in a lone backslash")
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x':
			if i+2 >= len(s) {
				return "", fmt.Errorf("short \\x escape at byte %d", i-1)
			}
			var v byte
			for _, h := range []byte(s[i+1 : i+3]) {
				v <<= 4
				switch {
				case h >= '0' && h <= '9':
					v |= h - '0'
				case h >= 'a' && h <= 'f':
					v |= h - 'a' + 10
				default:
					return "", fmt.Errorf("bad hex digit %q in \\x escape at byte %d", h, i-1)
				}
			}
			b.WriteByte(v)
			i += 2
		case '.':
			return "", errors.New("escaped path was truncated")
		default:
			return "", fmt.Errorf("unknown escape \\%c at byte %d", s[i], i-1)
		}
	}
	return b.String(), nil
}

// Path errors have stable codes that tests assert instead of wording.
var (
	ErrNotAbsolute = errors.New("path is not absolute")
	ErrDotDot      = errors.New(`path has a "." or ".." component`)
	ErrTooLong     = errors.New("path is too long")
	ErrNUL         = errors.New("path holds a NUL byte")
	ErrEmpty       = errors.New("no file name")
)

// CheckPath returns the cleaned form of p that the program verifies, or an
// error saying why p is refused. p must be absolute and must not hold a "."
// or ".." component (such a path is refused, never resolved: the file named
// after cleaning is not necessarily the one that changed); repeated and
// trailing slashes are dropped, which names the same file. The result is at
// most MaxPathLen bytes with components of at most 255 bytes.
func CheckPath(p string) (string, error) {
	if p == "" {
		return "", ErrEmpty
	}
	if strings.IndexByte(p, 0) >= 0 {
		return "", ErrNUL
	}
	if p[0] != '/' {
		return "", ErrNotAbsolute
	}
	if len(p) > MaxPathLen {
		return "", ErrTooLong
	}
	var b strings.Builder
	b.Grow(len(p))
	for _, c := range strings.Split(p[1:], "/") {
		switch c {
		case "":
			continue
		case ".", "..":
			return "", ErrDotDot
		}
		if len(c) > maxNameLen {
			return "", ErrTooLong
		}
		b.WriteByte('/')
		b.WriteString(c)
	}
	if b.Len() == 0 {
		return "/", nil
	}
	return b.String(), nil
}

// components splits a path returned by CheckPath into its components.
func components(p string) []string {
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}
