package queryapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/skyledger/skyledger/domain"
)

// Cursor seals adapter cursors into opaque, tamper-evident API cursors:
//
//	base64url(adapter cursor) "." base64url(HMAC-SHA256(Key, scope 0x00 adapter cursor))
//
// The scope names the listing (route and partition, e.g.
// "users|tenant#<id>#users"), so a cursor is only accepted by the listing
// that issued it. A forged, altered or foreign cursor is a 400 naming
// "cursor". Cursors do not expire and are not secret (they reveal the last
// item's key), only unforgeable.
//
// Previous are keys that still open cursors but never seal them: after a
// key rotation, cursors a client got from the previous key keep working for
// the grace period (until the next rotation).
type Cursor struct {
	Key      []byte
	Previous [][]byte
}

func (c Cursor) mac(inner, scope string) []byte { return mac(c.Key, inner, scope) }

func mac(key []byte, inner, scope string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(inner))
	return m.Sum(nil)
}

// Seal returns the API cursor for an adapter cursor in scope.
func (c Cursor) Seal(inner, scope string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(inner)) + "." +
		base64.RawURLEncoding.EncodeToString(c.mac(inner, scope))
}

// Open verifies an API cursor for scope and returns the adapter cursor.
func (c Cursor) Open(s, scope string) (string, error) {
	bad := domain.Invalid("cursor", "invalid or foreign cursor")
	if len(s) > 2048 {
		return "", bad
	}
	a, b, ok := strings.Cut(s, ".")
	if !ok {
		return "", bad
	}
	inner, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(inner) == 0 {
		return "", bad
	}
	sig, err := base64.RawURLEncoding.DecodeString(b)
	if err != nil {
		return "", bad
	}
	if hmac.Equal(sig, c.mac(string(inner), scope)) {
		return string(inner), nil
	}
	for _, k := range c.Previous {
		if hmac.Equal(sig, mac(k, string(inner), scope)) {
			return string(inner), nil
		}
	}
	return "", bad
}
