package localcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	mgmttypes "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/localcloud"
)

// wsFixture hosts test WebSocket functions that answer through the real
// aws-sdk-go-v2 @connections client, as the notifier and wsapi do.
type wsFixture struct {
	rt          *localcloud.Runtime
	mgmt        *apigatewaymanagementapi.Client
	mu          sync.Mutex
	connected   []lambdaevents.APIGatewayWebsocketProxyRequest
	disconnects chan lambdaevents.APIGatewayWebsocketProxyRequest
}

// disconnected waits up to within for the gateway's next $disconnect
// invocation and returns its event; it fails the test with why if none comes.
func (f *wsFixture) disconnected(t *testing.T, within time.Duration, why string) lambdaevents.APIGatewayWebsocketProxyRequest {
	t.Helper()
	select {
	case d := <-f.disconnects:
		return d
	case <-time.After(within):
		t.Fatal(why)
		return lambdaevents.APIGatewayWebsocketProxyRequest{}
	}
}

// firstConnectionID is the connection ID the gateway gave the first
// connection it authorised.
func (f *wsFixture) firstConnectionID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.connected[0].RequestContext.ConnectionID
}

func mgmtClient(url string) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

func newWSFixture(t *testing.T, limits localcloud.WSLimits) *wsFixture {
	f := &wsFixture{disconnects: make(chan lambdaevents.APIGatewayWebsocketProxyRequest, 16)}
	authz := func(_ context.Context, req lambdaevents.APIGatewayCustomAuthorizerRequestTypeRequest) (lambdaevents.APIGatewayCustomAuthorizerResponse, error) {
		switch req.QueryStringParameters["ticket"] {
		case "good":
			return lambdaevents.APIGatewayCustomAuthorizerResponse{PrincipalID: "u1",
				PolicyDocument: lambdaevents.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17",
					Statement: []lambdaevents.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"*"}}}},
				Context: map[string]any{"user_id": "u1", "tenant_id": "t1"}}, nil
		case "deny":
			return lambdaevents.APIGatewayCustomAuthorizerResponse{PrincipalID: "u1",
				PolicyDocument: lambdaevents.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17",
					Statement: []lambdaevents.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: "Deny", Resource: []string{"*"}}}}}, nil
		case "refuse-in-connect":
			return lambdaevents.APIGatewayCustomAuthorizerResponse{PrincipalID: "u2",
				PolicyDocument: lambdaevents.APIGatewayCustomAuthorizerPolicy{Statement: []lambdaevents.IAMPolicyStatement{{Effect: "Allow"}}}}, nil
		}
		return lambdaevents.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	}
	connect := func(ctx context.Context, req lambdaevents.APIGatewayWebsocketProxyRequest) (lambdaevents.APIGatewayProxyResponse, error) {
		if req.QueryStringParameters["ticket"] == "refuse-in-connect" {
			return lambdaevents.APIGatewayProxyResponse{StatusCode: 403}, nil
		}
		f.mu.Lock()
		f.connected = append(f.connected, req)
		f.mu.Unlock()
		// a frame posted during $connect is delivered once the socket opens
		_, err := f.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
			ConnectionId: aws.String(req.RequestContext.ConnectionID), Data: []byte(`{"type":"hello"}`)})
		return lambdaevents.APIGatewayProxyResponse{StatusCode: 200}, err
	}
	disconnect := func(_ context.Context, req lambdaevents.APIGatewayWebsocketProxyRequest) (lambdaevents.APIGatewayProxyResponse, error) {
		f.disconnects <- req
		return lambdaevents.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	dflt := func(ctx context.Context, req lambdaevents.APIGatewayWebsocketProxyRequest) (lambdaevents.APIGatewayProxyResponse, error) {
		if req.Body == "panic" {
			panic("boom")
		}
		auth, _ := req.RequestContext.Authorizer.(map[string]any)
		b, _ := json.Marshal(map[string]any{"route": req.RequestContext.RouteKey, "user": auth["user_id"],
			"principal": auth["principalId"], "event": req.RequestContext.EventType, "body": req.Body})
		_, err := f.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
			ConnectionId: aws.String(req.RequestContext.ConnectionID), Data: b})
		return lambdaevents.APIGatewayProxyResponse{StatusCode: 200}, err
	}
	f.rt = startRuntime(t, localcloud.Config{WSLimits: limits}, localcloud.Functions{
		WSAuthorizer: authz,
		WS: map[string]localcloud.WSFunc{spec.FnWSConnect: connect, spec.FnWSDisconnect: disconnect,
			spec.FnWSDefault: dflt},
	})
	f.mgmt = mgmtClient(f.rt.ManagementURL())
	return f
}

func (f *wsFixture) dial(t *testing.T, query string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, f.rt.WSURL()+query, nil)
	if c != nil {
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, resp, err
}

// connect starts a gateway with limits and opens a connection with the
// authorised ticket; it fails the test if the connection is refused.
func connect(t *testing.T, limits localcloud.WSLimits) (*wsFixture, *websocket.Conn) {
	t.Helper()
	f := newWSFixture(t, limits)
	c, _, err := f.dial(t, "?ticket=good")
	require.NoError(t, err)
	return f, c
}

func readJSON(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return m
}

func write(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(s)))
}

func closeCode(t *testing.T, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func TestWSGatewayHandshakeRefusals(t *testing.T) {
	t.Parallel()
	f := newWSFixture(t, localcloud.DefaultWSLimits())
	tests := []struct {
		name   string
		query  string
		status int
	}{
		{"no credentials: authorizer says Unauthorized", "", 401},
		{"deny policy", "?ticket=deny", 403},
		{"$connect integration refuses", "?ticket=refuse-in-connect", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, resp, err := f.dial(t, tc.query)
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, tc.status, resp.StatusCode)
		})
	}
	assert.Zero(t, f.rt.WS.Count())
}

func TestWSGatewayRoutesAndManagementAPI(t *testing.T) {
	t.Parallel()
	f, c := connect(t, localcloud.DefaultWSLimits())
	assert.Equal(t, "hello", readJSON(t, c)["type"], "frame posted during $connect arrives first")

	f.mu.Lock()
	require.Len(t, f.connected, 1)
	conn := f.connected[0]
	f.mu.Unlock()
	id := conn.RequestContext.ConnectionID
	assert.Equal(t, "$connect", conn.RequestContext.RouteKey)
	assert.Equal(t, "CONNECT", conn.RequestContext.EventType)
	assert.Equal(t, "good", conn.QueryStringParameters["ticket"])
	auth, _ := conn.RequestContext.Authorizer.(map[string]any)
	assert.Equal(t, "u1", auth["user_id"])
	assert.Equal(t, "u1", auth["principalId"])

	tests := []struct{ name, body, route string }{
		{"action names a route", `{"action":"ping","id":"1"}`, "ping"},
		{"subscribe", `{"action":"subscribe","channels":[]}`, "subscribe"},
		{"unknown action: $default", `{"action":"fly"}`, "$default"},
		{"not JSON: $default", `hello`, "$default"},
		{"action not a string: $default", `{"action":1}`, "$default"},
		{"$connect is not selectable", `{"action":"$connect"}`, "$default"},
	}
	for _, tc := range tests {
		write(t, c, tc.body)
		m := readJSON(t, c)
		assert.Equal(t, tc.route, m["route"], tc.name)
		assert.Equal(t, "MESSAGE", m["event"], tc.name)
		assert.Equal(t, "u1", m["user"], tc.name)
		assert.Equal(t, tc.body, m["body"], tc.name)
	}

	write(t, c, "panic")
	m := readJSON(t, c)
	assert.Equal(t, "Internal server error", m["message"])
	assert.Equal(t, id, m["connectionId"])

	ctx := context.Background()
	info, err := f.mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", aws.ToString(info.Identity.SourceIp))
	require.NotNil(t, info.ConnectedAt)
	assert.WithinDuration(t, time.Now(), *info.ConnectedAt, time.Minute)

	_, err = f.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String("nope="), Data: []byte("x")})
	var gone *mgmttypes.GoneException
	assert.True(t, errors.As(err, &gone), "unknown connection is a typed GoneException: %v", err)

	_, err = f.mgmt.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, websocket.StatusNormalClosure, closeCode(t, c))
	d := f.disconnected(t, 5*time.Second, "$disconnect not invoked")
	assert.Equal(t, id, d.RequestContext.ConnectionID)
	assert.Equal(t, "$disconnect", d.RequestContext.RouteKey)
	assert.Equal(t, "DISCONNECT", d.RequestContext.EventType)
	_, err = f.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("x")})
	assert.True(t, errors.As(err, &gone), "closed connection is gone: %v", err)
}

func TestWSGatewayLimits(t *testing.T) {
	t.Parallel()
	t.Run("oversized frame closes with 1009", func(t *testing.T) {
		t.Parallel()
		lim := localcloud.DefaultWSLimits()
		lim.MaxFrameBytes = 1024
		f, c := connect(t, lim)
		readJSON(t, c)
		write(t, c, `{"action":"ping","pad":"`+strings.Repeat("x", 2048)+`"}`)
		assert.Equal(t, websocket.StatusMessageTooBig, closeCode(t, c))
		d := <-f.disconnects
		assert.EqualValues(t, websocket.StatusMessageTooBig, d.RequestContext.DisconnectStatusCode)
	})
	for _, tc := range []struct {
		name  string
		limit func(*localcloud.WSLimits)
	}{
		{name: "idle timeout closes with 1001", limit: func(l *localcloud.WSLimits) { l.IdleTimeout = 300 * time.Millisecond }},
		{name: "maximum duration closes with 1001", limit: func(l *localcloud.WSLimits) { l.MaxConnDuration = 300 * time.Millisecond }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lim := localcloud.DefaultWSLimits()
			tc.limit(&lim)
			_, c := connect(t, lim)
			assert.Equal(t, websocket.StatusGoingAway, closeCode(t, c))
		})
	}
	t.Run("a client that stops reading is disconnected", func(t *testing.T) {
		t.Parallel()
		lim := localcloud.DefaultWSLimits()
		lim.OutQueue = 4
		lim.WriteTimeout = time.Second // bounds the blocked write and the close frame
		f, c := connect(t, lim)
		id := f.firstConnectionID()
		frame := []byte(`"` + strings.Repeat("x", 64*1024) + `"`)
		var sendErr error
		for i := 0; i < 5000 && sendErr == nil; i++ {
			sendErr = f.rt.WS.Send(id, frame)
		}
		assert.ErrorIs(t, sendErr, localcloud.ErrGone)
		d := f.disconnected(t, 10*time.Second, "slow client was not disconnected")
		assert.EqualValues(t, websocket.StatusPolicyViolation, d.RequestContext.DisconnectStatusCode)
		_ = c
	})
	t.Run("a slow reader is told why: close 1008 reaches the client", func(t *testing.T) {
		t.Parallel()
		lim := localcloud.DefaultWSLimits()
		lim.OutQueue = 4
		f, c := connect(t, lim)
		id := f.firstConnectionID()
		var sendErr error
		for i := 0; i < 100000 && sendErr == nil; i++ {
			sendErr = f.rt.WS.Send(id, []byte(`"frame"`))
		}
		require.ErrorIs(t, sendErr, localcloud.ErrGone, "the queue overflowed")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		for {
			_, _, err = c.Read(ctx)
			if err != nil {
				break
			}
		}
		assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v", err)
		d := <-f.disconnects
		assert.EqualValues(t, websocket.StatusPolicyViolation, d.RequestContext.DisconnectStatusCode)
		assert.Contains(t, *d.RequestContext.DisconnectReason, "too slow")
	})
	t.Run("a frame write slower than WriteTimeout disconnects", func(t *testing.T) {
		t.Parallel()
		lim := localcloud.DefaultWSLimits()
		lim.WriteTimeout = 200 * time.Millisecond
		f, c := connect(t, lim)
		id := f.firstConnectionID()
		// 128 frames of 64 KB: more than the loopback socket buffers take,
		// fewer than the queue holds, so only the write timeout can act.
		frame := []byte(`"` + strings.Repeat("x", 64*1024) + `"`)
		for range 128 {
			require.NoError(t, f.rt.WS.Send(id, frame))
		}
		d := f.disconnected(t, 10*time.Second, "a client whose writes block was not disconnected")
		assert.EqualValues(t, websocket.StatusPolicyViolation, d.RequestContext.DisconnectStatusCode)
		_ = c
	})
}

func TestWSGatewayShutdownClosesWith1001(t *testing.T) {
	t.Parallel()
	f, c := connect(t, localcloud.DefaultWSLimits())
	readJSON(t, c)
	done := make(chan websocket.StatusCode, 1)
	go func() { done <- closeCode(t, c) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, f.rt.Shutdown(ctx))
	assert.Equal(t, websocket.StatusGoingAway, <-done)
	select {
	case <-f.disconnects:
	default:
		t.Fatal("$disconnect must have run before Shutdown returned")
	}
}

func TestInProcessTransportReachesTheManagementAPI(t *testing.T) {
	t.Parallel()
	f, c := connect(t, localcloud.DefaultWSLimits())
	readJSON(t, c)
	id := f.firstConnectionID()
	inproc := apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(f.rt.ManagementURL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:  &http.Client{Transport: f.rt.NewInProcessTransport()},
	})
	ctx := context.Background()
	_, err := inproc.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte(`{"type":"inproc"}`)})
	require.NoError(t, err)
	assert.Equal(t, "inproc", readJSON(t, c)["type"])
	_, err = inproc.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String("nope="), Data: []byte("x")})
	var gone *mgmttypes.GoneException
	assert.True(t, errors.As(err, &gone), "typed GoneException in process too: %v", err)
	info, err := inproc.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", aws.ToString(info.Identity.SourceIp))
}

// TestWSGatewayDeliversQueuedFramesBeforeAGracefulClose: what was posted
// before DeleteConnection reaches the client before the close frame (the
// notifier relies on it: a role change is delivered, then the socket closed).
func TestWSGatewayDeliversQueuedFramesBeforeAGracefulClose(t *testing.T) {
	t.Parallel()
	f, c := connect(t, localcloud.DefaultWSLimits())
	assert.Equal(t, "hello", readJSON(t, c)["type"])
	id := f.firstConnectionID()
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		_, err := f.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id),
			Data: []byte(fmt.Sprintf(`{"type":"n","i":%d}`, i))})
		require.NoError(t, err)
	}
	_, err := f.mgmt.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		assert.EqualValues(t, i, readJSON(t, c)["i"])
	}
	assert.Equal(t, websocket.StatusNormalClosure, closeCode(t, c))
}
