package commandapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/wire"
)

func (e *env) loginFrom(ip, email, password string) (int, string) {
	e.t.Helper()
	resp := e.do(e.req("post_login").from(ip).body(map[string]any{"email": email, "password": password}))
	return resp.StatusCode, resp.Headers["Retry-After"]
}

func TestLoginThrottleNoLockout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bootstrap()
	const owner, attacker = "198.51.100.10", "203.0.113.66"
	// the owner signed in from their address before
	code, _ := e.loginFrom(owner, adminEmail, adminPassword)
	require.Equal(t, http.StatusOK, code)

	// an attacker elsewhere fails until the e-mail is delayed
	for i := 0; i < auth.EmailFreeFailures; i++ {
		code, _ := e.loginFrom(attacker, adminEmail, "wrong password "+strconv.Itoa(i))
		require.Equal(t, http.StatusUnauthorized, code, "failure %d", i)
	}
	code, retry := e.loginFrom(attacker, adminEmail, adminPassword)
	assert.Equal(t, http.StatusTooManyRequests, code, "delayed, even with the right password")
	assert.Equal(t, "1", retry)
	code, retry = e.loginFrom("192.0.2.99", adminEmail, adminPassword)
	assert.Equal(t, http.StatusTooManyRequests, code, "an unknown address is delayed too")
	assert.NotEmpty(t, retry)

	// the owner's known address is never held back by the attacker
	code, _ = e.loginFrom(owner, adminEmail, adminPassword)
	assert.Equal(t, http.StatusOK, code)

	// growing delays: each failure after the free ones doubles the wait
	for i := 0; i < auth.EmailFreeFailures; i++ {
		_, _ = e.loginFrom(attacker, adminEmail, "wrong again "+strconv.Itoa(i))
	}
	var last int
	for i := 0; i < 4; i++ {
		code, retry := e.loginFrom(attacker, adminEmail, "wrong once more")
		require.Equal(t, http.StatusTooManyRequests, code)
		n, err := strconv.Atoi(retry)
		require.NoError(t, err)
		if i > 0 {
			assert.Equal(t, 2*last, n, "the delay doubles")
		}
		last = n
		e.clk.Advance(time.Duration(n) * time.Second)
		code, _ = e.loginFrom(attacker, adminEmail, "wrong once more")
		require.Equal(t, http.StatusUnauthorized, code, "after Retry-After the attempt is verified")
	}
	// after the delay a correct password is accepted from anywhere
	code, retry = e.loginFrom("192.0.2.99", adminEmail, adminPassword)
	require.Equal(t, http.StatusTooManyRequests, code)
	n, _ := strconv.Atoi(retry)
	e.clk.Advance(time.Duration(n) * time.Second)
	code, _ = e.loginFrom("192.0.2.99", adminEmail, adminPassword)
	assert.Equal(t, http.StatusOK, code, "a correct password is delayed, never refused")
}

func TestLoginThrottlePerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bootstrap()
	const spray = "203.0.113.9"
	// password spraying: one failure per e-mail, many e-mails, one address
	for i := 0; i < auth.AddrFreeFailures; i++ {
		code, _ := e.loginFrom(spray, "u"+strconv.Itoa(i)+"@example.com", "some wrong password")
		require.Equal(t, http.StatusUnauthorized, code)
	}
	code, retry := e.loginFrom(spray, "fresh@example.com", "some wrong password")
	assert.Equal(t, http.StatusTooManyRequests, code)
	assert.Equal(t, "1", retry)
	code, _ = e.loginFrom("198.51.100.1", adminEmail, adminPassword)
	assert.Equal(t, http.StatusOK, code, "other addresses are not affected")
}

func TestFailedLoginsDoNotGrowTheEventLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bootstrap()
	sized := e.store.(interface{ LogSize() int64 })
	before := sized.LogSize()
	for i := 0; i < 30; i++ {
		code, _ := e.loginFrom("192.0.2."+strconv.Itoa(i), "nobody"+strconv.Itoa(i)+"@example.com", "wrong password here")
		require.Equal(t, http.StatusUnauthorized, code)
		code, _ = e.loginFrom("192.0.2."+strconv.Itoa(i), adminEmail, "wrong password here")
		require.True(t, code == http.StatusUnauthorized || code == http.StatusTooManyRequests, code)
	}
	assert.Equal(t, before, sized.LogSize(), "failed logins wrote nothing to the event log")
	assert.Positive(t, e.expiring.Len(), "the throttle state is in the expiring store")
	e.clk.Advance(auth.FailureWindow + auth.MaxLoginDelay)
	code, _ := e.loginFrom("192.0.2.1", adminEmail, adminPassword)
	assert.Equal(t, http.StatusOK, code, "the state expired")
}

// TestHasherIsBounded: concurrent logins never run more argon2id hashes at
// once than the memory budget allows; the excess waits, then gets 503 with
// Retry-After.
func TestHasherIsBounded(t *testing.T) {
	t.Parallel()
	// unknown e-mails: each login runs one argon2id of h's parameters
	// (tens of ms), and a slot is waited for 1 ms only
	h := &auth.Hasher{Params: auth.Params{MemoryKiB: 16 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		MemoryBudget: 16 << 20, Wait: time.Millisecond}
	require.Equal(t, 1, h.Slots())
	e := newEnv(t)
	e.bootstrap()
	svc := commandapi.New(commandapi.Deps{Modules: wire.CommandModules(), Store: e.store, Now: e.clk.Now, Hasher: h, Expiring: e.expiring,
		Log: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
	e.router = svc.Router()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
		retry  = map[string]bool{}
	)
	start := make(chan struct{})
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := e.req("post_login").from("192.0.2." + strconv.Itoa(i)).
				body(map[string]any{"email": "nobody" + strconv.Itoa(i) + "@example.com", "password": "wrong password"}).req
			<-start
			resp, err := e.router.Invoke(context.Background(), req)
			assert.NoError(t, err)
			mu.Lock()
			counts[resp.StatusCode]++
			if resp.StatusCode == http.StatusServiceUnavailable {
				retry[resp.Headers["Retry-After"]] = true
			}
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	assert.Positive(t, counts[http.StatusServiceUnavailable], "excess logins are refused: %v", counts)
	assert.Positive(t, counts[http.StatusUnauthorized], "some logins ran: %v", counts)
	assert.Equal(t, 8, counts[http.StatusServiceUnavailable]+counts[http.StatusUnauthorized], "%v", counts)
	assert.Equal(t, map[string]bool{"1": true}, retry)
}

// TestRBACLogoutIsSelfOnly: for every role, sign-out ends exactly the
// session it was called with; the user's other sessions and other users'
// sessions keep working; an API key is not a session (400).
func TestRBACLogoutIsSelfOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	ctx := context.Background()
	for i, role := range domain.Roles {
		email := fmt.Sprintf("logout%d@acme.example", i)
		tenant := t1
		if role == domain.RolePlatformAdmin {
			tenant = b.TenantID
		}
		_, a := e.createUser(b.Key, tenant, email, role)
		other := e.login(email, "a long enough passphrase")
		resp := e.do(e.req("post_logout").as(e, a))
		require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s: %s", role, resp.Body)
		_, err := e.authn.Authenticate(ctx, "Bearer "+a)
		assert.ErrorIs(t, err, domain.ErrUnauthenticated, "%s: the session is over", role)
		_, err = e.authn.Authenticate(ctx, "Bearer "+other)
		assert.NoError(t, err, "%s: the user's other session is untouched", role)
		_, err = e.authn.Authenticate(ctx, "Bearer "+b.Key)
		assert.NoError(t, err, "%s: other users are untouched", role)
	}
	resp := e.do(e.req("post_logout").as(e, b.Key))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "an API key is not a session")
	assert.Equal(t, "Authorization", decode[errBody](t, resp).Error.Details["field"])
	_, err := e.authn.Authenticate(ctx, "Bearer "+b.Key)
	assert.NoError(t, err, "and it still works")
}

func TestBootstrapReturnsASession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.do(e.req("post_bootstrap"))
	require.Equal(t, 201, resp.StatusCode, resp.Body)
	out := decode[struct {
		APIKey  struct{ Key string } `json:"api_key"`
		Session struct {
			Key       string    `json:"key"`
			ExpiresAt time.Time `json:"expires_at"`
		} `json:"session"`
	}](t, resp)
	require.NotEmpty(t, out.Session.Key)
	assert.NotEqual(t, out.APIKey.Key, out.Session.Key)
	assert.Equal(t, e.clk.Now().Add(auth.SessionTTL), out.Session.ExpiresAt)
	p, err := e.authn.Authenticate(context.Background(), "Bearer "+out.Session.Key)
	require.NoError(t, err)
	assert.Equal(t, domain.RolePlatformAdmin, p.Role)
	resp = e.do(e.req("post_logout").as(e, out.Session.Key))
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	_, err = e.authn.Authenticate(context.Background(), "Bearer "+out.APIKey.Key)
	assert.NoError(t, err, "the API key outlives the browser session")
}

func TestIfMatchIsStrong(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	u, _ := e.createUser(b.Key, t1, "strong@acme.example", domain.RoleViewer)
	require.Equal(t, int64(1), u.Version)
	for _, tc := range []struct {
		name, ifMatch string
		want          int
	}{
		{name: "weak tag never matches", ifMatch: `W/"1"`, want: http.StatusPreconditionFailed},
		{name: "leading zero is another tag", ifMatch: `"01"`, want: http.StatusPreconditionFailed},
		{name: "plus sign is another tag", ifMatch: `"+1"`, want: http.StatusPreconditionFailed},
		{name: "unquoted is malformed", ifMatch: `1`, want: http.StatusBadRequest},
		{name: "stray quote is malformed", ifMatch: `"1`, want: http.StatusBadRequest},
		{name: "the strong tag matches", ifMatch: `"1"`, want: http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(e.req("patch_user").as(e, b.Key).path(u.ID).header("if-match", tc.ifMatch).body(map[string]any{"role": "viewer"}))
			assert.Equal(t, tc.want, resp.StatusCode, resp.Body)
			if tc.want == http.StatusBadRequest {
				assert.Equal(t, "If-Match", decode[errBody](t, resp).Error.Details["field"])
			}
		})
	}
}

func TestInvalidUTF8Is400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	n := e.eventCount()
	resp := e.do(e.req("post_tenants").as(e, b.Key).body("{\"name\":\"Acme \xff\xfe Air\"}"))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)
	assert.Equal(t, "body", decode[errBody](t, resp).Error.Details["field"])
	assert.Contains(t, resp.Body, "UTF-8")
	c := e.req("patch_user").as(e, b.Key).path("01JDV3K5Q1W7ZJ8Y9X2M4N6P8\xff").body(map[string]any{"role": "viewer"})
	resp = e.do(c)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)
	assert.Equal(t, "id", decode[errBody](t, resp).Error.Details["field"])
	assert.Equal(t, n, e.eventCount(), "nothing written")
}

func TestLookAlikeEmailsAreOneAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	e.createUser(b.Key, t1, "paypal@acme.example", domain.RolePilot)
	for _, alike := range []string{"pаypal@acme.example" /* Cyrillic а */, "paypa1@acme.example", "ＰＡＹＰＡＬ@acme.example"} {
		resp := e.do(e.req("post_tenant_users").as(e, b.Key).path(t1).body(map[string]any{
			"email": alike, "password": "a long enough passphrase", "role": "viewer", "display_name": "Twin"}))
		assert.Equal(t, http.StatusConflict, resp.StatusCode, "%s: %s", alike, resp.Body)
		assert.Contains(t, resp.Body, "email")
	}
	for _, bad := range []string{"pay\u200Bpal2@acme.example", "\u202Epaypal3@acme.example"} {
		resp := e.do(e.req("post_tenant_users").as(e, b.Key).path(t1).body(map[string]any{
			"email": bad, "password": "a long enough passphrase", "role": "viewer", "display_name": "Twin"}))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)
		assert.Equal(t, "email", decode[errBody](t, resp).Error.Details["field"])
	}
	resp := e.do(e.req("post_tenant_users").as(e, b.Key).path(t1).body(map[string]any{
		"email": "other@acme.example", "password": "a long enough passphrase", "role": "viewer", "display_name": "Eve\u202Egnp.exe"}))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)
	assert.Equal(t, "display_name", decode[errBody](t, resp).Error.Details["field"])
}

func TestTicketsDoNotGrowTheEventLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	e.req("post_ws_ticket").as(e, b.Key) // the key's last_used_at (a record, once a minute)
	sized := e.store.(interface{ LogSize() int64 })
	before := sized.LogSize()
	for i := 0; i < 10; i++ {
		resp := e.do(e.req("post_ws_ticket").as(e, b.Key))
		require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
		tk := decode[struct{ Ticket string }](t, resp).Ticket
		_, err := e.authn.ConsumeTicket(context.Background(), tk)
		require.NoError(t, err)
	}
	assert.Equal(t, before, sized.LogSize(), "tickets live in the expiring store")
}
