package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
)

// TicketTTL is how long a WebSocket ticket stays valid.
const TicketTTL = 60 * time.Second

const (
	ticketBytes  = 32
	ticketChars  = 43
	ticketPrefix = "wst_"
)

type ticketData struct {
	UserID    string    `json:"user_id"`
	TenantID  string    `json:"tenant_id"`
	KeyID     string    `json:"key_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

func ticketKey(ticket string) string { return "ticket#" + HashSecret(ticket) }

// HideHash returns err with every occurrence of hash in its text replaced
// by "<hash>"; errors.Is and errors.As still see err's chain. Store errors
// name record keys, and keys derived from a secret (ticket#<sha256 of the
// ticket>, the Idempotency-Key record id) must not reach a log or a
// response body through an error's text. A nil err stays nil.
func HideHash(err error, hash string) error {
	if err == nil || hash == "" {
		return err
	}
	return hashHidden{err: err, hash: hash}
}

type hashHidden struct {
	err  error
	hash string
}

func (h hashHidden) Error() string { return strings.ReplaceAll(h.err.Error(), h.hash, "<hash>") }
func (h hashHidden) Unwrap() error { return h.err }

func hideHash(err error, ticket string) error { return HideHash(err, HashSecret(ticket)) }

// IssueTicket stores a one-time WebSocket ticket for p (only its SHA-256 is
// stored, as ticket#<hash>, expiring after TicketTTL) and returns it.
func IssueTicket(ctx context.Context, records events.Records, p domain.Principal, now time.Time) (ticket string, expiresAt time.Time, err error) {
	b := make([]byte, ticketBytes)
	if _, err := rand.Read(b); err != nil {
		return "", time.Time{}, fmt.Errorf("ticket: %w", err)
	}
	ticket = ticketPrefix + base64.RawURLEncoding.EncodeToString(b)
	expiresAt = now.UTC().Add(TicketTTL).Truncate(time.Millisecond)
	rec, err := record(ticketKey(ticket), KindTicket, ticketData{UserID: p.UserID, TenantID: p.TenantID, KeyID: p.KeyID, ExpiresAt: expiresAt}, &expiresAt)
	if err != nil {
		return "", time.Time{}, err
	}
	if _, err := records.CompareAndPut(ctx, rec, 0); err != nil {
		return "", time.Time{}, fmt.Errorf("store ticket: %w", hideHash(err, ticket))
	}
	return ticket, expiresAt, nil
}

// ConsumeTicket takes the ticket (exactly one caller succeeds, TakeRecord),
// checks its expiry, and re-validates the key it was issued with and the
// owner (active, current role). Every failure is ErrUnauthenticated.
func (a *Authenticator) ConsumeTicket(ctx context.Context, ticket string) (domain.Principal, error) {
	if len(ticket) != len(ticketPrefix)+ticketChars || ticket[:len(ticketPrefix)] != ticketPrefix {
		return domain.Principal{}, fmt.Errorf("malformed ticket: %w", domain.ErrUnauthenticated)
	}
	store := a.Tickets
	if store == nil {
		store = a.Records
	}
	rec, err := store.TakeRecord(ctx, ticketKey(ticket))
	if err != nil {
		if errors.Is(err, events.ErrNotFound) {
			return domain.Principal{}, fmt.Errorf("unknown or used ticket: %w", domain.ErrUnauthenticated)
		}
		return domain.Principal{}, fmt.Errorf("take ticket: %w", hideHash(err, ticket))
	}
	t, err := decode[ticketData](rec, KindTicket)
	if err != nil {
		return domain.Principal{}, unauth("ticket", hideHash(err, ticket))
	}
	if !a.now().Before(t.ExpiresAt) {
		return domain.Principal{}, fmt.Errorf("ticket expired: %w", domain.ErrUnauthenticated)
	}
	p, err := a.PrincipalForKey(ctx, t.KeyID)
	if err != nil {
		return domain.Principal{}, err
	}
	if p.UserID != t.UserID {
		return domain.Principal{}, fmt.Errorf("ticket owner mismatch: %w", domain.ErrUnauthenticated)
	}
	return p, nil
}
