package localcloud_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/localcloud"
)

// BenchmarkHTTPGateway: one authorized request through the HTTP gateway to
// a trivial handler and back, over loopback (the emulation's own cost plus
// the HTTP round trip).
func BenchmarkHTTPGateway(b *testing.B) {
	ok := func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
		return lambdaevents.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"ok":true}`}, nil
	}
	authz := func(context.Context, lambdaevents.APIGatewayV2CustomAuthorizerV2Request) (lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{"user_id": "u"}}, nil
	}
	rt, err := localcloud.Listen(localcloud.Config{Addr: "127.0.0.1:0", ManagementAddr: "127.0.0.1:0", Log: quietLog()})
	require.NoError(b, err)
	rt.Start(localcloud.Functions{HTTP: map[string]localcloud.HTTPFunc{spec.FnQueries: ok}, Authorizer: authz})
	defer rt.Shutdown(context.Background())
	hc := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", rt.APIURL()+"/api/users/me", nil)
		req.Header.Set("Authorization", "Bearer x")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
	}
}

// BenchmarkPostToConnection: the aws-sdk-go-v2 management client posts a
// 500-byte frame through the @connections API to a WebSocket client that
// reads it (the per-connection cost of the notifier's fan-out).
func BenchmarkPostToConnection(b *testing.B) {
	rt, ids := connectRuntime(b, 1)
	c, _, err := websocket.Dial(context.Background(), rt.WSURL(), nil)
	require.NoError(b, err)
	defer c.CloseNow()
	id := <-ids
	mgmt := mgmtClient(rt.ManagementURL())
	data := []byte(`{"type":"event","data":"` + strings.Repeat("x", 470) + `"}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := mgmt.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{
			ConnectionId: aws.String(id), Data: data}); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// connectRuntime starts a runtime, shut down when b ends, whose $connect
// accepts every connection and sends its connection ID on the returned
// channel, buffered for n connections.
func connectRuntime(b *testing.B, n int) (*localcloud.Runtime, <-chan string) {
	b.Helper()
	ids := make(chan string, n)
	connect := func(_ context.Context, req lambdaevents.APIGatewayWebsocketProxyRequest) (lambdaevents.APIGatewayProxyResponse, error) {
		ids <- req.RequestContext.ConnectionID
		return lambdaevents.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	rt, err := localcloud.Listen(localcloud.Config{Addr: "127.0.0.1:0", ManagementAddr: "127.0.0.1:0", Log: quietLog()})
	require.NoError(b, err)
	rt.Start(localcloud.Functions{WS: map[string]localcloud.WSFunc{spec.FnWSConnect: connect}})
	b.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	return rt, ids
}
