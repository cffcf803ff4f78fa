package pirep

import (
	"fmt"
	"strings"

	"github.com/skyledger/skyledger/domain"
)

// Error is a refused report. It names the element ("OV", "TB", ... or
// "station", "type", "report"), the JSON field of the structured form, the
// byte position in the text (-1 for structured input) and the expected
// form. It unwraps to a *domain.FieldError (so to domain.ErrValidation):
// for text the field is Field's prefix "raw", for JSON the field path.
type Error struct {
	Element  string
	Field    string
	Pos      int
	Problem  string
	Expected string
	// text is true when the error refers to encoded text.
	text bool
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.text {
		fmt.Fprintf(&b, "%s at byte %d: %s", elementName(e.Element), e.Pos, e.Problem)
	} else {
		fmt.Fprintf(&b, "%s: %s", e.Field, e.Problem)
	}
	if e.Expected != "" {
		b.WriteString("; expected ")
		b.WriteString(e.Expected)
	}
	return b.String()
}

// Unwrap maps the error onto the domain's field error (HTTP 400 naming the
// field: "raw" for text, the JSON path for structured input).
func (e *Error) Unwrap() error {
	f := e.Field
	if e.text {
		f = "raw"
	}
	return &domain.FieldError{Field: f, Message: e.Error()}
}

func elementName(el string) string {
	if len(el) == 2 {
		return "/" + el
	}
	return el
}

// DowngradeError refuses an explicit routine (UA) type for a report that
// an urgency rule classifies as urgent.
type DowngradeError struct {
	Reasons []string
}

func (e *DowngradeError) Error() string {
	return "type: UA refused, the report is urgent (" + strings.Join(e.Reasons, ", ") + "); use UUA or omit type"
}

// Unwrap makes it a 400 naming the field "type".
func (e *DowngradeError) Unwrap() error {
	return &domain.FieldError{Field: "type", Message: e.Error()}
}

// textErr builds an error about encoded text.
func textErr(tag int, pos int, problem, expected string) *Error {
	el, field := "report", "raw"
	if tag >= 0 {
		el, field = tags[tag], fieldOfTag[tag]
	}
	return &Error{Element: el, Field: field, Pos: pos, Problem: problem, Expected: expected, text: true}
}

// fieldErr builds an error about the structured form.
func fieldErr(field, problem, expected string) *Error {
	el := field
	if i := strings.IndexAny(field, ".["); i >= 0 {
		el = field[:i]
	}
	for i, f := range fieldOfTag {
		if f == el {
			el = tags[i]
		}
	}
	return &Error{Element: el, Field: field, Pos: -1, Problem: problem, Expected: expected}
}
