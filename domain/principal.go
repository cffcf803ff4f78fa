package domain

// Role is a user's role. The permission matrix over roles lives in
// permissions.go as data.
type Role string

// The four roles (docs/openapi.yaml, Role).
const (
	RolePlatformAdmin Role = "platform_admin"
	RoleTenantAdmin   Role = "tenant_admin"
	RolePilot         Role = "pilot"
	RoleViewer        Role = "viewer"
)

// Roles lists every role, most privileged first.
var Roles = []Role{RolePlatformAdmin, RoleTenantAdmin, RolePilot, RoleViewer}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Principal is the authenticated caller, as the authorizer resolved it.
type Principal struct {
	UserID   string `json:"user_id"`
	TenantID string `json:"tenant_id"`
	Role     Role   `json:"role"`
	KeyID    string `json:"key_id"`
	// TenantSuspended: the principal's tenant is suspended; every route
	// refuses it (domain.ErrTenantSuspended). Never stored with a connection.
	TenantSuspended bool `json:"-"`
}

// Authorizer context keys: the HTTP authorizer returns them in its simple
// response context and the WebSocket $connect stores them on the connection.
const (
	CtxUserID   = "user_id"
	CtxTenantID = "tenant_id"
	CtxRole     = "role"
	CtxKeyID    = "key_id"
	// CtxTenantSuspended is "true" when the principal's tenant is suspended.
	CtxTenantSuspended = "tenant_suspended"
)

// SystemActor is the actor of events not caused by a user.
const SystemActor = "system"
