package domain

// IsID reports whether s is an id SkyLedger issues: a canonical ULID, 26
// characters of Crockford base 32 (0-9, A-Z without I, L, O, U), upper case,
// first character 0-7. It is the one rule for ids in paths, query
// parameters, bodies and channel names: a string of another shape names
// nothing that can exist.
func IsID(s string) bool {
	if len(s) != 26 || s[0] > '7' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U':
		default:
			return false
		}
	}
	return true
}
