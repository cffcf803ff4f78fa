// Package auditapp is the audit-trail context: a projection that keeps one
// read-model entry per event of a tenant, and GET /api/audit that lists,
// filters and exports them. It is a context module: its route is declared in
// contexts.Audit, its projection and query handler are added by the wiring
// root (internal/wire) to the projector and the queries function.
//
// Layout (ReadModel table):
//
//	item   pk              sk                                gsi1pk                         gsi1sk
//	entry  audit#<tenant>  <occurred_at fixed width>#<event>  audit#<tenant>#<stream_id>     <version, 12 digits>
//
// so a tenant's trail is one partition in event-time order and a stream's
// history is one gsi1 partition in version order. Entries carry the event's
// payload, which by design never holds a secret or a hash (tests check every
// event type). People are stored by id; their names, and the summary that
// uses them, are resolved from the user read model when the trail is read,
// so a rebuilt trail equals the live one and a renamed person reads the
// same everywhere.
package auditapp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/identityapp"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// Actor kinds.
const (
	ActorUser   = "user"
	ActorSystem = "system"
)

// Actor is who caused an event. Requests made with an API key are the key
// owner's: the key acts for its user.
type Actor struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Kind        string `json:"kind"`
}

// Entry is one audit item: the resource GET /api/audit serves.
type Entry struct {
	EventID    string          `json:"event_id"`
	StreamID   string          `json:"stream_id"`
	Version    int64           `json:"version"`
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	TenantID   string          `json:"tenant_id"`
	Actor      Actor           `json:"actor"`
	Summary    string          `json:"summary"`
	Data       json.RawMessage `json:"data"`
}

// TimeLayout is the fixed-width event time inside the sort key.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// PK is the partition of a tenant's trail.
func PK(tenantID string) string { return "audit#" + tenantID }

// SK orders an entry in its tenant's trail.
func SK(at time.Time, eventID string) string { return at.UTC().Format(TimeLayout) + "#" + eventID }

// SKBound is a sort-key bound at t.
func SKBound(t time.Time) string { return t.UTC().Format(TimeLayout) }

// StreamGSI1PK lists one stream's entries.
func StreamGSI1PK(tenantID, streamID string) string { return "audit#" + tenantID + "#" + streamID }

// StreamGSI1SK orders a stream's entries by version.
func StreamGSI1SK(version int64) string { return fmt.Sprintf("%012d", version) }

// Projections keeps the trail: one projection, consuming every event that
// names a tenant. Writing an entry is idempotent (one item per event,
// conditional on the event's version), so redelivery changes nothing. It
// runs after the identity projections, so names resolve to the state the
// event produced.
var Projections = []projection.Projection{{Name: "audit", Match: func(e events.Envelope) bool { return e.TenantID != "" }, Apply: apply}}

func apply(ctx context.Context, m readmodel.Store, e events.Envelope) error {
	entry := Entry{EventID: e.EventID, StreamID: e.StreamID, Version: e.Version, Type: e.Type,
		OccurredAt: e.OccurredAt.UTC(), TenantID: e.TenantID, Actor: actorOf(e.Actor), Data: e.Data}
	b, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	// Put is a no-op for an entry already written (redelivery).
	if _, err = m.Put(ctx, readmodel.Item{PK: PK(e.TenantID), SK: SK(e.OccurredAt, e.EventID),
		GSI1PK: StreamGSI1PK(e.TenantID, e.StreamID), GSI1SK: StreamGSI1SK(e.Version),
		SourceStream: e.StreamID, SourceVersion: e.Version, Body: b}); err != nil {
		return err
	}
	if e.Type == identity.UserErased {
		return scrub(ctx, m, e)
	}
	return nil
}

func actorOf(id string) Actor {
	if id == "" || id == domain.SystemActor {
		return Actor{ID: domain.SystemActor, DisplayName: "System", Kind: ActorSystem}
	}
	return Actor{ID: id, Kind: ActorUser}
}

// Render completes a stored entry for reading: the actor's display name and
// the summary, with names as the user read model has them now.
func Render(ctx context.Context, m readmodel.Store, e *Entry, names *Names) error {
	if e.Actor.Kind == ActorUser {
		e.Actor.DisplayName = names.user(ctx, m, e.Actor.ID)
	}
	e.Summary = summarize(ctx, m, *e, names)
	return names.err
}

// Names looks up people's display names in the user read model, once per
// id for a whole listing. The first store error is kept; a missing user
// shows its id.
type Names struct {
	cache map[string]string
	err   error
}

func (n *Names) user(ctx context.Context, m readmodel.Store, id string) string {
	if id == "" {
		return "someone"
	}
	if v, ok := n.cache[id]; ok {
		return v
	}
	name := id
	it, err := m.Get(ctx, identityapp.UserPK(id), identityapp.SKUser)
	switch {
	case err == nil:
		var u identityapp.User
		if json.Unmarshal(it.Body, &u) == nil && u.DisplayName != "" {
			name = u.DisplayName
		}
	case !readmodel.IsNotFound(err) && n.err == nil:
		n.err = fmt.Errorf("audit: resolve user %s: %w", id, err)
	}
	if n.cache == nil {
		n.cache = map[string]string{}
	}
	n.cache[id] = name
	return name
}

// payload is the union of the fields summaries use.
type payload struct {
	Name        string `json:"name"`
	UserID      string `json:"user_id"`
	OwnerID     string `json:"owner_id"`
	KeyID       string `json:"key_id"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	OldRole     string `json:"old_role"`
	Reason      string `json:"reason"`
	Urgent      bool   `json:"urgent"`
	Raw         string `json:"raw"`
}

// summarize is one human sentence about the event, written for an operator.
func summarize(ctx context.Context, m readmodel.Store, e Entry, n *Names) string {
	var d payload
	_ = json.Unmarshal(e.Data, &d) // a payload without these fields still gets a sentence
	who := e.Actor.DisplayName
	user := func(id string) string { return n.user(ctx, m, id) }
	switch e.Type {
	case identity.TenantCreated:
		return fmt.Sprintf("%s created tenant %q", who, d.Name)
	case identity.TenantRenamed:
		return fmt.Sprintf("%s renamed the tenant to %q", who, d.Name)
	case identity.TenantSuspended:
		return fmt.Sprintf("%s suspended the tenant", who)
	case identity.TenantReactivated:
		return fmt.Sprintf("%s reactivated the tenant", who)
	case identity.UserCreated:
		return fmt.Sprintf("%s created %s as %s", who, d.DisplayName, d.Role)
	case identity.UserRoleChanged:
		return fmt.Sprintf("%s changed %s's role from %s to %s", who, user(d.UserID), d.OldRole, d.Role)
	case identity.UserDeactivated:
		return fmt.Sprintf("%s deactivated %s", who, user(d.UserID))
	case identity.UserReactivated:
		return fmt.Sprintf("%s reactivated %s", who, user(d.UserID))
	case identity.UserPasswordChanged:
		return fmt.Sprintf("%s changed %s's password", who, user(d.UserID))
	case identity.UserProfileUpdated:
		return fmt.Sprintf("%s changed a display name to %s", who, d.DisplayName)
	case identity.UserErased:
		return fmt.Sprintf("%s erased the personal data of %s", who, user(d.UserID))
	case identity.APIKeyCreated:
		return fmt.Sprintf("%s created API key %q for %s", who, d.Name, user(d.OwnerID))
	case identity.APIKeyRevoked:
		return fmt.Sprintf("%s revoked API key sk_%s of %s", who, d.KeyID, user(d.OwnerID))
	case pirep.EventSubmitted:
		kind := "a routine"
		if d.Urgent {
			kind = "an urgent"
		}
		return fmt.Sprintf("%s submitted %s PIREP: %s", who, kind, d.Raw)
	case pirep.EventRetracted:
		return fmt.Sprintf("%s retracted a PIREP: %s", who, d.Reason)
	}
	return fmt.Sprintf("%s: %s", who, strings.ReplaceAll(e.Type, ".", " "))
}
