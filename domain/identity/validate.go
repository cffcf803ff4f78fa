package identity

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/skyledger/skyledger/domain"
)

// Input limits; a value beyond them is a 400 naming the field. Lengths are
// in characters (runes) unless stated.
const (
	MaxEmailLen       = 254 // bytes, RFC 5321
	MaxNameLen        = 100 // tenant name, display name, key name
	MinPasswordLen    = 12
	MaxPasswordLen    = 128
	minLocalPartCheck = 3 // local parts shorter than this are not searched in passwords
)

// NormalizeEmail validates an e-mail address and returns its canonical form
// (trimmed, lower-case). Display names ("Bob <b@x.io>") are refused.
func NormalizeEmail(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", domain.Invalid(field, "required")
	case len(s) > MaxEmailLen:
		return "", domain.Invalid(field, "at most %d bytes", MaxEmailLen)
	case !utf8.ValidString(s):
		return "", domain.Invalid(field, "not valid UTF-8")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", domain.Invalid(field, "not a valid e-mail address")
	}
	at := strings.LastIndexByte(s, '@')
	local, host := s[:at], s[at+1:]
	if local == "" || !strings.Contains(host, ".") || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") ||
		strings.ContainsAny(s, " \t\r\n\"()<>[]\\,;:") {
		return "", domain.Invalid(field, "not a valid e-mail address")
	}
	return strings.ToLower(s), nil
}

// ValidateName checks a human-readable name: trimmed, 1..MaxNameLen
// characters, no control characters. It returns the trimmed name.
func ValidateName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", domain.Invalid(field, "not valid UTF-8")
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return "", domain.Invalid(field, "required")
	case n > MaxNameLen:
		return "", domain.Invalid(field, "at most %d characters", MaxNameLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", domain.Invalid(field, "must not contain control characters")
		}
	}
	return s, nil
}

// ValidatePassword applies the password policy: MinPasswordLen..MaxPasswordLen
// characters, valid UTF-8, and not containing the e-mail's local part
// (case-insensitive, for local parts of at least 3 characters) nor the
// whole address.
func ValidatePassword(field, password, email string) error {
	if !utf8.ValidString(password) {
		return domain.Invalid(field, "not valid UTF-8")
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return domain.Invalid(field, "at least %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		return domain.Invalid(field, "at most %d characters", MaxPasswordLen)
	}
	lp := strings.ToLower(password)
	le := strings.ToLower(email)
	if at := strings.LastIndexByte(le, '@'); at >= 0 {
		if local := le[:at]; utf8.RuneCountInString(local) >= minLocalPartCheck && strings.Contains(lp, local) {
			return domain.Invalid(field, "must not contain the e-mail address")
		}
	}
	if le != "" && strings.Contains(lp, le) {
		return domain.Invalid(field, "must not contain the e-mail address")
	}
	return nil
}
