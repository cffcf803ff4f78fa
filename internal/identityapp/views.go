// Package identityapp is the identity context module: tenants, users, API
// keys, sign-in and WebSocket tickets. It binds the routes identity.Context
// declares (Commands, Queries), keeps the read models (Projections) and
// routes the events to channels (Notify); internal/wire lists it in
// wire.Modules.
//
// Read-model layout, shared by the projections (which write it) and the
// queries (which read it): item keys and the JSON bodies, which are the API
// resources exactly as served.
//
//	item      pk                 sk        gsi1pk                    gsi1sk
//	tenant    tenant#<id>        tenant    tenants                   tenant#<id>
//	user      user#<id>          user      tenant#<tenant_id>#users  user#<id>
//	api key   apikey#<id>        apikey    user#<owner_id>#apikeys   apikey#<id>
//
// Ids are ULIDs, so every list is in creation order. Bodies never hold a
// secret or a hash.
package identityapp

import (
	"context"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// Sort keys of the identity items.
const (
	SKTenant = "tenant"
	SKUser   = "user"
	SKAPIKey = "apikey"
	// GSI1Tenants is the partition listing every tenant.
	GSI1Tenants = "tenants"
)

// TenantPK is the partition of tenant id.
func TenantPK(id string) string { return "tenant#" + id }

// TenantExists reports whether the read model m holds tenant id's view (the
// WebSocket functions refuse a platform_admin's subscription to a tenant
// that does not exist).
func TenantExists(m readmodel.Store) func(ctx context.Context, id string) (bool, error) {
	return func(ctx context.Context, id string) (bool, error) {
		_, err := m.Get(ctx, TenantPK(id), SKTenant)
		if readmodel.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}
}

// TenantGSI1SK orders tenants in GSI1Tenants.
func TenantGSI1SK(id string) string { return "tenant#" + id }

// UserPK is the partition of user id.
func UserPK(id string) string { return "user#" + id }

// TenantUsersGSI1PK lists the users of a tenant.
func TenantUsersGSI1PK(tenantID string) string { return "tenant#" + tenantID + "#users" }

// UserGSI1SK orders users in their tenant's list.
func UserGSI1SK(id string) string { return "user#" + id }

// APIKeyPK is the partition of key id.
func APIKeyPK(id string) string { return "apikey#" + id }

// UserAPIKeysGSI1PK lists the keys of an owner.
func UserAPIKeysGSI1PK(ownerID string) string { return "user#" + ownerID + "#apikeys" }

// APIKeyGSI1SK orders keys in their owner's list.
func APIKeyGSI1SK(id string) string { return "apikey#" + id }

// Tenant is the tenant resource.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Platform  bool      `json:"platform"`
	Status    string    `json:"status"` // active | suspended
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// User is the user resource.
type User struct {
	ID          string      `json:"id"`
	TenantID    string      `json:"tenant_id"`
	Email       string      `json:"email"`
	DisplayName string      `json:"display_name"`
	Role        domain.Role `json:"role"`
	Status      string      `json:"status"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	Version     int64       `json:"version"`
}

// APIKey is the API key resource (without the secret, ever).
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	OwnerID    string     `json:"owner_id"`
	TenantID   string     `json:"tenant_id"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Version    int64      `json:"version"`
}
