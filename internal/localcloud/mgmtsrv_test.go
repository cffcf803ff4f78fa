package localcloud_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/localcloud"
)

// rawConn speaks HTTP/1.1 to the management listener by hand, several
// requests on one keep-alive connection.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, mgmtURL string) *rawConn {
	u, err := url.Parse(mgmtURL)
	require.NoError(t, err)
	c, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (r *rawConn) do(raw string) (*http.Response, string) {
	r.t.Helper()
	_, err := io.WriteString(r.c, raw)
	require.NoError(r.t, err)
	resp, err := http.ReadResponse(r.br, nil)
	require.NoError(r.t, err)
	if resp.StatusCode == http.StatusContinue { // the final answer follows
		resp, err = http.ReadResponse(r.br, nil)
		require.NoError(r.t, err)
	}
	b, err := io.ReadAll(resp.Body)
	require.NoError(r.t, err)
	return resp, string(b)
}

func post(id, body, extra string) string {
	return "POST /%24default/@connections/" + id + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extra +
		"Content-Length: " + itoa(len(body)) + "\r\n\r\n" + body
}

func itoa(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}

// TestManagementServerHTTP pins the management listener's HTTP behaviour:
// keep-alive across fast-path POSTs and net/http-served GET/DELETE/admin
// requests on one connection, escaped ids, 410/411/413 answers, Expect,
// Connection: close, and shutdown with an idle keep-alive connection.
func TestManagementServerHTTP(t *testing.T) {
	t.Parallel()
	lim := localcloud.DefaultWSLimits()
	lim.MaxFrameBytes = 1024
	f := newWSFixture(t, lim)
	f.rt.HandleManagement("POST /_admin/echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(append([]byte("echo:"), b...))
	}))
	c, _, err := f.dial(t, "?ticket=good")
	require.NoError(t, err)
	assert.Equal(t, "hello", readJSON(t, c)["type"])
	id := f.firstConnectionID()
	escaped := url.PathEscape(id)

	r := dialRaw(t, f.rt.ManagementURL())
	tests := []struct {
		name, raw  string
		status     int
		errType    string
		bodyHas    string
		wantFrame  string
		closesConn bool
	}{
		{name: "post delivers", raw: post(escaped, `{"n":1}`, ""), status: 200, wantFrame: `{"n":1}`},
		{name: "second post on the same connection", raw: post(id, `{"n":2}`, ""), status: 200, wantFrame: `{"n":2}`},
		{name: "expect 100-continue", raw: post(id, `{"n":3}`, "Expect: 100-continue\r\n"), status: 200, wantFrame: `{"n":3}`},
		{name: "get via net/http", raw: "GET /@connections/" + escaped + " HTTP/1.1\r\nHost: x\r\n\r\n", status: 200, bodyHas: `"sourceIp":"127.0.0.1"`},
		{name: "admin endpoint via the mux", raw: "POST /_admin/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", status: 200, bodyHas: "echo:hi"},
		{name: "post after mux requests", raw: post(id, `{"n":4}`, ""), status: 200, wantFrame: `{"n":4}`},
		{name: "unknown connection is gone", raw: post("nope%3D", `x`, ""), status: 410, errType: "GoneException"},
		{name: "chunked post refused", raw: "POST /@connections/" + escaped + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"n\":5}\r\n0\r\n\r\n",
			status: 411, errType: "BadRequestException", closesConn: true},
	}
	for _, tc := range tests {
		resp, body := r.do(tc.raw)
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
		if tc.errType != "" {
			assert.Equal(t, tc.errType, resp.Header.Get("x-amzn-ErrorType"), tc.name)
		}
		if tc.bodyHas != "" {
			assert.Contains(t, body, tc.bodyHas, tc.name)
		}
		if tc.wantFrame != "" {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, b, err := c.Read(ctx)
			cancel()
			require.NoError(t, err, tc.name)
			assert.Equal(t, tc.wantFrame, string(b), tc.name)
		}
		if tc.closesConn {
			_, err := r.br.ReadByte()
			assert.ErrorIs(t, err, io.EOF, "%s: connection closed", tc.name)
			r = dialRaw(t, f.rt.ManagementURL())
		}
	}

	t.Run("too large", func(t *testing.T) {
		r := dialRaw(t, f.rt.ManagementURL())
		resp, _ := r.do(post(id, strings.Repeat("x", 1025), ""))
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
		assert.Equal(t, "PayloadTooLargeException", resp.Header.Get("x-amzn-ErrorType"))
	})
	t.Run("connection close", func(t *testing.T) {
		r := dialRaw(t, f.rt.ManagementURL())
		resp, _ := r.do(post(id, `{"n":6}`, "Connection: close\r\n"))
		assert.Equal(t, 200, resp.StatusCode)
		assert.True(t, resp.Close)
		_, err := r.br.ReadByte()
		assert.ErrorIs(t, err, io.EOF)
	})
	t.Run("malformed request", func(t *testing.T) {
		r := dialRaw(t, f.rt.ManagementURL())
		resp, _ := r.do("NONSENSE\r\n\r\n")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
}

// TestManagementServerShutdownWithIdleConnection: an idle keep-alive
// connection (the notifier's pool) does not hold shutdown up.
func TestManagementServerShutdownWithIdleConnection(t *testing.T) {
	t.Parallel()
	rt, err := localcloud.Listen(localcloud.Config{Addr: "127.0.0.1:0", ManagementAddr: "127.0.0.1:0", Log: quietLog()})
	require.NoError(t, err)
	rt.Start(localcloud.Functions{})
	r := dialRaw(t, rt.ManagementURL())
	resp, _ := r.do(post("nope", "x", ""))
	assert.Equal(t, http.StatusGone, resp.StatusCode)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	require.NoError(t, rt.Shutdown(ctx))
	assert.Less(t, time.Since(start), 3*time.Second)
	_, err = r.br.ReadByte()
	assert.Error(t, err, "idle connection closed")
}
