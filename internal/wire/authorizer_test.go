package wire

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events/embedded"
)

// dispatch sends each API Gateway payload shape to the right authorizer.
func TestDispatch(t *testing.T) {
	t.Parallel()
	store, err := embedded.Open(t.TempDir(), embedded.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	fn := Authorizer(Adapters{Store: store}, Settings{})
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "authz", "testdata", name))
		require.NoError(t, err)
		return b
	}

	out, err := fn(context.Background(), read("http_authorizer_request.json"))
	assert.EqualError(t, err, "Unauthorized", "the golden key is not in the store: 401")
	simple, ok := out.(lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse)
	require.True(t, ok, "HTTP payload -> simple response, got %T", out)
	assert.False(t, simple.IsAuthorized)

	_, err = fn(context.Background(), read("ws_connect_authorizer_request.json"))
	assert.EqualError(t, err, "Unauthorized", "WebSocket payload -> REQUEST authorizer")

	_, err = fn(context.Background(), []byte(`not json`))
	assert.Error(t, err)
}

// With origin secrets (the cloud behind CloudFront), the builder guards the
// spec's public routes with the origin check and refuses direct calls.
func TestAuthorizerOriginSecrets(t *testing.T) {
	t.Parallel()
	store, err := embedded.Open(t.TempDir(), embedded.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	fn := Authorizer(Adapters{Store: store}, Settings{OriginSecrets: []string{"edge-secret"}})
	call := func(route, origin string) lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse {
		t.Helper()
		req := lambdaevents.APIGatewayV2CustomAuthorizerV2Request{Version: "2.0", RouteKey: route,
			Headers: map[string]string{"x-origin-verify": origin}}
		b, err := json.Marshal(req)
		require.NoError(t, err)
		out, err := fn(context.Background(), b)
		require.NoError(t, err)
		return out.(lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse)
	}
	assert.True(t, call("POST /api/auth/login", "edge-secret").IsAuthorized, "public route through the edge")
	assert.True(t, call("POST /api/bootstrap", "edge-secret").IsAuthorized)
	assert.False(t, call("POST /api/auth/login", "").IsAuthorized, "direct call: 403")
	assert.False(t, call("POST /api/auth/login", "guess").IsAuthorized)
}
