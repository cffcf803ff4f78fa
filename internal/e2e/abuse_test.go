package e2e_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/queryapi"
	"github.com/skyledger/skyledger/internal/wire"
)

// TestNoExistenceOracle: for every role of tenant A and every route that
// takes an id, another tenant's id and a made-up id answer the same status
// and the very same body, and with min_version the same wait.
func TestNoExistenceOracle(t *testing.T) {
	t.Parallel()
	s := newSystem(t, wire.ModeEmbedded)
	root, _ := s.bootstrap()
	tenantA := str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Acme Air"})).body, "id")
	tenantB := str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Other Air"})).body, "id")
	user := func(tenant, email, role string) (id, key string) {
		id = str(s.must(201, s.call("POST", "/api/tenants/"+tenant+"/users", root, map[string]any{"email": email,
			"password": "Blue-Heron-Cove-71", "role": role, "display_name": role})).body, "id")
		key = str(s.must(200, s.call("POST", "/api/auth/login", "", map[string]any{"email": email, "password": "Blue-Heron-Cove-71"})).body, "key")
		return id, key
	}
	pilotB, pilotBKey := user(tenantB, "pilot@other.example", "pilot")
	keyB := str(s.must(201, s.call("POST", "/api/apikeys", pilotBKey, map[string]any{"name": "b"})).body, "id")
	pirepB := str(s.must(201, s.call("POST", "/api/pireps", pilotBKey,
		map[string]any{"raw": "PUB UA /OV PUB 243022/TM 0010/FL160/TP COL4/TB LGT"})).body, "id")
	s.eventually(func() bool { return s.call("GET", "/api/pireps/"+pirepB, pilotBKey, nil).status == 200 }, "projected")
	s.eventually(func() bool { return s.call("GET", "/api/users/"+pilotB, root, nil).status == 200 }, "projected")
	s.eventually(func() bool { return s.call("GET", "/api/tenants/"+tenantB, root, nil).status == 200 }, "projected")
	fake := auth.NewID()

	type route struct {
		method, path string // %s: the id
		body         any
	}
	routes := []route{
		{"GET", "/api/tenants/%s", nil},
		{"GET", "/api/tenants/%s?min_version=1", nil},
		{"GET", "/api/tenants/%s/users", nil},
		{"POST", "/api/tenants/%s/users", map[string]any{"email": "new@x.example", "password": "Blue-Heron-Cove-71", "role": "viewer", "display_name": "N"}},
		{"GET", "/api/users/%s", nil},
		{"PATCH", "/api/users/%s", map[string]any{"role": "viewer"}},
		{"GET", "/api/apikeys?owner_id=%s", nil},
		{"DELETE", "/api/apikeys/%s", nil},
		{"GET", "/api/pireps/%s", nil},
		{"POST", "/api/pireps/%s/retract", map[string]any{}},
	}
	foreign := map[string]string{"/api/tenants/%s": tenantB, "/api/tenants/%s?min_version=1": tenantB, "/api/tenants/%s/users": tenantB,
		"/api/users/%s": pilotB, "/api/apikeys?owner_id=%s": pilotB, "/api/apikeys/%s": keyB,
		"/api/pireps/%s": pirepB, "/api/pireps/%s/retract": pirepB}
	for _, role := range []string{"tenant_admin", "pilot", "viewer"} {
		_, key := user(tenantA, role+"@acme.example", role)
		for _, rt := range routes {
			id := foreign[rt.path]
			require.NotEmpty(t, id, rt.path)
			sub := func(x string) string { return fmtPath(rt.path, x) }
			a := s.callUnchecked(rt.method, sub(id), key, rt.body)
			b := s.callUnchecked(rt.method, sub(fake), key, rt.body)
			assert.Equal(t, http.StatusNotFound, a.status, "%s %s %s: %s", role, rt.method, rt.path, a.raw)
			assert.Equal(t, b.status, a.status, "%s %s %s", role, rt.method, rt.path)
			assert.Equal(t, string(b.raw), string(a.raw), "%s %s %s: identical bodies", role, rt.method, rt.path)
			assert.NotContains(t, string(a.raw)+string(b.raw), "#", "no key layout in %s %s", rt.method, rt.path)
		}
	}

	// min_version: a foreign id waits as long as a made-up one
	_, viewer := user(tenantA, "watcher@acme.example", "viewer")
	for _, p := range []string{"/api/pireps/%s?min_version=5", "/api/users/%s?min_version=5"} {
		idFor := map[string]string{"/api/pireps/%s?min_version=5": pirepB, "/api/users/%s?min_version=5": pilotB}[p]
		var wg sync.WaitGroup
		took := make([]time.Duration, 2)
		bodies := make([]resp, 2)
		for i, id := range []string{idFor, fake} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				bodies[i] = s.callUnchecked("GET", fmtPath(p, id), viewer, nil)
				took[i] = time.Since(start)
			}()
		}
		wg.Wait()
		assert.Equal(t, string(bodies[1].raw), string(bodies[0].raw), p)
		assert.Equal(t, bodies[1].status, bodies[0].status, p)
		for i := range took {
			assert.GreaterOrEqual(t, took[i], queryapi.DefaultMinVersionWait, "%s: both wait the full min_version bound", p)
		}
	}
}

func fmtPath(p, id string) string {
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '%' && p[i+1] == 's' {
			return p[:i] + id + p[i+2:]
		}
	}
	return p
}

// TestLogoutEndsTheSessionAndClosesItsSockets: the browser's bootstrap
// session signs out; its socket closes, the key fails, the API key stays.
func TestLogoutEndsTheSessionAndClosesItsSockets(t *testing.T) {
	t.Parallel()
	s := newSystem(t, wire.ModeEmbedded)
	boot := map[string]any{"bootstrap_token": bootstrapToken, "tenant_name": "Platform", "email": "root@example.com",
		"password": "correct horse battery", "display_name": "Root"}
	b := s.must(201, s.call("POST", "/api/bootstrap", "", boot))
	apiKey, session := str(b.body, "api_key", "key"), str(b.body, "session", "key")
	require.NotEmpty(t, session)
	s.must(200, s.call("GET", "/api/users/me", session, nil))
	w := s.connect(session)
	other := s.connect(apiKey)
	s.must(204, s.call("POST", "/api/auth/logout", session, nil))
	err := w.waitClosed()
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "%v", err)
	s.must(401, s.call("GET", "/api/users/me", session, nil))
	s.must(401, s.call("POST", "/api/auth/logout", session, nil))
	s.must(200, s.call("GET", "/api/users/me", apiKey, nil))
	s.must(400, s.call("POST", "/api/auth/logout", apiKey, nil))
	other.send(map[string]any{"action": "ping", "id": "p"})
	other.next("pong", func(m map[string]any) bool { return m["type"] == "pong" })
}
