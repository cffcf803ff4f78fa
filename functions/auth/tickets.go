package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
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
		return "", time.Time{}, fmt.Errorf("store ticket: %w", err)
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
	rec, err := a.Records.TakeRecord(ctx, ticketKey(ticket))
	if err != nil {
		if errors.Is(err, events.ErrNotFound) {
			return domain.Principal{}, fmt.Errorf("unknown or used ticket: %w", domain.ErrUnauthenticated)
		}
		return domain.Principal{}, fmt.Errorf("take ticket: %w", err)
	}
	t, err := decode[ticketData](rec, KindTicket)
	if err != nil {
		return domain.Principal{}, unauth("ticket", err)
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
