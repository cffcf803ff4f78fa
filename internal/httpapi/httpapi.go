// Package httpapi is the HTTP plumbing shared by the commands and queries
// functions: route dispatch on API Gateway's route key, the authorizer's
// principal, JSON bodies, and the one place where errors become HTTP
// statuses and the error body of docs/openapi.yaml.
package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
)

// Request and Response are API Gateway HTTP API (payload 2.0) types.
type (
	Request  = lambdaevents.APIGatewayV2HTTPRequest
	Response = lambdaevents.APIGatewayV2HTTPResponse
)

// HandlerFunc handles one route.
type HandlerFunc func(ctx context.Context, req Request) (Response, error)

// Router dispatches on req.RouteKey ("POST /api/tenants/{id}/users"), which
// API Gateway (and the local runtime) set from the route declaration.
type Router struct {
	routes map[string]HandlerFunc
	Log    *slog.Logger
}

// NewRouter returns an empty router.
func NewRouter(log *slog.Logger) *Router {
	if log == nil {
		log = slog.Default()
	}
	return &Router{routes: map[string]HandlerFunc{}, Log: log}
}

// Handle registers fn for a route key.
func (r *Router) Handle(routeKey string, fn HandlerFunc) { r.routes[routeKey] = fn }

// RouteKeys lists the registered route keys (for tests against spec.Routes).
func (r *Router) RouteKeys() []string {
	out := make([]string, 0, len(r.routes))
	for k := range r.routes {
		out = append(out, k)
	}
	return out
}

// Invoke is the Lambda handler. Handler errors become error responses; it
// never returns a non-nil error (that would be a 500 without a body).
func (r *Router) Invoke(ctx context.Context, req Request) (Response, error) {
	fn, ok := r.routes[req.RouteKey]
	if !ok {
		return ErrorResponse(fmt.Errorf("route %q: %w", req.RouteKey, domain.ErrNotFound)), nil
	}
	resp, err := fn(ctx, req)
	if err != nil {
		resp = ErrorResponse(err)
		if resp.StatusCode >= 500 {
			r.Log.ErrorContext(ctx, "handler failed", "route", req.RouteKey,
				"request_id", req.RequestContext.RequestID, "error", err.Error())
		}
	}
	return resp, nil
}

// PathID returns the path parameter name. Ids are domain.IsID-shaped; a
// string of another shape names nothing that can exist, so it is
// ErrNotFound (404) like an unknown id, never a hint about the id format.
func PathID(req Request, name string) (string, error) {
	id := req.PathParameters[name]
	if !domain.IsID(id) {
		return "", fmt.Errorf("%s: %w", name, domain.ErrNotFound)
	}
	return id, nil
}

// PrincipalFrom reads the principal that the authorizer put in the request
// context. A route without one is a wiring error: 401.
func PrincipalFrom(req Request) (domain.Principal, error) {
	var p domain.Principal
	if req.RequestContext.Authorizer == nil || req.RequestContext.Authorizer.Lambda == nil {
		return p, fmt.Errorf("no authorizer context: %w", domain.ErrUnauthenticated)
	}
	m := req.RequestContext.Authorizer.Lambda
	get := func(k string) string { s, _ := m[k].(string); return s }
	p = domain.Principal{UserID: get(domain.CtxUserID), TenantID: get(domain.CtxTenantID),
		Role: domain.Role(get(domain.CtxRole)), KeyID: get(domain.CtxKeyID)}
	if p.UserID == "" || !p.Role.Valid() {
		return domain.Principal{}, fmt.Errorf("incomplete authorizer context: %w", domain.ErrUnauthenticated)
	}
	if get(domain.CtxTenantSuspended) == "true" {
		return domain.Principal{}, domain.ErrTenantSuspended
	}
	return p, nil
}

// MaxBodyBytes is the largest request body accepted (413 above).
const MaxBodyBytes = 64 * 1024

// Body returns the raw request body, decoding base64 when API Gateway
// flagged it, and refusing oversize bodies.
func Body(req Request) ([]byte, error) {
	b := []byte(req.Body)
	if req.IsBase64Encoded {
		d, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return nil, &domain.FieldError{Field: "body", Message: "invalid base64 body"}
		}
		b = d
	}
	if len(b) > MaxBodyBytes {
		return nil, fmt.Errorf("body of %d bytes exceeds %d: %w", len(b), MaxBodyBytes, domain.ErrTooLarge)
	}
	return b, nil
}

// Header returns a header case-insensitively (API Gateway lower-cases them
// in payload 2.0, but tests and other clients may not).
func Header(req Request, name string) string {
	if v, ok := req.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// JSON builds a JSON response.
func JSON(status int, v any) Response {
	b, err := json.Marshal(v)
	if err != nil {
		return ErrorResponse(fmt.Errorf("encode response: %w", err))
	}
	return Response{StatusCode: status, Body: string(b),
		Headers: map[string]string{"Content-Type": "application/json"}}
}

// WithETag sets the ETag header to the quoted version.
func WithETag(r Response, version int64) Response {
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	r.Headers["ETag"] = ETag(version)
	return r
}

// ETag formats a version as a strong entity tag.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ParseETag reads a version from an If-Match / If-None-Match value
// (`"3"`, `W/"3"` or `3`).
func ParseETag(v string) (int64, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
	v = strings.Trim(v, `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n > 0
}

// ErrorBody is the error envelope (the Error schema of docs/openapi.yaml).
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// CodeStorageFull is the error code of a write refused because the event
// store has no space (events.ErrStorageFull): 503 with
// StorageFullRetryAfterSeconds in Retry-After.
const (
	CodeStorageFull              = "storage_full"
	StorageFullRetryAfterSeconds = 5
)

// missingResource reports whether err is an AWS API error saying a resource
// (a DynamoDB table) does not exist. It matches smithy's APIError by
// behaviour, so this package links no AWS SDK.
func missingResource(err error) bool {
	var api interface{ ErrorCode() string }
	return errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException"
}

// ErrorResponse maps any error to a status and the error body. This is the
// only place where domain and store errors become HTTP statuses.
func ErrorResponse(err error) Response {
	status, code := http.StatusInternalServerError, "internal"
	details := map[string]any{}
	msg := err.Error()
	var fe *domain.FieldError
	var rl *domain.RateLimitError
	switch {
	case errors.As(err, &fe):
		status, code, msg = http.StatusBadRequest, "validation", fe.Error()
		details["field"] = fe.Field
	case errors.Is(err, domain.ErrValidation):
		status, code = http.StatusBadRequest, "validation"
	case errors.Is(err, domain.ErrUnauthenticated):
		status, code, msg = http.StatusUnauthorized, "unauthenticated", "missing or invalid credentials"
	case errors.Is(err, domain.ErrTenantSuspended):
		status, code, msg = http.StatusForbidden, "tenant_suspended", "your tenant is suspended; contact the platform operator"
	case errors.Is(err, domain.ErrForbidden):
		status, code = http.StatusForbidden, "forbidden"
	case errors.Is(err, domain.ErrNotFound), errors.Is(err, events.ErrNotFound):
		status, code = http.StatusNotFound, "not_found"
	case errors.Is(err, domain.ErrPreconditionFailed):
		status, code = http.StatusPreconditionFailed, "precondition_failed"
	case errors.Is(err, domain.ErrConflict), errors.Is(err, events.ErrVersionConflict), errors.Is(err, events.ErrDuplicate):
		status, code = http.StatusConflict, "conflict"
	case errors.Is(err, domain.ErrTooLarge), errors.Is(err, events.ErrTooLarge):
		status, code = http.StatusRequestEntityTooLarge, "too_large"
	case errors.As(err, &rl):
		status, code = http.StatusTooManyRequests, "rate_limited"
		details["retry_after_seconds"] = rl.RetryAfterSeconds
	case errors.Is(err, domain.ErrRateLimited):
		status, code = http.StatusTooManyRequests, "rate_limited"
	case errors.Is(err, domain.ErrUnavailable):
		status, code = http.StatusServiceUnavailable, "unavailable"
	case errors.Is(err, events.ErrStorageFull):
		// The write was not committed; reads still work and the store
		// retries on the next write, so this is temporary for the client.
		status, code, msg = http.StatusServiceUnavailable, CodeStorageFull,
			"storage full: the server cannot record changes right now (reads still work); retry later"
	case missingResource(err):
		status, code = http.StatusServiceUnavailable, "unavailable"
		msg = "a table is missing at the configured AWS endpoint (did an emulator restart with empty state?); " +
			"the local runtime creates the tables of a local endpoint again within seconds: retry"
	}
	if status == http.StatusInternalServerError {
		msg = "internal error" // never leak internals
	}
	body := ErrorBody{Error: ErrorDetail{Code: code, Message: msg}}
	if len(details) > 0 {
		body.Error.Details = details
	}
	b, _ := json.Marshal(body)
	resp := Response{StatusCode: status, Body: string(b), Headers: map[string]string{"Content-Type": "application/json"}}
	if rl != nil && rl.RetryAfterSeconds > 0 {
		resp.Headers["Retry-After"] = strconv.Itoa(rl.RetryAfterSeconds)
	}
	if status == http.StatusServiceUnavailable {
		resp.Headers["Retry-After"] = "1"
		if code == CodeStorageFull {
			resp.Headers["Retry-After"] = strconv.Itoa(StorageFullRetryAfterSeconds)
		}
	}
	return resp
}
