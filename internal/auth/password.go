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

// DefaultHashMemoryBudget bounds the memory that concurrent argon2id
// computations of one Hasher may hold: 64 MiB, three DefaultParams hashes
// at a time. A Lambda instance serves one request at a time, so the bound
// matters for the local runtime, which serves every request in one process.
const DefaultHashMemoryBudget = 64 << 20

// DefaultHashWait is how long a hash waits for a free slot before it
// fails with ErrHasherBusy.
const DefaultHashWait = 2 * time.Second

// ErrHasherBusy is returned when every argon2id slot stayed taken for the
// Hasher's Wait: the request is answered 503 with Retry-After, never
// queued without bound (each waiting hash would pin its request's memory
// and an attacker's requests would crowd out everyone else's).
var ErrHasherBusy = fmt.Errorf("password hashing is at capacity, retry shortly: %w", domain.ErrUnavailable)

// Hasher hashes and verifies passwords with argon2id. The zero value uses
// DefaultParams, DefaultHashMemoryBudget and DefaultHashWait. At most
// MemoryBudget / (the parameters' memory) hashes (at least one) run at
// once; the others wait up to Wait, then fail with ErrHasherBusy.
type Hasher struct {
	Params Params
	// MemoryBudget is the memory concurrent hashes may use (0: default).
	MemoryBudget int64
	// Wait bounds the wait for a slot (0: default).
	Wait time.Duration

	once  sync.Once
	dummy string

	semOnce sync.Once
	sem     chan struct{}
}

// Slots is the number of hashes that may run at once.
func (h *Hasher) Slots() int {
	h.semOnce.Do(func() {
		budget := h.MemoryBudget
		if budget <= 0 {
			budget = DefaultHashMemoryBudget
		}
		n := int(budget / (int64(h.params().MemoryKiB) * 1024))
		h.sem = make(chan struct{}, max(1, n))
	})
	return cap(h.sem)
}

// acquire takes a slot for a hash of memKiB (a stored hash may carry other
// parameters than h's: it takes as many slots as its memory needs, at most
// all of them). It returns the release function.
func (h *Hasher) acquire(memKiB uint32) (func(), error) {
	slots := h.Slots()
	per := int64(h.params().MemoryKiB) * 1024
	need := min(slots, max(1, int((int64(memKiB)*1024+per-1)/per)))
	wait := h.Wait
	if wait <= 0 {
		wait = DefaultHashWait
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for got := 0; got < need; got++ {
		select {
		case h.sem <- struct{}{}:
		case <-t.C:
			for ; got > 0; got-- {
				<-h.sem
			}
			return nil, ErrHasherBusy
		}
	}
	return func() {
		for i := 0; i < need; i++ {
			<-h.sem
		}
	}, nil
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
	release, err := h.acquire(p.MemoryKiB)
	if err != nil {
		return "", err
	}
	defer release()
	return phc(p, salt, argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)), nil
}

// phc encodes an argon2id hash as a PHC string.
func phc(p Params, salt, sum []byte) string {
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(sum))
}

// Verify reports whether password matches the PHC hash, comparing in
// constant time with the hash's own parameters. It fails with
// ErrHasherBusy when no slot freed up within Wait.
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
	release, err := h.acquire(m)
	if err != nil {
		return false, err
	}
	defer release()
	got := argon2.IDKey([]byte(password), salt, t, m, th, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// VerifyDummy spends the same work as Verify against a real hash and
// returns false: used for unknown e-mails so that an unknown account and a
// wrong password cost the same and answer the same 401. Its only error is
// ErrHasherBusy.
func (h *Hasher) VerifyDummy(password string) error {
	h.once.Do(func() {
		// a fixed salt: the dummy needs no secrecy, only the same cost
		p := h.params()
		salt := make([]byte, p.SaltLen)
		h.dummy = phc(p, salt, argon2.IDKey([]byte("dummy password that never matches"), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen))
	})
	if _, err := h.Verify(password, h.dummy); errors.Is(err, ErrHasherBusy) {
		return err
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
