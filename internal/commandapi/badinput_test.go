package commandapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/httpapi"
)

// badCase is one refused request: the golden request with body replaced.
type badCase struct {
	name   string
	body   string
	header [2]string
	status int
	field  string // details.field of the 400; "" for 413
}

func long(n int) string { return strings.Repeat("a", n) }

// Limits (domain/identity/validate.go, httpapi.MaxBodyBytes): names <= 100 characters, e-mail <= 254
// bytes, passwords 12..128 characters, body <= 64 KiB.
var badInputs = map[string][]badCase{
	"post_bootstrap": {
		{"empty body", ``, [2]string{}, 400, "body"},
		{"not an object", `[1]`, [2]string{}, 400, "body"},
		{"malformed", `{"email":`, [2]string{}, 400, "body"},
		{"trailing data", `{"bootstrap_token":"test-bootstrap-token"} {}`, [2]string{}, 400, "body"},
		{"unknown field", `{"bootstrap_token":"test-bootstrap-token","admin":true}`, [2]string{}, 400, "admin"},
		{"wrong type", `{"bootstrap_token":"test-bootstrap-token","email":5}`, [2]string{}, 400, "email"},
		{"missing token", `{"tenant_name":"P","email":"a@b.co","password":"long enough password","display_name":"A"}`, [2]string{}, 400, "bootstrap_token"},
		{"oversize token", `{"bootstrap_token":"` + long(300) + `"}`, [2]string{}, 400, "bootstrap_token"},
		{"malformed email", `{"bootstrap_token":"test-bootstrap-token","tenant_name":"P","email":"admin","password":"long enough password","display_name":"A"}`, [2]string{}, 400, "email"},
		{"weak password", `{"bootstrap_token":"test-bootstrap-token","tenant_name":"P","email":"a@b.co","password":"short","display_name":"A"}`, [2]string{}, 400, "password"},
		{"oversize password", `{"bootstrap_token":"test-bootstrap-token","tenant_name":"P","email":"a@b.co","password":"` + long(129) + `","display_name":"A"}`, [2]string{}, 400, "password"},
		{"missing display name", `{"bootstrap_token":"test-bootstrap-token","tenant_name":"P","email":"a@b.co","password":"long enough password"}`, [2]string{}, 400, "display_name"},
		{"oversize tenant name", `{"bootstrap_token":"test-bootstrap-token","tenant_name":"` + long(101) + `","email":"a@b.co","password":"long enough password","display_name":"A"}`, [2]string{}, 400, "tenant_name"},
		{"body too large", `{"tenant_name":"` + long(70*1024) + `"}`, [2]string{}, 413, ""},
	},
	"post_login": {
		{"empty body", ``, [2]string{}, 400, "body"},
		{"unknown field", `{"email":"a@b.co","password":"x","remember":true}`, [2]string{}, 400, "remember"},
		{"wrong type", `{"email":"a@b.co","password":12345}`, [2]string{}, 400, "password"},
		{"malformed email", `{"email":"a@@b","password":"long enough password"}`, [2]string{}, 400, "email"},
		{"missing password", `{"email":"a@b.co"}`, [2]string{}, 400, "password"},
		{"oversize email", `{"email":"` + long(250) + `@b.co","password":"x"}`, [2]string{}, 400, "email"},
	},
	"post_password": {
		{"unknown field", `{"old_password":"a","new_password":"b","x":1}`, [2]string{}, 400, "x"},
		{"wrong type", `{"old_password":true,"new_password":"b"}`, [2]string{}, 400, "old_password"},
		{"missing new", `{"old_password":"correct horse battery staple"}`, [2]string{}, 400, "new_password"},
		{"weak new", `{"old_password":"correct horse battery staple","new_password":"short"}`, [2]string{}, 400, "new_password"},
		{"oversize new", `{"old_password":"correct horse battery staple","new_password":"` + long(600) + `"}`, [2]string{}, 400, "new_password"},
	},
	"post_tenants": {
		{"empty object", `{}`, [2]string{}, 400, "name"},
		{"blank name", `{"name":"   "}`, [2]string{}, 400, "name"},
		{"wrong type", `{"name":["x"]}`, [2]string{}, 400, "name"},
		{"unknown field", `{"name":"x","plan":"gold"}`, [2]string{}, 400, "plan"},
		{"oversize name", `{"name":"` + long(101) + `"}`, [2]string{}, 400, "name"},
		{"control char", `{"name":"a\u0007b"}`, [2]string{}, 400, "name"},
		{"bad idempotency key", `{"name":"x"}`, [2]string{"idempotency-key", "has space in it"}, 400, "Idempotency-Key"},
	},
	"post_tenant_users": {
		{"missing email", `{"password":"long enough password","role":"pilot","display_name":"P"}`, [2]string{}, 400, "email"},
		{"malformed email", `{"email":"pilot at acme","password":"long enough password","role":"pilot","display_name":"P"}`, [2]string{}, 400, "email"},
		{"weak password", `{"email":"p@acme.example","password":"short","role":"pilot","display_name":"P"}`, [2]string{}, 400, "password"},
		{"password contains e-mail", `{"email":"pilotpete@acme.example","password":"i am pilotpete ok","role":"pilot","display_name":"P"}`, [2]string{}, 400, "password"},
		{"unknown role", `{"email":"p@acme.example","password":"long enough password","role":"captain","display_name":"P"}`, [2]string{}, 400, "role"},
		{"missing role", `{"email":"p@acme.example","password":"long enough password","display_name":"P"}`, [2]string{}, 400, "role"},
		{"oversize display name", `{"email":"p@acme.example","password":"long enough password","role":"pilot","display_name":"` + long(101) + `"}`, [2]string{}, 400, "display_name"},
		{"wrong type", `{"email":"p@acme.example","password":"long enough password","role":"pilot","display_name":7}`, [2]string{}, 400, "display_name"},
		{"unknown field", `{"email":"p@acme.example","password":"long enough password","role":"pilot","display_name":"P","tenant_id":"x"}`, [2]string{}, 400, "tenant_id"},
	},
	"patch_user": {
		{"empty object", `{}`, [2]string{}, 400, "body"},
		{"unknown role", `{"role":"root"}`, [2]string{}, 400, "role"},
		{"unknown status", `{"status":"frozen"}`, [2]string{}, 400, "status"},
		{"wrong type", `{"role":1}`, [2]string{}, 400, "role"},
		{"unknown field", `{"email":"new@acme.example"}`, [2]string{}, 400, "email"},
		{"bad If-Match", `{"role":"viewer"}`, [2]string{"if-match", "abc"}, 400, "If-Match"},
	},
	"post_apikeys": {
		{"missing name", `{}`, [2]string{}, 400, "name"},
		{"bad expiry", `{"name":"k","expires_at":"tomorrow"}`, [2]string{}, 400, "expires_at"},
		{"past expiry", `{"name":"k","expires_at":"2020-01-01T00:00:00Z"}`, [2]string{}, 400, "expires_at"},
		{"wrong type expiry", `{"name":"k","expires_at":12}`, [2]string{}, 400, "expires_at"},
		{"oversize name", `{"name":"` + long(101) + `"}`, [2]string{}, 400, "name"},
		{"unknown field", `{"name":"k","owner_id":"x"}`, [2]string{}, 400, "owner_id"},
	},
	"delete_apikey": {
		{"body given", `{"reason":"x"}`, [2]string{}, 400, "body"},
	},
	"post_ws_ticket": {
		{"unknown field", `{"channels":["x"]}`, [2]string{}, 400, "channels"},
		{"not an object", `"x"`, [2]string{}, 400, "body"},
	},
}

// targets prepares a store with a platform admin, a tenant and a user,
// and rewrites a golden request to point at them.
type targets struct {
	e     *env
	b     bootstrapped
	admin domain.Principal
	t1    string
	user  userOut
}

func newTargets(t testing.TB) *targets {
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	u, _ := e.createUser(b.Key, t1, "someone@acme.example", domain.RoleTenantAdmin)
	p, err := e.authn.Authenticate(t.Context(), b.Key)
	require.NoError(t, err)
	return &targets{e: e, b: b, admin: p, t1: t1, user: u}
}

// forRoute returns fresh targets; bootstrap's cases run on a store that was
// never bootstrapped.
func forRoute(t testing.TB, route string) *targets {
	if route == "post_bootstrap" {
		return &targets{e: newEnv(t)}
	}
	return newTargets(t)
}

// request builds the golden request for a route (no testing.TB calls: fuzz
// targets use it).
func (tg *targets) request(name, body string) httpapi.Request {
	c := tg.e.req(name).body(body)
	switch name {
	case "post_bootstrap", "post_login":
	case "post_password":
		c = c.principal(tg.admin)
	case "post_tenant_users":
		c = c.principal(tg.admin).path(tg.t1)
	case "patch_user":
		c = c.principal(tg.admin).path(tg.user.ID).header("if-match", "")
	case "delete_apikey":
		c = c.principal(tg.admin).path(strings.Split(tg.b.Key, "_")[1])
	default:
		c = c.principal(tg.admin)
	}
	return c.req
}

func TestBadInputs(t *testing.T) {
	t.Parallel()
	total := 0
	for route, cases := range badInputs {
		t.Run(route, func(t *testing.T) {
			t.Parallel()
			tg := forRoute(t, route)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					req := tg.request(route, tc.body)
					if tc.header[0] != "" {
						req.Headers[tc.header[0]] = tc.header[1]
					}
					before := tg.e.eventCount()
					resp := tg.e.do(&call{req: req})
					require.Equal(t, tc.status, resp.StatusCode, resp.Body)
					if tc.field != "" {
						eb := decode[errBody](t, resp)
						assert.Equal(t, "validation", eb.Error.Code)
						assert.Equal(t, tc.field, eb.Error.Details["field"], resp.Body)
					}
					assert.Equal(t, before, tg.e.eventCount(), "nothing written")
				})
			}
		})
		total += len(cases)
	}
	t.Logf("%d bad-input cases over %d routes", total, len(badInputs))
	assert.Len(t, badInputs, 9, "every identity command route has a bad-input table")
}

func TestUnknownPathIDIs404(t *testing.T) {
	t.Parallel()
	tg := newTargets(t)
	for _, name := range []string{"patch_user", "delete_apikey", "post_tenant_users"} {
		body := `{"role":"viewer"}`
		if name == "delete_apikey" {
			body = ""
		}
		req := tg.request(name, body)
		for _, id := range []string{"nope", "01JDV3K5Q1W7ZJ8Y9X2M4N6P8Z", strings.Repeat("Z", 300)} {
			req.PathParameters = map[string]string{"id": id}
			resp := tg.e.do(&call{req: req})
			assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s %s: %s", name, id, resp.Body)
		}
	}
}

// fuzzRoute checks that no body makes a route panic or answer 5xx, and that
// every 400 names a field.
func fuzzRoute(f *testing.F, route string) {
	for _, tc := range badInputs[route] {
		f.Add(tc.body)
	}
	f.Add(golden(route).Body)
	f.Add(`{"":0}`) // regression: an unknown field with an empty name
	tg := forRoute(f, route)
	f.Fuzz(func(t *testing.T, body string) {
		resp, err := tg.e.router.Invoke(t.Context(), tg.request(route, body))
		if err != nil {
			t.Fatalf("router error: %v", err)
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("%s with %q: %d %s", route, body, resp.StatusCode, resp.Body)
		}
		if resp.StatusCode == 400 {
			var eb errBody
			if err := json.Unmarshal([]byte(resp.Body), &eb); err != nil {
				t.Fatalf("400 body is not the error envelope: %s", resp.Body)
			}
			if f, _ := eb.Error.Details["field"].(string); f == "" {
				t.Fatalf("400 without a field name: %s", resp.Body)
			}
		}
	})
}

func FuzzBootstrapBody(f *testing.F) { fuzzRoute(f, "post_bootstrap") }
func FuzzLoginBody(f *testing.F)     { fuzzRoute(f, "post_login") }
func FuzzPasswordBody(f *testing.F)  { fuzzRoute(f, "post_password") }
func FuzzTenantBody(f *testing.F)    { fuzzRoute(f, "post_tenants") }
func FuzzUserBody(f *testing.F)      { fuzzRoute(f, "post_tenant_users") }
func FuzzPatchUserBody(f *testing.F) { fuzzRoute(f, "patch_user") }
func FuzzAPIKeyBody(f *testing.F)    { fuzzRoute(f, "post_apikeys") }
func FuzzRevokeKeyBody(f *testing.F) { fuzzRoute(f, "delete_apikey") }
func FuzzWSTicketBody(f *testing.F)  { fuzzRoute(f, "post_ws_ticket") }
func FuzzLogoutBody(f *testing.F)    { fuzzRoute(f, "post_logout") }
