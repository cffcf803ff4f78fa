package identity_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// record turns decided events into stored ones starting after version v.
func record(t *testing.T, v int64, evs []identity.Event) []identity.Recorded {
	t.Helper()
	out := make([]identity.Recorded, 0, len(evs))
	for i, e := range evs {
		b, err := json.Marshal(e.Data)
		require.NoError(t, err)
		out = append(out, identity.Recorded{Type: e.Type, Version: v + int64(i) + 1, OccurredAt: now, Data: b})
	}
	return out
}

func tenant(t *testing.T, id string, platform bool) identity.Tenant {
	evs, err := identity.CreateTenant(id, "  Acme Air  ", platform, "system", now)
	require.NoError(t, err)
	tn, err := identity.FoldTenant(record(t, 0, evs))
	require.NoError(t, err)
	return tn
}

func fieldOf(err error) string {
	var fe *domain.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestCreateTenantFold(t *testing.T) {
	t.Parallel()
	tn := tenant(t, "T1", false)
	assert.Equal(t, identity.Tenant{ID: "T1", Name: "Acme Air", Status: identity.TenantActive, CreatedAt: now, Version: 1}, tn)
	_, err := identity.CreateTenant("T2", "   ", false, "system", now)
	assert.Equal(t, "name", fieldOf(err))
}

func TestCreateUserRules(t *testing.T) {
	t.Parallel()
	plat := tenant(t, "P", true)
	t1 := tenant(t, "T1", false)
	pa := domain.Principal{UserID: "A", TenantID: "P", Role: domain.RolePlatformAdmin}
	ta := domain.Principal{UserID: "B", TenantID: "T1", Role: domain.RoleTenantAdmin}
	pilot := domain.Principal{UserID: "C", TenantID: "T1", Role: domain.RolePilot}
	in := func(role domain.Role) identity.NewUser {
		return identity.NewUser{ID: "U", Email: "Pilot.One@Example.COM", DisplayName: "Pilot One", Role: role}
	}
	tests := []struct {
		name  string
		t     identity.Tenant
		actor domain.Principal
		in    identity.NewUser
		err   error
		field string
	}{
		{"platform admin in any tenant", t1, pa, in(domain.RolePilot), nil, ""},
		{"tenant admin own tenant", t1, ta, in(domain.RoleViewer), nil, ""},
		{"tenant admin cannot grant platform_admin", t1, ta, in(domain.RolePlatformAdmin), domain.ErrForbidden, ""},
		{"tenant admin other tenant 404", plat, ta, in(domain.RolePilot), domain.ErrNotFound, ""},
		{"pilot forbidden", t1, pilot, in(domain.RolePilot), domain.ErrForbidden, ""},
		{"platform_admin only in platform tenant", t1, pa, in(domain.RolePlatformAdmin), domain.ErrValidation, "role"},
		{"bad email", t1, pa, identity.NewUser{ID: "U", Email: "nope", DisplayName: "x", Role: domain.RolePilot}, domain.ErrValidation, "email"},
		{"bad role", t1, pa, in("captain"), domain.ErrValidation, "role"},
		{"missing tenant", identity.Tenant{}, pa, in(domain.RolePilot), domain.ErrNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			evs, err := identity.CreateUser(tc.t, tc.actor, tc.in, now)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				assert.Equal(t, tc.field, fieldOf(err))
				return
			}
			require.NoError(t, err)
			u, err := identity.FoldUser(record(t, 0, evs))
			require.NoError(t, err)
			assert.Equal(t, "pilot.one@example.com", u.Email)
			assert.Equal(t, identity.StatusActive, u.Status)
			assert.Equal(t, tc.t.ID, u.TenantID)
			assert.EqualValues(t, 1, u.Version)
		})
	}
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	plat := tenant(t, "P", true)
	pa := domain.Principal{UserID: "A", TenantID: "P", Role: domain.RolePlatformAdmin}
	evs, err := identity.CreateUser(plat, pa, identity.NewUser{ID: "U", Email: "u@example.com", DisplayName: "U", Role: domain.RoleTenantAdmin}, now)
	require.NoError(t, err)
	hist := record(t, 0, evs)
	fold := func() identity.User {
		u, err := identity.FoldUser(hist)
		require.NoError(t, err)
		return u
	}
	// a tenant_admin of the platform tenant cannot touch a platform_admin
	evs, err = fold().ChangeRole(pa, domain.RolePlatformAdmin)
	require.NoError(t, err)
	hist = append(hist, record(t, 1, evs)...)
	assert.True(t, fold().CountsAsPlatformAdmin())
	peer := domain.Principal{UserID: "B", TenantID: "P", Role: domain.RoleTenantAdmin}
	_, err = fold().SetStatus(peer, identity.StatusDeactivated)
	assert.ErrorIs(t, err, domain.ErrForbidden)

	// same role is a no-op
	evs, err = fold().ChangeRole(pa, domain.RolePlatformAdmin)
	require.NoError(t, err)
	assert.Empty(t, evs)

	evs, err = fold().SetStatus(pa, identity.StatusDeactivated)
	require.NoError(t, err)
	hist = append(hist, record(t, 2, evs)...)
	u := fold()
	assert.False(t, u.Active())
	assert.False(t, u.CountsAsPlatformAdmin())
	assert.EqualValues(t, 0, u.SessionEpoch())

	evs, err = u.SetStatus(pa, identity.StatusActive)
	require.NoError(t, err)
	hist = append(hist, record(t, 3, evs)...)
	u = fold()
	assert.True(t, u.Active())
	assert.EqualValues(t, 1, u.SessionEpoch(), "reactivation invalidates old sessions")
	assert.EqualValues(t, 4, u.Version)

	_, err = u.SetStatus(pa, "gone")
	assert.Equal(t, "status", fieldOf(err))

	self := domain.Principal{UserID: "U", TenantID: "P", Role: domain.RolePlatformAdmin}
	_, err = u.ChangePassword(self, "short")
	assert.Equal(t, "new_password", fieldOf(err))
	_, err = u.ChangePassword(pa, "a perfectly long passphrase")
	assert.ErrorIs(t, err, domain.ErrForbidden, "password change is self only")
	evs, err = u.ChangePassword(self, "a perfectly long passphrase")
	require.NoError(t, err)
	hist = append(hist, record(t, 4, evs)...)
	assert.EqualValues(t, 2, fold().SessionEpoch())
}

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	t1 := tenant(t, "T1", false)
	pa := domain.Principal{UserID: "A", TenantID: "P", Role: domain.RolePlatformAdmin}
	evs, err := identity.CreateUser(t1, pa, identity.NewUser{ID: "U", Email: "u@example.com", DisplayName: "U", Role: domain.RolePilot}, now)
	require.NoError(t, err)
	owner, err := identity.FoldUser(record(t, 0, evs))
	require.NoError(t, err)
	self := domain.Principal{UserID: "U", TenantID: "T1", Role: domain.RolePilot, KeyID: "K0"}

	past := now.Add(-time.Hour)
	_, err = identity.CreateAPIKey("K", owner, self, "ci", &past, now)
	assert.Equal(t, "expires_at", fieldOf(err))
	_, err = identity.CreateAPIKey("K", owner, pa, "ci", nil, now)
	assert.Error(t, err, "keys are created for self")

	exp := now.Add(24 * time.Hour)
	evs, err = identity.CreateAPIKey("K", owner, self, "ci", &exp, now)
	require.NoError(t, err)
	hist := record(t, 0, evs)
	k, err := identity.FoldAPIKey(hist)
	require.NoError(t, err)
	assert.Equal(t, "U", k.OwnerID)
	require.NotNil(t, k.ExpiresAt)
	assert.Nil(t, k.RevokedAt)

	other := domain.Principal{UserID: "X", TenantID: "T2", Role: domain.RoleTenantAdmin}
	_, err = k.Revoke(other, now)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	evs, err = k.Revoke(self, now)
	require.NoError(t, err)
	hist = append(hist, record(t, 1, evs)...)
	k, err = identity.FoldAPIKey(hist)
	require.NoError(t, err)
	require.NotNil(t, k.RevokedAt)
	evs, err = k.Revoke(self, now)
	require.NoError(t, err)
	assert.Empty(t, evs, "revoking twice is a no-op")
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pw string
		ok       bool
	}{
		{"ok", "correct horse battery", true},
		{"too short", "short", false},
		{"too long", string(make([]byte, 129)), false},
		{"contains local part", "xxJohnDoexx-12345", false},
		{"exactly 12", "abcdefghijkl", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := identity.ValidatePassword("password", tc.pw, "johndoe@example.com")
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.Equal(t, "password", fieldOf(err))
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "a", "a@b", "Bob <b@x.io>", "a b@x.io", "a@.x.io", "@x.io", "a@x.io."} {
		_, err := identity.NormalizeEmail("email", bad)
		assert.Equal(t, "email", fieldOf(err), bad)
	}
	got, err := identity.NormalizeEmail("email", " A.B+c@Example.ORG ")
	require.NoError(t, err)
	assert.Equal(t, "a.b+c@example.org", got)
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"a@b.co", "x", "Bob <b@x.io>", "\x00@x.io"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := identity.NormalizeEmail("email", s)
		if err == nil {
			again, err2 := identity.NormalizeEmail("email", got)
			if err2 != nil || again != got {
				t.Fatalf("normalized %q -> %q is not stable", s, got)
			}
		}
	})
}

func TestEmailsRefuseInvisibleCharactersAndFoldLookAlikes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in string }{
		{name: "right-to-left override", in: "ad\u202Emin@x.io"},
		{name: "left-to-right isolate", in: "\u2066admin@x.io"},
		{name: "zero-width space", in: "ad\u200Bmin@x.io"},
		{name: "zero-width joiner", in: "admin\u200D@x.io"},
		{name: "byte order mark", in: "\uFEFFadmin@x.io"},
		{name: "right-to-left mark", in: "admin@x\u200F.io"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := identity.NormalizeEmail("email", tc.in)
			assert.Equal(t, "email", fieldOf(err))
			_, err = identity.ValidateName("display_name", "Ad"+tc.in)
			assert.Equal(t, "display_name", fieldOf(err))
		})
	}
	got, err := identity.NormalizeEmail("email", "ＡＤＭＩＮ＠example.org")
	require.NoError(t, err, "fullwidth forms are folded by NFKC")
	assert.Equal(t, "admin@example.org", got)
	_, err = identity.ValidateName("display_name", "Zoë Ångström")
	assert.NoError(t, err, "ordinary accents are fine")

	base, err := identity.NormalizeEmail("email", "paypal@example.org")
	require.NoError(t, err)
	for _, alike := range []string{"pаypal@example.org" /* Cyrillic а */, "paypa1@example.org", "PAYPAL@EXAMPLE.ORG", "ρaypal@example.org" /* Greek rho */} {
		n, err := identity.NormalizeEmail("email", alike)
		require.NoError(t, err, alike)
		assert.Equal(t, identity.EmailSkeleton(base), identity.EmailSkeleton(n), "%q looks like %q", alike, base)
	}
	other, _ := identity.NormalizeEmail("email", "paypal2@example.org")
	assert.NotEqual(t, identity.EmailSkeleton(base), identity.EmailSkeleton(other))
}
