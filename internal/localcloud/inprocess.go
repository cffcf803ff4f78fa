package localcloud

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// InProcessTransport is an http.RoundTripper that serves requests for the
// management URL's host by calling the @connections handler directly, with
// no socket in between; other hosts go to Next. The SDK client using it is
// unmodified and still serializes (and, given credentials, signs) every call: only the loopback
// TCP hop is skipped. Opt-in (SKYLEDGER_MANAGEMENT_TRANSPORT=inprocess);
// the default is real loopback HTTP, the path the cloud takes
// (docs/decisions/0016-notifier-through-management-api-locally.md).
type InProcessTransport struct {
	Host    string // host:port of the management URL
	Handler http.Handler
	Next    http.RoundTripper
}

// NewInProcessTransport returns a transport for the runtime's management API.
func (r *Runtime) NewInProcessTransport() *InProcessTransport {
	u, _ := url.Parse(r.ManagementURL())
	return &InProcessTransport{Host: u.Host, Handler: r.mgmtMux, Next: http.DefaultTransport}
}

type memResponse struct {
	h    http.Header
	code int
	buf  bytes.Buffer
}

func (m *memResponse) Header() http.Header { return m.h }
func (m *memResponse) WriteHeader(code int) {
	if m.code == 0 {
		m.code = code
	}
}
func (m *memResponse) Write(b []byte) (int, error) {
	if m.code == 0 {
		m.code = http.StatusOK
	}
	return m.buf.Write(b)
}

// RoundTrip implements http.RoundTripper.
func (t *InProcessTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.Host {
		return t.Next.RoundTrip(req)
	}
	if req.Body == nil {
		req.Body = http.NoBody
	}
	m := &memResponse{h: http.Header{}}
	t.Handler.ServeHTTP(m, req)
	_ = req.Body.Close()
	if m.code == 0 {
		m.code = http.StatusOK
	}
	m.h.Set("Content-Length", strconv.Itoa(m.buf.Len()))
	return &http.Response{StatusCode: m.code, Status: strconv.Itoa(m.code) + " " + http.StatusText(m.code),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: m.h, Body: io.NopCloser(&m.buf),
		ContentLength: int64(m.buf.Len()), Request: req}, nil
}
