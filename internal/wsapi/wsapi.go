// Package wsapi holds the WebSocket API's handlers: $connect (records the
// connection of the principal the $connect authorizer resolved and
// subscribes it to its automatic channels), $disconnect (removes it and its
// subscriptions) and $default/subscribe/unsubscribe/ping (control messages,
// answered through the API Gateway Management API, as on AWS).
package wsapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/metrics"
	"github.com/skyledger/skyledger/internal/notify"
)

// Request and Response are the WebSocket API's Lambda proxy types.
type (
	Request  = lambdaevents.APIGatewayWebsocketProxyRequest
	Response = lambdaevents.APIGatewayProxyResponse
)

// Deps are the handlers' collaborators.
type Deps struct {
	Store   connections.Store
	Client  notify.Client // replies (PostToConnection); may be nil for $connect/$disconnect
	Now     func() time.Time
	Log     *slog.Logger
	Metrics *metrics.Recorder
	// TenantExists reports whether a tenant exists (the read model:
	// identityapp.TenantExists); a subscription to another tenant's channel
	// (platform_admin) is refused with not_found when it does not. nil: not
	// checked.
	TenantExists func(ctx context.Context, tenantID string) (bool, error)
}

// Handler serves the three WebSocket functions.
type Handler struct{ d Deps }

// New returns a Handler, filling defaults.
func New(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Handler{d: d}
}

func status(code int) Response { return Response{StatusCode: code, Body: http.StatusText(code)} }

// PrincipalFrom reads the principal from the $connect authorizer's context
// as API Gateway passes it (requestContext.authorizer: a map with the
// domain.Ctx* keys and principalId). Missing or incomplete: ErrUnauthenticated.
func PrincipalFrom(req Request) (domain.Principal, error) {
	get := func(string) string { return "" }
	switch m := req.RequestContext.Authorizer.(type) {
	case map[string]interface{}:
		get = func(k string) string {
			switch v := m[k].(type) {
			case string:
				return v
			case nil:
				return ""
			default:
				return fmt.Sprint(v)
			}
		}
	case map[string]string:
		get = func(k string) string { return m[k] }
	}
	p := domain.Principal{UserID: get(domain.CtxUserID), TenantID: get(domain.CtxTenantID),
		Role: domain.Role(get(domain.CtxRole)), KeyID: get(domain.CtxKeyID)}
	if !domain.IsID(p.UserID) || !p.Role.Valid() || (p.TenantID != "" && !domain.IsID(p.TenantID)) {
		return domain.Principal{}, fmt.Errorf("incomplete authorizer context: %w", domain.ErrUnauthenticated)
	}
	return p, nil
}

func (h *Handler) logger(req Request) *slog.Logger {
	return h.d.Log.With("connection_id", req.RequestContext.ConnectionID,
		"request_id", req.RequestContext.RequestID, "route", req.RequestContext.RouteKey)
}

// Connect is the $connect integration: it runs after the authorizer
// allowed the handshake. It records the connection and subscribes the
// automatic channels (user:{id}:updates, user:{id}:apikeys,
// tenant:{id}:updates). 401 without an authorizer principal, 500 on a store
// failure (API Gateway then refuses the handshake). Idempotent per
// connection id.
func (h *Handler) Connect(ctx context.Context, req Request) (Response, error) {
	log := h.logger(req)
	p, err := PrincipalFrom(req)
	if err != nil {
		log.WarnContext(ctx, "connect refused: no principal from the authorizer")
		return status(http.StatusUnauthorized), nil
	}
	id := req.RequestContext.ConnectionID
	if id == "" {
		log.ErrorContext(ctx, "connect without a connection id")
		return status(http.StatusBadRequest), nil
	}
	if err := h.d.Store.Put(ctx, connections.New(id, p, h.d.Now())); err != nil {
		log.ErrorContext(ctx, "connect: store failure", "error", err.Error())
		return status(http.StatusInternalServerError), nil
	}
	auto := connections.Automatic(p)
	for _, ch := range auto {
		if _, err := h.d.Store.Subscribe(ctx, id, ch); err != nil {
			log.ErrorContext(ctx, "connect: subscribe failure", "channel", ch, "error", err.Error())
			_ = h.d.Store.Delete(ctx, id)
			return status(http.StatusInternalServerError), nil
		}
	}
	h.d.Metrics.Emit(nil, metrics.C(metrics.ConnectionsOpened, 1), metrics.C(metrics.Subscriptions, len(auto)))
	log.InfoContext(ctx, "connected", "user_id", p.UserID, "tenant_id", p.TenantID, "role", string(p.Role), "key_id", p.KeyID)
	return status(http.StatusOK), nil
}

// Disconnect is the $disconnect integration: it removes the connection and
// all its subscriptions. Idempotent; API Gateway ignores its response.
func (h *Handler) Disconnect(ctx context.Context, req Request) (Response, error) {
	log := h.logger(req)
	if err := h.d.Store.Delete(ctx, req.RequestContext.ConnectionID); err != nil {
		log.ErrorContext(ctx, "disconnect: store failure", "error", err.Error())
		return status(http.StatusInternalServerError), nil
	}
	h.d.Metrics.Emit(nil, metrics.C(metrics.ConnectionsClosed, 1))
	reason := ""
	if r := req.RequestContext.DisconnectReason; r != nil {
		reason = *r
	}
	log.InfoContext(ctx, "disconnected", "reason", reason, "status", req.RequestContext.DisconnectStatusCode)
	return status(http.StatusOK), nil
}

// Default handles every client message (routes subscribe, unsubscribe,
// ping and $default). Each message first counts against the connection's
// rate limit (10 per 10 s, atomic in the store); beyond it the message is
// answered with a rate_limited error frame and not acted on. Replies and
// error frames go through PostToConnection. It never fails the invocation
// for a bad frame.
func (h *Handler) Default(ctx context.Context, req Request) (Response, error) {
	log := h.logger(req)
	id := req.RequestContext.ConnectionID
	now := h.d.Now()
	dec, err := h.d.Store.Allow(ctx, id, now)
	if err != nil {
		log.ErrorContext(ctx, "rate counter failure", "error", err.Error())
		h.reply(ctx, log, id, errFrame(CodeInternal, "", "temporarily unavailable; retry"))
		return status(http.StatusOK), nil
	}
	if !dec.Allowed {
		h.d.Metrics.Emit(nil, metrics.C(metrics.RateLimited, 1))
		f := errFrame(CodeRateLimited, "", "more than %d control messages in %s; not acted on", connections.RateLimit, connections.RateWindow)
		f.RetryAfterMS = max(1, dec.RetryAfter.Milliseconds())
		h.reply(ctx, log, id, f)
		return status(http.StatusOK), nil
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			h.reply(ctx, log, id, errFrame(CodeMalformed, "", "frame must be a JSON object"))
			return status(http.StatusOK), nil
		}
		body = b
	}
	c, ef := DecodeControl(body)
	if ef != nil {
		log.InfoContext(ctx, "bad control frame", "code", ef.Code)
		h.reply(ctx, log, id, ef)
		return status(http.StatusOK), nil
	}
	var out any
	switch c.Action {
	case ActionPing:
		out = Pong{Type: "pong", ID: c.ID}
	case ActionSubscribe:
		out = h.subscribe(ctx, log, id, c)
	case ActionUnsubscribe:
		out = h.unsubscribe(ctx, log, id, c)
	}
	h.reply(ctx, log, id, out)
	return status(http.StatusOK), nil
}

func storeErr(log *slog.Logger, ctx context.Context, c Control, err error) *ErrorFrame {
	if errors.Is(err, connections.ErrNotFound) {
		return errFrame(CodeUnknownConnection, c.ID, "connection is closed")
	}
	log.ErrorContext(ctx, "control: store failure", "action", c.Action, "error", err.Error())
	return errFrame(CodeInternal, c.ID, "temporarily unavailable; retry")
}

func (h *Handler) subscribe(ctx context.Context, log *slog.Logger, id string, c Control) any {
	conn, err := h.d.Store.Get(ctx, id)
	if err != nil {
		return storeErr(log, ctx, c, err)
	}
	p := conn.Principal()
	ack := SubscribeAck{Type: "ack", Action: ActionSubscribe, ID: c.ID, Accepted: []string{}, Rejected: []Rejection{}}
	added := 0
	for _, ch := range c.Channels {
		pc, reason := connections.Check(p, ch)
		if reason != "" {
			ack.Rejected = append(ack.Rejected, Rejection{Channel: truncate(ch, connections.MaxChannelLen), Reason: reason})
			continue
		}
		if h.d.TenantExists != nil && pc.Kind.Scope == domain.ChannelTenant && pc.ID != p.TenantID {
			ok, err := h.d.TenantExists(ctx, pc.ID)
			if err != nil {
				return storeErr(log, ctx, c, err)
			}
			if !ok {
				ack.Rejected = append(ack.Rejected, Rejection{Channel: ch, Reason: connections.ReasonNotFound})
				continue
			}
		}
		ok, err := h.d.Store.Subscribe(ctx, id, ch)
		switch {
		case errors.Is(err, connections.ErrLimit):
			ack.Rejected = append(ack.Rejected, Rejection{Channel: ch, Reason: connections.ReasonLimit})
		case err != nil:
			return storeErr(log, ctx, c, err)
		default:
			if ok {
				added++
			}
			ack.Accepted = append(ack.Accepted, ch)
		}
	}
	h.d.Metrics.Emit(nil, metrics.C(metrics.Subscriptions, added))
	return ack
}

func (h *Handler) unsubscribe(ctx context.Context, log *slog.Logger, id string, c Control) any {
	ack := UnsubscribeAck{Type: "ack", Action: ActionUnsubscribe, ID: c.ID, Removed: []string{}, Missing: []string{}}
	for _, ch := range c.Channels {
		if _, ok := connections.ParseChannel(ch); !ok {
			ack.Missing = append(ack.Missing, truncate(ch, connections.MaxChannelLen))
			continue
		}
		ok, err := h.d.Store.Unsubscribe(ctx, id, ch)
		if err != nil {
			return storeErr(log, ctx, c, err)
		}
		if ok {
			ack.Removed = append(ack.Removed, ch)
		} else {
			ack.Missing = append(ack.Missing, ch)
		}
	}
	h.d.Metrics.Emit(nil, metrics.C(metrics.Unsubscriptions, len(ack.Removed)))
	return ack
}

// reply posts one frame to the connection; a gone connection is removed.
func (h *Handler) reply(ctx context.Context, log *slog.Logger, id string, v any) {
	if h.d.Client == nil {
		log.ErrorContext(ctx, "no management API client: reply dropped")
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		log.ErrorContext(ctx, "encode reply", "error", err.Error())
		return
	}
	_, err = h.d.Client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: b})
	switch notify.Classify(err) {
	case notify.Sent:
		h.d.Metrics.Emit(nil, metrics.C(metrics.FramesSent, 1))
	case notify.Gone:
		h.d.Metrics.Emit(nil, metrics.C(metrics.Gone, 1))
		if err := h.d.Store.Delete(ctx, id); err != nil {
			log.WarnContext(ctx, "delete gone connection", "error", err.Error())
		}
	default:
		log.WarnContext(ctx, "reply failed", "error", err.Error())
	}
}
