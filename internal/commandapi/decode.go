package commandapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skyledger/skyledger/domain"
)

// DecodeJSON decodes one JSON object into dst strictly. Every failure is a
// *domain.FieldError (400) naming the field:
//
//   - empty body, not an object or not valid UTF-8: "body";
//   - malformed JSON or trailing data: "body";
//   - an unknown field: that field's name;
//   - a value of the wrong type: that field's (dotted) name.
func DecodeJSON(b []byte, dst any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return domain.Invalid("body", "a JSON object is required")
	}
	if b[0] != '{' {
		return domain.Invalid("body", "must be a JSON object")
	}
	if !utf8.Valid(b) {
		// encoding/json would silently replace the bytes with U+FFFD
		return domain.Invalid("body", "not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return domain.Invalid("body", "unexpected data after the JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return domain.Invalid(field, "must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return domain.Invalid("body", "malformed JSON at byte %d", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return domain.Invalid("body", "truncated JSON")
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name := strings.TrimSuffix(strings.TrimPrefix(rest, `"`), `"`)
		if name == "" {
			return domain.Invalid("body", "unknown field %s", rest)
		}
		return domain.Invalid(name, "unknown field")
	}
	return domain.Invalid("body", "invalid JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int64", "float64":
		return "a number"
	case "ptr":
		return "a value of the documented type"
	default:
		return "of the documented type"
	}
}

// Required returns a FieldError when v is empty.
func Required(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return domain.Invalid(field, "required")
	}
	return nil
}

// MaxLen returns a FieldError when v has more than n bytes (a cheap bound
// applied before any expensive work).
func MaxLen(field, v string, n int) error {
	if len(v) > n {
		return domain.Invalid(field, "at most %d bytes", n)
	}
	return nil
}

// ParseTime parses an optional RFC 3339 timestamp field.
func ParseTime(field string, v *string) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		return nil, domain.Invalid(field, "must be an RFC 3339 timestamp")
	}
	t = t.UTC()
	return &t, nil
}
