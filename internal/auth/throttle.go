package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
)

// Login throttling policy (docs/security.md). No lockout: a failed login
// only ever delays the next attempts, with Retry-After, and a correct
// password is never refused once the delay has passed.
//
//   - Per e-mail: after EmailFreeFailures failures, each further failure
//     delays the next attempt for that e-mail by 1 s, 2 s, 4 s, … up to
//     MaxLoginDelay. Addresses that signed in to the e-mail successfully in
//     the last KnownAddressTTL are exempt, so an attacker elsewhere cannot
//     hold the account's owner back.
//   - Per client address (API Gateway's sourceIp): after AddrFreeFailures
//     failures, whatever the e-mails, the same growing delay applies to
//     every login from that address.
//
// Counters are forgotten FailureWindow after the last failure (plus the
// delay in force). A success clears the e-mail's counter and remembers the
// address. Unknown e-mails are counted like known ones, so throttling does
// not reveal which accounts exist. The state lives in expiring records
// (the Records table's TTL in AWS, MemoryRecords locally), never in the
// event log.
const (
	EmailFreeFailures = 5
	AddrFreeFailures  = 20
	FirstLoginDelay   = time.Second
	MaxLoginDelay     = 15 * time.Minute
	FailureWindow     = 15 * time.Minute
	KnownAddressTTL   = 30 * 24 * time.Hour
	maxKnownAddresses = 16
)

// LoginDelay is the delay after the n-th failure when the first free
// failures are free: 0 up to free, then FirstLoginDelay doubling per
// failure, at most MaxLoginDelay.
func LoginDelay(n, free int) time.Duration {
	if n < free {
		return 0
	}
	d := FirstLoginDelay
	for i := free; i < n && d < MaxLoginDelay; i++ {
		d *= 2
	}
	return min(d, MaxLoginDelay)
}

type failures struct {
	Count int       `json:"count"`
	Last  time.Time `json:"last"`
}

type knownAddrs struct {
	Addrs map[string]time.Time `json:"addrs"` // sha256(address) -> last success
}

// LoginThrottle keeps the throttle state in Records, a store whose
// records expire. Safe for concurrent use.
type LoginThrottle struct {
	Records events.Records
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func emailThrottleKey(email string) string { return "throttle#email#" + digest(email) }
func addrThrottleKey(addr string) string   { return "throttle#addr#" + digest(addr) }
func knownKey(email string) string         { return "known#" + digest(email) }

// Check returns a *domain.RateLimitError (429, Retry-After) while a delay
// is in force for email (from an address not known to it) or for addr.
func (t LoginThrottle) Check(ctx context.Context, email, addr string, now time.Time) error {
	wait, err := t.wait(ctx, addrThrottleKey(addr), AddrFreeFailures, now)
	if err != nil {
		return err
	}
	ew, err := t.wait(ctx, emailThrottleKey(email), EmailFreeFailures, now)
	if err != nil {
		return err
	}
	if ew > wait {
		known, err := t.known(ctx, email, addr, now)
		if err != nil {
			return err
		}
		if !known {
			wait = ew
		}
	}
	if wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		return &domain.RateLimitError{RetryAfterSeconds: secs, Reason: "too many failed logins, retry later"}
	}
	return nil
}

func (t LoginThrottle) wait(ctx context.Context, key string, free int, now time.Time) (time.Duration, error) {
	rec, err := t.Records.GetRecord(ctx, key)
	if errors.Is(err, events.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("login throttle: %w", err)
	}
	f, err := decode[failures](rec, KindThrottle)
	if err != nil {
		return 0, err
	}
	until := f.Last.Add(LoginDelay(f.Count, free))
	return max(0, until.Sub(now)), nil
}

func (t LoginThrottle) known(ctx context.Context, email, addr string, now time.Time) (bool, error) {
	rec, err := t.Records.GetRecord(ctx, knownKey(email))
	if errors.Is(err, events.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("login throttle: %w", err)
	}
	k, err := decode[knownAddrs](rec, KindKnown)
	if err != nil {
		return false, err
	}
	at, ok := k.Addrs[digest(addr)]
	return ok && now.Sub(at) < KnownAddressTTL, nil
}

// Failure counts a failed login for email and addr.
func (t LoginThrottle) Failure(ctx context.Context, email, addr string, now time.Time) error {
	return errors.Join(t.count(ctx, emailThrottleKey(email), EmailFreeFailures, now),
		t.count(ctx, addrThrottleKey(addr), AddrFreeFailures, now))
}

// Success clears email's failures and remembers addr as known to it.
func (t LoginThrottle) Success(ctx context.Context, email, addr string, now time.Time) error {
	_, err := t.Records.TakeRecord(ctx, emailThrottleKey(email))
	if err != nil && !errors.Is(err, events.ErrNotFound) {
		return fmt.Errorf("login throttle: %w", err)
	}
	return t.update(ctx, knownKey(email), func(rec *events.Record, found bool) error {
		k := knownAddrs{}
		if found {
			k, _ = decode[knownAddrs](*rec, KindKnown)
		}
		if k.Addrs == nil {
			k.Addrs = map[string]time.Time{}
		}
		k.Addrs[digest(addr)] = now.UTC()
		for len(k.Addrs) > maxKnownAddresses { // forget the oldest
			oldest, at := "", now
			for a, t := range k.Addrs {
				if !t.After(at) {
					oldest, at = a, t
				}
			}
			delete(k.Addrs, oldest)
		}
		exp := now.Add(KnownAddressTTL)
		next, err := record(rec.Key, KindKnown, k, &exp)
		*rec = next
		return err
	})
}

func (t LoginThrottle) count(ctx context.Context, key string, free int, now time.Time) error {
	return t.update(ctx, key, func(rec *events.Record, found bool) error {
		f := failures{}
		if found {
			f, _ = decode[failures](*rec, KindThrottle)
		}
		f.Count++
		f.Last = now.UTC()
		exp := now.Add(FailureWindow + LoginDelay(f.Count, free))
		next, err := record(rec.Key, KindThrottle, f, &exp)
		*rec = next
		return err
	})
}

// update applies fn to the record at key with CompareAndPut, retrying lost
// races.
func (t LoginThrottle) update(ctx context.Context, key string, fn func(rec *events.Record, found bool) error) error {
	for attempt := 0; attempt < 8; attempt++ {
		rec, err := t.Records.GetRecord(ctx, key)
		found := err == nil
		if err != nil && !errors.Is(err, events.ErrNotFound) {
			return fmt.Errorf("login throttle: %w", err)
		}
		rev := int64(0)
		if found {
			rev = rec.Rev
		}
		rec.Key = key
		if err := fn(&rec, found); err != nil {
			return err
		}
		if _, err := t.Records.CompareAndPut(ctx, rec, rev); err == nil {
			return nil
		} else if !errors.Is(err, events.ErrVersionConflict) {
			return fmt.Errorf("login throttle: %w", err)
		}
	}
	return fmt.Errorf("login throttle: contention: %w", domain.ErrUnavailable)
}
