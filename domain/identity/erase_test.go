package identity_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
)

// userIn folds a pilot (or role) of tenant tid, then applies status
// changes by a platform admin.
func userIn(t *testing.T, tid string, role domain.Role, statuses ...string) (identity.User, []identity.Recorded) {
	t.Helper()
	tn := tenant(t, tid, tid == "P")
	pa := domain.Principal{UserID: "A", TenantID: "P", Role: domain.RolePlatformAdmin}
	evs, err := identity.CreateUser(tn, pa, identity.NewUser{ID: "U1", Email: "Pat@Example.com", DisplayName: "Pat", Role: role}, now)
	require.NoError(t, err)
	rec := record(t, 0, evs)
	u, err := identity.FoldUser(rec)
	require.NoError(t, err)
	for _, st := range statuses {
		d, err := u.SetStatus(pa, st)
		require.NoError(t, err)
		rec = append(rec, record(t, u.Version, d)...)
		u, err = identity.FoldUser(rec)
		require.NoError(t, err)
	}
	return u, rec
}

func TestEraseRules(t *testing.T) {
	t.Parallel()
	pa := domain.Principal{UserID: "A", TenantID: "P", Role: domain.RolePlatformAdmin}
	ta := domain.Principal{UserID: "B", TenantID: "T1", Role: domain.RoleTenantAdmin}
	taOther := domain.Principal{UserID: "B2", TenantID: "T2", Role: domain.RoleTenantAdmin}
	pilot := domain.Principal{UserID: "C", TenantID: "T1", Role: domain.RolePilot}
	viewer := domain.Principal{UserID: "D", TenantID: "T1", Role: domain.RoleViewer}
	deact := []string{identity.StatusDeactivated}
	tests := []struct {
		name     string
		actor    domain.Principal
		tenant   string
		role     domain.Role
		statuses []string
		want     error // nil: one user.erased
	}{
		{"platform admin erases a deactivated user", pa, "T1", domain.RolePilot, deact, nil},
		{"tenant admin erases in own tenant", ta, "T1", domain.RolePilot, deact, nil},
		{"tenant admin of another tenant: 404", taOther, "T1", domain.RolePilot, deact, domain.ErrNotFound},
		{"pilot: 403", pilot, "T1", domain.RolePilot, deact, domain.ErrForbidden},
		{"viewer: 403", viewer, "T1", domain.RolePilot, deact, domain.ErrForbidden},
		{"active user: 409", pa, "T1", domain.RolePilot, nil, domain.ErrConflict},
		{"reactivated user: 409", pa, "T1", domain.RolePilot, []string{identity.StatusDeactivated, identity.StatusActive}, domain.ErrConflict},
		{"tenant admin cannot erase a platform admin", domain.Principal{UserID: "B", TenantID: "P", Role: domain.RoleTenantAdmin},
			"P", domain.RolePlatformAdmin, deact, domain.ErrForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, _ := userIn(t, tc.tenant, tc.role, tc.statuses...)
			evs, err := u.Erase(tc.actor)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
				assert.Empty(t, evs)
				return
			}
			require.NoError(t, err)
			require.Len(t, evs, 1)
			assert.Equal(t, identity.UserErased, evs[0].Type)
			assert.Equal(t, identity.UserErasedData{UserID: "U1", TenantID: tc.tenant, By: tc.actor.UserID}, evs[0].Data)
		})
	}
}

func TestErasedUserFoldsAndStaysErased(t *testing.T) {
	t.Parallel()
	pa := domain.Principal{UserID: "A", TenantID: "P", Role: domain.RolePlatformAdmin}
	u, rec := userIn(t, "T1", domain.RolePilot, identity.StatusDeactivated)
	evs, err := u.Erase(pa)
	require.NoError(t, err)
	rec = append(rec, record(t, u.Version, evs)...)
	u, err = identity.FoldUser(rec)
	require.NoError(t, err)
	assert.Equal(t, identity.StatusErased, u.Status)
	assert.Equal(t, identity.Erased, u.Email)
	assert.Equal(t, identity.Erased, u.DisplayName)
	assert.Equal(t, domain.RolePilot, u.Role, "the role stays")
	assert.Equal(t, int64(3), u.Version)

	again, err := u.Erase(pa)
	require.NoError(t, err, "erasing an erased user is a no-op")
	assert.Empty(t, again)
	_, err = u.SetStatus(pa, identity.StatusActive)
	require.ErrorIs(t, err, identity.ErrUserErased)
	_, err = u.ChangeRole(pa, domain.RoleViewer)
	require.ErrorIs(t, err, domain.ErrConflict)
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, typ, in, want string
	}{
		{"user.created", identity.UserCreated, `{"user_id":"U","email":"a@b.c","display_name":"Pat","role":"pilot"}`,
			`{"display_name":"[erased]","email":"[erased]","role":"pilot","user_id":"U"}`},
		{"profile", identity.UserProfileUpdated, `{"user_id":"U","display_name":"Pat"}`, `{"display_name":"[erased]","user_id":"U"}`},
		{"absent fields stay absent", identity.UserCreated, `{"user_id":"U"}`, `{"user_id":"U"}`},
		{"no personal fields", identity.UserRoleChanged, `{"role":"pilot"}`, `{"role":"pilot"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := identity.Redact(tc.typ, json.RawMessage(tc.in))
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(got))
		})
	}
	_, err := identity.Redact(identity.UserCreated, json.RawMessage(`[1]`))
	require.Error(t, err)
}

// TestPersonalFieldsCoverIdentityPayloads: every string field of an
// identity payload named like personal data is listed in PersonalFields.
func TestPersonalFieldsCoverIdentityPayloads(t *testing.T) {
	t.Parallel()
	payloads := map[string]any{
		identity.UserCreated: identity.UserCreatedData{}, identity.UserProfileUpdated: identity.UserProfileUpdatedData{},
		identity.UserRoleChanged: identity.UserRoleChangedData{}, identity.UserDeactivated: identity.UserDeactivatedData{},
		identity.UserReactivated: identity.UserReactivatedData{}, identity.UserPasswordChanged: identity.UserPasswordChangedData{},
		identity.UserErased: identity.UserErasedData{}, identity.APIKeyCreated: identity.APIKeyCreatedData{},
		identity.APIKeyRevoked: identity.APIKeyRevokedData{},
	}
	for typ, p := range payloads {
		b, err := json.Marshal(p)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		for _, personal := range []string{"email", "display_name"} {
			if _, ok := m[personal]; ok {
				assert.Contains(t, identity.PersonalFields[typ], personal, "%s.%s", typ, personal)
			}
		}
	}
}
