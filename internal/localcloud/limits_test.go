package localcloud_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
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

// limitsRuntime serves POST /api/auth/login with a function that counts
// its invocations and the body bytes it got.
func limitsRuntime(t *testing.T, lim localcloud.HTTPLimits) (*localcloud.Runtime, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	fn := func(_ context.Context, req lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
		calls.Add(1)
		return lambdaevents.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"ok":true}`}, nil
	}
	rt := startRuntime(t, localcloud.Config{HTTPLimits: lim}, localcloud.Functions{
		HTTP: map[string]localcloud.HTTPFunc{spec.FnCommands: fn}})
	return rt, &calls
}

func dialAPI(t *testing.T, rt *localcloud.Runtime) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(rt.APIURL(), "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestHTTPGatewayBodyLimitBeforeReading(t *testing.T) {
	t.Parallel()
	rt, calls := limitsRuntime(t, localcloud.HTTPLimits{MaxBodyBytes: 1024})
	for _, tc := range []struct {
		name    string
		body    io.Reader
		chunked bool
	}{
		{name: "declared Content-Length above the limit", body: strings.NewReader(strings.Repeat("x", 4096))},
		{name: "chunked body above the limit", body: io.MultiReader(strings.NewReader(strings.Repeat("x", 4096))), chunked: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, rt.APIURL()+"/api/auth/login", tc.body)
			require.NoError(t, err)
			if tc.chunked {
				req.ContentLength = -1
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
			assert.Contains(t, string(b), `"too_large"`)
		})
	}
	assert.Zero(t, calls.Load(), "the function never saw an oversize body")
	// within the limit it passes
	resp, err := http.Post(rt.APIURL()+"/api/auth/login", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestHTTPGatewayTrickledBodyTimesOut(t *testing.T) {
	t.Parallel()
	rt, calls := limitsRuntime(t, localcloud.HTTPLimits{ReadTimeout: 300 * time.Millisecond})
	c := dialAPI(t, rt)
	_, err := io.WriteString(c, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	require.NoError(t, err)
	start := time.Now()
	go func() { // 1 byte every 100 ms
		for i := 0; i < 99; i++ {
			time.Sleep(100 * time.Millisecond)
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(8 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err, "answered before the 10 s body finished")
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Zero(t, calls.Load())
}

func TestHTTPGatewayClosesIdleKeepAlive(t *testing.T) {
	t.Parallel()
	rt, _ := limitsRuntime(t, localcloud.HTTPLimits{IdleTimeout: 200 * time.Millisecond})
	c := dialAPI(t, rt)
	_, err := io.WriteString(c, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = br.ReadByte()
	assert.ErrorIs(t, err, io.EOF, "the idle keep-alive connection was closed by the server")
}

func TestHTTPGatewayConnectionCap(t *testing.T) {
	t.Parallel()
	rt, _ := limitsRuntime(t, localcloud.HTTPLimits{MaxConns: 2})
	a, b := dialAPI(t, rt), dialAPI(t, rt)
	_, _ = a, b
	time.Sleep(100 * time.Millisecond) // both accepted
	third := dialAPI(t, rt)
	_, err := io.WriteString(third, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	require.NoError(t, err)
	_ = third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err = bufio.NewReader(third).ReadByte()
	var ne net.Error
	require.ErrorAs(t, err, &ne, "no answer while two connections are open")
	assert.True(t, ne.Timeout())
	require.NoError(t, a.Close())
	_ = third.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(third), nil)
	require.NoError(t, err, "served once a slot freed")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
