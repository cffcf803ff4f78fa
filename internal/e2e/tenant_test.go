package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/wire"
)

// Suspending a tenant refuses its users and keys everywhere (login
// included), closes their sockets and refuses new ones; it deletes nothing,
// and reactivation restores access.
func TestTenantSuspension(t *testing.T) {
	t.Parallel()
	s := newSystem(t, wire.ModeEmbedded)
	assert.Equal(t, false, s.must(200, s.call("GET", "/api/bootstrap", "", nil)).body["bootstrapped"])
	root, platform := s.bootstrap()
	assert.Equal(t, true, s.must(200, s.call("GET", "/api/bootstrap", "", nil)).body["bootstrapped"])
	acme := str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Acme Air"})).body, "id")
	s.must(201, s.call("POST", "/api/tenants/"+acme+"/users", root, map[string]any{"email": "ops@acme.example",
		"password": "Blue-Heron-Cove-71", "role": "tenant_admin", "display_name": "Ops"}))
	creds := map[string]any{"email": "ops@acme.example", "password": "Blue-Heron-Cove-71"}
	ops := s.login("ops@acme.example", "Blue-Heron-Cove-71")
	apiKey := str(s.must(201, s.call("POST", "/api/apikeys", ops, map[string]any{"name": "script"})).body, "key")
	sock := s.connect(ops)

	// only a platform_admin may; the platform tenant cannot be suspended
	s.must(403, s.call("PATCH", "/api/tenants/"+acme, ops, map[string]any{"status": "suspended"}))
	s.must(409, s.call("PATCH", "/api/tenants/"+platform, root, map[string]any{"status": "suspended"}))
	s.must(400, s.call("PATCH", "/api/tenants/"+acme, root, map[string]any{"status": "deleted"}))
	s.must(412, s.call("PATCH", "/api/tenants/"+acme, root, map[string]any{"status": "suspended"}, "If-Match", `"7"`))

	r := s.must(200, s.call("PATCH", "/api/tenants/"+acme, root, map[string]any{"status": "suspended", "name": "Acme Aviation"}, "If-Match", `"1"`))
	assert.Equal(t, "suspended", r.body["status"])
	assert.Equal(t, "Acme Aviation", r.body["name"])
	_ = sock.waitClosed() // the member's socket is closed (fails the test after 10 s)

	for _, key := range []string{ops, apiKey} {
		for _, route := range [][2]string{{"GET", "/api/users/me"}, {"GET", "/api/tenants/" + acme}, {"POST", "/api/ws/ticket"}, {"GET", "/api/pireps"}} {
			var body any
			if route[0] == "POST" {
				body = map[string]any{}
			}
			r := s.must(403, s.call(route[0], route[1], key, body))
			assert.Equal(t, "tenant_suspended", str(r.body, "error", "code"), route)
		}
	}
	r = s.must(403, s.call("POST", "/api/auth/login", "", creds))
	assert.Equal(t, "tenant_suspended", str(r.body, "error", "code"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, s.wsURL, &websocket.DialOptions{HTTPHeader: map[string][]string{"Authorization": {"Bearer " + apiKey}}})
	require.Error(t, err, "a new socket is refused")
	if resp != nil {
		assert.Equal(t, 401, resp.StatusCode)
	}
	// the platform admin still sees everything; nothing was deleted
	s.eventually(func() bool {
		r := s.call("GET", "/api/tenants/"+acme, root, nil)
		return r.status == 200 && r.body["status"] == "suspended"
	}, "the read model shows the suspension")
	s.must(200, s.call("GET", "/api/tenants/"+acme+"/users", root, nil))

	// reactivation restores the same credentials
	s.must(200, s.call("PATCH", "/api/tenants/"+acme, root, map[string]any{"status": "active"}))
	s.must(200, s.call("GET", "/api/users/me", ops, nil))
	s.must(200, s.call("GET", "/api/users/me", apiKey, nil))
	s.must(200, s.call("POST", "/api/auth/login", "", creds))
	s.connect(apiKey)
}
