package identityapp

import (
	"context"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// Projections keep the tenant, user and API key views (views.go).
// Each consumes every event of its stream kind so that the view's version
// is the stream's version; an event type it does not know only advances the
// version.
var Projections = []projection.Projection{
	{Name: "tenants", Match: projection.StreamKind(identity.StreamPrefixTenant), Apply: applyTenant},
	{Name: "users", Match: projection.StreamKind(identity.StreamPrefixUser), Apply: applyUser},
	{Name: "apikeys", Match: projection.StreamKind(identity.StreamPrefixAPIKey), Apply: applyAPIKey},
}

func applyTenant(ctx context.Context, m readmodel.Store, e events.Envelope) error {
	id := projection.StreamID(e, identity.StreamPrefixTenant)
	return projection.FoldView(ctx, m, TenantPK(id), SKTenant, e, "tenant "+id, func(t *Tenant) (string, string, error) {
		switch e.Type {
		case identity.TenantCreated:
			d, err := projection.Decode[identity.TenantCreatedData](e)
			if err != nil {
				return "", "", err
			}
			*t = Tenant{ID: id, Name: d.Name, Platform: d.Platform, Status: identity.TenantActive, CreatedAt: d.CreatedAt.UTC()}
			if t.CreatedAt.IsZero() {
				t.CreatedAt = e.OccurredAt.UTC()
			}
		case identity.TenantRenamed:
			d, err := projection.Decode[identity.TenantRenamedData](e)
			if err != nil {
				return "", "", err
			}
			t.Name = d.Name
		case identity.TenantSuspended, identity.TenantReactivated:
			d, err := projection.Decode[identity.TenantStatusData](e)
			if err != nil {
				return "", "", err
			}
			t.Status = d.Status
		}
		if t.Status == "" {
			t.Status = identity.TenantActive // stored before statuses existed
		}
		if t.ID == "" {
			return "", "", projection.Gap("tenant "+id, e, identity.TenantCreated)
		}
		t.Version, t.UpdatedAt = e.Version, e.OccurredAt.UTC()
		return GSI1Tenants, TenantGSI1SK(id), nil
	})
}

func applyUser(ctx context.Context, m readmodel.Store, e events.Envelope) error {
	id := projection.StreamID(e, identity.StreamPrefixUser)
	return projection.FoldView(ctx, m, UserPK(id), SKUser, e, "user "+id, func(u *User) (string, string, error) {
		switch e.Type {
		case identity.UserCreated:
			d, err := projection.Decode[identity.UserCreatedData](e)
			if err != nil {
				return "", "", err
			}
			*u = User{ID: id, TenantID: d.TenantID, Email: d.Email, DisplayName: d.DisplayName,
				Role: d.Role, Status: d.Status, CreatedAt: d.CreatedAt.UTC()}
			if u.TenantID == "" {
				u.TenantID = e.TenantID
			}
			if u.Status == "" {
				u.Status = identity.StatusActive
			}
			if u.CreatedAt.IsZero() {
				u.CreatedAt = e.OccurredAt.UTC()
			}
		case identity.UserRoleChanged:
			d, err := projection.Decode[identity.UserRoleChangedData](e)
			if err != nil {
				return "", "", err
			}
			u.Role = d.Role
		case identity.UserDeactivated:
			u.Status = identity.StatusDeactivated
		case identity.UserReactivated:
			u.Status = identity.StatusActive
		case identity.UserProfileUpdated:
			d, err := projection.Decode[identity.UserProfileUpdatedData](e)
			if err != nil {
				return "", "", err
			}
			u.DisplayName = d.DisplayName
		case identity.UserErased:
			u.Status, u.Email, u.DisplayName = identity.StatusErased, identity.Erased, identity.Erased
		}
		if u.ID == "" {
			return "", "", projection.Gap("user "+id, e, identity.UserCreated)
		}
		u.Version, u.UpdatedAt = e.Version, e.OccurredAt.UTC()
		return TenantUsersGSI1PK(u.TenantID), UserGSI1SK(id), nil
	})
}

func applyAPIKey(ctx context.Context, m readmodel.Store, e events.Envelope) error {
	id := projection.StreamID(e, identity.StreamPrefixAPIKey)
	return projection.FoldView(ctx, m, APIKeyPK(id), SKAPIKey, e, "api key "+id, func(k *APIKey) (string, string, error) {
		switch e.Type {
		case identity.APIKeyCreated:
			d, err := projection.Decode[identity.APIKeyCreatedData](e)
			if err != nil {
				return "", "", err
			}
			*k = APIKey{ID: id, Name: d.Name, Prefix: d.Prefix, OwnerID: d.OwnerID, TenantID: d.TenantID,
				CreatedAt: d.CreatedAt.UTC(), ExpiresAt: utc(d.ExpiresAt)}
			if k.TenantID == "" {
				k.TenantID = e.TenantID
			}
			if k.CreatedAt.IsZero() {
				k.CreatedAt = e.OccurredAt.UTC()
			}
		case identity.APIKeyRevoked:
			d, err := projection.Decode[identity.APIKeyRevokedData](e)
			if err != nil {
				return "", "", err
			}
			at := d.RevokedAt.UTC()
			if at.IsZero() {
				at = e.OccurredAt.UTC()
			}
			k.RevokedAt = &at
		}
		if k.ID == "" {
			return "", "", projection.Gap("api key "+id, e, identity.APIKeyCreated)
		}
		k.Version = e.Version
		return UserAPIKeysGSI1PK(k.OwnerID), APIKeyGSI1SK(id), nil
	})
}
