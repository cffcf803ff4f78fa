package localcloud

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// mgmtServer serves the management listener (the @connections API and the
// runtime's admin endpoints) as plain HTTP/1.1 with keep-alive, built for
// the notifier's fan-out, where every frame is one PostToConnection:
//
//   - one goroutine per TCP connection, its requests handled in order on
//     it: no goroutine per request and no background read between
//     requests (net/http starts one per request to notice a client that
//     hangs up);
//   - POST /@connections/{id} with a Content-Length body (what the SDK
//     sends) is parsed in place, its body is the one allocation, and the
//     frame goes straight into the connection's bounded queue
//     (WSGateway.Send); the answers (200, 410 GoneException, 413) are
//     written from constants;
//   - every other request (GET/DELETE @connections, admin endpoints,
//     chunked bodies, HTTP/1.0) is parsed by net/http's ReadRequest and
//     served by the mux, its response buffered.
//
// It is for loopback only (Listen refuses other addresses), as before.
type mgmtServer struct {
	ws  *WSGateway
	mux http.Handler

	closing atomic.Bool
	mu      sync.Mutex
	conns   map[*mgmtConn]struct{}
	wg      sync.WaitGroup
}

type mgmtConn struct {
	c    net.Conn
	idle atomic.Bool // waiting for the next request
}

// mgmtHeaderTimeout bounds the reading of one request once its first byte
// has arrived (net/http's ReadHeaderTimeout as the runtime set it). An idle
// keep-alive connection has no deadline, as with net/http's defaults, so
// the notifier's pooled connections are never closed under it.
const mgmtHeaderTimeout = 10 * time.Second

// Canned answers of the fast path.
var (
	mgmtOK       = []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	mgmtContinue = []byte("HTTP/1.1 100 Continue\r\n\r\n")
	mgmtMarker   = []byte("/@connections/")
)

func newMgmtServer(ws *WSGateway, mux http.Handler) *mgmtServer {
	return &mgmtServer{ws: ws, mux: mux, conns: map[*mgmtConn]struct{}{}}
}

// Serve accepts connections until ln is closed.
func (s *mgmtServer) Serve(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.closing.Load() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return err
		}
		mc := &mgmtConn{c: c}
		s.mu.Lock()
		if s.closing.Load() {
			s.mu.Unlock()
			_ = c.Close()
			continue
		}
		s.conns[mc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(mc)
	}
}

// Shutdown stops accepting (the caller closes the listener), closes idle
// connections at once and busy ones after their current request, and
// waits for them (or ctx; then closes the rest).
func (s *mgmtServer) Shutdown(ctx context.Context, ln net.Listener) error {
	s.closing.Store(true)
	_ = ln.Close()
	s.mu.Lock()
	for mc := range s.conns {
		if mc.idle.Load() {
			_ = mc.c.Close()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for mc := range s.conns {
			_ = mc.c.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

func (s *mgmtServer) serveConn(mc *mgmtConn) {
	defer s.wg.Done()
	defer func() {
		_ = mc.c.Close()
		s.mu.Lock()
		delete(s.conns, mc)
		s.mu.Unlock()
	}()
	br := bufio.NewReaderSize(mc.c, 4096)
	bw := bufio.NewWriterSize(mc.c, 4096)
	for {
		mc.idle.Store(true)
		if s.closing.Load() {
			return
		}
		if _, err := br.Peek(1); err != nil {
			return
		}
		mc.idle.Store(false)
		_ = mc.c.SetReadDeadline(time.Now().Add(mgmtHeaderTimeout))
		keep, err := s.serveRequest(br, bw)
		if err == nil {
			err = bw.Flush()
		}
		if err != nil || !keep {
			return
		}
		_ = mc.c.SetReadDeadline(time.Time{})
	}
}

// serveRequest reads and answers one request; keep reports whether the
// connection may carry another.
func (s *mgmtServer) serveRequest(br *bufio.Reader, bw *bufio.Writer) (keep bool, err error) {
	line, err := peekLine(br)
	if err != nil {
		return false, err
	}
	if target, ok := fastPost(line); ok {
		return s.servePost(br, bw, len(line), target)
	}
	return s.serveMux(br, bw)
}

// peekLine returns the request line (with its "\n") without consuming it.
func peekLine(br *bufio.Reader) ([]byte, error) {
	for {
		buf, _ := br.Peek(br.Buffered())
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			return buf[:i+1], nil
		}
		if br.Buffered() >= br.Size() {
			return nil, errors.New("request line too long")
		}
		if _, err := br.Peek(br.Buffered() + 1); err != nil {
			return nil, err
		}
	}
}

// fastPost recognizes "POST <...>/@connections/<id> HTTP/1.1\r\n" and
// returns the request target.
func fastPost(line []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(line, []byte("POST "))
	if !ok {
		return nil, false
	}
	target, ok := bytes.CutSuffix(rest, []byte(" HTTP/1.1\r\n"))
	if !ok || !bytes.Contains(target, mgmtMarker) || bytes.IndexByte(target, ' ') >= 0 {
		return nil, false
	}
	return target, true
}

// servePost is PostToConnection: headers parsed in place, the body read
// into one exact-size buffer that becomes the frame.
func (s *mgmtServer) servePost(br *bufio.Reader, bw *bufio.Writer, lineLen int, target []byte) (bool, error) {
	// target points into br's buffer: take what is needed before reading on.
	i := bytes.Index(target, mgmtMarker)
	idPart := target[i+len(mgmtMarker):]
	if q := bytes.IndexByte(idPart, '?'); q >= 0 {
		idPart = idPart[:q]
	}
	var id string
	if bytes.IndexByte(idPart, '%') >= 0 {
		u, err := url.PathUnescape(string(idPart))
		if err != nil {
			u = ""
		}
		id = u
	} else {
		id = string(idPart)
	}
	if _, err := br.Discard(lineLen); err != nil {
		return false, err
	}
	length, keep, cont, chunked := int64(-1), true, false, false
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return false, err // also a header line over the buffer size
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return false, writeMgmtError(bw, http.StatusBadRequest, "BadRequestException", "malformed header", false)
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "content-length"):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || (length >= 0 && n != length) {
				return false, writeMgmtError(bw, http.StatusBadRequest, "BadRequestException", "invalid content-length", false)
			}
			length = n
		case asciiEqualFold(name, "transfer-encoding"):
			chunked = true
		case asciiEqualFold(name, "connection"):
			if bytes.Contains(bytes.ToLower(value), []byte("close")) {
				keep = false
			}
		case asciiEqualFold(name, "expect"):
			cont = asciiEqualFold(value, "100-continue")
		}
	}
	if chunked || length < 0 {
		// The SDK always sends a Content-Length; anything else is refused
		// rather than half-parsed.
		return false, writeMgmtError(bw, http.StatusLengthRequired, "BadRequestException", "Content-Length required", false)
	}
	if length > s.ws.limits.MaxFrameBytes {
		return false, writeMgmtError(bw, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "payload too large", false)
	}
	if id == "" {
		if _, err := br.Discard(int(length)); err != nil {
			return false, err
		}
		return keep, writeMgmtError(bw, http.StatusBadRequest, "BadRequestException", "invalid connection id", keep)
	}
	if cont {
		if _, err := bw.Write(mgmtContinue); err != nil {
			return false, err
		}
		if err := bw.Flush(); err != nil {
			return false, err
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(br, body); err != nil {
		return false, err
	}
	if err := s.ws.Send(id, body); err != nil {
		return keep, writeMgmtError(bw, http.StatusGone, "GoneException", "", keep)
	}
	if !keep {
		_, err := bw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return false, err
	}
	_, err := bw.Write(mgmtOK)
	return true, err
}

// writeMgmtError writes API Gateway's error answer (as mgmtError does).
func writeMgmtError(bw *bufio.Writer, status int, typ, msg string, keep bool) error {
	body := []byte(`{"message":null}` + "\n")
	if msg != "" {
		body = []byte(`{"message":` + strconv.Quote(msg) + "}\n")
	}
	bw.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	bw.WriteString("Content-Type: application/json\r\nX-Amzn-Errortype: " + typ + "\r\nX-Amzn-Requestid: " + newID() + "\r\n")
	bw.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	if !keep {
		bw.WriteString("Connection: close\r\n")
	}
	bw.WriteString("\r\n")
	_, err := bw.Write(body)
	return err
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// serveMux serves any other request through net/http's parser and the mux.
func (s *mgmtServer) serveMux(br *bufio.Reader, bw *bufio.Writer) (bool, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		_, _ = bw.WriteString("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return false, nil
	}
	req.RemoteAddr = "127.0.0.1:0"
	if req.Header.Get("Expect") == "100-continue" && req.ContentLength != 0 {
		if _, err := bw.Write(mgmtContinue); err != nil {
			return false, err
		}
		if err := bw.Flush(); err != nil {
			return false, err
		}
	}
	m := &memResponse{h: http.Header{}}
	s.mux.ServeHTTP(m, req.WithContext(context.Background()))
	// Drain what the handler left of the body, so the next request starts
	// at its first byte (a body too large to drain closes the connection).
	n, derr := io.Copy(io.Discard, io.LimitReader(req.Body, 1<<20))
	_ = req.Body.Close()
	keep := !req.Close && derr == nil && n < 1<<20
	if m.code == 0 {
		m.code = http.StatusOK
	}
	resp := &http.Response{StatusCode: m.code, ProtoMajor: 1, ProtoMinor: 1, Header: m.h,
		ContentLength: int64(m.buf.Len()), Body: io.NopCloser(&m.buf), Close: !keep, Request: req}
	if req.Method == http.MethodHead {
		resp.Body = nil
	}
	return keep, resp.Write(bw)
}
