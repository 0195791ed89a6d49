package pcre

import (
	"errors"
	"fmt"
)

// ErrorCode classifies a compile error so that callers and tests can check
// the kind of failure rather than its wording.
type ErrorCode uint8

// Error codes of *Error.
const (
	ErrSyntax      ErrorCode = iota + 1 // PCRE2 itself would refuse the pattern
	ErrUnsupported                      // valid PCRE2 that this package does not run
	ErrTooLarge                         // the compiled program would be too big
)

// String returns a short name of the code.
func (c ErrorCode) String() string {
	switch c {
	case ErrSyntax:
		return "syntax"
	case ErrUnsupported:
		return "unsupported"
	case ErrTooLarge:
		return "too large"
	}
	return fmt.Sprintf("ErrorCode(%d)", uint8(c))
}

// Error is a pattern that does not compile. Offset is the byte offset in
// the pattern where the problem was found.
type Error struct {
	Code    ErrorCode
	Offset  int
	Msg     string
	Pattern string
}

// Error returns the message with the offset.
func (e *Error) Error() string {
	if e.Code == ErrUnsupported {
		return fmt.Sprintf("unsupported: %s at offset %d", e.Msg, e.Offset)
	}
	return fmt.Sprintf("%s at offset %d", e.Msg, e.Offset)
}

// ErrMatchLimit is returned by the Exec methods when a match attempt gave
// up after too many backtracking steps or too deep a backtracking stack,
// as PCRE2_ERROR_MATCHLIMIT / PCRE2_ERROR_HEAPLIMIT do.
var ErrMatchLimit = errors.New("pcre: match limit exceeded")

// ErrBadUTF is returned by the Exec methods of a UTF pattern (without
// NoUTFCheck) for a subject that is not valid UTF-8, as pcre2_match
// returns a UTF-8 error: no match.
var ErrBadUTF = errors.New("pcre: subject is not valid UTF-8")
