// Package connections is the WebSocket connection store: connections with
// the principal that opened them, their channel subscriptions (looked up by
// channel for fan-out), the reverse index used to clean a connection up, the
// lookups by user and by API key used to close a revoked principal's
// connections, and the per-connection control-message rate counter.
//
// The port is Store. Adapters: Embedded (in memory, the local default) and
// Dynamo (the spec.Connections table). Both pass connectionstest.Run.
//
// Channel names live here too (channel.go): parsing a name against the
// channel kinds the contexts declare, the rights check of a subscription and
// the automatic channels of a principal, because a subscription is stored
// only as a parsed, authorized channel.
package connections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/infra/spec"
)

// Limits of the WebSocket protocol (docs/websocket.md).
const (
	// MaxSubscriptions is the most channels one connection may hold.
	MaxSubscriptions = 50
	// RateLimit control messages are allowed per connection per RateWindow.
	RateLimit  = 10
	RateWindow = 10 * time.Second
	// TTL is how long a connection record lives: past API Gateway's 2-hour
	// connection limit, so a connection whose $disconnect never ran is
	// removed by the table's TTL (and is invisible to reads once expired).
	TTL = spec.WSMaxConnDuration + 15*time.Minute
)

// Errors of the store. ErrNotFound wraps domain.ErrNotFound.
var (
	ErrNotFound = fmt.Errorf("connection %w", domain.ErrNotFound)
	ErrLimit    = errors.New("subscription limit reached")
)

// Connection is one open WebSocket connection and the principal that opened
// it (as the $connect authorizer resolved it).
type Connection struct {
	ID          string
	UserID      string
	TenantID    string
	Role        domain.Role
	KeyID       string // "" when the principal had no key id
	ConnectedAt time.Time
	ExpiresAt   time.Time // records are invisible once ExpiresAt <= now
}

// Principal returns the connection's principal.
func (c Connection) Principal() domain.Principal {
	return domain.Principal{UserID: c.UserID, TenantID: c.TenantID, Role: c.Role, KeyID: c.KeyID}
}

// New returns a connection record for a principal, expiring TTL after now.
func New(id string, p domain.Principal, now time.Time) Connection {
	now = now.UTC()
	return Connection{ID: id, UserID: p.UserID, TenantID: p.TenantID, Role: p.Role, KeyID: p.KeyID,
		ConnectedAt: now, ExpiresAt: now.Add(TTL)}
}

// Subscriber is one connection subscribed to a channel, with the principal
// it was opened by (so a sender can re-check rights without another read).
type Subscriber struct {
	ConnectionID string
	UserID       string
	TenantID     string
	Role         domain.Role
	KeyID        string
}

// Decision is the outcome of a rate-limit check.
type Decision struct {
	Allowed    bool
	RetryAfter time.Duration // > 0 when !Allowed: until the window ends
}

// Store is the connection store port. Every method is safe for concurrent
// use, including from several processes sharing one table (Lambda instances):
// the subscription limit and the rate counter are enforced atomically by the
// store, not by the caller.
type Store interface {
	// Put records a connection (overwriting one with the same id).
	Put(ctx context.Context, c Connection) error
	// Get returns a live connection or ErrNotFound.
	Get(ctx context.Context, id string) (Connection, error)
	// Delete removes a connection, all its subscriptions and its counters.
	// Deleting a missing connection is not an error (idempotent).
	Delete(ctx context.Context, id string) error
	// Subscribe adds a channel to a connection. It reports false (and no
	// error) when the connection was already subscribed; ErrLimit when the
	// connection holds MaxSubscriptions channels; ErrNotFound when the
	// connection does not exist.
	Subscribe(ctx context.Context, id, channel string) (added bool, err error)
	// Unsubscribe removes a channel; false when it was not subscribed;
	// ErrNotFound when the connection does not exist.
	Unsubscribe(ctx context.Context, id, channel string) (removed bool, err error)
	// Channels lists a connection's channels, sorted; ErrNotFound if missing.
	Channels(ctx context.Context, id string) ([]string, error)
	// ByChannel lists the live subscribers of a channel (any order).
	ByChannel(ctx context.Context, channel string) ([]Subscriber, error)
	// ByUser lists the ids of a user's live connections (any order).
	ByUser(ctx context.Context, userID string) ([]string, error)
	// ByKey lists the ids of the live connections opened with an API key.
	ByKey(ctx context.Context, keyID string) ([]string, error)
	// Allow counts one control message of a connection in the fixed window
	// containing now and reports whether it is within RateLimit. A refused
	// message is not counted. Atomic across processes.
	Allow(ctx context.Context, id string, now time.Time) (Decision, error)
}

// window returns the fixed rate window number containing now and the time
// left until it ends.
func window(now time.Time) (int64, time.Duration) {
	n := now.UnixNano() / int64(RateWindow)
	end := time.Unix(0, (n+1)*int64(RateWindow))
	return n, end.Sub(now)
}
