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
	"unicode/utf8"

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
	if err := validUTF8(req); err != nil {
		return ErrorResponse(err), nil
	}
	resp, err := fn(ctx, req)
	if err != nil {
		resp = ErrorResponse(err)
		switch {
		case resp.StatusCode == http.StatusServiceUnavailable:
			// expected under load (capacity, min_version): not a fault
			r.Log.WarnContext(ctx, "handler unavailable", "route", req.RouteKey,
				"request_id", req.RequestContext.RequestID, "error", err.Error())
		case resp.StatusCode >= 500:
			r.Log.ErrorContext(ctx, "handler failed", "route", req.RouteKey,
				"request_id", req.RequestContext.RequestID, "error", err.Error())
		}
	}
	return resp, nil
}

// validUTF8 refuses path and query parameters that are not valid UTF-8
// (400 naming the parameter) instead of letting them turn into U+FFFD.
func validUTF8(req Request) error {
	for k, v := range req.PathParameters {
		if !utf8.ValidString(v) {
			return domain.Invalid(k, "not valid UTF-8")
		}
	}
	for k, v := range req.QueryStringParameters {
		if !utf8.ValidString(k) {
			return domain.Invalid("query", "a parameter name is not valid UTF-8")
		}
		if !utf8.ValidString(v) {
			return domain.Invalid(k, "not valid UTF-8")
		}
	}
	return nil
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

// PrincipalAndID reads the principal and the path id name of a request
// that addresses one resource (PrincipalFrom, then PathID).
func PrincipalAndID(req Request, name string) (domain.Principal, string, error) {
	p, err := PrincipalFrom(req)
	if err != nil {
		return p, "", err
	}
	id, err := PathID(req, name)
	return p, id, err
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
// flagged it, and refusing oversize bodies before any copy or decoding
// (413).
func Body(req Request) ([]byte, error) {
	limit := MaxBodyBytes
	if req.IsBase64Encoded {
		limit = base64.StdEncoding.EncodedLen(MaxBodyBytes)
	}
	if len(req.Body) > limit {
		return nil, fmt.Errorf("body exceeds %d bytes: %w", MaxBodyBytes, domain.ErrTooLarge)
	}
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

// ParseIfMatch reads an If-Match value with the strong comparison RFC 9110
// requires: a quoted canonical version (`"3"`). ok is false for a
// malformed value (400). A well-formed tag that cannot equal any version
// (weak `W/"3"`, non-canonical `"03"`) returns version -1: it never
// matches (412).
func ParseIfMatch(v string) (version int64, ok bool) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "W/") {
		v = v[2:]
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' || strings.Contains(v[1:len(v)-1], `"`) {
			return 0, false
		}
		return -1, true
	}
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return 0, false
	}
	inner := v[1 : len(v)-1]
	if strings.Contains(inner, `"`) {
		return 0, false
	}
	n, err := strconv.ParseInt(inner, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != inner {
		return -1, true
	}
	return n, true
}

// ParseETag reads a version from an If-None-Match value (`"3"`, `W/"3"`
// or `3`): If-None-Match compares weakly.
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

// NotFoundMessage is the message of every 404.
const NotFoundMessage = "not found"

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
		// one body for every 404: a missing id, another tenant's id and a
		// missing route cannot be told apart, and no key layout leaks
		status, code, msg = http.StatusNotFound, "not_found", NotFoundMessage
	case errors.Is(err, domain.ErrPreconditionFailed):
		status, code = http.StatusPreconditionFailed, "precondition_failed"
	case errors.Is(err, domain.ErrConflict):
		status, code = http.StatusConflict, "conflict"
	case errors.Is(err, events.ErrVersionConflict), errors.Is(err, events.ErrDuplicate):
		// a store error names streams and record keys: not for the caller
		status, code, msg = http.StatusConflict, "conflict", "the resource was changed concurrently; retry"
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
