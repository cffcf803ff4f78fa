package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
)

// Key format: "sk_" + key id (26-char ULID) + "_" + secret (32 random bytes,
// base64url without padding: 43 chars). 73 characters in all.
const (
	KeyPrefix    = "sk_"
	secretBytes  = 32
	secretChars  = 43 // base64.RawURLEncoding of 32 bytes
	ulidChars    = 26
	KeyLen       = len(KeyPrefix) + ulidChars + 1 + secretChars
	maxBearerLen = 512
)

// LastUsedGranularity: last_used_at is rewritten at most this often per key.
const LastUsedGranularity = time.Minute

// NewID returns a new ULID string (ids of tenants, users, keys).
func NewID() string { return ulid.Make().String() }

// NewKey mints a key: its id, its secret and the full "sk_<id>_<secret>"
// string shown to the user once.
func NewKey() (id, secret, full string, err error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", "", fmt.Errorf("key secret: %w", err)
	}
	id = NewID()
	secret = base64.RawURLEncoding.EncodeToString(b)
	return id, secret, KeyPrefix + id + "_" + secret, nil
}

// ParseKey splits a full key into id and secret. It accepts only the exact
// format (length, ULID id, base64url secret).
func ParseKey(s string) (id, secret string, err error) {
	bad := fmt.Errorf("malformed key: %w", domain.ErrUnauthenticated)
	if len(s) != KeyLen || !strings.HasPrefix(s, KeyPrefix) || s[len(KeyPrefix)+ulidChars] != '_' {
		return "", "", bad
	}
	id = s[len(KeyPrefix) : len(KeyPrefix)+ulidChars]
	secret = s[len(KeyPrefix)+ulidChars+1:]
	if _, e := ulid.ParseStrict(id); e != nil {
		return "", "", bad
	}
	if b, e := base64.RawURLEncoding.DecodeString(secret); e != nil || len(b) != secretBytes {
		return "", "", bad
	}
	return id, secret, nil
}

// HashSecret is the stored form of a key secret: hex SHA-256. Secrets have
// 256 bits of entropy, so a fast hash is the right tool (no salt needed).
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// secretMatches compares in constant time.
func secretMatches(secret, storedHex string) bool {
	got := sha256.Sum256([]byte(secret))
	want, err := hex.DecodeString(storedHex)
	if err != nil || len(want) != len(got) {
		return false
	}
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

// BearerToken extracts the key from an Authorization header value
// ("Bearer sk_..."; the scheme is case-insensitive). A bare "sk_..." is
// accepted too.
func BearerToken(h string) (string, error) {
	h = strings.TrimSpace(h)
	if len(h) > maxBearerLen {
		return "", fmt.Errorf("authorization header too long: %w", domain.ErrUnauthenticated)
	}
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		h = strings.TrimSpace(h[7:])
	}
	if !strings.HasPrefix(h, KeyPrefix) {
		return "", fmt.Errorf("no bearer key: %w", domain.ErrUnauthenticated)
	}
	return h, nil
}

// Authenticator resolves credentials to principals. Safe for concurrent use.
type Authenticator struct {
	Records events.Records
	// Tickets holds WebSocket tickets (expiring records); nil: Records.
	Tickets events.Records
	Now     func() time.Time
}

// Authenticate resolves a bearer key with time.Now. See
// (*Authenticator).Authenticate.
func Authenticate(ctx context.Context, records events.Records, bearer string) (domain.Principal, error) {
	return (&Authenticator{Records: records}).Authenticate(ctx, bearer)
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// Authenticate checks a bearer key ("Bearer sk_..." or "sk_..."): the key
// record (hash in constant time, not revoked, not expired, session epoch)
// AND the owner's user record (active, same tenant), and returns the
// principal with the owner's CURRENT role, so a role change, deactivation,
// revocation or password change applies on the very next request. Every
// failure is ErrUnauthenticated (no detail leaks). On success it refreshes
// last_used_at at most once per LastUsedGranularity with CompareAndPut (a
// lost race is ignored; no event is written).
func (a *Authenticator) Authenticate(ctx context.Context, bearer string) (domain.Principal, error) {
	key, err := BearerToken(bearer)
	if err != nil {
		return domain.Principal{}, err
	}
	id, secret, err := ParseKey(key)
	if err != nil {
		return domain.Principal{}, err
	}
	rec, cred, err := a.key(ctx, id)
	if err != nil {
		return domain.Principal{}, err
	}
	if !secretMatches(secret, cred.SecretHash) {
		return domain.Principal{}, fmt.Errorf("key secret mismatch: %w", domain.ErrUnauthenticated)
	}
	now := a.now()
	p, err := a.principal(ctx, rec.Kind, cred, now)
	if err != nil {
		return domain.Principal{}, err
	}
	a.touch(ctx, rec, cred, now)
	return p, nil
}

// PrincipalForKey re-validates an already authenticated key id (used by
// ticket consumption): key record valid and owner active.
func (a *Authenticator) PrincipalForKey(ctx context.Context, keyID string) (domain.Principal, error) {
	rec, cred, err := a.key(ctx, keyID)
	if err != nil {
		return domain.Principal{}, err
	}
	return a.principal(ctx, rec.Kind, cred, a.now())
}

// key reads and decodes the record of key id; a failure is unauthenticated.
func (a *Authenticator) key(ctx context.Context, id string) (events.Record, KeyCredential, error) {
	rec, err := a.Records.GetRecord(ctx, KeyRecordKey(id))
	if err != nil {
		return rec, KeyCredential{}, unauth("key lookup", err)
	}
	cred, err := DecodeKey(rec)
	if err != nil {
		return rec, cred, unauth("key record", err)
	}
	return rec, cred, nil
}

func (a *Authenticator) principal(ctx context.Context, kind string, cred KeyCredential, now time.Time) (domain.Principal, error) {
	switch {
	case cred.RevokedAt != nil:
		return domain.Principal{}, fmt.Errorf("key revoked: %w", domain.ErrUnauthenticated)
	case cred.ExpiresAt != nil && !now.Before(*cred.ExpiresAt):
		return domain.Principal{}, fmt.Errorf("key expired: %w", domain.ErrUnauthenticated)
	}
	urec, err := a.Records.GetRecord(ctx, UserRecordKey(cred.OwnerID))
	if err != nil {
		return domain.Principal{}, unauth("owner lookup", err)
	}
	u, err := DecodeUser(urec)
	if err != nil {
		return domain.Principal{}, unauth("owner record", err)
	}
	switch {
	case u.Status != identity.StatusActive:
		return domain.Principal{}, fmt.Errorf("owner deactivated: %w", domain.ErrUnauthenticated)
	case u.TenantID != cred.TenantID:
		return domain.Principal{}, fmt.Errorf("owner moved tenant: %w", domain.ErrUnauthenticated)
	case !u.Role.Valid():
		return domain.Principal{}, fmt.Errorf("owner role %q: %w", u.Role, domain.ErrUnauthenticated)
	case kind == KindSession && cred.SessionEpoch < u.SessionEpoch:
		return domain.Principal{}, fmt.Errorf("session superseded: %w", domain.ErrUnauthenticated)
	}
	suspended, err := TenantSuspended(ctx, a.Records, u.TenantID)
	if err != nil {
		return domain.Principal{}, err
	}
	return domain.Principal{UserID: u.UserID, TenantID: u.TenantID, Role: u.Role, KeyID: cred.KeyID, TenantSuspended: suspended}, nil
}

func (a *Authenticator) touch(ctx context.Context, rec events.Record, cred KeyCredential, now time.Time) {
	if cred.LastUsedAt != nil && now.Sub(*cred.LastUsedAt) < LastUsedGranularity {
		return
	}
	t := now.Truncate(time.Second)
	cred.LastUsedAt = &t
	next, err := KeyRecord(rec.Kind, cred)
	if err != nil {
		return
	}
	// Best effort: a concurrent request or a revocation (which rewrites the
	// record) wins the race; either way last_used_at is fresh enough.
	_, _ = a.Records.CompareAndPut(ctx, next, rec.Rev)
}

// LastUsed returns the key's last_used_at (nil if never used); for the
// read side, which has no event for it.
func LastUsed(ctx context.Context, records events.Records, keyID string) (*time.Time, error) {
	rec, err := records.GetRecord(ctx, KeyRecordKey(keyID))
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", keyID, err)
	}
	c, err := DecodeKey(rec)
	if err != nil {
		return nil, err
	}
	return c.LastUsedAt, nil
}

func unauth(what string, err error) error {
	if errors.Is(err, events.ErrNotFound) {
		return fmt.Errorf("%s: unknown: %w", what, domain.ErrUnauthenticated)
	}
	// Store failures are not the caller's fault: keep them 5xx-shaped but
	// never authenticate.
	return fmt.Errorf("%s: %w", what, err)
}
