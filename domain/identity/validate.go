package identity

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"

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

// invisible reports a character that changes how text looks without
// being seen: format characters (Unicode category Cf: bidi embeddings,
// overrides and isolates, zero-width space/joiners, word joiner, BOM,
// soft hyphen) and the bidi marks.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r)
}

// NormalizeEmail validates an e-mail address and returns its canonical form
// (trimmed, NFKC, lower-case). Display names ("Bob <b@x.io>"), control,
// bidi and zero-width characters are refused. Two addresses that look
// alike have the same EmailSkeleton.
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
	for _, r := range s {
		if invisible(r) || unicode.IsControl(r) {
			return "", domain.Invalid(field, "must not contain bidi, zero-width or control characters (U+%04X)", r)
		}
	}
	// fold first (NFKC can turn a fullwidth "＠" into "@"), then validate
	s = foldEmail(s)
	if len(s) > MaxEmailLen {
		return "", domain.Invalid(field, "at most %d bytes", MaxEmailLen)
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
	return s, nil
}

// foldEmail is NFKC plus lower case, to a fixed point (NFKC may map a
// lower-case compatibility character to an upper-case letter).
func foldEmail(s string) string {
	for i := 0; i < 4; i++ {
		next := strings.ToLower(norm.NFKC.String(s))
		if next == s {
			break
		}
		s = next
	}
	return s
}

// EmailSkeleton is the confusable-folded form of a normalized e-mail
// (Unicode TR39 skeleton of its NFKC case-folded form, case-folded again):
// "pаypal@x.io" with a Cyrillic "а", "paypa1@x.io" and "paypal@x.io" share
// one skeleton, so they cannot be two accounts.
func EmailSkeleton(normalized string) string {
	return strings.ToLower(norm.NFKC.String(confusables.Skeleton(strings.ToLower(normalized))))
}

// ValidateName checks a human-readable name: trimmed, 1..MaxNameLen
// characters, no control, bidi or zero-width characters. It returns the trimmed name.
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
		if invisible(r) {
			return "", domain.Invalid(field, "must not contain bidi or zero-width characters (U+%04X)", r)
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
