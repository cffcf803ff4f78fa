package authz_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/authz"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/wire"
)

func golden[T any](t *testing.T, name string) T {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var v T
	require.NoError(t, json.Unmarshal(b, &v))
	return v
}

type fixture struct {
	h      *authz.Handler
	store  *embedded.Store
	router *httpapi.Router
	key    string
	userID string
}

// newFixture bootstraps a platform through the real command handler.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := embedded.Open(t.TempDir(), embedded.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	svc := commandapi.New(commandapi.Deps{Modules: wire.CommandModules(), Store: store, WSURL: "wss://ws.example/live",
		BootstrapToken: func(context.Context) (string, error) { return "tok", nil },
		Hasher:         &auth.Hasher{Params: auth.Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}})
	router := svc.Router()
	body, _ := json.Marshal(map[string]string{"bootstrap_token": "tok", "tenant_name": "Platform",
		"email": "admin@example.com", "password": "correct horse battery", "display_name": "Admin"})
	resp, err := router.Invoke(context.Background(), httpapi.Request{RouteKey: "POST /api/bootstrap", Body: string(body)})
	require.NoError(t, err)
	require.Equal(t, 201, resp.StatusCode, resp.Body)
	var out struct {
		User   struct{ ID string }  `json:"user"`
		APIKey struct{ Key string } `json:"api_key"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &out))
	return &fixture{h: authz.New(authz.Deps{Records: store}), store: store, router: router,
		key: out.APIKey.Key, userID: out.User.ID}
}

func (f *fixture) httpReq(t *testing.T, authz string) lambdaevents.APIGatewayV2CustomAuthorizerV2Request {
	req := golden[lambdaevents.APIGatewayV2CustomAuthorizerV2Request](t, "http_authorizer_request.json")
	req.Headers["authorization"] = authz
	req.IdentitySource = []string{authz}
	return req
}

func TestHTTPAuthorizer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	resp, err := f.h.HTTP(ctx, f.httpReq(t, "Bearer "+f.key))
	require.NoError(t, err)
	assert.True(t, resp.IsAuthorized)
	assert.Equal(t, f.userID, resp.Context[domain.CtxUserID])
	assert.Equal(t, string(domain.RolePlatformAdmin), resp.Context[domain.CtxRole])
	assert.NotEmpty(t, resp.Context[domain.CtxTenantID])
	assert.NotEmpty(t, resp.Context[domain.CtxKeyID])

	// the context is exactly what the command handlers read back
	p, err := httpapi.PrincipalFrom(httpapi.Request{RequestContext: lambdaevents.APIGatewayV2HTTPRequestContext{
		Authorizer: &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: resp.Context}}})
	require.NoError(t, err)
	assert.Equal(t, f.userID, p.UserID)

	for _, bad := range []string{"", "Bearer", "Bearer sk_nope", "Basic dXNlcjpwYXNz", "Bearer " + f.key[:len(f.key)-2] + "AA"} {
		resp, err := f.h.HTTP(ctx, f.httpReq(t, bad))
		require.ErrorIs(t, err, authz.ErrUnauthorized, bad) // API Gateway: 401
		assert.False(t, resp.IsAuthorized, bad)
		assert.Empty(t, resp.Context)
	}
}

func TestWebSocketAuthorizer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p, err := (&auth.Authenticator{Records: f.store}).Authenticate(ctx, f.key)
	require.NoError(t, err)
	ticket, _, err := auth.IssueTicket(ctx, f.store, p, time.Now())
	require.NoError(t, err)

	req := golden[lambdaevents.APIGatewayCustomAuthorizerRequestTypeRequest](t, "ws_connect_authorizer_request.json")
	req.QueryStringParameters["ticket"] = ticket
	resp, err := f.h.WebSocket(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, f.userID, resp.PrincipalID)
	require.Len(t, resp.PolicyDocument.Statement, 1)
	assert.Equal(t, "Allow", resp.PolicyDocument.Statement[0].Effect)
	assert.Equal(t, []string{req.MethodArn}, resp.PolicyDocument.Statement[0].Resource)
	assert.Equal(t, f.userID, resp.Context[domain.CtxUserID])

	_, err = f.h.WebSocket(ctx, req)
	assert.EqualError(t, err, "Unauthorized", "a ticket works once")

	// Bearer header instead of a ticket
	delete(req.QueryStringParameters, "ticket")
	req.Headers["Authorization"] = "Bearer " + f.key
	resp, err = f.h.WebSocket(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, f.userID, resp.PrincipalID)

	delete(req.Headers, "Authorization")
	_, err = f.h.WebSocket(ctx, req)
	assert.EqualError(t, err, "Unauthorized", "no credentials")
	req.QueryStringParameters["ticket"] = "wst_forged"
	_, err = f.h.WebSocket(ctx, req)
	assert.EqualError(t, err, "Unauthorized")
}

func TestRevocationAppliesOnNextRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p, err := (&auth.Authenticator{Records: f.store}).Authenticate(ctx, f.key)
	require.NoError(t, err)
	req := httpapi.Request{RouteKey: "DELETE /api/apikeys/{id}", PathParameters: map[string]string{"id": p.KeyID},
		RequestContext: lambdaevents.APIGatewayV2HTTPRequestContext{Authorizer: &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: authz.Context(p)}}}
	resp, err := f.router.Invoke(ctx, req)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, resp.Body)
	out, err := f.h.HTTP(ctx, f.httpReq(t, "Bearer "+f.key))
	require.ErrorIs(t, err, authz.ErrUnauthorized, "a revoked key is a 401 on the very next request")
	assert.False(t, out.IsAuthorized)
}
