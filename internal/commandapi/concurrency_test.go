package commandapi_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/httpapi"
)

func invokeAll(t *testing.T, e *env, reqs []httpapi.Request) []int {
	t.Helper()
	out := make([]int, len(reqs))
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.router.Invoke(context.Background(), r)
			assert.NoError(t, err)
			out[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	return out
}

func count(codes []int, code int) int {
	n := 0
	for _, c := range codes {
		if c == code {
			n++
		}
	}
	return n
}

// Two (or eight) concurrent sign-ups of one address: exactly one wins.
func TestConcurrentSameEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	t2 := e.createTenant(b.Key, "Globex")
	var reqs []httpapi.Request
	for i := 0; i < 8; i++ {
		tn := []string{t1, t2}[i%2]
		reqs = append(reqs, e.req("post_tenant_users").as(e, b.Key).path(tn).body(map[string]any{
			"email": "race@example.com", "password": "a long enough passphrase", "role": "pilot", "display_name": "R"}).req)
	}
	codes := invokeAll(t, e, reqs)
	assert.Equal(t, 1, count(codes, http.StatusCreated), "%v", codes)
	assert.Equal(t, 7, count(codes, http.StatusConflict), "%v", codes)
}

// Two platform admins demoting each other at once: at least one stays.
func TestConcurrentLastAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	second, secondKey := e.createUser(b.Key, b.TenantID, "second@skyledger.example", domain.RolePlatformAdmin)
	codes := invokeAll(t, e, []httpapi.Request{
		e.req("patch_user").as(e, b.Key).path(second.ID).header("if-match", "").body(map[string]any{"status": "deactivated"}).req,
		e.req("patch_user").as(e, secondKey).path(b.UserID).header("if-match", "").body(map[string]any{"status": "deactivated"}).req,
	})
	assert.Equal(t, 1, count(codes, http.StatusOK), "%v", codes)
	assert.Equal(t, 1, count(codes, http.StatusConflict), "%v", codes)
	_, err1 := e.authn.Authenticate(context.Background(), b.Key)
	_, err2 := e.authn.Authenticate(context.Background(), secondKey)
	require.True(t, err1 == nil || err2 == nil, "an active platform_admin remains")
	assert.False(t, err1 == nil && err2 == nil, "one was deactivated")
}

// A stale If-Match loses against a concurrent writer with 412, never a lost update.
func TestConcurrentIfMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	u, _ := e.createUser(b.Key, t1, "u@acme.example", domain.RolePilot)
	var reqs []httpapi.Request
	for _, role := range []string{"viewer", "tenant_admin", "viewer", "tenant_admin"} {
		reqs = append(reqs, e.req("patch_user").as(e, b.Key).path(u.ID).header("if-match", `"1"`).body(map[string]any{"role": role}).req)
	}
	codes := invokeAll(t, e, reqs)
	assert.Equal(t, 1, count(codes, http.StatusOK), "%v", codes)
	assert.Equal(t, 3, count(codes, http.StatusPreconditionFailed), "%v", codes)
}
