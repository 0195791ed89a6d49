// Package osregex implements OSSEC 4.3.0's three pattern dialects as
// analysisd runs them: OS_Regex (<regex>), OS_Match (<match>, <prematch>
// when not regex) and OSPcre2 (<pcre2>). OSSEC 4.3.0 translates OS_Regex and
// OS_Match into PCRE2 syntax and runs them on PCRE2 (UTF mode), with literal
// fast paths for simple anchored patterns; this package does the same on top
// of package pcre.
//
//	p, err := osregex.Compile(osregex.KindRegex, `^Failed \S+ for (\S+)`, 0)
//	if err != nil { ... }
//	end, subs, ok := p.Exec(log, nil)
//
// What each dialect does, as in os_regex/*.c:
//
//   - OS_Regex: a pattern longer than 2048 bytes is refused. A pattern that
//     the check ^\^?[A-Za-z0-9 !"#%&',/:;<=>@_`~-]*\$?$ (PCRE2, caseless,
//     UTF) accepts and that starts with '^' or ends with '$' is run as a
//     string comparison: ^lit$ whole string, ^lit prefix, lit$ suffix (ASCII
//     caseless unless CaseSensitive). Anything else is translated to PCRE2
//     (\w -> [A-Za-z0-9@_-], \s -> [ ], \d -> [0-9], \p -> punctuation,
//     \. -> (?s:.), $ -> (?!\n)$, a quantifier after a backslash escape is
//     lazy except the last one of the pattern or of an alternative, other
//     metacharacters are literal) and compiled with PCRE2_UTF, caseless
//     unless CaseSensitive.
//   - OS_Match: the same size limit; the empty pattern matches everything;
//     the check is ^\^?[^$|^]+\$?$; the translation only escapes
//     .[]{}+?*()\ so '^', '$' and '|' keep their PCRE2 meaning.
//   - OSPcre2: the empty pattern is refused, no size limit; the check is
//     ^\^?[a-zA-Z0-9 !"#%&',/:;<=>@_`~-]*\$?$ (case sensitive); otherwise
//     the pattern is compiled as given, without UTF, caseless with Caseless.
//
// Subjects are C strings in OSSEC: a subject is cut at its first NUL byte.
// A match that gives up on PCRE2's match limit is no match, as in OSSEC.
// OS_Regex and OS_Match run PCRE2 in UTF mode, and pcre2_match checks the
// subject (OSSEC's PCRE2_NO_UTF_CHECK only covers the pattern): a subject
// that is not valid UTF-8 never matches their PCRE2 translation, while
// their string-comparison fast paths compare bytes regardless.
package osregex

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ossec-ruletest/ossec-ruletest/pcre"
)

// Kind says which dialect a Pattern was compiled from.
type Kind uint8

const (
	KindRegex Kind = iota + 1 // OS_Regex
	KindMatch                 // OS_Match
	KindPCRE2                 // OSPcre2
)

// String returns the element name OSSEC uses for the dialect.
func (k Kind) String() string {
	switch k {
	case KindRegex:
		return "regex"
	case KindMatch:
		return "match"
	case KindPCRE2:
		return "pcre2"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Flags change how a pattern compiles.
type Flags uint8

const (
	// CaseSensitive is OS_CASE_SENSITIVE (OS_Regex / OS_Match only).
	// Without it the pattern is caseless, as OSSEC's default.
	CaseSensitive Flags = 1 << iota
	// Caseless is PCRE2_CASELESS for KindPCRE2 (analysisd always sets it).
	Caseless
)

// PatternMaxSize is OS_PATTERN_MAXSIZE, the longest OS_Regex / OS_Match
// pattern OSSEC accepts.
const PatternMaxSize = 2048

// MaxGroups is REGEX_MATCH_MAX_GROUPS: Exec returns at most this many
// substrings.
const MaxGroups = 64

// execKind is how a compiled pattern runs.
type execKind uint8

const (
	execPCRE2  execKind = iota // the PCRE2 translation
	execTrue                   // empty OS_Match pattern
	execEqual                  // ^lit$: strcmp / strcasecmp
	execPrefix                 // ^lit: strncmp / strncasecmp
	execSuffix                 // lit$: strcmp / strcasecmp on the tail
)

// Pattern is a compiled pattern, safe for concurrent use. A ruleset's
// load makes one per pattern (1,400 for the stock ruleset), which a run
// on one line keeps: its fields fit 64 bytes.
type Pattern struct {
	source string
	pcre2  string // the PCRE2 pattern that re was compiled from
	re     *pcre.Regexp
	// A pattern made by CompileKnown has no re until its first match:
	// lazy holds what to compile then, and what Facts would say.
	lazy     *lazyRe
	kind     Kind
	exec     execKind
	caseless bool // for the string comparisons
	// cut is how the string comparisons' literal is cut from source:
	// cutFirst drops its first byte ('^'), cutLast its last ('$').
	cut uint8
}

const (
	cutFirst = 1 << iota
	cutLast
)

// lit is the literal of the string comparisons.
func (p *Pattern) lit() string {
	s := p.source
	if p.cut&cutFirst != 0 {
		s = s[1:]
	}
	if p.cut&cutLast != 0 {
		s = s[:len(s)-1]
	}
	return s
}

// Every pcre flag fits lazyRe.flags: this does not compile once one does
// not (NoUTFCheck is the last).
const _ = uint8(pcre.NoUTFCheck<<1 - 1)

// lazyRe is the PCRE2 program of a pattern, compiled on first use.
type lazyRe struct {
	once  sync.Once
	flags uint8 // the pcre.Flags (all below 1<<8, checked below): the struct fits 32 bytes
	// factsWrong is set when the program's facts are not the ones given.
	factsWrong bool
	wrong      func(error) // see CompileKnown
	// facts are the facts given, shared with the patterns given equal
	// ones (see sharedFacts).
	facts *Facts
}

// sharedFacts holds the facts CompileKnown was given, at most
// maxSharedFacts of them: patterns given equal facts share them (a stock
// ruleset's 1,100 deferred patterns have about a hundred distinct ones).
var sharedFacts struct {
	sync.Mutex
	m map[Facts]*Facts
}

const maxSharedFacts = 1024

// shareFacts returns a read-only copy of f, shared when possible.
func shareFacts(f *Facts) *Facts {
	sharedFacts.Lock()
	defer sharedFacts.Unlock()
	if s, ok := sharedFacts.m[*f]; ok {
		return s
	}
	s := new(Facts)
	*s = *f
	if sharedFacts.m == nil {
		sharedFacts.m = make(map[Facts]*Facts, 128)
	}
	if len(sharedFacts.m) < maxSharedFacts {
		sharedFacts.m[*f] = s
	}
	return s
}

// never is the program of a pattern whose deferred compilation failed:
// it matches nothing.
var never = sync.OnceValue(func() *pcre.Regexp { return pcre.MustCompile(`(?!)`, 0) })

// Error is a pattern that OSSEC would refuse (or that we cannot run
// exactly): Offset is the byte offset inside the pattern where known, -1 otherwise.
type Error struct {
	Kind    Kind
	Pattern string
	Offset  int
	Msg     string
	// Unsupported is true when OSSEC (PCRE2) would accept the pattern but
	// package pcre cannot run it exactly; false when OSSEC refuses it.
	Unsupported bool
}

func (e *Error) Error() string { return e.Msg }

// The checks OSSEC runs on a pattern to pick a string-comparison fast
// path are PCRE2 patterns: OS_Regex's
//
//	^\^?[A-Za-z0-9 !"#%&',/:;<=>@_`~-]*\$?$   (caseless, UTF)
//
// OS_Match's ^\^?[^$|^]+\$?$ (caseless, UTF), and OSPcre2's the first
// one, UTF only. plainRegex and plainMatch are them written out (tests
// check them against the patterns): compiling the patterns took a tenth
// of the package initialisation of a logtest run, and running them 1,400
// times a part of a stock load.

// plainRegex reports whether pattern matches the check of OS_Regex
// (caseless) or OSPcre2: an optional '^', characters of the class, an
// optional '$' and, as PCRE2's $ allows, an optional final newline.
func plainRegex(pattern string, caseless bool) bool {
	if !utf8.ValidString(pattern) {
		return false // PCRE2 refuses the subject
	}
	p := strings.TrimPrefix(pattern, "^")
	p = strings.TrimSuffix(p, "\n")
	p = strings.TrimSuffix(p, "$")
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(" !\"#%&',/:;<=>@_`~-", c) >= 0:
		case caseless && strings.HasPrefix(p[i:], "\u212a"): // KELVIN SIGN, k caseless
			i += len("\u212a") - 1
		case caseless && strings.HasPrefix(p[i:], "\u017f"): // LATIN SMALL LETTER LONG S, s caseless
			i += len("\u017f") - 1
		default:
			return false
		}
	}
	return true
}

// plainMatch reports whether pattern matches the check of OS_Match: an
// optional '^', at least one character other than '$', '|' and '^', and
// an optional '$' (before an optional final newline).
func plainMatch(pattern string) bool {
	if !utf8.ValidString(pattern) {
		return false
	}
	p := strings.TrimPrefix(pattern, "^")
	if q, ok := strings.CutSuffix(p, "$\n"); ok {
		p = q
	} else {
		p = strings.TrimSuffix(p, "$")
	}
	return p != "" && !strings.ContainsAny(p, "$|^")
}

// cstring cuts s at its first NUL, as C sees it.
func cstring(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// Compile compiles pattern in the given dialect. The error is an *Error.
// A pattern is a C string in OSSEC: it is cut at its first NUL byte.
func Compile(kind Kind, pattern string, flags Flags) (*Pattern, error) {
	return compile(kind, pattern, flags, nil)
}

// Facts are what compiling a pattern tells beyond its program: what
// JITStackMinLength and FirstBytes return. They depend only on the
// pattern's kind, text and flags (and on this package's code).
type Facts struct {
	JITMin   int  // JITStackMinLength's n
	JITNever bool // and never
	JITKnown bool // and known
	// FirstOK and First are FirstBytes's ok and set (bit b of
	// First[b/64] for byte b).
	FirstOK bool
	First   [4]uint64
}

// Facts returns p's facts (compiling its PCRE2 program if CompileKnown
// deferred it).
func (p *Pattern) Facts() Facts {
	if p.lazy != nil {
		return *p.lazy.facts
	}
	var f Facts
	f.JITMin, f.JITNever, f.JITKnown = p.JITStackMinLength()
	f.First, f.FirstOK = firstBits(p.FirstBytes())
	return f
}

// firstBits is the First of Facts for a FirstBytes result.
func firstBits(set *[256]bool, ok bool) (bits [4]uint64, _ bool) {
	if !ok {
		return bits, false
	}
	for b, in := range set {
		if in {
			bits[b>>6] |= 1 << (uint(b) & 63)
		}
	}
	return bits, true
}

// CompileKnown is Compile for a pattern that Compile compiled before,
// with the same kind, text and flags, into a pattern with these facts (a
// caller keeps them across runs, see package ruleset's pattern cache). It
// checks what is cheap to check, and leaves the PCRE2 program, the costly
// part of most patterns, to the pattern's first match: a ruleset loads
// faster when most of its patterns never run.
//
// The facts are then checked: should the program not compile after all,
// or compiling it tell other facts (they came from elsewhere: a cache file
// made by hand), wrong, when not nil, is called once with what is wrong,
// and the pattern goes on with the program when it compiled (its facts
// stay the ones given), else matching nothing.
func CompileKnown(kind Kind, pattern string, flags Flags, f Facts, wrong func(error)) (*Pattern, error) {
	p, err := compile(kind, pattern, flags, &f)
	if err == nil && p.lazy != nil {
		p.lazy.wrong = wrong
	}
	return p, err
}

// prog returns p's PCRE2 program, compiling it on first use when
// CompileKnown deferred it.
func (p *Pattern) prog() *pcre.Regexp {
	if l := p.lazy; l != nil {
		l.once.Do(func() {
			re, err := pcre.Compile(p.pcre2, pcre.Flags(l.flags))
			if err != nil {
				re = never()
				err = fmt.Errorf("%s pattern %q was given as compiling, but it does not compile: %v", p.kind, p.source, err)
			} else if got, given := factsOf(re), *l.facts; got != given {
				l.factsWrong = true
				err = fmt.Errorf("%s pattern %q was given the facts %+v, but compiling it tells %+v", p.kind, p.source, given, got)
			}
			p.re = re
			if err != nil && l.wrong != nil {
				l.wrong(err)
			}
		})
	}
	return p.re
}

// factsOf returns the facts of the PCRE2 program re (see Facts).
func factsOf(re *pcre.Regexp) Facts {
	var f Facts
	f.JITMin, f.JITNever, f.JITKnown = re.JITStackMinLength()
	f.First, f.FirstOK = firstBits(re.AnchoredFirstBytes())
	return f
}

func compile(kind Kind, pattern string, flags Flags, facts *Facts) (*Pattern, error) {
	pattern = cstring(pattern)
	p := &Pattern{kind: kind, source: pattern}
	fail := func(off int, format string, args ...any) (*Pattern, error) {
		return nil, &Error{Kind: kind, Pattern: pattern, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	var plain bool
	switch kind {
	case KindRegex, KindMatch:
		if len(pattern) > PatternMaxSize {
			return fail(-1, "%s pattern is %d bytes long, more than OS_PATTERN_MAXSIZE (%d)", kind, len(pattern), PatternMaxSize)
		}
		p.caseless = flags&CaseSensitive == 0
		if kind == KindRegex && pattern == "" {
			// OSSEC reads pattern[-1] here (undefined); then its
			// translation of "" is a NULL pattern, which pcre2_compile
			// (10.42) refuses.
			return fail(-1, "empty regex pattern: OSSEC's PCRE2 translation is a NULL pattern, which PCRE2 refuses")
		}
		if kind == KindMatch {
			if pattern == "" {
				p.exec = execTrue
				return p, nil
			}
			plain = plainMatch(pattern)
		} else {
			plain = plainRegex(pattern, true)
		}
	case KindPCRE2:
		if pattern == "" {
			return fail(-1, "empty pcre2 pattern")
		}
		p.caseless = flags&Caseless != 0
		plain = plainRegex(pattern, false)
	default:
		return fail(-1, "unknown pattern kind %d", kind)
	}

	if pattern != "" && plain {
		first, last := pattern[0], pattern[len(pattern)-1]
		switch {
		case first == '^' && last == '$' && len(pattern) >= 2:
			p.exec, p.cut = execEqual, cutFirst|cutLast
			return p, nil
		case first == '^':
			p.exec, p.cut = execPrefix, cutFirst
			return p, nil
		case last == '$':
			p.exec, p.cut = execSuffix, cutLast
			return p, nil
		}
	}

	var pflags pcre.Flags
	src := pattern
	switch kind {
	case KindRegex:
		conv, off, ok := convertRegex(pattern)
		if !ok {
			return fail(off, "bad OS_Regex pattern %q: unknown escape at offset %d", pattern, off)
		}
		src = conv
		pflags = pcre.UTF
	case KindMatch:
		src = convertMatch(pattern)
		pflags = pcre.UTF
	}
	if p.caseless {
		pflags |= pcre.Caseless
	}
	if facts != nil {
		p.exec, p.pcre2 = execPCRE2, src
		p.lazy = &lazyRe{flags: uint8(pflags), facts: shareFacts(facts)}
		return p, nil
	}
	re, err := pcre.Compile(src, pflags)
	if err != nil {
		pe := err.(*pcre.Error)
		e := &Error{Kind: kind, Pattern: pattern, Offset: pe.Offset, Unsupported: pe.Code == pcre.ErrUnsupported}
		if kind == KindPCRE2 {
			e.Msg = fmt.Sprintf("bad pcre2 pattern %q: %v", pattern, pe)
		} else {
			e.Offset = -1
			e.Msg = fmt.Sprintf("bad %s pattern %q (as PCRE2 %q): %v", kind, pattern, src, pe)
		}
		return nil, e
	}
	p.exec, p.re, p.pcre2 = execPCRE2, re, src
	return p, nil
}

// Kind returns the dialect of p.
func (p *Pattern) Kind() Kind { return p.kind }

// String returns the source pattern.
func (p *Pattern) String() string { return p.source }

// PCRE2 returns the PCRE2 pattern p runs, and false when p runs as a string
// comparison (or always matches) instead.
func (p *Pattern) PCRE2() (string, bool) { return p.pcre2, p.exec == execPCRE2 }

// NumCaptures returns the number of capturing groups of p's PCRE2 pattern
// (0 for the string-comparison fast paths).
func (p *Pattern) NumCaptures() int {
	if p.exec != execPCRE2 {
		return 0
	}
	return p.prog().NumCaptures()
}

// FirstBytes returns, when every match starts at offset 0 of the subject
// and consumes at least one byte, the set of bytes the subject's first byte
// must be in; ok is false otherwise. It lets a caller skip Match and Exec
// for most subjects with one table lookup (an empty subject never matches
// such a pattern).
func (p *Pattern) FirstBytes() (set *[256]bool, ok bool) {
	switch p.exec {
	case execPCRE2:
		if l := p.lazy; l != nil {
			// A caller may skip the pattern on this set: the facts
			// are checked first (by building the program), and the
			// program's own set taken when they were wrong.
			if p.prog(); l.factsWrong {
				return p.re.AnchoredFirstBytes()
			}
			f := *l.facts
			if !f.FirstOK {
				return nil, false
			}
			set = new([256]bool)
			for b := range set {
				set[b] = f.First[b>>6]&(1<<(uint(b)&63)) != 0
			}
			return set, true
		}
		return p.re.AnchoredFirstBytes()
	case execEqual, execPrefix:
		lit := p.lit()
		if lit == "" {
			return nil, false
		}
		set = new([256]bool)
		c := lit[0]
		set[c] = true
		if p.caseless {
			set[lowerASCII(c)] = true
			if c >= 'a' && c <= 'z' {
				set[c-32] = true
			}
		}
		return set, true
	}
	return nil, false
}

// Match reports whether the pattern matches s (OSMatch_Execute,
// OSRegex_Execute != NULL, OSPcre2_Execute != NULL).
func (p *Pattern) Match(s string) bool {
	s = cstring(s)
	if p.exec == execPCRE2 {
		return p.prog().MatchString(s)
	}
	_, ok := p.compare(s)
	return ok
}

// compare runs the string-comparison fast paths; end is what the C
// function returns as a pointer.
func (p *Pattern) compare(s string) (end int, ok bool) {
	lit := p.lit()
	switch p.exec {
	case execTrue:
		return 0, true
	case execEqual:
		if p.equal(s, lit) {
			return len(lit), true
		}
	case execPrefix:
		if len(s) >= len(lit) && p.equal(s[:len(lit)], lit) {
			return len(lit), true
		}
	case execSuffix:
		if len(s) >= len(lit) && p.equal(s[len(s)-len(lit):], lit) {
			return len(s), true
		}
	}
	return 0, false
}

func (p *Pattern) equal(a, b string) bool {
	if p.caseless {
		return asciiEqualFold(a, b)
	}
	return a == b
}

// asciiEqualFold is strcasecmp(a, b) == 0 in the C locale.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// Exec runs the pattern on s as OSRegex_Execute / OSPcre2_Execute do:
// ok reports a match, end is the byte offset in s just after the match (what
// the C functions return as a pointer), and subs are the captured groups
// that participated, appended to dst (OSSEC skips unset groups), at most
// MaxGroups of them. The string-comparison fast paths capture nothing (the
// C code leaves the substring buffer untouched). For KindMatch, which OSSEC
// never executes this way, Exec reports the same match as Match.
func (p *Pattern) Exec(s string, dst []string) (end int, subs []string, ok bool) {
	s = cstring(s)
	if p.exec != execPCRE2 {
		end, ok = p.compare(s)
		return end, dst, ok
	}
	var buf [32]int
	ov, _ := p.prog().Exec(s, buf[:0])
	if ov == nil {
		return 0, dst, false
	}
	n := 0
	for i := 2; i+1 < len(ov) && n < MaxGroups; i += 2 {
		if ov[i] >= 0 {
			dst = append(dst, s[ov[i]:ov[i+1]])
			n++
		}
	}
	return ov[1], dst, true
}

// JITStackMinLength returns a length in bytes below which no subject can
// make the pattern exhaust PCRE2's JIT stack as OSSEC runs it (32 KiB): a
// lower bound, exact for a single repeated group of fixed length, such as
// the (?s:.)*? that OS_Regex makes of \.*. never is true when no subject
// can (string comparisons, and PCRE2 patterns without a repeated group);
// known is false when the pattern repeats a group in a way the model of
// PCRE2's JIT does not cover (see package pcre).
func (p *Pattern) JITStackMinLength() (n int, never, known bool) {
	if p.exec != execPCRE2 {
		return 0, true, true
	}
	if l := p.lazy; l != nil {
		f := *l.facts
		return f.JITMin, f.JITNever, f.JITKnown
	}
	return p.re.JITStackMinLength()
}

// JITStackLimited reports whether, on s, PCRE2's JIT in real OSSEC fails
// with "JIT stack limit reached" (error -46) before it finds the match
// that the pattern has on s, so that OSSEC sees no match: Match and Exec
// then report no match.
func (p *Pattern) JITStackLimited(s string) bool {
	if p.exec != execPCRE2 {
		return false
	}
	return p.prog().LostToJITStack(cstring(s))
}

// WordMatch is OS_WordMatch (the OS_Match macro): '|'-separated,
// case-insensitive substring match where a leading '^' anchors an alternative.
// An empty alternative (from "||", a leading or a trailing '|') matches
// everything; the empty pattern matches nothing.
func WordMatch(pattern, s string) bool {
	pattern, s = cstring(pattern), cstring(s)
	if pattern == "" {
		return false
	}
	for {
		i := strings.IndexByte(pattern, '|')
		if i < 0 {
			return wordMatchOne(pattern, s)
		}
		if wordMatchOne(pattern[:i], s) {
			return true
		}
		pattern = pattern[i+1:]
	}
}

// wordMatchOne is one alternative of OS_WordMatch.
func wordMatchOne(alt, s string) bool {
	switch {
	case alt == "":
		return true
	case alt[0] == '^':
		// strncasecmp over the rest of the alternative.
		alt = alt[1:]
		return len(s) >= len(alt) && asciiEqualFold(s[:len(alt)], alt)
	case s == "":
		return false
	}
	return IndexFold(s, alt) >= 0
}

// IndexFold is the first index of lit in s, ignoring the case of ASCII
// letters (as strncasecmp does), or -1; an empty lit is at 0. It looks for
// the first byte of lit in both cases and compares the rest there.
func IndexFold(s, lit string) int {
	if lit == "" {
		return 0
	}
	c1 := lowerASCII(lit[0])
	c2 := c1
	if c1 >= 'a' && c1 <= 'z' {
		c2 = c1 - 32
	}
	for i := 0; i+len(lit) <= len(s); {
		rest := s[i : len(s)-len(lit)+1]
		j := strings.IndexByte(rest, c1)
		if c2 != c1 {
			lim := len(rest)
			if j >= 0 {
				lim = j
			}
			if k := strings.IndexByte(rest[:lim], c2); k >= 0 {
				j = k
			}
		}
		if j < 0 {
			return -1
		}
		i += j
		if asciiEqualFold(s[i:i+len(lit)], lit) {
			return i
		}
		i++
	}
	return -1
}
