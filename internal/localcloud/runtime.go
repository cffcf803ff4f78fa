package localcloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/skyledger/skyledger/infra/spec"
)

// Config configures the listeners of a Runtime.
type Config struct {
	// Addr serves the HTTP API, web/dist and the WebSocket API (at WSPath).
	Addr string
	// ManagementAddr serves the @connections management API (and the
	// runtime's admin endpoints). It must be a loopback address.
	ManagementAddr string
	WSPath         string // default "/ws"
	WebDir         string // web/dist; "" or missing: no web UI
	WSLimits       WSLimits
	// HTTPLimits bound the API listener's connections (zero fields: defaults).
	HTTPLimits HTTPLimits
	Log        *slog.Logger
}

// Runtime is the local cloud: listeners bound by Listen (so URLs are known
// before the handlers that need them are built), handlers attached by Start.
type Runtime struct {
	cfg      Config
	log      *slog.Logger
	apiLn    net.Listener
	mgmtLn   net.Listener
	apiSrv   *http.Server
	mgmtSrv  *mgmtServer
	mgmtMux  *http.ServeMux
	HTTP     *HTTPGateway
	WS       *WSGateway
	stopMaps context.CancelFunc
	maps     sync.WaitGroup
	started  bool
	apiExtra map[string]http.Handler
}

// Listen binds both listeners. Port 0 picks a free port.
func Listen(cfg Config) (*Runtime, error) {
	if cfg.WSPath == "" {
		cfg.WSPath = "/ws"
	}
	if cfg.WSLimits == (WSLimits{}) {
		cfg.WSLimits = DefaultWSLimits()
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	host, _, err := net.SplitHostPort(cfg.ManagementAddr)
	if err != nil {
		return nil, fmt.Errorf("management address %q: %w", cfg.ManagementAddr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("management address %q: must be loopback (it accepts unsigned @connections calls)", cfg.ManagementAddr)
	}
	apiLn, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	mgmtLn, err := net.Listen("tcp", cfg.ManagementAddr)
	if err != nil {
		apiLn.Close()
		return nil, fmt.Errorf("listen %s: %w", cfg.ManagementAddr, err)
	}
	return &Runtime{cfg: cfg, log: cfg.Log, apiLn: apiLn, mgmtLn: mgmtLn, mgmtMux: http.NewServeMux()}, nil
}

func hostURL(scheme string, a net.Addr) string {
	ta := a.(*net.TCPAddr)
	host := ta.IP.String()
	if ta.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, fmt.Sprint(ta.Port))
}

// APIURL is the HTTP API base URL (http://host:port).
func (r *Runtime) APIURL() string { return hostURL("http", r.apiLn.Addr()) }

// WSURL is the WebSocket URL clients dial (ws://host:port/ws).
func (r *Runtime) WSURL() string { return hostURL("ws", r.apiLn.Addr()) + r.cfg.WSPath }

// ManagementURL is the @connections endpoint (the notifier's BaseEndpoint).
func (r *Runtime) ManagementURL() string { return hostURL("http", r.mgmtLn.Addr()) }

// HandleManagement adds an admin endpoint on the management listener.
func (r *Runtime) HandleManagement(pattern string, h http.Handler) { r.mgmtMux.Handle(pattern, h) }

// HandleAPI adds a runtime endpoint on the API listener, beside the
// gateway (it takes precedence over the routes for its pattern). For the
// local runtime's own endpoints (GET /api/health), which are not part of
// the API Gateway contract. Call before Start.
func (r *Runtime) HandleAPI(pattern string, h http.Handler) {
	if r.apiExtra == nil {
		r.apiExtra = map[string]http.Handler{}
	}
	r.apiExtra[pattern] = h
}

// Start serves the functions and runs the event source mappings.
func (r *Runtime) Start(fns Functions, mappings ...*Mapping) {
	lim := r.cfg.HTTPLimits.withDefaults()
	r.HTTP = NewHTTPGateway(spec.Routes, fns, r.log, r.cfg.WebDir)
	r.HTTP.limits = lim
	r.WS = NewWSGateway(spec.WSRoutes, fns, r.cfg.WSLimits, r.log, r.cfg.WSPath)
	mux := http.NewServeMux()
	mux.Handle(r.cfg.WSPath, r.WS)
	mux.Handle("/", r.HTTP)
	for p, h := range r.apiExtra {
		mux.Handle(p, h)
	}
	// ReadTimeout and WriteTimeout are set per HTTP request by the gateway
	// (a server-wide deadline would also cut upgraded WebSockets).
	r.apiSrv = &http.Server{Handler: mux, ReadHeaderTimeout: lim.ReadHeaderTimeout, IdleTimeout: lim.IdleTimeout,
		MaxHeaderBytes: 64 << 10}
	r.mgmtMux.Handle("/@connections/", r.WS.ManagementAPI())
	r.mgmtSrv = newMgmtServer(r.WS, r.mgmtMux)
	apiLn := newLimitListener(r.apiLn, lim.MaxConns)
	go func() { _ = r.apiSrv.Serve(apiLn) }()
	go func() { _ = r.mgmtSrv.Serve(r.mgmtLn) }()
	ctx, cancel := context.WithCancel(context.Background())
	r.stopMaps = cancel
	for _, m := range mappings {
		r.maps.Add(1)
		go func() {
			defer r.maps.Done()
			_ = m.Run(ctx)
		}()
	}
	r.started = true
}

// Shutdown stops accepting requests, lets in-flight HTTP invocations
// finish, closes every WebSocket with 1001 (running $disconnect), lets the
// stream batch in flight finish and commit, then stops the management API.
func (r *Runtime) Shutdown(ctx context.Context) error {
	if !r.started {
		return errors.Join(r.apiLn.Close(), r.mgmtLn.Close())
	}
	var errs []error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); errs = append(errs, r.apiSrv.Shutdown(ctx)) }()
	var wsErr error
	go func() { defer wg.Done(); wsErr = r.WS.Shutdown(ctx) }()
	wg.Wait()
	errs = append(errs, wsErr)
	r.stopMaps()
	done := make(chan struct{})
	go func() { r.maps.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("stream delivery still busy: %w", ctx.Err()))
	}
	errs = append(errs, r.mgmtSrv.Shutdown(ctx, r.mgmtLn))
	return errors.Join(errs...)
}
