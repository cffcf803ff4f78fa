package commandapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/identityapp"
)

func TestBootstrapOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.do(e.req("post_bootstrap"))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	out := decode[struct {
		Tenant identityapp.Tenant     `json:"tenant"`
		User   identityapp.User       `json:"user"`
		APIKey identityapp.CreatedKey `json:"api_key"`
	}](t, resp)
	assert.True(t, out.Tenant.Platform)
	assert.Equal(t, "SkyLedger Platform", out.Tenant.Name)
	assert.Equal(t, domain.RolePlatformAdmin, out.User.Role)
	assert.Equal(t, adminEmail, out.User.Email)
	assert.Equal(t, identity.StatusActive, out.User.Status)
	assert.True(t, strings.HasPrefix(out.APIKey.Key, "sk_"+out.APIKey.ID+"_"))
	assert.Equal(t, "no-store", resp.Headers["Cache-Control"])
	assert.Equal(t, "apikey-"+out.APIKey.ID, resp.Headers["X-Stream-Id"])
	assert.Equal(t, `"1"`, resp.Headers["ETag"])
	assert.Equal(t, 3, e.eventCount())

	p, err := e.authn.Authenticate(context.Background(), "Bearer "+out.APIKey.Key)
	require.NoError(t, err)
	assert.Equal(t, domain.Principal{UserID: out.User.ID, TenantID: out.Tenant.ID, Role: domain.RolePlatformAdmin, KeyID: out.APIKey.ID}, p)

	again := e.do(e.req("post_bootstrap"))
	assert.Equal(t, http.StatusConflict, again.StatusCode, again.Body)
	assert.Equal(t, 3, e.eventCount(), "second bootstrap writes nothing")
}

func TestBootstrapRefusesWrongToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.do(e.req("post_bootstrap").body(map[string]any{"bootstrap_token": "wrong", "tenant_name": "P",
		"email": adminEmail, "password": adminPassword, "display_name": "A"}))
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, 0, e.eventCount())
}

func TestLoginPasswordAndThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bootstrap()
	ctx := context.Background()

	resp := e.do(e.req("post_login"))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	login := decode[struct {
		Key       string           `json:"key"`
		ExpiresAt time.Time        `json:"expires_at"`
		User      identityapp.User `json:"user"`
	}](t, resp)
	assert.Equal(t, e.clk.Now().Add(auth.SessionTTL), login.ExpiresAt)
	assert.Equal(t, adminEmail, login.User.Email)
	_, err := e.authn.Authenticate(ctx, login.Key)
	require.NoError(t, err)

	// unknown e-mail and wrong password: the same 401 body
	unknown := e.do(e.req("post_login").body(map[string]any{"email": "nobody@example.com", "password": "whatever password"}))
	wrong := e.do(e.req("post_login").body(map[string]any{"email": adminEmail, "password": "whatever password"}))
	assert.Equal(t, http.StatusUnauthorized, unknown.StatusCode)
	assert.Equal(t, unknown.StatusCode, wrong.StatusCode)
	assert.Equal(t, unknown.Body, wrong.Body)

	// password change with session A kills session B, keeps A
	sessB := e.login(adminEmail, adminPassword)
	resp = e.do(e.req("post_password").as(e, login.Key).body(map[string]any{"old_password": "not it at all", "new_password": "a brand new long passphrase"}))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "old_password", decode[errBody](t, resp).Error.Details["field"])
	resp = e.do(e.req("post_password").as(e, login.Key).body(map[string]any{"old_password": adminPassword, "new_password": "admin@skyledger.example!!"}))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "contains the e-mail")
	resp = e.do(e.req("post_password").as(e, login.Key))
	require.Equal(t, http.StatusNoContent, resp.StatusCode, resp.Body)
	assert.NotEmpty(t, resp.Headers["X-Stream-Id"])
	_, err = e.authn.Authenticate(ctx, sessB)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated, "other sessions revoked")
	_, err = e.authn.Authenticate(ctx, login.Key)
	assert.NoError(t, err, "the session used for the change survives")
	resp = e.do(e.req("post_login"))
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "old password no longer works")
	e.login(adminEmail, "a brand new long passphrase")

	// throttling is covered by TestLoginThrottleNoLockout
}

func TestTenantsUsersRolesAndKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	ctx := context.Background()

	t1 := e.createTenant(b.Key, "Acme")
	t2 := e.createTenant(b.Key, "Globex")
	admin1, admin1Key := e.createUser(b.Key, t1, "admin1@acme.example", domain.RoleTenantAdmin)
	assert.Equal(t, t1, admin1.TenantID)
	pilot, pilotKey := e.createUser(admin1Key, t1, "pilot@acme.example", domain.RolePilot)
	_, admin2Key := e.createUser(b.Key, t2, "admin2@globex.example", domain.RoleTenantAdmin)

	// duplicate e-mail (case-insensitive) -> 409 naming email, nothing written
	n := e.eventCount()
	resp := e.do(e.req("post_tenant_users").as(e, admin1Key).path(t1).body(map[string]any{
		"email": "PILOT@acme.example", "password": "a long enough passphrase", "role": "viewer", "display_name": "Dup"}))
	assert.Equal(t, http.StatusConflict, resp.StatusCode, resp.Body)
	assert.Contains(t, resp.Body, "email")
	assert.Equal(t, n, e.eventCount())

	// tenant_admin cannot grant platform_admin, nor act in another tenant
	resp = e.do(e.req("post_tenant_users").as(e, admin1Key).path(t1).body(map[string]any{
		"email": "x@acme.example", "password": "a long enough passphrase", "role": "platform_admin", "display_name": "X"}))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, resp.Body)
	resp = e.do(e.req("post_tenant_users").as(e, admin2Key).path(t1).body(map[string]any{
		"email": "y@acme.example", "password": "a long enough passphrase", "role": "pilot", "display_name": "Y"}))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, resp.Body)
	resp = e.do(e.req("patch_user").as(e, admin2Key).path(pilot.ID).body(map[string]any{"role": "viewer"}).header("if-match", ""))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "other tenant's user is 404, not 403")
	resp = e.do(e.req("patch_user").as(e, pilotKey).path(admin1.ID).header("if-match", ""))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "pilot may not change roles")
	resp = e.do(e.req("post_tenants").as(e, admin1Key))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	// role change with If-Match: stale -> 412, current -> 200; applies on the next request
	resp = e.do(e.req("patch_user").as(e, admin1Key).path(pilot.ID).header("if-match", `"7"`))
	assert.Equal(t, http.StatusPreconditionFailed, resp.StatusCode, resp.Body)
	resp = e.do(e.req("patch_user").as(e, admin1Key).path(pilot.ID).header("if-match", `"1"`))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	u := decode[userOut](t, resp)
	assert.Equal(t, "viewer", u.Role)
	assert.EqualValues(t, 2, u.Version)
	assert.Equal(t, `"2"`, resp.Headers["ETag"])
	assert.Equal(t, "user-"+pilot.ID, resp.Headers["X-Stream-Id"])
	assert.Equal(t, "2", resp.Headers["X-Stream-Version"])
	p, err := e.authn.Authenticate(ctx, pilotKey)
	require.NoError(t, err)
	assert.Equal(t, domain.RoleViewer, p.Role)

	// own API key: created, works, revoked, fails at once
	resp = e.do(e.req("post_apikeys").as(e, pilotKey))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	key := decode[identityapp.CreatedKey](t, resp)
	assert.Equal(t, pilot.ID, key.OwnerID)
	require.NotNil(t, key.ExpiresAt)
	assert.Nil(t, key.RevokedAt)
	kp, err := e.authn.Authenticate(ctx, key.Key)
	require.NoError(t, err)
	assert.Equal(t, key.ID, kp.KeyID)
	resp = e.do(e.req("delete_apikey").as(e, admin2Key).path(key.ID))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "other tenant admin")
	resp = e.do(e.req("delete_apikey").as(e, pilotKey).path(key.ID))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	revoked := decode[identityapp.CreatedKey](t, resp)
	require.NotNil(t, revoked.RevokedAt)
	assert.Empty(t, revoked.Key, "the secret is shown once")
	assert.NotNil(t, revoked.LastUsedAt)
	_, err = e.authn.Authenticate(ctx, key.Key)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)
	resp = e.do(e.req("delete_apikey").as(e, pilotKey).path(key.ID))
	assert.Equal(t, http.StatusOK, resp.StatusCode, "revoking twice is a no-op")
	assert.Equal(t, "2", resp.Headers["X-Stream-Version"])

	// deactivation stops every key and session of the user at once
	resp = e.do(e.req("patch_user").as(e, admin1Key).path(pilot.ID).body(map[string]any{"status": "deactivated"}).header("if-match", ""))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	_, err = e.authn.Authenticate(ctx, pilotKey)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)
	resp = e.do(e.req("post_login").body(map[string]any{"email": "pilot@acme.example", "password": "a long enough passphrase"}))
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = e.do(e.req("patch_user").as(e, admin1Key).path(pilot.ID).body(map[string]any{"status": "active"}).header("if-match", ""))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	_, err = e.authn.Authenticate(ctx, pilotKey)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated, "sessions from before the deactivation stay dead")
	e.login("pilot@acme.example", "a long enough passphrase")
}

func TestLastPlatformAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	// the only platform_admin cannot demote or deactivate itself
	for _, body := range []map[string]any{{"role": "tenant_admin"}, {"status": "deactivated"}} {
		resp := e.do(e.req("patch_user").as(e, b.Key).path(b.UserID).body(body).header("if-match", ""))
		assert.Equal(t, http.StatusConflict, resp.StatusCode, resp.Body)
	}
	second, secondKey := e.createUser(b.Key, b.TenantID, "second@skyledger.example", domain.RolePlatformAdmin)
	resp := e.do(e.req("patch_user").as(e, secondKey).path(b.UserID).body(map[string]any{"status": "deactivated"}).header("if-match", ""))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	resp = e.do(e.req("patch_user").as(e, secondKey).path(second.ID).body(map[string]any{"role": "pilot"}).header("if-match", ""))
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "now second is the last one")
	// platform_admin cannot be granted outside the platform tenant
	t1 := e.createTenant(secondKey, "Acme")
	resp = e.do(e.req("post_tenant_users").as(e, secondKey).path(t1).body(map[string]any{
		"email": "pa@acme.example", "password": "a long enough passphrase", "role": "platform_admin", "display_name": "PA"}))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	n := e.eventCount()
	first := e.do(e.req("post_apikeys").as(e, b.Key).header("idempotency-key", "retry-0001-abcdef"))
	require.Equal(t, http.StatusCreated, first.StatusCode, first.Body)
	again := e.do(e.req("post_apikeys").as(e, b.Key).header("idempotency-key", "retry-0001-abcdef"))
	assert.Equal(t, first.StatusCode, again.StatusCode)
	assert.JSONEq(t, first.Body, again.Body, "the first result, secret included")
	assert.Equal(t, first.Headers["X-Stream-Id"], again.Headers["X-Stream-Id"])
	assert.Equal(t, "true", again.Headers["Idempotent-Replayed"])
	assert.Equal(t, n+1, e.eventCount(), "one key created")

	diff := e.do(e.req("post_apikeys").as(e, b.Key).header("idempotency-key", "retry-0001-abcdef").body(map[string]any{"name": "other"}))
	assert.Equal(t, http.StatusConflict, diff.StatusCode, diff.Body)
	bad := e.do(e.req("post_apikeys").as(e, b.Key).header("idempotency-key", "short"))
	assert.Equal(t, http.StatusBadRequest, bad.StatusCode)
	assert.Equal(t, "Idempotency-Key", decode[errBody](t, bad).Error.Details["field"])

	// the stored record holds no plaintext secret
	key := decode[identityapp.CreatedKey](t, first)
	found := false
	require.NoError(t, e.store.ReadAll(context.Background(), func(ev events.Envelope) error {
		assert.NotContains(t, string(ev.Data), key.Key[len(key.Key)-20:])
		found = found || ev.StreamID == "apikey-"+key.ID
		return nil
	}))
	assert.True(t, found)
}

func TestWSTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	resp := e.do(e.req("post_ws_ticket").as(e, b.Key))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	out := decode[struct {
		Ticket    string    `json:"ticket"`
		ExpiresAt time.Time `json:"expires_at"`
		URL       string    `json:"url"`
	}](t, resp)
	assert.Equal(t, wsURL, out.URL)
	assert.Equal(t, e.clk.Now().Add(60*time.Second), out.ExpiresAt)
	p, err := e.authn.ConsumeTicket(context.Background(), out.Ticket)
	require.NoError(t, err)
	assert.Equal(t, b.UserID, p.UserID)
	_, err = e.authn.ConsumeTicket(context.Background(), out.Ticket)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)
	resp = e.do(e.req("post_ws_ticket").as(e, b.Key).body(`{"x":1}`))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestNewRefusesMissingStore(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "commandapi.New: Deps.Store is required", func() { commandapi.New(commandapi.Deps{}) })
}
