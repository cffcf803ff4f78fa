package domain

import "fmt"

// Action is something a principal does to a resource. Every handler names
// its action and calls Authorize; the matrix below is the only place that
// decides who may do it.
type Action string

// Actions of the HTTP API (docs/openapi.yaml) and WebSocket channels
// (docs/websocket.md).
const (
	ActTenantCreate Action = "tenant.create"
	ActTenantRead   Action = "tenant.read"   // GET /api/tenants/{id}, list (scoped)
	ActTenantUpdate Action = "tenant.update" // PATCH /api/tenants/{id}: rename, suspend, reactivate

	ActUserCreate Action = "user.create" // POST /api/tenants/{id}/users
	ActUserList   Action = "user.list"   // GET /api/tenants/{id}/users
	ActUserRead   Action = "user.read"   // GET /api/users/{id}, /me
	ActUserUpdate Action = "user.update" // PATCH /api/users/{id} (role, status)
	ActUserErase  Action = "user.erase"  // POST /api/users/{id}/erase (crypto-shredding)

	ActPasswordChange Action = "user.password_change" // POST /api/auth/password (always self)

	ActAPIKeyCreate Action = "apikey.create" // POST /api/apikeys (for self)
	ActAPIKeyList   Action = "apikey.list"   // GET /api/apikeys (scoped)
	ActAPIKeyRead   Action = "apikey.read"
	ActAPIKeyRevoke Action = "apikey.revoke" // DELETE /api/apikeys/{id}

	ActWSTicket Action = "ws.ticket" // POST /api/ws/ticket (for self)

	ActPirepSubmit  Action = "pirep.submit"
	ActPirepRead    Action = "pirep.read"
	ActPirepRetract Action = "pirep.retract"

	ActAuditRead Action = "audit.read" // GET /api/audit

	// Subscriptions to WebSocket channels (see ChannelKind).
	ActSubscribeUser     Action = "channel.user"     // user:{id}:* (own user only)
	ActSubscribeTenant   Action = "channel.tenant"   // tenant:{id}:*
	ActSubscribePlatform Action = "channel.platform" // platform:tenants
)

// Scope is how far a role's permission for an action reaches.
type Scope int

const (
	// ScopeNone: not allowed (403 inside the own tenant, 404 outside).
	ScopeNone Scope = iota
	// ScopeSelf: only resources the principal owns (its user, its keys, its
	// PIREPs) in its own tenant.
	ScopeSelf
	// ScopeTenant: any resource of the principal's own tenant.
	ScopeTenant
	// ScopeAny: any resource of any tenant.
	ScopeAny
)

func (s Scope) String() string {
	return [...]string{"none", "self", "tenant", "any"}[s]
}

// Matrix is the role/permission matrix as data: action x role -> scope.
// A missing entry is ScopeNone.
var Matrix = map[Action]map[Role]Scope{
	ActTenantCreate: {RolePlatformAdmin: ScopeAny},
	ActTenantRead:   {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant, RolePilot: ScopeTenant, RoleViewer: ScopeTenant},
	ActTenantUpdate: {RolePlatformAdmin: ScopeAny},

	ActUserCreate: {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant},
	ActUserList:   {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant},
	ActUserRead:   {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant, RolePilot: ScopeSelf, RoleViewer: ScopeSelf},
	ActUserUpdate: {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant},
	ActUserErase:  {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant},

	ActPasswordChange: {RolePlatformAdmin: ScopeSelf, RoleTenantAdmin: ScopeSelf, RolePilot: ScopeSelf, RoleViewer: ScopeSelf},

	ActAPIKeyCreate: {RolePlatformAdmin: ScopeSelf, RoleTenantAdmin: ScopeSelf, RolePilot: ScopeSelf, RoleViewer: ScopeSelf},
	ActAPIKeyList:   {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant, RolePilot: ScopeSelf, RoleViewer: ScopeSelf},
	ActAPIKeyRead:   {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant, RolePilot: ScopeSelf, RoleViewer: ScopeSelf},
	ActAPIKeyRevoke: {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant, RolePilot: ScopeSelf, RoleViewer: ScopeSelf},

	ActWSTicket: {RolePlatformAdmin: ScopeSelf, RoleTenantAdmin: ScopeSelf, RolePilot: ScopeSelf, RoleViewer: ScopeSelf},

	ActPirepSubmit:  {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant, RolePilot: ScopeTenant},
	ActPirepRead:    {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant, RolePilot: ScopeTenant, RoleViewer: ScopeTenant},
	ActPirepRetract: {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant, RolePilot: ScopeSelf},

	ActAuditRead: {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant},

	// Admins do not watch their users' personal channels; they see their
	// tenant's user and key events on tenant:{id}:updates instead.
	ActSubscribeUser:     {RolePlatformAdmin: ScopeSelf, RoleTenantAdmin: ScopeSelf, RolePilot: ScopeSelf, RoleViewer: ScopeSelf},
	ActSubscribeTenant:   {RolePlatformAdmin: ScopeAny, RoleTenantAdmin: ScopeTenant, RolePilot: ScopeTenant, RoleViewer: ScopeTenant},
	ActSubscribePlatform: {RolePlatformAdmin: ScopeAny},
}

// ScopeOf returns the scope the matrix grants role for action.
func ScopeOf(role Role, a Action) Scope { return Matrix[a][role] }

// Resource is what an action targets. TenantID is the tenant the resource
// belongs to (for a tenant: its own id; for a create: the tenant it is
// created in). OwnerID is the user the resource belongs to (the user itself,
// a key's owner, a PIREP's submitter); empty when ownership does not apply.
type Resource struct {
	TenantID string
	OwnerID  string
}

// Authorize is the one authorization function every handler calls, after
// loading the target (a missing target is already ErrNotFound).
//
//   - ScopeAny: allowed.
//   - a resource of another tenant: ErrNotFound (404, so ids cannot be probed),
//     whatever the role's scope.
//   - ScopeTenant: allowed.
//   - ScopeSelf: allowed when OwnerID is the principal's user, else ErrForbidden.
//   - ScopeNone: ErrForbidden.
func Authorize(p Principal, a Action, r Resource) error {
	if !p.Role.Valid() || p.UserID == "" {
		return fmt.Errorf("principal without a valid role: %w", ErrUnauthenticated)
	}
	scope := ScopeOf(p.Role, a)
	if scope == ScopeAny {
		return nil
	}
	if r.TenantID != p.TenantID {
		return fmt.Errorf("%s: %w", a, ErrNotFound)
	}
	switch scope {
	case ScopeTenant:
		return nil
	case ScopeSelf:
		if r.OwnerID != "" && r.OwnerID == p.UserID {
			return nil
		}
		return fmt.Errorf("%s: only your own: %w", a, ErrForbidden)
	default:
		return fmt.Errorf("%s: role %s may not: %w", a, p.Role, ErrForbidden)
	}
}

// Grantable is the role-assignment matrix: which roles a principal of a role
// may give to a user (on create or role change). platform_admin is granted
// only by a platform_admin, and only inside the platform tenant (enforced by
// the user aggregate).
var Grantable = map[Role][]Role{
	RolePlatformAdmin: {RolePlatformAdmin, RoleTenantAdmin, RolePilot, RoleViewer},
	RoleTenantAdmin:   {RoleTenantAdmin, RolePilot, RoleViewer},
}

// AuthorizeGrant reports whether p may assign role. A tenant_admin granting
// platform_admin gets ErrForbidden; an unknown role is a FieldError on
// "role".
func AuthorizeGrant(p Principal, role Role) error {
	if !role.Valid() {
		return Invalid("role", "must be one of platform_admin, tenant_admin, pilot, viewer")
	}
	for _, r := range Grantable[p.Role] {
		if r == role {
			return nil
		}
	}
	return fmt.Errorf("role %s may not grant %s: %w", p.Role, role, ErrForbidden)
}
