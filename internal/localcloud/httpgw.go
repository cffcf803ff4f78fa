package localcloud

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/skyledger/skyledger/infra/spec"
)

// MaxHTTPBodyBytes is API Gateway HTTP API's payload limit (10 MB).
const MaxHTTPBodyBytes = 10 << 20

// route is a compiled spec.Route.
type route struct {
	spec.Route
	segs     []string // "" marks a {param}
	params   []string // param name per segment ("" for literals)
	literals int
	fn       spec.Function
}

// routeTable matches requests to spec routes the way API Gateway HTTP APIs
// do: the route with the most literal segments wins ("/api/users/me" beats
// "/api/users/{id}").
type routeTable []route

func compileRoutes(rs []spec.Route) routeTable {
	out := make(routeTable, 0, len(rs))
	for _, r := range rs {
		c := route{Route: r, fn: spec.FunctionByName(r.Function)}
		for _, s := range strings.Split(strings.Trim(r.Path, "/"), "/") {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				c.segs = append(c.segs, "")
				c.params = append(c.params, strings.Trim(s, "{}+"))
			} else {
				c.segs = append(c.segs, s)
				c.params = append(c.params, "")
				c.literals++
			}
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].literals > out[j].literals })
	return out
}

// match returns the route for method and path with its path parameters.
// pathMatched reports whether some route had the path (for 404 vs 404: API
// Gateway answers both "no path" and "no method" with 404 Not Found).
func (t routeTable) match(method, path string) (*route, map[string]string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range t {
		r := &t[i]
		if r.Method != method || len(r.segs) != len(segs) {
			continue
		}
		var params map[string]string
		ok := true
		for k, s := range r.segs {
			if s == "" {
				v, err := url.PathUnescape(segs[k])
				if segs[k] == "" || err != nil {
					ok = false
					break
				}
				if params == nil {
					params = map[string]string{}
				}
				params[r.params[k]] = v
			} else if s != segs[k] {
				ok = false
				break
			}
		}
		if ok {
			return r, params
		}
	}
	return nil, nil
}

// HTTPGateway emulates an API Gateway HTTP API with payload format 2.0 in
// front of the spec's routes. It is an http.Handler; safe for concurrent use.
type HTTPGateway struct {
	routes routeTable
	fns    Functions
	log    *slog.Logger
	webDir string // serves web/dist with SPA fallback when it exists
	now    func() time.Time
	prefix string // path prefix handled as API (default "/api/")
	limits HTTPLimits
}

// NewHTTPGateway builds the gateway for routes. webDir may be "".
func NewHTTPGateway(routes []spec.Route, fns Functions, log *slog.Logger, webDir string) *HTTPGateway {
	if log == nil {
		log = slog.Default()
	}
	return &HTTPGateway{routes: compileRoutes(routes), fns: fns, log: log, webDir: webDir,
		now: time.Now, prefix: "/api/", limits: DefaultHTTPLimits()}
}

// gatewayError writes API Gateway's own error body ({"message": ...}) plus
// SkyLedger's error envelope, so clients of either shape understand it.
func gatewayError(w http.ResponseWriter, status int, message, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("apigw-requestid", newID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"message": message,
		"error":   map[string]any{"code": code, "message": message},
	})
}

func (g *HTTPGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// per-request deadlines (errors: a ResponseWriter without deadlines, in tests)
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(g.limits.ReadTimeout))
	_ = rc.SetWriteDeadline(time.Now().Add(g.limits.WriteTimeout))
	rt, params := g.routes.match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		if r.URL.Path != "/api" && !strings.HasPrefix(r.URL.Path, g.prefix) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			g.serveWeb(w, r)
			return
		}
		gatewayError(w, http.StatusNotFound, "Not Found", "not_found")
		return
	}
	g.serveRoute(w, r, rt, params)
}

func (g *HTTPGateway) serveRoute(w http.ResponseWriter, r *http.Request, rt *route, params map[string]string) {
	start := g.now()
	if r.ContentLength > g.limits.MaxBodyBytes {
		// refused before reading a byte; the connection is closed rather
		// than drained
		w.Header().Set("Connection", "close")
		gatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large", "too_large")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.limits.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.As(err, &mbe):
			gatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large", "too_large")
		case errors.As(err, &ne) && ne.Timeout():
			w.Header().Set("Connection", "close")
			gatewayError(w, http.StatusRequestTimeout, "Request Timeout", "timeout")
		default:
			gatewayError(w, http.StatusBadRequest, "Bad Request", "validation")
		}
		return
	}
	req := buildHTTPRequest(r, rt.Key(), params, body, start)
	reqID := req.RequestContext.RequestID
	logAttrs := func(fn string, status int, err error) {
		logInvoke(g.log, status >= 500, invokeAttrs(fn, rt.Key(), status, start, reqID, err))
	}

	ctx := r.Context()
	if rt.Auth {
		authz, status, err := g.authorize(ctx, req, rt)
		if status != 0 {
			logAttrs(spec.FnAuthorizer, status, err)
			switch status {
			case http.StatusUnauthorized:
				gatewayError(w, status, "Unauthorized", "unauthenticated")
			case http.StatusForbidden:
				gatewayError(w, status, "Forbidden", "forbidden")
			default:
				gatewayError(w, http.StatusInternalServerError, "Internal Server Error", "internal")
			}
			return
		}
		req.RequestContext.Authorizer = &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: authz}
	}

	fn := g.fns.HTTP[rt.Function]
	if fn == nil {
		logAttrs(rt.Function, http.StatusInternalServerError, errors.New("function not wired"))
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error", "internal")
		return
	}
	ictx, cancel := context.WithTimeout(ctx, rt.fn.Timeout)
	resp, err := invoke(ictx, fn, req)
	cancel()
	if err == nil && (resp.StatusCode < 100 || resp.StatusCode > 599) {
		err = errors.New("malformed Lambda proxy response: statusCode " + strconv.Itoa(resp.StatusCode))
	}
	if err != nil {
		var pe *PanicError
		if errors.As(err, &pe) {
			g.log.Error("handler panic", "function", rt.Function, "request_id", reqID, "stack", string(pe.Stack))
		}
		logAttrs(rt.Function, http.StatusInternalServerError, err)
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error", "internal")
		return
	}
	writeHTTPResponse(w, resp, reqID)
	logAttrs(rt.Function, resp.StatusCode, nil)
}

// authorize runs the Lambda authorizer as configured in the spec: identity
// source $request.header.Authorization (missing -> 401 without invoking),
// the error "Unauthorized" -> 401, isAuthorized false -> 403, other errors
// -> 500. It returns the context that API
// Gateway passes on as requestContext.authorizer.lambda.
func (g *HTTPGateway) authorize(ctx context.Context, req lambdaevents.APIGatewayV2HTTPRequest, rt *route) (map[string]any, int, error) {
	ident, ok := identitySource(req, spec.AuthorizerIdentitySource)
	if !ok {
		return nil, http.StatusUnauthorized, errors.New("identity source missing")
	}
	if g.fns.Authorizer == nil {
		return nil, http.StatusInternalServerError, errors.New("authorizer not wired")
	}
	areq := lambdaevents.APIGatewayV2CustomAuthorizerV2Request{
		Version:               "2.0",
		Type:                  "REQUEST",
		RouteArn:              "arn:aws:execute-api:" + localRegion + ":" + localAccount + ":" + localAPIID + "/" + localStage + "/" + rt.Method + rt.Path,
		IdentitySource:        []string{ident},
		RouteKey:              req.RouteKey,
		RawPath:               req.RawPath,
		RawQueryString:        req.RawQueryString,
		Cookies:               req.Cookies,
		Headers:               req.Headers,
		QueryStringParameters: req.QueryStringParameters,
		RequestContext:        req.RequestContext,
		PathParameters:        req.PathParameters,
	}
	fn := spec.FunctionByName(spec.FnAuthorizer)
	actx, cancel := context.WithTimeout(ctx, fn.Timeout)
	defer cancel()
	resp, err := invoke(actx, g.fns.Authorizer, areq)
	if err != nil {
		if err.Error() == "Unauthorized" { // the literal error API Gateway turns into a 401
			return nil, http.StatusUnauthorized, err
		}
		return nil, http.StatusInternalServerError, err
	}
	if !resp.IsAuthorized {
		return nil, http.StatusForbidden, nil
	}
	return resp.Context, 0, nil
}

// identitySource resolves "$request.header.X" / "$request.querystring.x".
func identitySource(req lambdaevents.APIGatewayV2HTTPRequest, src string) (string, bool) {
	switch {
	case strings.HasPrefix(src, "$request.header."):
		v := req.Headers[strings.ToLower(strings.TrimPrefix(src, "$request.header."))]
		return v, v != ""
	case strings.HasPrefix(src, "$request.querystring."):
		v := req.QueryStringParameters[strings.TrimPrefix(src, "$request.querystring.")]
		return v, v != ""
	}
	return "", false
}

// buildHTTPRequest is the payload 2.0 event API Gateway sends for r.
func buildHTTPRequest(r *http.Request, routeKey string, params map[string]string, body []byte, now time.Time) lambdaevents.APIGatewayV2HTTPRequest {
	headers := make(map[string]string, len(r.Header)+1)
	var cookies []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	if r.ContentLength > 0 {
		headers["content-length"] = strconv.FormatInt(int64(len(body)), 10)
	}
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	headers["x-forwarded-for"] = ip
	headers["x-forwarded-proto"] = "http"
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		headers["x-forwarded-port"] = p
	}
	var qs map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		qs = make(map[string]string, len(q))
		for k, vs := range q {
			qs[k] = strings.Join(vs, ",")
		}
	}
	domain := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		domain = h
	}
	req := lambdaevents.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: qs,
		PathParameters:        params,
		RequestContext: lambdaevents.APIGatewayV2HTTPRequestContext{
			RouteKey:     routeKey,
			AccountID:    localAccount,
			Stage:        localStage,
			RequestID:    newID(),
			APIID:        localAPIID,
			DomainName:   domain,
			DomainPrefix: strings.SplitN(domain, ".", 2)[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: lambdaevents.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  ip,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isTextContent(r.Header.Get("Content-Type")) {
			req.Body = string(body)
		} else {
			req.Body = base64.StdEncoding.EncodeToString(body)
			req.IsBase64Encoded = true
		}
	}
	return req
}

// isTextContent reports whether API Gateway passes a body of this type as
// text (everything else is base64-encoded).
func isTextContent(ct string) bool {
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", mt == "application/xml", mt == "application/javascript",
		mt == "application/x-www-form-urlencoded", mt == "application/problem+json",
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	return false
}

// writeHTTPResponse turns a payload 2.0 response into the HTTP response.
func writeHTTPResponse(w http.ResponseWriter, resp lambdaevents.APIGatewayV2HTTPResponse, reqID string) {
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	h.Set("apigw-requestid", reqID)
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		d, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			h.Del("Content-Type")
			gatewayError(w, http.StatusInternalServerError, "Internal Server Error", "internal")
			return
		}
		body = d
	}
	if h.Get("Content-Type") == "" && len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	if resp.StatusCode != http.StatusNotModified && resp.StatusCode != http.StatusNoContent {
		_, _ = w.Write(body)
	}
}

// serveWeb serves webDir with an SPA fallback to index.html.
func (g *HTTPGateway) serveWeb(w http.ResponseWriter, r *http.Request) {
	if g.webDir == "" {
		g.serveNoWeb(w, r)
		return
	}
	index := filepath.Join(g.webDir, "index.html")
	if _, err := os.Stat(index); err != nil {
		g.serveNoWeb(w, r)
		return
	}
	// The console's Content-Security-Policy, as CloudFront serves it in the
	// cloud (there the WebSocket is the API's wss:// origin; here it is
	// this host's /ws).
	w.Header().Set("Content-Security-Policy", spec.ConsoleCSP("ws://"+r.Host))
	clean := filepath.Clean("/" + r.URL.Path)
	p := filepath.Join(g.webDir, filepath.FromSlash(clean))
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		http.ServeFile(w, r, p)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFile(w, r, index)
}

func (g *HTTPGateway) serveNoWeb(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		gatewayError(w, http.StatusNotFound, "Not Found", "not_found")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "SkyLedger local runtime. The API is under /api/, the WebSocket at /ws.\n"+
		"web/dist is not built (make web-build), so there is no web UI to serve.\n")
}
