package localcloud

import (
	"net"
	"sync"
	"time"
)

// HTTPLimits bound what one client can hold on the API listener
// (docs/security.md sets them beside API Gateway's own limits).
type HTTPLimits struct {
	// MaxBodyBytes is the largest request body read: a larger declared
	// Content-Length is refused with 413 before reading, a larger body is
	// cut at the limit while reading (never buffered in full). Default
	// MaxHTTPBodyBytes (API Gateway's 10 MB); the local runtime sets the
	// functions' own limit, so an oversize body costs nothing.
	MaxBodyBytes int64
	// ReadHeaderTimeout bounds reading the request line and headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole HTTP request, body included (a
	// body trickled slower is cut: 408).
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its response; it exceeds every function's timeout.
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long.
	IdleTimeout time.Duration
	// MaxConns caps open connections (HTTP and WebSocket together): further
	// connections wait in the listen backlog until one closes.
	MaxConns int
}

// DefaultHTTPLimits are the local runtime's defaults.
func DefaultHTTPLimits() HTTPLimits {
	return HTTPLimits{MaxBodyBytes: MaxHTTPBodyBytes, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 75 * time.Second, IdleTimeout: 60 * time.Second, MaxConns: 4096}
}

// setDefault sets *v to def when *v is zero or negative (a limit left unset).
func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

func (l HTTPLimits) withDefaults() HTTPLimits {
	d := DefaultHTTPLimits()
	setDefault(&l.MaxBodyBytes, d.MaxBodyBytes)
	setDefault(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	setDefault(&l.ReadTimeout, d.ReadTimeout)
	setDefault(&l.WriteTimeout, d.WriteTimeout)
	setDefault(&l.IdleTimeout, d.IdleTimeout)
	setDefault(&l.MaxConns, d.MaxConns)
	return l
}

// limitListener accepts at most cap(sem) connections at a time: Accept
// blocks while the cap is reached (the kernel's backlog holds the rest).
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func newLimitListener(l net.Listener, n int) *limitListener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n)}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
