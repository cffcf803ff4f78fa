package localcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/skyledger/skyledger/infra/spec"
)

// WSLimits are the WebSocket API limits the gateway enforces (API Gateway's
// by default, see DefaultWSLimits).
type WSLimits struct {
	MaxFrameBytes   int64         // larger client frames close the connection with 1009
	IdleTimeout     time.Duration // no client message for this long: closed with 1001
	MaxConnDuration time.Duration // closed with 1001 after this long
	// OutQueue bounds each connection's outgoing queue (frames). A client
	// that stops reading fills it and is disconnected (1008) instead of
	// growing memory; PostToConnection then answers 410.
	OutQueue     int
	WriteTimeout time.Duration // one frame write; exceeded: disconnected
}

// DefaultWSLimits are API Gateway's numbers from the spec.
func DefaultWSLimits() WSLimits {
	return WSLimits{MaxFrameBytes: spec.WSMaxFrameBytes, IdleTimeout: spec.WSIdleTimeout,
		MaxConnDuration: spec.WSMaxConnDuration, OutQueue: 256, WriteTimeout: 10 * time.Second}
}

// ErrGone is returned by Send for an unknown or closed connection.
var ErrGone = errors.New("gone")

// WSGateway emulates an API Gateway WebSocket API: the upgrade runs the
// $connect authorizer and integration, text frames are routed on
// $request.body.action, $disconnect runs once per connection whatever ends
// it, and Send/Info/Disconnect back the @connections management API.
// Messages of one connection are handled one at a time, in order.
type WSGateway struct {
	fns     Functions
	limits  WSLimits
	log     *slog.Logger
	routes  map[string]string // route key -> function name
	path    string
	mu      sync.Mutex
	conns   map[string]*wsConn
	closing bool
	wg      sync.WaitGroup // live connections (until $disconnect returned)
}

// NewWSGateway builds the gateway. path is the URL path clients dial
// (e.g. "/ws"), used in request contexts.
func NewWSGateway(routes []spec.WSRoute, fns Functions, limits WSLimits, log *slog.Logger, path string) *WSGateway {
	if log == nil {
		log = slog.Default()
	}
	m := map[string]string{}
	for _, r := range routes {
		m[r.Key] = r.Function
	}
	return &WSGateway{fns: fns, limits: limits, log: log, routes: m, path: path, conns: map[string]*wsConn{}}
}

type wsConn struct {
	id          string
	gw          *WSGateway
	mu          sync.Mutex      // guards ws
	ws          *websocket.Conn // nil until accepted
	out         chan []byte
	done        chan struct{}
	connectedAt time.Time
	lastActive  atomic.Int64 // unix nanos
	sourceIP    string
	userAgent   string
	domain      string
	authz       map[string]any
	closeOnce   sync.Once
	closeCode   websocket.StatusCode // set once, before done is closed
	closeReason string
	killed      bool // closed without the handshake (set before done is closed)
}

// Count returns the number of registered connections.
func (g *WSGateway) Count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

func (g *WSGateway) wsRequestContext(c *wsConn, routeKey, eventType string) lambdaevents.APIGatewayWebsocketProxyRequestContext {
	now := time.Now()
	rc := lambdaevents.APIGatewayWebsocketProxyRequestContext{
		AccountID:         localAccount,
		Stage:             localStage,
		RequestID:         newID(),
		ExtendedRequestID: newID(),
		Identity:          lambdaevents.APIGatewayRequestIdentity{SourceIP: c.sourceIP, UserAgent: c.userAgent},
		APIID:             localAPIID,
		ConnectedAt:       c.connectedAt.UnixMilli(),
		ConnectionID:      c.id,
		DomainName:        c.domain,
		EventType:         eventType,
		MessageDirection:  "IN",
		RequestTime:       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		RequestTimeEpoch:  now.UnixMilli(),
		RouteKey:          routeKey,
	}
	if c.authz != nil {
		rc.Authorizer = c.authz
	}
	return rc
}

// ServeHTTP handles the upgrade request and then the connection's life.
func (g *WSGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		gatewayError(w, http.StatusBadRequest, "Bad Request: WebSocket upgrade expected", "validation")
		return
	}
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	c := &wsConn{id: newConnID(), gw: g, out: make(chan []byte, max(g.limits.OutQueue, 1)),
		done: make(chan struct{}), connectedAt: time.Now(),
		sourceIP: ip, userAgent: r.UserAgent(), domain: r.Host}
	c.lastActive.Store(c.connectedAt.UnixNano())
	start := time.Now()

	headers, mvHeaders := map[string]string{}, map[string][]string{}
	for k, vs := range r.Header {
		headers[k] = strings.Join(vs, ",")
		mvHeaders[k] = vs
	}
	q, mvq := map[string]string{}, map[string][]string{}
	for k, vs := range r.URL.Query() {
		q[k] = vs[len(vs)-1]
		mvq[k] = vs
	}
	if len(q) == 0 {
		q, mvq = nil, nil
	}
	logLine := func(fn, route string, status int, reqID string, err error) {
		logInvoke(g.log, err != nil, invokeAttrs(fn, route, status, start, reqID, err, "connection_id", c.id))
	}

	// 1. the $connect authorizer.
	if g.fns.WSAuthorizer != nil {
		reqID := newID()
		areq := lambdaevents.APIGatewayCustomAuthorizerRequestTypeRequest{
			Type:                            "REQUEST",
			MethodArn:                       "arn:aws:execute-api:" + localRegion + ":" + localAccount + ":" + localAPIID + "/" + localStage + "/$connect",
			Resource:                        spec.WSConnect,
			Path:                            r.URL.Path,
			HTTPMethod:                      r.Method,
			Headers:                         headers,
			MultiValueHeaders:               mvHeaders,
			QueryStringParameters:           q,
			MultiValueQueryStringParameters: mvq,
			RequestContext: lambdaevents.APIGatewayCustomAuthorizerRequestTypeRequestContext{
				Path: r.URL.Path, AccountID: localAccount, Stage: localStage, RequestID: reqID,
				Identity:     lambdaevents.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: ip},
				ResourcePath: spec.WSConnect, HTTPMethod: r.Method, APIID: localAPIID,
			},
		}
		actx, cancel := context.WithTimeout(r.Context(), spec.FunctionByName(spec.FnAuthorizer).Timeout)
		resp, err := invoke(actx, g.fns.WSAuthorizer, areq)
		cancel()
		switch {
		case err != nil && err.Error() == "Unauthorized":
			logLine(spec.FnAuthorizer, spec.WSConnect, http.StatusUnauthorized, reqID, nil)
			gatewayError(w, http.StatusUnauthorized, "Unauthorized", "unauthenticated")
			return
		case err != nil:
			logLine(spec.FnAuthorizer, spec.WSConnect, http.StatusInternalServerError, reqID, err)
			gatewayError(w, http.StatusInternalServerError, "Internal Server Error", "internal")
			return
		case !policyAllows(resp.PolicyDocument):
			logLine(spec.FnAuthorizer, spec.WSConnect, http.StatusForbidden, reqID, nil)
			gatewayError(w, http.StatusForbidden, "Forbidden", "forbidden")
			return
		}
		c.authz = map[string]any{}
		for k, v := range resp.Context {
			c.authz[k] = v
		}
		c.authz["principalId"] = resp.PrincipalID
		c.authz["integrationLatency"] = time.Since(start).Milliseconds()
	}

	// 2. register (frames posted during $connect are queued) and run $connect.
	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		gatewayError(w, http.StatusServiceUnavailable, "Service Unavailable", "unavailable")
		return
	}
	g.conns[c.id] = c
	g.wg.Add(1)
	g.mu.Unlock()
	defer g.wg.Done()

	creq := lambdaevents.APIGatewayWebsocketProxyRequest{
		Headers: headers, MultiValueHeaders: mvHeaders,
		QueryStringParameters: q, MultiValueQueryStringParameters: mvq,
		RequestContext: g.wsRequestContext(c, spec.WSConnect, "CONNECT"),
	}
	cresp, status, err := g.invokeRoute(r.Context(), spec.WSConnect, creq)
	logLine(g.routes[spec.WSConnect], spec.WSConnect, status, creq.RequestContext.RequestID, err)
	if err != nil || status < 200 || status > 299 {
		g.unregister(c)
		if status < 400 {
			status = http.StatusInternalServerError
		}
		gatewayError(w, status, http.StatusText(status), "connect_refused")
		return
	}

	// 3. complete the handshake.
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled}
	if p := cresp.Headers["Sec-WebSocket-Protocol"]; p != "" {
		opts.Subprotocols = []string{p}
	}
	ws, err := websocket.Accept(w, r, opts)
	if err != nil {
		g.unregister(c)
		g.disconnect(c, websocket.StatusAbnormalClosure, "handshake failed")
		return
	}
	ws.SetReadLimit(g.limits.MaxFrameBytes)
	c.mu.Lock()
	c.ws = ws
	c.mu.Unlock()
	// Ended while the handshake completed (e.g. its queue overflowed): the
	// writer serveConn starts sees done at once and sends the close frame
	// (the client learns the code, 1008 for a slow client), bounded by the
	// write timeout; serveConn's read then fails and runs $disconnect.
	g.serveConn(c)
}

// policyAllows reports whether an IAM policy allows the call: at least one
// Allow and no Deny.
func policyAllows(p lambdaevents.APIGatewayCustomAuthorizerPolicy) bool {
	allowed := false
	for _, s := range p.Statement {
		switch strings.ToLower(s.Effect) {
		case "deny":
			return false
		case "allow":
			allowed = true
		}
	}
	return allowed
}

// invokeRoute calls the function of a route key; status is the integration
// status (500 on error or a missing function).
func (g *WSGateway) invokeRoute(ctx context.Context, routeKey string, req lambdaevents.APIGatewayWebsocketProxyRequest) (lambdaevents.APIGatewayProxyResponse, int, error) {
	name := g.routes[routeKey]
	fn := g.fns.WS[name]
	if fn == nil {
		return lambdaevents.APIGatewayProxyResponse{}, http.StatusInternalServerError, fmt.Errorf("no function for route %s", routeKey)
	}
	ictx, cancel := context.WithTimeout(ctx, spec.FunctionByName(name).Timeout)
	defer cancel()
	resp, err := invoke(ictx, fn, req)
	if err != nil {
		var pe *PanicError
		if errors.As(err, &pe) {
			g.log.Error("handler panic", "function", name, "stack", string(pe.Stack))
		}
		return resp, http.StatusInternalServerError, err
	}
	if resp.StatusCode == 0 {
		resp.StatusCode = http.StatusOK
	}
	return resp, resp.StatusCode, nil
}

func (g *WSGateway) serveConn(c *wsConn) {
	ctx, cancel := context.WithTimeout(context.Background(), g.limits.MaxConnDuration)
	defer cancel()
	go c.writeLoop()
	idle := time.AfterFunc(g.limits.IdleTimeout, func() { c.close(websocket.StatusGoingAway, "Going away") })
	defer idle.Stop()
	stopMax := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			c.close(websocket.StatusGoingAway, "Going away")
		}
	})
	defer stopMax()

	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			code := websocket.CloseStatus(err)
			reason := "client closed"
			if code == -1 {
				code, reason = websocket.StatusAbnormalClosure, err.Error()
				if strings.Contains(err.Error(), "read limited") {
					code = websocket.StatusMessageTooBig
				}
			}
			if code == websocket.StatusMessageTooBig {
				reason = "Message too big"
			}
			c.close(code, reason)
			break
		}
		idle.Reset(g.limits.IdleTimeout)
		c.lastActive.Store(time.Now().UnixNano())
		g.handleMessage(c, data)
	}
	g.unregister(c)
	<-c.done
	g.disconnect(c, c.closeCode, c.closeReason)
}

// selectRoute applies $request.body.action: the action of a JSON object
// body if it names a route, else $default.
func (g *WSGateway) selectRoute(data []byte) string {
	var sel struct {
		Action any `json:"action"`
	}
	if json.Unmarshal(data, &sel) == nil {
		if a, ok := sel.Action.(string); ok && a != spec.WSConnect && a != spec.WSDisconnect {
			if _, ok := g.routes[a]; ok {
				return a
			}
		}
	}
	return spec.WSDefault
}

func (g *WSGateway) handleMessage(c *wsConn, data []byte) {
	start := time.Now()
	routeKey := g.selectRoute(data)
	req := lambdaevents.APIGatewayWebsocketProxyRequest{
		Body:           string(data),
		RequestContext: g.wsRequestContext(c, routeKey, "MESSAGE"),
	}
	req.RequestContext.MessageID = newID()
	_, status, err := g.invokeRoute(context.Background(), routeKey, req)
	logInvoke(g.log, err != nil, invokeAttrs(g.routes[routeKey], routeKey, status, start, req.RequestContext.RequestID, err,
		"connection_id", c.id))
	if err != nil {
		msg := "Internal server error"
		if g.fns.WS[g.routes[routeKey]] == nil {
			msg = "Forbidden"
		}
		b, _ := json.Marshal(map[string]string{"message": msg, "connectionId": c.id, "requestId": req.RequestContext.RequestID})
		_ = c.send(b)
	}
}

func (c *wsConn) writeLoop() {
	// One timer per connection, re-armed for each frame, bounds a write
	// (a context.WithTimeout per frame, plus the library's AfterFunc on it,
	// cost a fifth of the write path). Firing, it disconnects the client
	// and closes the socket, which fails the blocked write.
	wt := time.AfterFunc(time.Hour, func() {
		c.kill(websocket.StatusPolicyViolation, "write failed or too slow")
		_ = c.ws.CloseNow()
	})
	wt.Stop()
	defer wt.Stop()
	write := func(msg []byte) error {
		wt.Reset(c.gw.limits.WriteTimeout)
		err := c.ws.Write(context.Background(), websocket.MessageText, msg)
		wt.Stop()
		return err
	}
	// killed: a client too slow for its queue. The queued frames are
	// dropped, but the close frame still tells it why (1008), bounded by
	// WriteTimeout, after which the socket is cut.
	closeKilled := func() {
		wt.Reset(c.gw.limits.WriteTimeout)
		if err := c.ws.Close(c.closeCode, c.closeReason); err != nil {
			_ = c.ws.CloseNow()
		}
	}
	for {
		select {
		case <-c.done: // an end takes precedence over queued frames
			if c.killed {
				closeKilled()
				return
			}
		default:
		}
		select {
		case msg := <-c.out:
			if err := write(msg); err != nil {
				c.kill(websocket.StatusPolicyViolation, "write failed or too slow")
				_ = c.ws.CloseNow()
				return
			}
		case <-c.done:
			if c.killed {
				closeKilled()
				return
			}
			// A graceful close (DeleteConnection, idle, shutdown, the
			// client's close) first delivers what was posted before it,
			// as API Gateway does, then runs the close handshake.
			for drained := false; !drained; {
				select {
				case msg := <-c.out:
					if err := write(msg); err != nil {
						_ = c.ws.CloseNow()
						return
					}
				default:
					drained = true
				}
			}
			// Close runs the close handshake (bounded by the library's own
			// 5 s timeouts); CloseNow is the fallback.
			if err := c.ws.Close(c.closeCode, c.closeReason); err != nil {
				_ = c.ws.CloseNow()
			}
			return
		}
	}
}

// send queues data; a full queue disconnects the client.
func (c *wsConn) send(data []byte) error {
	select {
	case <-c.done:
		return ErrGone
	default:
	}
	select {
	case c.out <- data:
		return nil
	default:
		c.kill(websocket.StatusPolicyViolation, "outgoing queue full: client too slow")
		return ErrGone
	}
}

// close ends the connection once with code/reason, with the close
// handshake. Safe from any goroutine.
func (c *wsConn) close(code websocket.StatusCode, reason string) { c.end(code, reason, false) }

// kill ends the connection at once, without waiting for a client that is
// not reading to answer the close handshake.
func (c *wsConn) kill(code websocket.StatusCode, reason string) { c.end(code, reason, true) }

func (c *wsConn) end(code websocket.StatusCode, reason string, now bool) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason, c.killed = code, reason, now
		close(c.done)
		c.gw.unregister(c)
		// The writer closes the socket (writeLoop; started after the
		// handshake when end ran before it): with the queue drained (close)
		// or dropped (kill), bounded by WriteTimeout either way.
	})
}

func (g *WSGateway) unregister(c *wsConn) {
	g.mu.Lock()
	if g.conns[c.id] == c {
		delete(g.conns, c.id)
	}
	g.mu.Unlock()
}

func (g *WSGateway) disconnect(c *wsConn, code websocket.StatusCode, reason string) {
	req := lambdaevents.APIGatewayWebsocketProxyRequest{RequestContext: g.wsRequestContext(c, spec.WSDisconnect, "DISCONNECT")}
	req.RequestContext.DisconnectStatusCode = int64(code)
	req.RequestContext.DisconnectReason = &reason
	start := time.Now()
	_, status, err := g.invokeRoute(context.Background(), spec.WSDisconnect, req)
	logInvoke(g.log, err != nil, invokeAttrs(g.routes[spec.WSDisconnect], spec.WSDisconnect, status, start,
		req.RequestContext.RequestID, err, "connection_id", c.id, "close_code", int(code)))
}

func (g *WSGateway) lookup(id string) *wsConn {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.conns[id]
}

// Send posts data to a connection (PostToConnection). ErrGone for an
// unknown connection or one that was too slow.
func (g *WSGateway) Send(id string, data []byte) error {
	c := g.lookup(id)
	if c == nil {
		return ErrGone
	}
	return c.send(data)
}

// Disconnect closes a connection (DeleteConnection).
func (g *WSGateway) Disconnect(id string) error {
	c := g.lookup(id)
	if c == nil {
		return ErrGone
	}
	c.close(websocket.StatusNormalClosure, "Connection closed by server")
	return nil
}

// ConnInfo is GetConnection's answer.
type ConnInfo struct {
	ConnectedAt  time.Time `json:"connectedAt"`
	LastActiveAt time.Time `json:"lastActiveAt"`
	Identity     struct {
		SourceIP  string `json:"sourceIp"`
		UserAgent string `json:"userAgent"`
	} `json:"identity"`
}

// Info describes a connection (GetConnection).
func (g *WSGateway) Info(id string) (ConnInfo, error) {
	var ci ConnInfo
	c := g.lookup(id)
	if c == nil {
		return ci, ErrGone
	}
	ci.ConnectedAt = c.connectedAt.UTC()
	ci.LastActiveAt = time.Unix(0, c.lastActive.Load()).UTC()
	ci.Identity.SourceIP, ci.Identity.UserAgent = c.sourceIP, c.userAgent
	return ci, nil
}

// Shutdown refuses new connections, closes every connection with 1001 and
// waits until each $disconnect has run (or ctx ends).
func (g *WSGateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	g.closing = true
	all := make([]*wsConn, 0, len(g.conns))
	for _, c := range g.conns {
		all = append(all, c)
	}
	g.mu.Unlock()
	for _, c := range all {
		c.close(websocket.StatusGoingAway, "Going away: server shutting down")
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ManagementAPI serves API Gateway's @connections API (POST to send, GET
// for info, DELETE to close) for the gateway, under any path prefix (the
// SDK client's BaseEndpoint may carry a stage path). Signatures are not
// checked: it is meant for loopback only.
func (g *WSGateway) ManagementAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const marker = "/@connections/"
		p := r.URL.EscapedPath()
		i := strings.Index(p, marker)
		if i < 0 {
			mgmtError(w, http.StatusNotFound, "NotFoundException", "no such resource")
			return
		}
		id, err := url.PathUnescape(p[i+len(marker):])
		if err != nil || id == "" {
			mgmtError(w, http.StatusBadRequest, "BadRequestException", "invalid connection id")
			return
		}
		switch r.Method {
		case http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, g.limits.MaxFrameBytes+1))
			if err != nil {
				mgmtError(w, http.StatusBadRequest, "BadRequestException", "read body")
				return
			}
			if int64(len(body)) > g.limits.MaxFrameBytes {
				mgmtError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "payload too large")
				return
			}
			if err := g.Send(id, body); err != nil {
				mgmtError(w, http.StatusGone, "GoneException", "")
				return
			}
			w.WriteHeader(http.StatusOK)
		case http.MethodGet:
			ci, err := g.Info(id)
			if err != nil {
				mgmtError(w, http.StatusGone, "GoneException", "")
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(ci)
		case http.MethodDelete:
			if err := g.Disconnect(id); err != nil {
				mgmtError(w, http.StatusGone, "GoneException", "")
				return
			}
			w.WriteHeader(http.StatusNoContent)
		default:
			mgmtError(w, http.StatusMethodNotAllowed, "BadRequestException", "method not allowed")
		}
	})
}

func mgmtError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", typ)
	w.Header().Set("x-amzn-RequestId", newID())
	w.WriteHeader(status)
	var m any
	if msg != "" {
		m = msg
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"message": m})
}
