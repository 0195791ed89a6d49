package osregex

import "strings"

// replacement is one entry of a translation table: old at the current
// position of the OSSEC pattern is written as new.
type replacement struct{ old, new string }

// regexTable is OS_Regex's translation table, tried in this order.
var regexTable = []replacement{
	{`\p`, `[()*+,.:;\<=>?\[\]!"'#%&$|{}-]`},
	{`\s`, `[ ]`},
	{`\W`, `[^A-Za-z0-9@_-]`},
	{`\w`, `[A-Za-z0-9@_-]`},
	{`\d`, `[0-9]`},
	{`\D`, `[^0-9]`},
	{`\S`, `[^ ]`},
	{`\.`, `(?s:.)`},
	{`$`, `(?!\n)$`},
	{`.`, `\.`},
	{`[`, `\[`},
	{`]`, `\]`},
	{`{`, `\{`},
	{`}`, `\}`},
	{`+`, `\+`},
	{`?`, `\?`},
	{`*`, `\*`},
}

// matchTable is OS_Match's translation table.
var matchTable = []replacement{
	{`.`, `\.`}, {`[`, `\[`}, {`]`, `\]`}, {`{`, `\{`}, {`}`, `\}`}, {`+`, `\+`},
	{`?`, `\?`}, {`*`, `\*`}, {`(`, `\(`}, {`)`, `\)`}, {`\`, `\\`},
}

// Convert returns the PCRE2 pattern OSSEC translates an OS_Regex or OS_Match
// pattern to (OSRegex_Convert), before any fast path is considered. For
// KindPCRE2 it returns pattern unchanged.
func Convert(kind Kind, pattern string) (string, error) {
	switch kind {
	case KindRegex:
		s, off, ok := convertRegex(pattern)
		if !ok {
			return "", &Error{Kind: kind, Pattern: pattern, Offset: off, Msg: "bad OS_Regex pattern: unknown escape"}
		}
		return s, nil
	case KindMatch:
		return convertMatch(pattern), nil
	}
	return pattern, nil
}

// convertRegex translates an OS_Regex pattern. It fails, with the offset of
// the backslash, on an escape that OS_Regex does not know.
func convertRegex(pat string) (string, int, bool) {
	var b strings.Builder
	b.Grow(len(pat) * 2)
next:
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		// A quantifier two bytes after a backslash follows an escape
		// such as \d: OSSEC makes it lazy.
		if i >= 2 && pat[i-2] == '\\' && (c == '*' || c == '+') {
			b.WriteByte(c)
			b.WriteByte('?')
			continue
		}
		for _, r := range regexTable {
			if strings.HasPrefix(pat[i:], r.old) {
				b.WriteString(r.new)
				i += len(r.old) - 1
				continue next
			}
		}
		if c == '\\' && i+1 < len(pat) {
			switch pat[i+1] {
			case 't', '$', '(', ')', '{', '}', '[', ']', '\\', '|', '<':
				b.WriteString(pat[i : i+2])
				i++
				continue
			}
			return "", i, false
		}
		b.WriteByte(c)
	}
	return lastGreedy(b.String()), 0, true
}

// lastGreedy drops the '?' of a lazy quantifier that is the last item of
// the pattern or of an alternative, as OSSEC does with a global PCRE2
// substitution of (?<!\\)([+*])\?(\)*(?:[|$]|$)) by $1$2: a '+' or '*' not
// preceded by a backslash, then '?', then any closing parentheses, then
// '|', '$', or the end (or a final newline).
func lastGreedy(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i+1 < len(s); {
		if (s[i] == '+' || s[i] == '*') && (i == 0 || s[i-1] != '\\') && s[i+1] == '?' {
			j := i + 2
			for j < len(s) && s[j] == ')' {
				j++
			}
			end := -1
			switch {
			case j < len(s) && (s[j] == '|' || s[j] == '$'):
				end = j + 1
			case j == len(s) || j == len(s)-1 && s[j] == '\n':
				end = j
			}
			if end >= 0 {
				b.WriteString(s[last : i+1])
				b.WriteString(s[i+2 : end])
				last = end
				i = end
				continue
			}
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// convertMatch translates an OS_Match pattern: only escaping, so '^', '$'
// and '|' keep their PCRE2 meaning.
func convertMatch(pat string) string {
	var b strings.Builder
	b.Grow(len(pat) * 2)
next:
	for i := 0; i < len(pat); i++ {
		for _, r := range matchTable {
			if strings.HasPrefix(pat[i:], r.old) {
				b.WriteString(r.new)
				continue next
			}
		}
		b.WriteByte(pat[i])
	}
	return b.String()
}
