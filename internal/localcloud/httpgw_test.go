package localcloud_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/localcloud"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startRuntime runs a runtime with fns on random loopback ports.
func startRuntime(t *testing.T, cfg localcloud.Config, fns localcloud.Functions, maps ...*localcloud.Mapping) *localcloud.Runtime {
	t.Helper()
	cfg.Addr, cfg.ManagementAddr = "127.0.0.1:0", "127.0.0.1:0"
	if cfg.Log == nil {
		cfg.Log = quietLog()
	}
	rt, err := localcloud.Listen(cfg)
	require.NoError(t, err)
	rt.Start(fns, maps...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rt.Shutdown(ctx)
	})
	return rt
}

type httpFixture struct {
	rt        *localcloud.Runtime
	authCalls atomic.Int64
}

func newHTTPFixture(t *testing.T, webDir string) *httpFixture {
	f := &httpFixture{}
	echo := func(_ context.Context, req lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
		switch req.Headers["x-test"] {
		case "panic":
			panic("boom")
		case "binary":
			return lambdaevents.APIGatewayV2HTTPResponse{StatusCode: 202,
				Headers:           map[string]string{"Content-Type": "application/octet-stream"},
				MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}},
				Cookies:           []string{"s1=v1; Path=/", "s2=v2; HttpOnly"},
				Body:              base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 255}), IsBase64Encoded: true}, nil
		case "zero":
			return lambdaevents.APIGatewayV2HTTPResponse{}, nil
		}
		b, err := json.Marshal(req)
		if err != nil {
			return lambdaevents.APIGatewayV2HTTPResponse{}, err
		}
		return lambdaevents.APIGatewayV2HTTPResponse{StatusCode: 200, Body: string(b),
			Headers: map[string]string{"Content-Type": "application/json"}}, nil
	}
	authz := func(_ context.Context, req lambdaevents.APIGatewayV2CustomAuthorizerV2Request) (lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		f.authCalls.Add(1)
		switch req.IdentitySource[0] {
		case "Bearer good":
			return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true,
				Context: map[string]any{"user_id": "u1", "role": "pilot", "route": req.RouteKey}}, nil
		case "Bearer error":
			return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{}, io.ErrUnexpectedEOF
		case "Bearer unknown":
			return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{}, errors.New("Unauthorized")
		}
		return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
	}
	f.rt = startRuntime(t, localcloud.Config{WebDir: webDir}, localcloud.Functions{
		HTTP:       map[string]localcloud.HTTPFunc{spec.FnCommands: echo, spec.FnQueries: echo},
		Authorizer: authz,
	})
	return f
}

func do(t *testing.T, method, url string, body io.Reader, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Add(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestHTTPGatewayBuildsPayload2Event(t *testing.T) {
	t.Parallel()
	f := newHTTPFixture(t, "")
	req, err := http.NewRequest("POST", f.rt.APIURL()+"/api/bootstrap?a=1&a=2&b=x%20y", strings.NewReader(`{"k":"v"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	req.Header.Set("Cookie", "c1=v1; c2=v2")
	req.Header.Set("User-Agent", "skyledger-test")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var ev lambdaevents.APIGatewayV2HTTPRequest
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ev))

	assert.Equal(t, "2.0", ev.Version)
	assert.Equal(t, "POST /api/bootstrap", ev.RouteKey)
	assert.Equal(t, "POST /api/bootstrap", ev.RequestContext.RouteKey)
	assert.Equal(t, "/api/bootstrap", ev.RawPath)
	assert.Equal(t, "a=1&a=2&b=x%20y", ev.RawQueryString)
	assert.Equal(t, map[string]string{"a": "1,2", "b": "x y"}, ev.QueryStringParameters)
	assert.Equal(t, "a,b", ev.Headers["x-multi"])
	assert.Equal(t, "application/json", ev.Headers["content-type"])
	assert.NotContains(t, ev.Headers, "cookie")
	assert.Equal(t, []string{"c1=v1", "c2=v2"}, ev.Cookies)
	assert.Equal(t, `{"k":"v"}`, ev.Body)
	assert.False(t, ev.IsBase64Encoded)
	assert.Equal(t, "POST", ev.RequestContext.HTTP.Method)
	assert.Equal(t, "/api/bootstrap", ev.RequestContext.HTTP.Path)
	assert.Equal(t, "127.0.0.1", ev.RequestContext.HTTP.SourceIP)
	assert.Equal(t, "skyledger-test", ev.RequestContext.HTTP.UserAgent)
	assert.NotEmpty(t, ev.RequestContext.RequestID)
	assert.Equal(t, ev.RequestContext.RequestID, resp.Header.Get("apigw-requestid"))
	assert.InDelta(t, time.Now().UnixMilli(), ev.RequestContext.TimeEpoch, 60_000)
	assert.NotEmpty(t, ev.RequestContext.Time)
	assert.Nil(t, ev.RequestContext.Authorizer, "no authorizer on a public route")
	assert.Zero(t, f.authCalls.Load())
}

func TestHTTPGatewayBinaryBodies(t *testing.T) {
	t.Parallel()
	f := newHTTPFixture(t, "")
	raw := []byte{0xff, 0x00, 0x10}
	resp, b := do(t, "POST", f.rt.APIURL()+"/api/bootstrap", bytes.NewReader(raw), map[string]string{"Content-Type": "application/octet-stream"})
	require.Equal(t, 200, resp.StatusCode)
	var ev lambdaevents.APIGatewayV2HTTPRequest
	require.NoError(t, json.Unmarshal(b, &ev))
	assert.True(t, ev.IsBase64Encoded)
	got, err := base64.StdEncoding.DecodeString(ev.Body)
	require.NoError(t, err)
	assert.Equal(t, raw, got)

	resp, b = do(t, "POST", f.rt.APIURL()+"/api/bootstrap", nil, map[string]string{"X-Test": "binary"})
	assert.Equal(t, 202, resp.StatusCode)
	assert.Equal(t, []byte{0, 1, 2, 255}, b)
	assert.Equal(t, []string{"a", "b"}, resp.Header.Values("X-Multi"))
	assert.Equal(t, []string{"s1=v1; Path=/", "s2=v2; HttpOnly"}, resp.Header.Values("Set-Cookie"))
}

func TestHTTPGatewayAuthorizerAndRouting(t *testing.T) {
	t.Parallel()
	f := newHTTPFixture(t, "")
	tests := []struct {
		name      string
		method    string
		path      string
		auth      string
		status    int
		routeKey  string
		params    map[string]string
		authCalls int64
	}{
		{name: "missing Authorization: 401 without invoking", method: "GET", path: "/api/users/me", status: 401},
		{name: "isAuthorized false: 403", method: "GET", path: "/api/users/me", auth: "Bearer nope", status: 403, authCalls: 1},
		{name: "authorizer error Unauthorized: 401", method: "GET", path: "/api/users/me", auth: "Bearer unknown", status: 401, authCalls: 1},
		{name: "authorizer error: 500", method: "GET", path: "/api/users/me", auth: "Bearer error", status: 500, authCalls: 1},
		{name: "literal segment beats parameter", method: "GET", path: "/api/users/me", auth: "Bearer good", status: 200, routeKey: "GET /api/users/me", authCalls: 1},
		{name: "path parameter, escaped", method: "GET", path: "/api/users/u%2F1", auth: "Bearer good", status: 200,
			routeKey: "GET /api/users/{id}", params: map[string]string{"id": "u/1"}, authCalls: 1},
		{name: "nested parameter", method: "POST", path: "/api/tenants/T1/users", auth: "Bearer good", status: 200,
			routeKey: "POST /api/tenants/{id}/users", params: map[string]string{"id": "T1"}, authCalls: 1},
		{name: "unknown route: 404", method: "GET", path: "/api/nope", status: 404},
		{name: "wrong method: 404", method: "PUT", path: "/api/users/me", auth: "Bearer good", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.authCalls.Load()
			hdr := map[string]string{}
			if tc.auth != "" {
				hdr["Authorization"] = tc.auth
			}
			resp, b := do(t, tc.method, f.rt.APIURL()+tc.path, nil, hdr)
			assert.Equal(t, tc.status, resp.StatusCode, string(b))
			assert.Equal(t, tc.authCalls, f.authCalls.Load()-before)
			if tc.status != 200 {
				var eb struct {
					Message string                `json:"message"`
					Error   struct{ Code string } `json:"error"`
				}
				require.NoError(t, json.Unmarshal(b, &eb), string(b))
				assert.NotEmpty(t, eb.Error.Code)
				assert.NotEmpty(t, eb.Message)
				return
			}
			var ev lambdaevents.APIGatewayV2HTTPRequest
			require.NoError(t, json.Unmarshal(b, &ev))
			assert.Equal(t, tc.routeKey, ev.RouteKey)
			assert.Equal(t, tc.params, ev.PathParameters)
			require.NotNil(t, ev.RequestContext.Authorizer)
			assert.Equal(t, "u1", ev.RequestContext.Authorizer.Lambda["user_id"])
			assert.Equal(t, tc.routeKey, ev.RequestContext.Authorizer.Lambda["route"], "authorizer saw the route key")
		})
	}
}

func TestHTTPGatewayPanicIsA500ForThatRequestOnly(t *testing.T) {
	t.Parallel()
	f := newHTTPFixture(t, "")
	resp, b := do(t, "POST", f.rt.APIURL()+"/api/bootstrap", nil, map[string]string{"X-Test": "panic"})
	assert.Equal(t, 500, resp.StatusCode)
	assert.Contains(t, string(b), "Internal Server Error")
	resp, _ = do(t, "POST", f.rt.APIURL()+"/api/bootstrap", nil, map[string]string{"X-Test": "zero"})
	assert.Equal(t, 500, resp.StatusCode, "statusCode 0 is a malformed proxy response")
	resp, _ = do(t, "POST", f.rt.APIURL()+"/api/bootstrap", nil, nil)
	assert.Equal(t, 200, resp.StatusCode, "the runtime survives")
}

func TestHTTPGatewayServesWebDistWithSPAFallback(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<html>app</html>"), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "assets"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "assets", "app.js"), []byte("console.log(1)"), 0o600))
	f := newHTTPFixture(t, dir)
	tests := []struct{ name, path, want string }{
		{"index", "/", "<html>app</html>"},
		{"asset", "/assets/app.js", "console.log(1)"},
		{"spa fallback", "/tenants/123", "<html>app</html>"},
		{"no traversal", "/../../etc/passwd", "<html>app</html>"},
	}
	for _, tc := range tests {
		resp, b := do(t, "GET", f.rt.APIURL()+tc.path, nil, nil)
		assert.Equal(t, 200, resp.StatusCode, tc.name)
		assert.Equal(t, tc.want, string(b), tc.name)
		csp := resp.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self';", "%s: the console's CSP, as CloudFront serves it", tc.name)
		assert.Contains(t, csp, "connect-src 'self' ws://"+strings.TrimPrefix(f.rt.APIURL(), "http://")+";", tc.name)
	}
	resp, _ := do(t, "GET", f.rt.APIURL()+"/api/unknown", nil, nil)
	assert.Equal(t, 404, resp.StatusCode, "API paths never fall back to the SPA")
}
