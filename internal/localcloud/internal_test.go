package localcloud

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/golden"
)

// TestHTTPRequestGolden pins the payload 2.0 event built for one request
// (requestId is random and blanked).
func TestHTTPRequestGolden(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("PATCH", "http://api.local:8080/api/users/01J%2FX?b=2&a=1&a=3", strings.NewReader(`{"role":"viewer"}`))
	r.RemoteAddr = "192.0.2.7:51234"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer sk_test")
	r.Header.Set("If-Match", `"3"`)
	r.Header.Set("User-Agent", "golden/1.0")
	r.Header.Add("Accept", "application/json")
	r.Header.Add("Accept", "text/plain")
	r.Header.Set("Cookie", "a=1; b=2")
	rt, params := compileRoutes(spec.Routes).match(r.Method, r.URL.EscapedPath())
	require.NotNil(t, rt)
	ev := buildHTTPRequest(r, rt.Key(), params, []byte(`{"role":"viewer"}`), time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	ev.RequestContext.RequestID = ""
	got, err := json.MarshalIndent(ev, "", "  ")
	require.NoError(t, err)
	path := filepath.Join("testdata", "http_request_v2.golden.json")
	if golden.Update() {
		require.NoError(t, os.WriteFile(path, append(got, '\n'), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
}

func TestRouteTableCoversEverySpecRoute(t *testing.T) {
	t.Parallel()
	tbl := compileRoutes(spec.Routes)
	for _, r := range spec.Routes {
		path := strings.NewReplacer("{id}", "X1").Replace(r.Path)
		got, _ := tbl.match(r.Method, path)
		require.NotNil(t, got, r.Key())
		if strings.Contains(r.Path, "{") && r.Path != "/api/users/{id}" {
			assert.Equal(t, r.Key(), got.Key())
		}
	}
	got, _ := tbl.match("GET", "/api/users/me")
	assert.Equal(t, "GET /api/users/me", got.Key())
}

func FuzzRouteMatch(f *testing.F) {
	for _, s := range []string{"/api/users/me", "/api/users/%2F", "/api/tenants/x/users", "//", "/api/../api/tenants", "/api/users/%zz", ""} {
		f.Add("GET", s)
	}
	tbl := compileRoutes(spec.Routes)
	f.Fuzz(func(t *testing.T, method, path string) {
		r, params := tbl.match(method, path)
		if r == nil {
			return
		}
		if r.Method != method {
			t.Fatalf("method %q matched %s", method, r.Key())
		}
		for k, v := range params {
			if k == "" || v == "" {
				t.Fatalf("empty path parameter %q=%q for %q", k, v, path)
			}
		}
	})
}

func FuzzSelectRoute(f *testing.F) {
	for _, s := range []string{`{"action":"ping"}`, `{"action":1}`, `[]`, `{"action":"$connect"}`, `{"action":null}`, "\xff", `{"action":"subscribe","channels":[`} {
		f.Add([]byte(s))
	}
	g := NewWSGateway(spec.WSRoutes, Functions{}, DefaultWSLimits(), nil, "/ws")
	f.Fuzz(func(t *testing.T, body []byte) {
		rk := g.selectRoute(body)
		if rk == spec.WSConnect || rk == spec.WSDisconnect {
			t.Fatalf("%q selected %s", body, rk)
		}
		if _, ok := g.routes[rk]; !ok {
			t.Fatalf("%q selected undeclared route %s", body, rk)
		}
	})
}
