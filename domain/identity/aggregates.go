package identity

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/skyledger/skyledger/domain"
)

// Event is a decided event before the caller wraps it in an envelope.
// Data is one of the *Data payload structs of events.go.
type Event struct {
	Type string
	Data any
}

// Recorded is a stored event as the aggregates fold it (a projection of
// events.Envelope, so that domain/ does not depend on the store).
type Recorded struct {
	Type       string
	Version    int64
	OccurredAt time.Time
	Data       json.RawMessage
}

func unmarshal(r Recorded, v any) error {
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("decode %s v%d: %w", r.Type, r.Version, err)
	}
	return nil
}

// ---------------------------------------------------------------- Tenant ---

// Tenant is the state of stream tenant-<id>. Version 0 means "no such
// tenant".
type Tenant struct {
	ID        string
	Name      string
	Platform  bool
	Status    string
	CreatedAt time.Time
	Version   int64
}

// FoldTenant rebuilds a tenant from its events in version order.
func FoldTenant(evs []Recorded) (Tenant, error) {
	var t Tenant
	for _, e := range evs {
		switch e.Type {
		case TenantCreated:
			var d TenantCreatedData
			if err := unmarshal(e, &d); err != nil {
				return t, err
			}
			t = Tenant{ID: d.TenantID, Name: d.Name, Platform: d.Platform, Status: TenantActive, CreatedAt: d.CreatedAt}
		case TenantRenamed:
			var d TenantRenamedData
			if err := unmarshal(e, &d); err != nil {
				return t, err
			}
			t.Name = d.Name
		case TenantSuspended, TenantReactivated:
			var d TenantStatusData
			if err := unmarshal(e, &d); err != nil {
				return t, err
			}
			t.Status = d.Status
		default:
			return t, fmt.Errorf("tenant stream: unknown event type %q", e.Type)
		}
		t.Version = e.Version
	}
	return t, nil
}

// CreateTenant decides tenant.created. Authorization (ActTenantCreate) is
// the caller's; bootstrap passes Platform=true with actor "system".
func CreateTenant(id, name string, platform bool, actor string, now time.Time) ([]Event, error) {
	name, err := ValidateName("name", name)
	if err != nil {
		return nil, err
	}
	return []Event{{Type: TenantCreated, Data: TenantCreatedData{
		TenantID: id, Name: name, Platform: platform, CreatedBy: actor, CreatedAt: now.UTC(),
	}}}, nil
}

// UpdateTenant decides a tenant's rename and status change (nil: keep).
// Only a platform_admin may (ActTenantUpdate). The platform tenant cannot
// be suspended (its admins run the platform): ErrConflict. A name or status
// equal to the current one decides nothing.
func (t Tenant) Update(actor domain.Principal, name, status *string) ([]Event, error) {
	if t.Version == 0 {
		return nil, fmt.Errorf("tenant: %w", domain.ErrNotFound)
	}
	if err := domain.Authorize(actor, domain.ActTenantUpdate, domain.Resource{TenantID: t.ID}); err != nil {
		return nil, err
	}
	var out []Event
	if name != nil {
		n, err := ValidateName("name", *name)
		if err != nil {
			return nil, err
		}
		if n != t.Name {
			out = append(out, Event{Type: TenantRenamed, Data: TenantRenamedData{TenantID: t.ID, Name: n, RenamedBy: actor.UserID}})
		}
	}
	if status != nil && *status != t.Status {
		switch *status {
		case TenantSuspendedStatus:
			if t.Platform {
				return nil, fmt.Errorf("the platform tenant cannot be suspended: %w", domain.ErrConflict)
			}
			out = append(out, Event{Type: TenantSuspended, Data: TenantStatusData{TenantID: t.ID, Status: *status, By: actor.UserID}})
		case TenantActive:
			out = append(out, Event{Type: TenantReactivated, Data: TenantStatusData{TenantID: t.ID, Status: *status, By: actor.UserID}})
		default:
			return nil, domain.Invalid("status", "must be active or suspended")
		}
	}
	return out, nil
}

// ------------------------------------------------------------------ User ---

// User is the state of stream user-<id>. Version 0 means "no such user".
type User struct {
	ID          string
	TenantID    string
	Email       string
	DisplayName string
	Role        domain.Role
	Status      string
	CreatedAt   time.Time
	Version     int64
	// PasswordChanges counts user.password_changed events; the credential
	// record's session epoch follows it.
	PasswordChanges int
	// Reactivations counts user.reactivated events (also bumps the epoch).
	Reactivations int
}

// Active reports whether the user may authenticate.
func (u User) Active() bool { return u.Version > 0 && u.Status == StatusActive }

// CountsAsPlatformAdmin reports whether u is an active platform_admin (the
// population the last-platform-admin invariant protects).
func (u User) CountsAsPlatformAdmin() bool { return u.Active() && u.Role == domain.RolePlatformAdmin }

// SessionEpoch is the number session keys must carry to be valid: it rises
// with every password change and every reactivation.
func (u User) SessionEpoch() int64 { return int64(u.PasswordChanges + u.Reactivations) }

// FoldUser rebuilds a user from its events in version order.
func FoldUser(evs []Recorded) (User, error) {
	var u User
	for _, e := range evs {
		switch e.Type {
		case UserCreated:
			var d UserCreatedData
			if err := unmarshal(e, &d); err != nil {
				return u, err
			}
			u = User{ID: d.UserID, TenantID: d.TenantID, Email: d.Email, DisplayName: d.DisplayName,
				Role: d.Role, Status: StatusActive, CreatedAt: d.CreatedAt}
		case UserRoleChanged:
			var d UserRoleChangedData
			if err := unmarshal(e, &d); err != nil {
				return u, err
			}
			u.Role = d.Role
		case UserDeactivated:
			u.Status = StatusDeactivated
		case UserReactivated:
			u.Status = StatusActive
			u.Reactivations++
		case UserPasswordChanged:
			u.PasswordChanges++
		case UserProfileUpdated:
			var d UserProfileUpdatedData
			if err := unmarshal(e, &d); err != nil {
				return u, err
			}
			u.DisplayName = d.DisplayName
		case UserErased:
			u.Status, u.Email, u.DisplayName = StatusErased, Erased, Erased
		default:
			return u, fmt.Errorf("user stream: unknown event type %q", e.Type)
		}
		u.Version = e.Version
	}
	return u, nil
}

// NewUser is the validated input of CreateUser.
type NewUser struct {
	ID          string
	Email       string // raw; normalized here
	DisplayName string
	Role        domain.Role
}

// CreateUser decides user.created in tenant t by actor. It checks the input,
// that the tenant exists, that actor may create users there (404 outside
// its tenant) and may grant the role, and that platform_admin is only given
// inside the platform tenant. The e-mail reservation is the caller's (an
// inline PutIfAbsent record in the same append).
func CreateUser(t Tenant, actor domain.Principal, in NewUser, now time.Time) ([]Event, error) {
	if t.Version == 0 {
		return nil, fmt.Errorf("tenant: %w", domain.ErrNotFound)
	}
	if err := domain.Authorize(actor, domain.ActUserCreate, domain.Resource{TenantID: t.ID}); err != nil {
		return nil, err
	}
	return createUser(t, actor.UserID, in, now, func(r domain.Role) error { return domain.AuthorizeGrant(actor, r) })
}

// CreateFirstAdmin decides the bootstrap's user.created: the first
// platform_admin of the platform tenant, actor "system".
func CreateFirstAdmin(t Tenant, in NewUser, now time.Time) ([]Event, error) {
	in.Role = domain.RolePlatformAdmin
	return createUser(t, domain.SystemActor, in, now, func(domain.Role) error { return nil })
}

func createUser(t Tenant, actor string, in NewUser, now time.Time, grant func(domain.Role) error) ([]Event, error) {
	email, err := NormalizeEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	name, err := ValidateName("display_name", in.DisplayName)
	if err != nil {
		return nil, err
	}
	if !in.Role.Valid() {
		return nil, domain.Invalid("role", "must be one of platform_admin, tenant_admin, pilot, viewer")
	}
	if err := grant(in.Role); err != nil {
		return nil, err
	}
	if in.Role == domain.RolePlatformAdmin && !t.Platform {
		return nil, domain.Invalid("role", "platform_admin exists only in the platform tenant")
	}
	return []Event{{Type: UserCreated, Data: UserCreatedData{
		UserID: in.ID, TenantID: t.ID, Email: email, DisplayName: name, Role: in.Role,
		Status: StatusActive, CreatedBy: actor, CreatedAt: now.UTC(),
	}}}, nil
}

// authorizeOn checks that actor may perform act on u: the matrix (404
// outside the tenant) and that actor could grant u's current role (a
// tenant_admin cannot touch a platform_admin).
func (u User) authorizeOn(actor domain.Principal, act domain.Action) error {
	if u.Version == 0 {
		return fmt.Errorf("user: %w", domain.ErrNotFound)
	}
	if err := domain.Authorize(actor, act, domain.Resource{TenantID: u.TenantID, OwnerID: u.ID}); err != nil {
		return err
	}
	return domain.AuthorizeGrant(actor, u.Role)
}

// authorizeManage checks that actor may update u (authorizeOn) and that u
// is not erased.
func (u User) authorizeManage(actor domain.Principal) error {
	if err := u.authorizeOn(actor, domain.ActUserUpdate); err != nil {
		return err
	}
	if u.Status == StatusErased {
		return ErrUserErased
	}
	return nil
}

// ChangeRole decides user.role_changed. Same role: no events. The
// last-platform-admin invariant needs state outside this aggregate; the
// caller checks it (compare CountsAsPlatformAdmin before and after).
func (u User) ChangeRole(actor domain.Principal, role domain.Role) ([]Event, error) {
	if err := u.authorizeManage(actor); err != nil {
		return nil, err
	}
	if err := domain.AuthorizeGrant(actor, role); err != nil {
		return nil, err
	}
	if role == u.Role {
		return nil, nil
	}
	if role == domain.RolePlatformAdmin && !u.inPlatformTenant(actor) {
		return nil, domain.Invalid("role", "platform_admin exists only in the platform tenant")
	}
	return []Event{{Type: UserRoleChanged, Data: UserRoleChangedData{
		UserID: u.ID, TenantID: u.TenantID, OldRole: u.Role, Role: role, ChangedBy: actor.UserID,
	}}}, nil
}

// inPlatformTenant: platform_admins live in the platform tenant, so a user
// of the acting platform_admin's tenant is in the platform tenant.
func (u User) inPlatformTenant(actor domain.Principal) bool {
	return actor.Role == domain.RolePlatformAdmin && actor.TenantID == u.TenantID
}

// SetStatus decides user.deactivated or user.reactivated. Same status: no
// events.
func (u User) SetStatus(actor domain.Principal, status string) ([]Event, error) {
	if err := u.authorizeManage(actor); err != nil {
		return nil, err
	}
	switch status {
	case u.Status:
		return nil, nil
	case StatusDeactivated:
		return []Event{{Type: UserDeactivated, Data: UserDeactivatedData{UserID: u.ID, TenantID: u.TenantID, By: actor.UserID}}}, nil
	case StatusActive:
		return []Event{{Type: UserReactivated, Data: UserReactivatedData{UserID: u.ID, TenantID: u.TenantID, By: actor.UserID}}}, nil
	default:
		return nil, domain.Invalid("status", "must be active or deactivated")
	}
}

// ChangePassword decides user.password_changed for the user itself. The
// caller has verified the old password and hashes the new one; newPassword
// is passed only for the policy check.
func (u User) ChangePassword(actor domain.Principal, newPassword string) ([]Event, error) {
	if u.Version == 0 || !u.Active() {
		return nil, fmt.Errorf("user: %w", domain.ErrUnauthenticated)
	}
	if err := domain.Authorize(actor, domain.ActPasswordChange, domain.Resource{TenantID: u.TenantID, OwnerID: u.ID}); err != nil {
		return nil, err
	}
	if err := ValidatePassword("new_password", newPassword, u.Email); err != nil {
		return nil, err
	}
	return []Event{{Type: UserPasswordChanged, Data: UserPasswordChangedData{UserID: u.ID, TenantID: u.TenantID, SessionsRevoked: true}}}, nil
}

// ---------------------------------------------------------------- APIKey ---

// APIKey is the state of stream apikey-<id>. Version 0 means "no such key".
type APIKey struct {
	ID        string
	Name      string
	OwnerID   string
	TenantID  string
	CreatedAt time.Time
	ExpiresAt *time.Time
	RevokedAt *time.Time
	Version   int64
}

// FoldAPIKey rebuilds a key from its events in version order.
func FoldAPIKey(evs []Recorded) (APIKey, error) {
	var k APIKey
	for _, e := range evs {
		switch e.Type {
		case APIKeyCreated:
			var d APIKeyCreatedData
			if err := unmarshal(e, &d); err != nil {
				return k, err
			}
			k = APIKey{ID: d.KeyID, Name: d.Name, OwnerID: d.OwnerID, TenantID: d.TenantID,
				CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt}
		case APIKeyRevoked:
			var d APIKeyRevokedData
			if err := unmarshal(e, &d); err != nil {
				return k, err
			}
			at := d.RevokedAt
			k.RevokedAt = &at
		default:
			return k, fmt.Errorf("apikey stream: unknown event type %q", e.Type)
		}
		k.Version = e.Version
	}
	return k, nil
}

// MaxKeyLifetime bounds an API key's optional expiry.
const MaxKeyLifetime = 2 * 365 * 24 * time.Hour

// CreateAPIKey decides apikey.created for owner (the actor itself: keys
// are created for self). expiresAt, when set, must be in the future and
// within MaxKeyLifetime.
func CreateAPIKey(id string, owner User, actor domain.Principal, name string, expiresAt *time.Time, now time.Time) ([]Event, error) {
	if !owner.Active() {
		return nil, fmt.Errorf("owner: %w", domain.ErrUnauthenticated)
	}
	if err := domain.Authorize(actor, domain.ActAPIKeyCreate, domain.Resource{TenantID: owner.TenantID, OwnerID: owner.ID}); err != nil {
		return nil, err
	}
	name, err := ValidateName("name", name)
	if err != nil {
		return nil, err
	}
	if expiresAt != nil {
		e := expiresAt.UTC()
		if !e.After(now) {
			return nil, domain.Invalid("expires_at", "must be in the future")
		}
		if e.Sub(now) > MaxKeyLifetime {
			return nil, domain.Invalid("expires_at", "at most %d days ahead", int(MaxKeyLifetime.Hours()/24))
		}
		expiresAt = &e
	}
	return []Event{{Type: APIKeyCreated, Data: APIKeyCreatedData{
		KeyID: id, TenantID: owner.TenantID, OwnerID: owner.ID, Name: name, Prefix: KeyPrefix(id),
		ExpiresAt: expiresAt, CreatedBy: actor.UserID, CreatedAt: now.UTC(),
	}}}, nil
}

// Revoke decides apikey.revoked. Revoking a revoked key: no events.
func (k APIKey) Revoke(actor domain.Principal, now time.Time) ([]Event, error) {
	if k.Version == 0 {
		return nil, fmt.Errorf("api key: %w", domain.ErrNotFound)
	}
	if err := domain.Authorize(actor, domain.ActAPIKeyRevoke, domain.Resource{TenantID: k.TenantID, OwnerID: k.OwnerID}); err != nil {
		return nil, err
	}
	if k.RevokedAt != nil {
		return nil, nil
	}
	return []Event{{Type: APIKeyRevoked, Data: APIKeyRevokedData{
		KeyID: k.ID, TenantID: k.TenantID, OwnerID: k.OwnerID, RevokedBy: actor.UserID, RevokedAt: now.UTC(),
	}}}, nil
}

// KeyPrefix is the displayable start of an API key ("sk_<key id>"); the
// secret follows it.
func KeyPrefix(keyID string) string { return "sk_" + keyID }

// ErrLastPlatformAdmin refuses a change that would leave no active
// platform_admin. It wraps domain.ErrConflict (409).
var ErrLastPlatformAdmin = fmt.Errorf("the last active platform_admin cannot be demoted or deactivated: %w", domain.ErrConflict)

// PlatformAdminChange is how a change from before to after moves the number
// of active platform_admins: -1, 0 or +1.
func PlatformAdminChange(before, after User) int {
	switch b, a := before.CountsAsPlatformAdmin(), after.CountsAsPlatformAdmin(); {
	case b && !a:
		return -1
	case !b && a:
		return +1
	}
	return 0
}

// CheckPlatformAdmins enforces the last-platform-admin invariant: with
// active platform_admins counted (a lower bound), a change of delta may not
// leave fewer than one.
func CheckPlatformAdmins(active, delta int) error {
	if delta < 0 && active+delta < 1 {
		return ErrLastPlatformAdmin
	}
	return nil
}
