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
//	ov, err := re.Exec("Failed password FOR USER root", nil) // [16 29 25 29]
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
// Invalid UTF-8 in UTF mode: as pcre2_match does by default, a subject that
// is not valid UTF-8 does not match (ErrBadUTF; a subject that the cheap
// prefilters already rule out just gives no match). OSSEC passes
// PCRE2_NO_UTF_CHECK only to pcre2_compile, where it covers the pattern, so
// its subjects are checked. With the NoUTFCheck flag (undefined behaviour
// in PCRE2) this package decodes as PCRE2's interpreter does with no check: a byte below 0xC0 is one character with that value; a lead byte
// 0xC0-0xFF takes the following 1-5 bytes whatever they are (the value is
// built from their low six bits). Two cases differ from PCRE2, which reads
// on blindly: a sequence that would run past the end of the subject, and an
// overlong one (its value fits a shorter sequence), are taken as the lead
// byte alone, a character with the byte's value. So a character below 128 is
// always a single ASCII byte. Stepping backwards (lookbehind,
// giving back a repeated character) skips bytes of the form 10xxxxxx, as
// PCRE2's BACKCHAR does.
//
// Literal characters in a UTF pattern are compared byte for byte, as PCRE2
// compares code units; classes, dot and caseless non-ASCII letters decode
// the subject as above.
//
// Limits: a match attempt at one start position stops with ErrMatchLimit
// after DefaultMatchLimit backtracking steps, counted per start position as
// PCRE2 10.42's interpreter does (the count is close to PCRE2's, not equal:
// PCRE2 counts internal calls, this package counts resumed choice points and
// given-back characters, and skips positions where a following literal
// cannot start). Once a search has taken 2048 steps, failed (instruction,
// position) states are memoised (memo.go): a state found again is skipped
// and its recorded step count charged, so results and ErrMatchLimit are
// those of the machine without the memo, and the search time is polynomial
// for patterns without back references (at most O(program x subject^2)).
// Only where the memo cannot be used (back references, or a table over 1M
// cells) do all start positions together get 10 times the budget, as a time
// bound; the backtracking stack is bounded (16 MiB, PCRE2's heap limit is
// 20 MB). OSSEC runs PCRE2's JIT on its default 32 KiB stack, where a
// group repeated some thousands of times fails ("JIT stack limit reached",
// error -46, no match for OSSEC): jitstack.go models the JIT's stack frames
// and the Exec methods give ErrJITStackLimit where it runs out (exact on
// the differential set; a few constructs are not modelled and left alone,
// see JITStackMinLength).
// Parentheses nest at most 250 deep (PCRE2's
// library default; pcre2test's is 220). Counted repeats of groups are
// compiled as copies, as in PCRE2, up to a program size limit (ErrTooLarge).
//
// Semantics follow the regular expression, with one exception copied from
// PCRE2 10.42: its auto-possessification table treats \R as disjoint from
// \s, \d, \w, \h, dot, \N and \z, so a repeated \R directly followed by one
// of them never gives characters back ("\R?\s" does not match "\n"). Other
// PCRE2 10.42 optimisation quirks are not reproduced: a repeat followed by a
// possessive optional group such as (x)?+ is sometimes made possessive by
// PCRE2, and a pattern starting with a lookahead whose alternatives start
// with the same letter, one under (?i), only starts at the case-sensitive
// letter; in both cases real PCRE2 misses matches that this package finds.
// The differential tests find these cases and confirm each one by rerunning
// pcre2test with no_auto_possess or no_start_optimize.
//
// Speed: the machine does not allocate per match (machines are pooled;
// Matcher gives a caller-owned one). Before running it, a search rejects a
// subject that is too short, lacks a required literal (found by its rarest
// byte), or does not start with the literal an anchored pattern starts with;
// it then scans for a literal prefix or a first-byte set, skips the run of an
// unbounded leading repeat after a failed attempt (the later attempts would
// only retry a subset), dispatches alternations on their first byte, and
// makes repeats possessive where nothing that follows could use a given-back
// character. Compile builds the syntax tree and the program in pooled
// scratch space and shares the sets of class escapes between patterns, so
// that it allocates little more than the program it keeps (the 1,671 stock
// patterns: about 12k allocations, 3 MB).
package pcre
