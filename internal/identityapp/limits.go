package identityapp

// Limits on raw request fields (bytes), checked before validation.
const (
	MaxTokenBytes    = 256
	MaxEmailBytes    = 254
	MaxPasswordBytes = 512 // 128 characters of up to 4 bytes
	MaxNameBytes     = 400 // 100 characters of up to 4 bytes
)

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
