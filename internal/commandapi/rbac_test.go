package commandapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
)

// TestRBACMatrix runs every command route for every role against resources
// in the caller's own tenant, another tenant and the platform tenant, and
// checks the exact status. Other tenants' resources are 404, never 403.
func TestRBACMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	t2 := e.createTenant(b.Key, "Globex")
	keys := map[domain.Role]string{domain.RolePlatformAdmin: b.Key}
	tenantOf := map[domain.Role]string{domain.RolePlatformAdmin: b.TenantID}
	for i, r := range []domain.Role{domain.RoleTenantAdmin, domain.RolePilot, domain.RoleViewer} {
		_, keys[r] = e.createUser(b.Key, t1, fmt.Sprintf("member%d@acme.example", i), r)
		tenantOf[r] = t1
	}
	// one target pilot with an API key in every tenant
	type target struct{ tenant, user, key string }
	targets := map[string]target{}
	for i, tn := range []string{b.TenantID, t1, t2} {
		u, sess := e.createUser(b.Key, tn, fmt.Sprintf("target%d@example.com", i), domain.RolePilot)
		resp := e.do(e.req("post_apikeys").as(e, sess).body(map[string]any{"name": "target"}))
		require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
		targets[tn] = target{tenant: tn, user: u.ID, key: decode[struct{ ID string }](t, resp).ID}
	}
	where := func(role domain.Role, w string) target {
		switch w {
		case "own":
			return targets[tenantOf[role]]
		case "other":
			return targets[t2]
		default:
			return targets[b.TenantID]
		}
	}
	// expected[route][where][role]
	const (
		PA = domain.RolePlatformAdmin
		TA = domain.RoleTenantAdmin
		PI = domain.RolePilot
		VI = domain.RoleViewer
	)
	type exp map[domain.Role]int
	cases := []struct {
		route string
		build func(c *call, tg target) *call
		want  map[string]exp
	}{
		{"post_tenants", func(c *call, _ target) *call { return c.body(map[string]any{"name": "New"}) },
			map[string]exp{"own": {PA: 201, TA: 403, PI: 403, VI: 403}, "other": {PA: 201, TA: 403, PI: 403, VI: 403}, "platform": {PA: 201, TA: 403, PI: 403, VI: 403}}},
		{"post_tenant_users", func(c *call, tg target) *call {
			return c.path(tg.tenant).body(map[string]any{"email": fmt.Sprintf("u%s@x.example", newSuffix()), "password": "a long enough passphrase", "role": "viewer", "display_name": "V"})
		}, map[string]exp{"own": {PA: 201, TA: 201, PI: 403, VI: 403}, "other": {PA: 201, TA: 404, PI: 404, VI: 404}, "platform": {PA: 201, TA: 404, PI: 404, VI: 404}}},
		{"patch_user", func(c *call, tg target) *call {
			return c.path(tg.user).header("if-match", "").body(map[string]any{"role": "pilot"})
		}, map[string]exp{"own": {PA: 200, TA: 200, PI: 403, VI: 403}, "other": {PA: 200, TA: 404, PI: 404, VI: 404}, "platform": {PA: 200, TA: 404, PI: 404, VI: 404}}},
		{"patch_tenant", func(c *call, tg target) *call {
			return c.path(tg.tenant).header("if-match", "").body(map[string]any{"name": "Renamed " + newSuffix()})
		}, map[string]exp{"own": {PA: 200, TA: 403, PI: 403, VI: 403}, "other": {PA: 200, TA: 404, PI: 404, VI: 404}, "platform": {PA: 200, TA: 404, PI: 404, VI: 404}}},
		{"delete_apikey", func(c *call, tg target) *call { return c.path(tg.key) },
			map[string]exp{"own": {PA: 200, TA: 200, PI: 403, VI: 403}, "other": {PA: 200, TA: 404, PI: 404, VI: 404}, "platform": {PA: 200, TA: 404, PI: 404, VI: 404}}},
		{"post_apikeys", func(c *call, _ target) *call { return c.body(map[string]any{"name": "mine"}) },
			map[string]exp{"own": {PA: 201, TA: 201, PI: 201, VI: 201}, "other": {PA: 201, TA: 201, PI: 201, VI: 201}, "platform": {PA: 201, TA: 201, PI: 201, VI: 201}}},
		// erasure: the target is deactivated first (a platform_admin's
		// PATCH); an erased target answers 200 again to whoever may erase
		{"post_user_erase", func(c *call, tg target) *call {
			e.do(e.req("patch_user").as(e, b.Key).path(tg.user).header("if-match", "").body(map[string]any{"status": "deactivated"}))
			return c.path(tg.user)
		}, map[string]exp{"own": {PA: 200, TA: 200, PI: 403, VI: 403}, "other": {PA: 200, TA: 404, PI: 404, VI: 404}, "platform": {PA: 200, TA: 404, PI: 404, VI: 404}}},
		{"post_ws_ticket", func(c *call, _ target) *call { return c },
			map[string]exp{"own": {PA: 201, TA: 201, PI: 201, VI: 201}, "other": {PA: 201, TA: 201, PI: 201, VI: 201}, "platform": {PA: 201, TA: 201, PI: 201, VI: 201}}},
	}
	n := 0
	for _, tc := range cases {
		for _, w := range []string{"own", "other", "platform"} {
			for _, role := range domain.Roles {
				want := tc.want[w][role]
				resp := e.do(tc.build(e.req(tc.route).as(e, keys[role]), where(role, w)))
				assert.Equal(t, want, resp.StatusCode, "%s %s as %s: %s", tc.route, w, role, resp.Body)
				n++
			}
		}
	}
	t.Logf("RBAC matrix: %d cases (%d routes x 3 targets x %d roles)", n, len(cases), len(domain.Roles))
}

var suffix int

func newSuffix() string { suffix++; return fmt.Sprint(suffix) }

// TestRBACPasswordIsSelfOnly: POST /api/auth/password for every role in its
// own tenant, in another tenant and in the platform tenant changes exactly
// the caller's password; the route has no way to name another user (an
// extra field is a 400), so no caller reaches a user of any tenant but
// itself.
func TestRBACPasswordIsSelfOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	t2 := e.createTenant(b.Key, "Globex")
	const oldPW, newPW = "a long enough passphrase", "a different long passphrase"
	tenants := map[string]string{"own": t1, "other": t2, "platform": b.TenantID}
	n := 0
	for _, w := range []string{"own", "other", "platform"} {
		// a bystander in the same tenant whose password must not change
		bystander, _ := e.createUser(b.Key, tenants[w], fmt.Sprintf("bystander-%s@example.com", w), domain.RoleViewer)
		for i, role := range domain.Roles {
			if role == domain.RolePlatformAdmin && w != "platform" {
				continue // platform_admin exists only in the platform tenant
			}
			email := fmt.Sprintf("pw-%s-%d@example.com", w, i)
			u, key := e.createUser(b.Key, tenants[w], email, role)
			// naming another user is refused, not obeyed
			resp := e.do(e.req("post_password").as(e, key).body(map[string]any{
				"user_id": bystander.ID, "old_password": oldPW, "new_password": newPW}))
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s %s: %s", w, role, resp.Body)
			resp = e.do(e.req("post_password").as(e, key).body(map[string]any{"old_password": oldPW, "new_password": newPW}))
			assert.Equal(t, http.StatusNoContent, resp.StatusCode, "%s %s: %s", w, role, resp.Body)
			assert.Equal(t, "user-"+u.ID, resp.Headers["X-Stream-Id"], "%s %s changed its own password", w, role)
			e.login(email, newPW)
			n++
		}
		e.login(bystander.Email, oldPW) // unchanged
	}
	assert.Equal(t, 3*3+1, n, "tenant roles in 3 tenants + platform_admin in the platform tenant")
}
