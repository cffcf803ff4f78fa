package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
)

// Params are argon2id parameters. DefaultParams follow the OWASP Password
// Storage Cheat Sheet's first argon2id option (m=19 MiB, t=2, p=1), sized
// for a 512 MB Lambda: about 19 MiB per concurrent hash and a few tens of
// milliseconds on one vCPU. The parameters are stored in each hash (PHC
// string), so they can be raised later without invalidating old hashes.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	SaltLen   int
	KeyLen    uint32
}

// DefaultParams is used in production.
var DefaultParams = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Hasher hashes and verifies passwords with argon2id. The zero value uses
// DefaultParams.
type Hasher struct {
	Params Params

	once  sync.Once
	dummy string
}

func (h *Hasher) params() Params {
	if h.Params.MemoryKiB == 0 {
		return DefaultParams
	}
	return h.Params
}

// Hash returns a PHC string: $argon2id$v=19$m=<KiB>,t=<n>,p=<n>$<salt>$<hash>
// (base64 without padding).
func (h *Hasher) Hash(password string) (string, error) {
	p := h.params()
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	sum := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
}

// Verify reports whether password matches the PHC hash, comparing in
// constant time with the hash's own parameters.
func (h *Hasher) Verify(password, phc string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password hash: not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errors.New("password hash: unsupported version")
	}
	var m, t uint32
	var th uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || m == 0 || t == 0 || th == 0 {
		return false, errors.New("password hash: bad parameters")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errors.New("password hash: bad encoding")
	}
	got := argon2.IDKey([]byte(password), salt, t, m, th, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// VerifyDummy spends the same work as Verify against a real hash and
// returns false: used for unknown e-mails so that an unknown account and a
// wrong password cost the same and answer the same 401.
func (h *Hasher) VerifyDummy(password string) {
	h.once.Do(func() {
		d, err := h.Hash("dummy password that never matches")
		if err == nil {
			h.dummy = d
		}
	})
	if h.dummy != "" {
		_, _ = h.Verify(password, h.dummy)
	}
}

// Login throttling: at most MaxLoginFailures failed logins per e-mail in a
// LoginWindow (fixed window from the first failure). Unknown e-mails are
// throttled the same way so that throttling does not reveal accounts.
const (
	MaxLoginFailures = 5
	LoginWindow      = 15 * time.Minute
)

type loginFailures struct {
	Count       int       `json:"count"`
	WindowStart time.Time `json:"window_start"`
}

// CheckLoginThrottle returns a *domain.RateLimitError (429 with
// Retry-After) when email has MaxLoginFailures failures in the current
// window.
func CheckLoginThrottle(ctx context.Context, records events.Records, email string, now time.Time) error {
	rec, err := records.GetRecord(ctx, loginFailKey(email))
	if errors.Is(err, events.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	f, err := decode[loginFailures](rec, KindLoginFail)
	if err != nil {
		return err
	}
	end := f.WindowStart.Add(LoginWindow)
	if f.Count >= MaxLoginFailures && now.Before(end) {
		secs := int(end.Sub(now).Seconds()) + 1
		return &domain.RateLimitError{RetryAfterSeconds: secs, Reason: "too many failed logins"}
	}
	return nil
}

// RecordLoginFailure counts a failed login for email (CompareAndPut, retried
// on a lost race).
func RecordLoginFailure(ctx context.Context, records events.Records, email string, now time.Time) error {
	key := loginFailKey(email)
	for attempt := 0; attempt < 5; attempt++ {
		var rev int64
		f := loginFailures{WindowStart: now}
		rec, err := records.GetRecord(ctx, key)
		switch {
		case err == nil:
			old, derr := decode[loginFailures](rec, KindLoginFail)
			if derr == nil && now.Before(old.WindowStart.Add(LoginWindow)) {
				f = old
			}
			rev = rec.Rev
		case !errors.Is(err, events.ErrNotFound):
			return fmt.Errorf("login throttle: %w", err)
		}
		f.Count++
		exp := f.WindowStart.Add(LoginWindow)
		next, err := record(key, KindLoginFail, f, &exp)
		if err != nil {
			return err
		}
		if _, err := records.CompareAndPut(ctx, next, rev); err == nil {
			return nil
		} else if !errors.Is(err, events.ErrVersionConflict) {
			return fmt.Errorf("login throttle: %w", err)
		}
	}
	return fmt.Errorf("login throttle: contention: %w", domain.ErrUnavailable)
}

// ClearLoginFailures forgets failures after a successful login.
func ClearLoginFailures(ctx context.Context, records events.Records, email string) error {
	_, err := records.TakeRecord(ctx, loginFailKey(email))
	if err != nil && !errors.Is(err, events.ErrNotFound) {
		return fmt.Errorf("login throttle: %w", err)
	}
	return nil
}

// SessionTTL is the lifetime of a session key issued by login.
const SessionTTL = 12 * time.Hour

// IssueSession writes a session key for user (a record only, no event)
// carrying the user's current session epoch, and returns the full key and
// its expiry. The record expires with the session.
func IssueSession(ctx context.Context, records events.Records, u UserCredential, now time.Time) (key string, expiresAt time.Time, err error) {
	id, secret, full, err := NewKey()
	if err != nil {
		return "", time.Time{}, err
	}
	expiresAt = now.UTC().Add(SessionTTL).Truncate(time.Second)
	rec, err := KeyRecord(KindSession, KeyCredential{KeyID: id, OwnerID: u.UserID, TenantID: u.TenantID,
		SecretHash: HashSecret(secret), ExpiresAt: &expiresAt, SessionEpoch: u.SessionEpoch})
	if err != nil {
		return "", time.Time{}, err
	}
	if _, err := records.CompareAndPut(ctx, rec, 0); err != nil {
		return "", time.Time{}, fmt.Errorf("store session: %w", err)
	}
	return full, expiresAt, nil
}
