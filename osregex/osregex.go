// Package osregex implements OSSEC 4.3.0's three pattern dialects as
// analysisd runs them: OS_Regex (<regex>), OS_Match (<match>, <prematch>
// when not regex) and OSPcre2 (<pcre2>). OSSEC 4.3.0 translates OS_Regex and
// OS_Match into PCRE2 syntax and runs them on PCRE2 (UTF mode), with literal
// fast paths for simple anchored patterns; this package does the same on top
// of package pcre.
//
// API CONTRACT (written by the coordinator; the implementation replaces the
// panics, the signatures stay):
package osregex

// Kind says which dialect a Pattern was compiled from.
type Kind uint8

const (
	KindRegex Kind = iota + 1 // OS_Regex
	KindMatch                 // OS_Match
	KindPCRE2                 // OSPcre2
)

// Flags change how a pattern compiles.
type Flags uint8

const (
	// CaseSensitive is OS_CASE_SENSITIVE (OS_Regex / OS_Match only).
	// Without it the pattern is caseless, as OSSEC's default.
	CaseSensitive Flags = 1 << iota
	// Caseless is PCRE2_CASELESS for KindPCRE2 (analysisd always sets it).
	Caseless
)

// Pattern is a compiled pattern, safe for concurrent use.
type Pattern struct {
	// implementation-defined
}

// Compile compiles pattern in the given dialect. The error is an *Error.
func Compile(kind Kind, pattern string, flags Flags) (*Pattern, error) {
	panic("not implemented")
}

// Error is a pattern that OSSEC would refuse (or that we cannot run
// exactly): Offset is the byte offset inside the pattern where known, -1 otherwise.
type Error struct {
	Kind    Kind
	Pattern string
	Offset  int
	Msg     string
}

func (e *Error) Error() string { return e.Msg }

// Match reports whether the pattern matches s (OSMatch_Execute,
// OSRegex_Execute != NULL, OSPcre2_Execute != NULL).
func (p *Pattern) Match(s string) bool { panic("not implemented") }

// Exec runs the pattern on s as OSRegex_Execute / OSPcre2_Execute do:
// ok reports a match, end is the byte offset in s just after the match (what
// the C functions return as a pointer), and subs are the captured groups
// that participated, appended to dst (OSSEC skips unset groups).
func (p *Pattern) Exec(s string, dst []string) (end int, subs []string, ok bool) {
	panic("not implemented")
}

// WordMatch is OS_WordMatch (the OS_Match macro): '|'-separated,
// case-insensitive substring match where a leading '^' anchors an alternative.
func WordMatch(pattern, s string) bool { panic("not implemented") }
