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
