// Package pcre is a pure-Go regular expression engine with the matching
// semantics of PCRE2 10.42 for 8-bit subjects, as OSSEC 4.3.0 uses it.
//
// A pattern is compiled once (Compile) into an immutable *Regexp that is safe
// for concurrent use; matching runs a backtracking machine with PCRE2's
// leftmost-first semantics and capture rules: a group inside a repeat keeps
// the value of its last iteration, and a group that did not participate is
// unset (-1 in the ovector).
//
//	re, err := pcre.Compile(`for user (\S+)`, pcre.Caseless)
//	if err != nil { ... }
//	ov := re.FindIndex("Failed password for user root", nil) // [0 23 9 13]... offsets
//
// Supported syntax: literals and escapes (\d \D \s \S \w \W \h \H \v \V \R
// \N \b \B \A \z \Z \G, \t \n \r \f \e \a \0 \ddd \o{} \xhh \x{h..} \cX,
// \Q..\E), dot, character classes with ranges, negation, escapes and POSIX
// classes, greedy, lazy and possessive quantifiers, capturing,
// non-capturing, named and atomic groups, lookahead and fixed-length
// lookbehind, back references (\1 \g1 \g{-1} \k<n> \k'n' \k{n} (?P=n)),
// alternation, and the inline options i, m, s, x, xx, n and U with PCRE2's
// scoping rules.
//
// Anything else PCRE2 accepts (recursion, subroutine calls, conditionals,
// callouts, backtracking verbs, \K, \X, \p, \C, (?|, (?J), ...) is refused at
// compile time with an *Error whose Code is ErrUnsupported, never guessed.
//
// Flags: Caseless and UTF behave as PCRE2_CASELESS and PCRE2_UTF. Without
// UTF a character is a byte and caseless matching is ASCII-only (PCRE2's
// default "C" tables). With UTF a character is a code point and caseless
// matching uses Unicode simple case folding (Go's unicode tables). \d, \w,
// \s and POSIX classes stay ASCII in both modes (PCRE2_UCP is never set).
//
// Invalid UTF-8 in UTF mode: OSSEC passes PCRE2_NO_UTF_CHECK, which leaves
// this undefined. This package decodes as PCRE2's interpreter does with no
// check: a byte below 0xC0 is one character with that value; a lead byte
// 0xC0-0xFF takes the following 1-5 bytes whatever they are (the value is
// built from their low six bits). Two cases differ from PCRE2, which reads
// on blindly: a sequence that would run past the end of the subject, and an
// overlong one (its value fits a shorter sequence), are taken as the lead
// byte alone, a character with the byte's value. So a character below 128 is
// always a single ASCII byte. Stepping backwards (lookbehind,
// giving back a repeated character) skips bytes of the form 10xxxxxx, as
// PCRE2's BACKCHAR does.
//
// Matching stops with ErrMatchLimit after DefaultMatchLimit backtracking
// steps (PCRE2's default match limit), and the backtracking stack is bounded,
// so no subject can hang the caller.
package pcre
