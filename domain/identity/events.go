// Package identity holds the Tenant, User and APIKey aggregates: their
// events (this file), their state folded from those events, and the pure
// decide functions that turn a command into new events or a typed error.
//
// Streams: tenant-<tenant_id>, user-<user_id>, apikey-<key_id> (ULIDs).
// Every event's envelope TenantID is the tenant the aggregate belongs to.
//
// Secrets never appear in events: password hashes, key hashes, session
// epochs and ticket hashes live in credential records (events.Records)
// written in the same Append (see internal/auth for the record layout).
// Session keys issued by login are records only (no event): they are
// short-lived credentials, not part of the tenant's history.
//
// Visibility ("who may read which field") is the contract the read side and
// the WebSocket notifier rely on. "Tenant members" means every active user of
// the event's tenant; "admins" means tenant_admins of that tenant and every
// platform_admin.
package identity

import (
	"time"

	"github.com/skyledger/skyledger/domain"
)

// Event types. Names are past tense and never change once published; a
// payload change bumps the Schema constant of that event (upcast on read).
const (
	// TenantCreated opens stream tenant-<id>.
	TenantCreated = "tenant.created"
	// TenantRenamed is appended to tenant-<id>.
	TenantRenamed = "tenant.renamed"
	// TenantSuspended is appended to tenant-<id>: the tenant's users and
	// keys are refused (403 tenant_suspended) and their sockets closed; the
	// status record flips in the same transaction. Nothing is deleted.
	TenantSuspended = "tenant.suspended"
	// TenantReactivated is appended to tenant-<id>: access is restored.
	TenantReactivated = "tenant.reactivated"

	// UserCreated opens stream user-<id>.
	UserCreated = "user.created"
	// UserRoleChanged is appended to user-<id>.
	UserRoleChanged = "user.role_changed"
	// UserDeactivated is appended to user-<id>; the user's keys and sessions
	// stop authenticating on the next request (the credential record flips
	// in the same transaction).
	UserDeactivated = "user.deactivated"
	// UserReactivated is appended to user-<id>.
	UserReactivated = "user.reactivated"
	// UserPasswordChanged is appended to user-<id>; the user's other session
	// keys stop authenticating (session epoch bump in the credential record).
	UserPasswordChanged = "user.password_changed"
	// UserProfileUpdated is appended to user-<id> (display name).
	UserProfileUpdated = "user.profile_updated"
	// UserErased is appended to user-<id> by POST /api/users/{id}/erase:
	// the user's data key is gone (its personal fields read "[erased]"),
	// its e-mail free for a new registration. It is the stream's last
	// event: an erased user cannot be changed again (see erase.go).
	UserErased = "user.erased"

	// APIKeyCreated opens stream apikey-<id>.
	APIKeyCreated = "apikey.created"
	// APIKeyRevoked is appended to apikey-<id>; the key fails on the next
	// request (credential record flips in the same transaction).
	APIKeyRevoked = "apikey.revoked"
)

// Schema versions of the payloads below (events.Envelope.Schema).
const (
	SchemaV1 = 1
	// SchemaV2 of user.created and user.profile_updated seals the personal
	// fields (PersonalFields) under the user's data key; see erase.go.
	SchemaV2 = 2
)

// EventTypes lists every identity event type (for projections, channel maps
// and tests that must cover them all).
var EventTypes = []string{
	TenantCreated, TenantRenamed, TenantSuspended, TenantReactivated,
	UserCreated, UserRoleChanged, UserDeactivated, UserReactivated, UserPasswordChanged, UserProfileUpdated, UserErased,
	APIKeyCreated, APIKeyRevoked,
}

// Stream prefixes of the identity aggregates (streams "<prefix>-<id>").
const (
	StreamPrefixTenant = "tenant"
	StreamPrefixUser   = "user"
	StreamPrefixAPIKey = "apikey"
)

// StreamTenant returns "tenant-<id>".
func StreamTenant(id string) string { return StreamPrefixTenant + "-" + id }

// StreamUser returns "user-<id>".
func StreamUser(id string) string { return StreamPrefixUser + "-" + id }

// StreamAPIKey returns "apikey-<id>".
func StreamAPIKey(id string) string { return StreamPrefixAPIKey + "-" + id }

// TenantCreatedData is the payload of tenant.created (stream tenant-<id>).
// Readable in full by the tenant's members and every platform_admin
// (channel platform:tenants and tenant:{id}:updates).
type TenantCreatedData struct {
	TenantID string `json:"tenant_id"`
	Name     string `json:"name"`
	// Platform is true for the single platform tenant made by bootstrap;
	// platform_admins live there.
	Platform  bool      `json:"platform"`
	CreatedBy string    `json:"created_by"` // user id or "system"
	CreatedAt time.Time `json:"created_at"`
}

// TenantRenamedData is the payload of tenant.renamed (stream tenant-<id>).
// Readable by the tenant's members and every platform_admin.
type TenantRenamedData struct {
	TenantID  string `json:"tenant_id"`
	Name      string `json:"name"`
	RenamedBy string `json:"renamed_by"`
}

// TenantStatusData is the payload of tenant.suspended and
// tenant.reactivated (stream tenant-<id>).
type TenantStatusData struct {
	TenantID string `json:"tenant_id"`
	Status   string `json:"status"`
	By       string `json:"by"`
}

// Tenant statuses.
const (
	TenantActive          = "active"
	TenantSuspendedStatus = "suspended"
)

// UserCreatedData is the payload of user.created (stream user-<id>).
// Readable: every field by the user and the admins; tenant members other
// than admins may read user_id, tenant_id, display_name, role and status
// but NOT email (the notifier must redact it on tenant-wide channels or send
// only to user:{id}:updates and admins).
type UserCreatedData struct {
	UserID      string      `json:"user_id"`
	TenantID    string      `json:"tenant_id"`
	Email       string      `json:"email"` // normalized (lower-case), unique platform-wide
	DisplayName string      `json:"display_name"`
	Role        domain.Role `json:"role"`
	Status      string      `json:"status"` // always "active" at creation
	CreatedBy   string      `json:"created_by"`
	CreatedAt   time.Time   `json:"created_at"`
}

// UserRoleChangedData is the payload of user.role_changed (stream user-<id>).
// Readable by the user, the admins and the tenant's members.
type UserRoleChangedData struct {
	UserID    string      `json:"user_id"`
	TenantID  string      `json:"tenant_id"`
	OldRole   domain.Role `json:"old_role"`
	Role      domain.Role `json:"role"`
	ChangedBy string      `json:"changed_by"`
}

// UserDeactivatedData is the payload of user.deactivated (stream user-<id>).
// Readable by the user, the admins and the tenant's members. Consumers that
// hold connections for the user (WebSocket) close them.
type UserDeactivatedData struct {
	UserID   string `json:"user_id"`
	TenantID string `json:"tenant_id"`
	By       string `json:"by"`
}

// UserReactivatedData is the payload of user.reactivated (stream user-<id>).
// Readable by the user, the admins and the tenant's members. Keys that were
// not revoked work again; sessions issued before the deactivation do not
// (the reactivation bumps the session epoch).
type UserReactivatedData struct {
	UserID   string `json:"user_id"`
	TenantID string `json:"tenant_id"`
	By       string `json:"by"`
}

// UserPasswordChangedData is the payload of user.password_changed (stream
// user-<id>). Carries no secret. Readable by the user and the admins only
// (send on user:{id}:updates, not on tenant channels).
type UserPasswordChangedData struct {
	UserID   string `json:"user_id"`
	TenantID string `json:"tenant_id"`
	// SessionsRevoked is true: every session key except the one used for the
	// change stopped working.
	SessionsRevoked bool `json:"sessions_revoked"`
}

// UserProfileUpdatedData is the payload of user.profile_updated (stream
// user-<id>). Readable by the user, the admins and the tenant's members.
type UserProfileUpdatedData struct {
	UserID      string `json:"user_id"`
	TenantID    string `json:"tenant_id"`
	DisplayName string `json:"display_name"`
	By          string `json:"by"`
}

// UserErasedData is the payload of user.erased (stream user-<id>). Carries
// no personal data. Readable by the tenant's members (tenant:{id}:updates).
type UserErasedData struct {
	UserID   string `json:"user_id"`
	TenantID string `json:"tenant_id"`
	By       string `json:"by"`
}

// APIKeyCreatedData is the payload of apikey.created (stream apikey-<id>).
// Carries no secret (the full key is in the create response only).
// Readable by the owner (user:{owner}:apikeys) and the admins; NOT by other
// tenant members.
type APIKeyCreatedData struct {
	KeyID     string     `json:"key_id"`
	TenantID  string     `json:"tenant_id"`
	OwnerID   string     `json:"owner_id"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"` // "sk_<key_id>", safe to display
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// APIKeyRevokedData is the payload of apikey.revoked (stream apikey-<id>).
// Readable by the owner and the admins. Consumers close the WebSocket
// connections authenticated with this key (key_id).
type APIKeyRevokedData struct {
	KeyID     string    `json:"key_id"`
	TenantID  string    `json:"tenant_id"`
	OwnerID   string    `json:"owner_id"`
	RevokedBy string    `json:"revoked_by"`
	RevokedAt time.Time `json:"revoked_at"`
}

// User statuses (user resource "status").
const (
	StatusActive      = "active"
	StatusDeactivated = "deactivated"
)
