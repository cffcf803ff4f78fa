package notify

import (
	"encoding/json"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/connections"
)

// Data is an event payload as raw fields.
type Data map[string]json.RawMessage

// Str returns a string field ("" when absent or not a string).
func (d Data) Str(k string) string {
	var s string
	if v, ok := d[k]; ok {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

// ChannelFunc names the channel of a target for one event ("" = none).
type ChannelFunc func(env events.Envelope, d Data) string

// Target is one channel an event goes to, with the payload each audience
// of that channel receives. Payloads are allowlists of data fields: a field
// not listed never leaves the server. Members is what an ordinary
// subscriber of the channel receives (nil: nothing). Admins, when non-nil,
// replaces Members for admin subscribers (platform_admin, or tenant_admin of
// the channel's tenant). AllFields passes every field (PIREPs, which every
// tenant member may read in full).
type Target struct {
	Channel ChannelFunc
	Members []string
	Admins  []string
}

// AllFields as a Members/Admins value passes the payload unfiltered.
var AllFields = []string{"*"}

// Closer selects connections to close for an event: by user id, by key id,
// or by tenant (the tenant's own members, found on tenant:{id}:updates, to
// which every connection of the tenant is subscribed).
type Closer struct {
	By string // "user", "key" or "tenant"
	ID func(env events.Envelope, d Data) string
	// Before: close before delivering the event (revocation,
	// deactivation: the principal receives nothing more). After: deliver,
	// then close (role change: the client learns why, then reconnects
	// with its new rights).
	Before bool
}

// Route is how one event type is delivered.
type Route struct {
	Type    string
	Targets []Target
	Close   *Closer
	// Urgent, when set, adds the frame's "urgent" flag.
	Urgent func(d Data) bool
}

// TenantOf is the tenant an event concerns: its payload's tenant_id, else
// the envelope's.
func TenantOf(env events.Envelope, d Data) string {
	if t := d.Str("tenant_id"); t != "" {
		return t
	}
	return env.TenantID
}

func userUpdates(_ events.Envelope, d Data) string { return connections.UserUpdates(d.Str("user_id")) }
func ownerAPIKeys(_ events.Envelope, d Data) string {
	return connections.UserAPIKeys(d.Str("owner_id"))
}
func tenantUpdates(env events.Envelope, d Data) string {
	return connections.TenantUpdates(TenantOf(env, d))
}
func platformTenants(events.Envelope, Data) string { return connections.PlatformTenants }

// Field sets (see domain/identity/events.go for who may read what).
var (
	tenantFields                = []string{"tenant_id", "name", "platform", "created_by", "created_at", "renamed_by"}
	tenantStatusFields          = []string{"tenant_id", "status", "by"}
	tenantID                    = func(env events.Envelope, d Data) string { return TenantOf(env, d) }
	userFull                    = []string{"user_id", "tenant_id", "email", "display_name", "role", "status", "created_by", "created_at"}
	userPublic                  = []string{"user_id", "tenant_id", "display_name", "role", "status", "created_by", "created_at"}
	roleFields                  = []string{"user_id", "tenant_id", "old_role", "role", "changed_by"}
	statusFields                = []string{"user_id", "tenant_id", "by"}
	passwordFields              = []string{"user_id", "tenant_id", "sessions_revoked"}
	profileFields               = []string{"user_id", "tenant_id", "display_name", "by"}
	keyCreatedFields            = []string{"key_id", "tenant_id", "owner_id", "name", "prefix", "expires_at", "created_by", "created_at"}
	keyRevokedFields            = []string{"key_id", "tenant_id", "owner_id", "revoked_by", "revoked_at"}
	userID                      = func(_ events.Envelope, d Data) string { return d.Str("user_id") }
	keyID                       = func(_ events.Envelope, d Data) string { return d.Str("key_id") }
	_                           = identity.EventTypes
	onlyAdmins         []string = nil
)

// Routes is identity's channel table: event type -> channels -> payload
// filter.
// An event type not listed here is delivered nowhere. docs/websocket.md
// renders the same table for client authors.
var Routes = []Route{
	{Type: identity.TenantCreated, Targets: []Target{
		{Channel: platformTenants, Members: tenantFields},
		{Channel: tenantUpdates, Members: tenantFields}}},
	{Type: identity.TenantRenamed, Targets: []Target{
		{Channel: platformTenants, Members: tenantFields},
		{Channel: tenantUpdates, Members: tenantFields}}},
	// Suspension closes every socket of the tenant's own members first
	// (platform_admins watching the tenant keep theirs and get the frame).
	{Type: identity.TenantSuspended, Close: &Closer{By: "tenant", ID: tenantID, Before: true}, Targets: []Target{
		{Channel: platformTenants, Members: tenantStatusFields},
		{Channel: tenantUpdates, Members: tenantStatusFields}}},
	{Type: identity.TenantReactivated, Targets: []Target{
		{Channel: platformTenants, Members: tenantStatusFields},
		{Channel: tenantUpdates, Members: tenantStatusFields}}},
	{Type: identity.UserCreated, Targets: []Target{
		{Channel: userUpdates, Members: userFull},
		{Channel: tenantUpdates, Members: userPublic, Admins: userFull}}},
	{Type: identity.UserRoleChanged, Close: &Closer{By: "user", ID: userID}, Targets: []Target{
		{Channel: userUpdates, Members: roleFields},
		{Channel: tenantUpdates, Members: roleFields}}},
	{Type: identity.UserDeactivated, Close: &Closer{By: "user", ID: userID, Before: true}, Targets: []Target{
		{Channel: userUpdates, Members: statusFields},
		{Channel: tenantUpdates, Members: statusFields}}},
	{Type: identity.UserReactivated, Targets: []Target{
		{Channel: userUpdates, Members: statusFields},
		{Channel: tenantUpdates, Members: statusFields}}},
	// A password change revokes the user's other sessions; connections opened
	// with them would otherwise live on until API Gateway's 2 h limit. All the
	// user's connections close after the frame: clients holding a still-valid
	// key reconnect with a new ticket, the others get 401.
	{Type: identity.UserPasswordChanged, Close: &Closer{By: "user", ID: userID}, Targets: []Target{
		{Channel: userUpdates, Members: passwordFields},
		{Channel: tenantUpdates, Members: onlyAdmins, Admins: passwordFields}}},
	{Type: identity.UserProfileUpdated, Targets: []Target{
		{Channel: userUpdates, Members: profileFields},
		{Channel: tenantUpdates, Members: profileFields}}},
	{Type: identity.APIKeyCreated, Targets: []Target{
		{Channel: ownerAPIKeys, Members: keyCreatedFields},
		{Channel: tenantUpdates, Members: onlyAdmins, Admins: keyCreatedFields}}},
	{Type: identity.APIKeyRevoked, Close: &Closer{By: "key", ID: keyID, Before: true}, Targets: []Target{
		{Channel: ownerAPIKeys, Members: keyRevokedFields},
		{Channel: tenantUpdates, Members: onlyAdmins, Admins: keyRevokedFields}}},
}

// filter returns the allowed fields of d as a JSON object (nil if fields is
// nil: the audience receives nothing).
func filter(d Data, raw json.RawMessage, fields []string) json.RawMessage {
	if fields == nil {
		return nil
	}
	if len(fields) == 1 && fields[0] == "*" {
		return raw
	}
	out := make(map[string]json.RawMessage, len(fields))
	for _, f := range fields {
		if v, ok := d[f]; ok {
			out[f] = v
		}
	}
	b, _ := json.Marshal(out)
	return b
}
