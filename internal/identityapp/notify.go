package identityapp

import (
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/notify"
)

func userUpdates(_ events.Envelope, d notify.Data) string {
	return connections.UserUpdates(d.Str("user_id"))
}
func ownerAPIKeys(_ events.Envelope, d notify.Data) string {
	return connections.UserAPIKeys(d.Str("owner_id"))
}
func tenantUpdates(env events.Envelope, d notify.Data) string {
	return connections.TenantUpdates(notify.TenantOf(env, d))
}
func platformTenants(events.Envelope, notify.Data) string { return connections.PlatformTenants }

// Field sets (see domain/identity/events.go for who may read what).
var (
	tenantFields                = []string{"tenant_id", "name", "platform", "created_by", "created_at", "renamed_by"}
	tenantStatusFields          = []string{"tenant_id", "status", "by"}
	userFull                    = []string{"user_id", "tenant_id", "email", "display_name", "role", "status", "created_by", "created_at"}
	userPublic                  = []string{"user_id", "tenant_id", "display_name", "role", "status", "created_by", "created_at"}
	roleFields                  = []string{"user_id", "tenant_id", "old_role", "role", "changed_by"}
	statusFields                = []string{"user_id", "tenant_id", "by"}
	passwordFields              = []string{"user_id", "tenant_id", "sessions_revoked"}
	profileFields               = []string{"user_id", "tenant_id", "display_name", "by"}
	keyCreatedFields            = []string{"key_id", "tenant_id", "owner_id", "name", "prefix", "expires_at", "created_by", "created_at"}
	keyRevokedFields            = []string{"key_id", "tenant_id", "owner_id", "revoked_by", "revoked_at"}
	userID                      = func(_ events.Envelope, d notify.Data) string { return d.Str("user_id") }
	keyID                       = func(_ events.Envelope, d notify.Data) string { return d.Str("key_id") }
	onlyAdmins         []string = nil
)

// Notify is identity's channel table: event type -> channels -> payload
// filter. An event type no context lists is delivered nowhere. docs/websocket.md
// renders the same table for client authors.
var Notify = []notify.Route{
	{Type: identity.TenantCreated, Targets: []notify.Target{
		{Channel: platformTenants, Members: tenantFields},
		{Channel: tenantUpdates, Members: tenantFields}}},
	{Type: identity.TenantRenamed, Targets: []notify.Target{
		{Channel: platformTenants, Members: tenantFields},
		{Channel: tenantUpdates, Members: tenantFields}}},
	// Suspension closes every socket of the tenant's own members first
	// (platform_admins watching the tenant keep theirs and get the frame).
	{Type: identity.TenantSuspended, Close: &notify.Closer{By: "tenant", ID: notify.TenantOf, Before: true}, Targets: []notify.Target{
		{Channel: platformTenants, Members: tenantStatusFields},
		{Channel: tenantUpdates, Members: tenantStatusFields}}},
	{Type: identity.TenantReactivated, Targets: []notify.Target{
		{Channel: platformTenants, Members: tenantStatusFields},
		{Channel: tenantUpdates, Members: tenantStatusFields}}},
	{Type: identity.UserCreated, Targets: []notify.Target{
		{Channel: userUpdates, Members: userFull},
		{Channel: tenantUpdates, Members: userPublic, Admins: userFull}}},
	{Type: identity.UserRoleChanged, Close: &notify.Closer{By: "user", ID: userID}, Targets: []notify.Target{
		{Channel: userUpdates, Members: roleFields},
		{Channel: tenantUpdates, Members: roleFields}}},
	{Type: identity.UserDeactivated, Close: &notify.Closer{By: "user", ID: userID, Before: true}, Targets: []notify.Target{
		{Channel: userUpdates, Members: statusFields},
		{Channel: tenantUpdates, Members: statusFields}}},
	{Type: identity.UserReactivated, Targets: []notify.Target{
		{Channel: userUpdates, Members: statusFields},
		{Channel: tenantUpdates, Members: statusFields}}},
	// A password change revokes the user's other sessions; connections opened
	// with them would otherwise live on until API Gateway's 2 h limit. All the
	// user's connections close after the frame: clients holding a still-valid
	// key reconnect with a new ticket, the others get 401.
	{Type: identity.UserPasswordChanged, Close: &notify.Closer{By: "user", ID: userID}, Targets: []notify.Target{
		{Channel: userUpdates, Members: passwordFields},
		{Channel: tenantUpdates, Members: onlyAdmins, Admins: passwordFields}}},
	{Type: identity.UserProfileUpdated, Targets: []notify.Target{
		{Channel: userUpdates, Members: profileFields},
		{Channel: tenantUpdates, Members: profileFields}}},
	{Type: identity.UserErased, Targets: []notify.Target{
		{Channel: tenantUpdates, Members: statusFields}}},
	{Type: identity.APIKeyCreated, Targets: []notify.Target{
		{Channel: ownerAPIKeys, Members: keyCreatedFields},
		{Channel: tenantUpdates, Members: onlyAdmins, Admins: keyCreatedFields}}},
	{Type: identity.APIKeyRevoked, Close: &notify.Closer{By: "key", ID: keyID, Before: true}, Targets: []notify.Target{
		{Channel: ownerAPIKeys, Members: keyRevokedFields},
		{Channel: tenantUpdates, Members: onlyAdmins, Admins: keyRevokedFields}}},
}
