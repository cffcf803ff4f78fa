// Package authz holds the API Gateway Lambda authorizers: the HTTP API
// authorizer (simple responses) and the WebSocket $connect authorizer
// (ticket or Bearer key). Both resolve credentials with internal/auth, so a
// revoked key, a deactivated user or a role change applies on the very next
// request (the HTTP API's authorizer result cache is off, see
// spec.AuthorizerCacheTTL).
package authz

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
)

// Deps are the authorizer's dependencies.
type Deps struct {
	Records events.Records
	// Tickets holds WebSocket tickets, where the commands function issues
	// them (Deps.Expiring there); nil: Records.
	Tickets events.Records
	Now     func() time.Time // nil: time.Now
	Log     *slog.Logger     // nil: slog.Default()
	// OriginSecrets, when set, are the values of the origin header
	// (OriginHeader) the HTTP authorizer accepts: CloudFront sends the
	// current one; the previous one stays valid through a rotation. A
	// request without a match is refused (403) before any credential check.
	OriginSecrets []string
	// OriginHeader is the header carrying the origin secret
	// (spec.OriginVerifyHeader).
	OriginHeader string
	// PublicRoutes are the route keys without authentication ("POST
	// /api/auth/login"): with OriginSecrets set, the authorizer guards them
	// too, checking the origin header only.
	PublicRoutes map[string]bool
}

// Handler serves both authorizers. Safe for concurrent use.
type Handler struct {
	auth *auth.Authenticator
	d    Deps
}

// New builds a Handler.
func New(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Handler{auth: &auth.Authenticator{Records: d.Records, Tickets: d.Tickets, Now: d.Now}, d: d}
}

// ErrUnauthorized is the error a REQUEST authorizer returns to make API
// Gateway answer 401 (the literal message "Unauthorized" is the contract).
var ErrUnauthorized = errors.New("Unauthorized")

// Context returns the authorizer context for p (string values, the keys of
// domain.Ctx*), as API Gateway passes it to the integration.
func Context(p domain.Principal) map[string]interface{} {
	c := map[string]interface{}{
		domain.CtxUserID:   p.UserID,
		domain.CtxTenantID: p.TenantID,
		domain.CtxRole:     string(p.Role),
		domain.CtxKeyID:    p.KeyID,
	}
	if p.TenantSuspended {
		// The HTTP authorizer lets the request through so that the
		// handler answers 403 tenant_suspended (a denial would be API
		// Gateway's bare 403).
		c[domain.CtxTenantSuspended] = "true"
	}
	return c
}

// HTTP is the HTTP API authorizer (payload 2.0, simple responses). Invalid,
// expired or revoked credentials return ErrUnauthorized, which API Gateway
// answers with 401 (IsAuthorized=false would be a 403;
// a missing Authorization header never reaches the function and is 401). A
// store failure returns an error (API Gateway answers 500) so that an
// outage is not mistaken for bad credentials.
func (h *Handler) HTTP(ctx context.Context, req lambdaevents.APIGatewayV2CustomAuthorizerV2Request) (lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	if len(h.d.OriginSecrets) > 0 {
		if !h.fromOrigin(header(req.Headers, h.d.OriginHeader)) {
			h.d.Log.WarnContext(ctx, "http authorizer: request did not come through the edge", "route", req.RouteKey,
				"request_id", req.RequestContext.RequestID)
			return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
		}
		if h.d.PublicRoutes[req.RouteKey] {
			return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true}, nil
		}
	}
	bearer := header(req.Headers, "authorization")
	if bearer == "" && len(req.IdentitySource) > 0 {
		bearer = req.IdentitySource[0]
	}
	p, err := h.auth.Authenticate(ctx, bearer)
	if err != nil {
		if errors.Is(err, domain.ErrUnauthenticated) {
			h.d.Log.InfoContext(ctx, "http authorizer: denied", "route", req.RouteKey, "request_id", req.RequestContext.RequestID)
			return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, ErrUnauthorized
		}
		h.d.Log.ErrorContext(ctx, "http authorizer: store failure", "route", req.RouteKey, "error", err.Error())
		return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
	}
	return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: Context(p)}, nil
}

// WebSocket is the $connect REQUEST authorizer. Credentials: the query
// parameter `ticket` (one-time, consumed here) or `Authorization: Bearer
// sk_...`. Missing or invalid credentials return ErrUnauthorized (API
// Gateway answers 401). An authenticated principal gets an Allow policy on
// the method ARN with PrincipalID = user id and the Ctx* context.
func (h *Handler) WebSocket(ctx context.Context, req lambdaevents.APIGatewayCustomAuthorizerRequestTypeRequest) (lambdaevents.APIGatewayCustomAuthorizerResponse, error) {
	var (
		p   domain.Principal
		err error
	)
	if t := req.QueryStringParameters["ticket"]; t != "" {
		p, err = h.auth.ConsumeTicket(ctx, t)
	} else if b := header(req.Headers, "authorization"); b != "" {
		p, err = h.auth.Authenticate(ctx, b)
	} else {
		err = domain.ErrUnauthenticated
	}
	if err != nil {
		if errors.Is(err, domain.ErrUnauthenticated) {
			h.d.Log.InfoContext(ctx, "ws authorizer: denied", "request_id", req.RequestContext.RequestID)
			return lambdaevents.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
		}
		h.d.Log.ErrorContext(ctx, "ws authorizer: store failure", "error", err.Error())
		return lambdaevents.APIGatewayCustomAuthorizerResponse{}, err
	}
	if p.TenantSuspended {
		h.d.Log.InfoContext(ctx, "ws authorizer: tenant suspended", "request_id", req.RequestContext.RequestID)
		return lambdaevents.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
	return lambdaevents.APIGatewayCustomAuthorizerResponse{
		PrincipalID:    p.UserID,
		PolicyDocument: Policy("Allow", req.MethodArn),
		Context:        Context(p),
	}, nil
}

// fromOrigin compares the origin header with each accepted secret in
// constant time.
func (h *Handler) fromOrigin(v string) bool {
	ok := 0
	for _, s := range h.d.OriginSecrets {
		ok |= subtle.ConstantTimeCompare([]byte(v), []byte(s))
	}
	return ok == 1 && v != ""
}

// Policy is a one-statement execute-api:Invoke policy.
func Policy(effect, resource string) lambdaevents.APIGatewayCustomAuthorizerPolicy {
	return lambdaevents.APIGatewayCustomAuthorizerPolicy{
		Version: "2012-10-17",
		Statement: []lambdaevents.IAMPolicyStatement{{
			Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{resource},
		}},
	}
}

func header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
