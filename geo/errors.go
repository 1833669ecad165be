package geo

import (
	"errors"
	"fmt"
)

// The errors below are the domain's vocabulary of refusals, shared by every
// package that answers a request; the HTTP API maps each to its status in one
// table (api/errors.go), so a package says what went wrong, never which
// status that is.

// ErrNotFound says the thing named does not exist (an alert, a dispatch, a
// region).
var ErrNotFound = errors.New("not found")

// A FieldError says which field of a request is wrong, and why: "window: must
// be 15m, 1h or 24h".
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// NotFound is an error that is ErrNotFound (errors.Is) and says what was not
// found: NotFound("street %q: no such region", code).
func NotFound(format string, args ...any) error {
	return &notFound{fmt.Sprintf(format, args...)}
}

type notFound struct{ msg string }

func (e *notFound) Error() string        { return e.msg }
func (e *notFound) Is(target error) bool { return target == ErrNotFound }

// HiddenRune reports characters no text citygrid takes may hold: C0 and C1
// controls, and the bidirectional marks, overrides and isolates (U+200E,
// U+200F, U+202A–U+202E, U+2066–U+2069) and line separators (U+2028,
// U+2029), which make text read as something else where it is shown.
func HiddenRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}
