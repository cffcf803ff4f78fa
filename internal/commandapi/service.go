// Package commandapi is the commands function's handler: it serves every
// route the contexts registry (contexts.All) declares with Side
// domain.SideCommand, bound by the context modules (internal/identityapp,
// internal/pirepapp, ...). A command loads its aggregate's events, lets pure
// domain code decide, and appends the new events together with their inline
// records in one atomic Append.
//
// Adding an aggregate's commands, in its context module:
//
//  1. write a handler `func(ctx context.Context, c *Call) (httpapi.Response, error)`;
//     c carries the principal, the decoded If-Match and the request;
//  2. decode the body with DecodeJSON (strict: unknown fields, wrong types
//     and malformed JSON are 400 naming the field);
//  3. load state with s.Load (events as []events.Envelope, current version),
//     check c.CheckIfMatch(version), decide, and return s.Commit(ctx, c,
//     Mutation{...}); Commit builds envelopes, headers (ETag, X-Stream-Id,
//     X-Stream-Version), idempotency and error mapping;
//  4. declare the route in the context's domain.Context and bind it to the
//     handler in the module's Commands (a Deps.Modules entry); a test checks
//     that every declared command route is bound exactly once.
//
// Version conflicts are retried (up to 3 attempts) when the client sent no
// If-Match; with If-Match they are 412.
package commandapi

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skyledger/skyledger/contexts"
	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/httpapi"
)

// Deps are the commands function's collaborators and settings. The
// modules read the ones they need through Service.Deps (identity's
// sign-in routes use the bootstrap token, WebSocket URL, hasher, expiring
// records and socket closer).
type Deps struct {
	Store events.Store
	Now   func() time.Time // nil: time.Now
	Log   *slog.Logger     // nil: slog.Default()
	// BootstrapToken returns the one-time bootstrap token (env locally,
	// Secrets Manager in AWS). An empty token disables bootstrap.
	BootstrapToken func(context.Context) (string, error)
	// WSURL is the WebSocket URL handed out with tickets.
	WSURL string
	// Hasher hashes passwords; nil means argon2id with auth.DefaultParams.
	Hasher *auth.Hasher
	// Expiring holds state that must expire and never belongs in the event
	// log (login throttling, WebSocket tickets): the DynamoDB Records table
	// (TTL) in AWS, auth.MemoryRecords locally, shared with the authorizer
	// (which takes the tickets). nil: Store.
	Expiring events.Records
	// Sockets closes the WebSocket connections of a key on sign-out
	// (notify.KeySockets); nil: sockets close on their own limits only.
	Sockets interface {
		CloseByKey(ctx context.Context, keyID string) (int, error)
	}
	// PII seals personal data before an append and erases a user's data
	// key (pii.Codec); nil: payloads are stored as decided and erasure
	// answers 503.
	PII PersonalData
	// Upcasters turn stored events into the shape the folds decode
	// (schema upgrades, sealed personal data); nil: none.
	Upcasters *events.Upcasters
	// Modules bind the command routes of context modules (their handlers
	// use Load and Commit).
	Modules []func(*Service) []Route
}

// Service handles commands. Safe for concurrent use.
type Service struct {
	d Deps
}

// New builds a Service. A nil Store is a wiring error and panics at once.
func New(d Deps) *Service {
	if d.Store == nil {
		// A wiring error: fail at start, not on the first request.
		panic("commandapi.New: Deps.Store is required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Hasher == nil {
		d.Hasher = &auth.Hasher{}
	}
	if d.Expiring == nil {
		d.Expiring = d.Store
	}
	return &Service{d: d}
}

// Deps returns the service's dependencies and settings with their
// defaults applied (modules read the settings they need).
func (s *Service) Deps() Deps { return s.d }

// Now is the service clock in UTC.
func (s *Service) Now() time.Time { return s.d.Now().UTC() }

// Route binds a declared command route (its key and whether it needs an
// authenticated principal come from the declaration) to its handler.
type Route struct {
	domain.Route
	Handler func(ctx context.Context, c *Call) (httpapi.Response, error)
	// NoIdempotency: the route ignores Idempotency-Key: it writes no events,
	// or it is idempotent by itself and a retry must run it again.
	NoIdempotency bool
}

// Routes lists every command route this package serves.
func (s *Service) Routes() []Route {
	var out []Route
	for _, m := range s.d.Modules {
		out = append(out, m(s)...)
	}
	return out
}

// Router returns the Lambda router with every route of Routes, each
// wrapped with principal extraction, If-Match / Idempotency-Key handling
// and conflict retries.
func (s *Service) Router() *httpapi.Router {
	r := httpapi.NewRouter(s.d.Log)
	for _, rt := range s.Routes() {
		r.Handle(rt.Key(), s.wrap(rt))
	}
	return r
}

// Call is one request being handled.
type Call struct {
	Req       httpapi.Request
	Principal domain.Principal // zero for unauthenticated routes
	// IfMatch is the version from If-Match (0: absent; -1: a tag that
	// matches no version).
	IfMatch     int64
	Correlation string
	// At is the request's time: every event it appends occurs at At, so a
	// response's updated_at equals the read model's.
	At       time.Time
	idem     *idemKey
	body     []byte
	bodyRead bool
}

// Actor is the principal's user id, or "system".
func (c *Call) Actor() string {
	if c.Principal.UserID != "" {
		return c.Principal.UserID
	}
	return domain.SystemActor
}

// Body returns the raw body (size-checked, base64-decoded).
func (c *Call) Body() ([]byte, error) {
	if !c.bodyRead {
		b, err := httpapi.Body(c.Req)
		if err != nil {
			return nil, err
		}
		c.body, c.bodyRead = b, true
	}
	return c.body, nil
}

// Decode strictly decodes the body into dst (see DecodeJSON).
func (c *Call) Decode(dst any) error {
	b, err := c.Body()
	if err != nil {
		return err
	}
	return DecodeJSON(b, dst)
}

// DecodeEmpty accepts a body that is empty or an empty JSON object; any
// field is refused as Decode refuses an unknown one.
func (c *Call) DecodeEmpty() error {
	b, err := c.Body()
	if err != nil || len(strings.TrimSpace(string(b))) == 0 {
		return err
	}
	var empty struct{}
	return DecodeJSON(b, &empty)
}

// PathID returns the path parameter name (httpapi.PathID).
func (c *Call) PathID(name string) (string, error) { return httpapi.PathID(c.Req, name) }

// CheckIfMatch returns ErrPreconditionFailed when the request carried
// If-Match and current differs.
func (c *Call) CheckIfMatch(current int64) error {
	if c.IfMatch < 0 {
		return fmt.Errorf("If-Match: only a strong tag of the current version matches (ETag %s): %w",
			httpapi.ETag(current), domain.ErrPreconditionFailed)
	}
	if c.IfMatch != 0 && c.IfMatch != current {
		return fmt.Errorf("If-Match %d, current version %d: %w", c.IfMatch, current, domain.ErrPreconditionFailed)
	}
	return nil
}

const maxAttempts = 3

func (s *Service) wrap(rt Route) httpapi.HandlerFunc {
	return func(ctx context.Context, req httpapi.Request) (_ httpapi.Response, err error) {
		ctx = s.d.Upcasters.Scope(ctx) // one request: each user's key read once
		c := &Call{Req: req, Correlation: correlation(req), At: s.Now()}
		defer func() {
			// store errors name the idempotency record (idem#<hash of
			// caller, route and Idempotency-Key>): keep it out of logs
			// and error bodies
			if err != nil && c.idem != nil {
				err = auth.HideHash(err, strings.TrimPrefix(c.idem.recordKey, idemPrefix))
			}
		}()
		if rt.Auth {
			p, err := httpapi.PrincipalFrom(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			c.Principal = p
		}
		if v := httpapi.Header(req, "If-Match"); v != "" {
			n, ok := httpapi.ParseIfMatch(v)
			if !ok {
				return httpapi.Response{}, domain.Invalid("If-Match", "must be a quoted version like \"3\"")
			}
			c.IfMatch = n // -1: a weak or non-canonical tag, which never matches
		}
		if rt.Method == http.MethodPost && !rt.NoIdempotency {
			k, err := s.idempotencyKey(c)
			if err != nil {
				return httpapi.Response{}, err
			}
			c.idem = k
			if k != nil {
				if resp, ok, err := s.replayIfSeen(ctx, c); err != nil || ok {
					return resp, err
				}
			}
		}
		var resp httpapi.Response
		for attempt := 1; attempt <= maxAttempts; attempt++ {
			resp, err = rt.Handler(ctx, c)
			if err == nil || !errors.Is(err, events.ErrVersionConflict) || c.IfMatch != 0 {
				break
			}
		}
		var replay *events.ReplayError
		if errors.As(err, &replay) {
			return s.replay(c, replay.Record)
		}
		if err != nil && c.IfMatch != 0 && errors.Is(err, events.ErrVersionConflict) {
			err = fmt.Errorf("%w: %w", domain.ErrPreconditionFailed, err)
		}
		return resp, err
	}
}

func correlation(req httpapi.Request) string {
	if v := httpapi.Header(req, "X-Correlation-Id"); v != "" && len(v) <= 128 {
		return v
	}
	if req.RequestContext.RequestID != "" {
		return req.RequestContext.RequestID
	}
	return auth.NewID()
}

// Load returns a stream's events and its current version (0 and no error
// for a stream that does not exist).
func (s *Service) Load(ctx context.Context, streamID string) ([]events.Envelope, int64, error) {
	evs, err := events.LoadAll(ctx, s.d.Store, streamID)
	if errors.Is(err, events.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load %s: %w", streamID, err)
	}
	if len(evs) == 0 {
		return nil, 0, nil
	}
	for i := range evs {
		if evs[i], err = s.d.Upcasters.Apply(ctx, evs[i]); err != nil {
			return nil, 0, fmt.Errorf("load %s: %w", streamID, err)
		}
	}
	return evs, evs[len(evs)-1].Version, nil
}

// NewEvent is a decided event to append.
type NewEvent struct {
	Type   string
	Schema int // 0 means 1
	Data   any
}

// Mutation is one append a command decided, and the response to give.
type Mutation struct {
	StreamID string
	TenantID string
	Expected int64 // the version the decision was made on (events.ExpectNew for a new stream)
	Events   []NewEvent
	Records  []events.RecordOp
	Status   int                     // 200, 201 or 204
	Body     func(version int64) any // the resource at the new version; nil with 204
	// ExtraHeaders are added to the response.
	ExtraHeaders map[string]string
	// NoIdempotency: do not store the idempotency record with this append
	// (intermediate appends of a multi-stream command).
	NoIdempotency bool
}

// Commit appends m's events and records atomically and returns the
// response: m.Body at the new version, with ETag, X-Stream-Id and
// X-Stream-Version. Without events nothing is written and the response
// names the current version. With an Idempotency-Key the sealed response is
// stored in the same append, so a retry gets it back.
func (s *Service) Commit(ctx context.Context, c *Call, m Mutation) (httpapi.Response, error) {
	version := m.Expected + int64(len(m.Events))
	resp := s.response(m, version)
	if len(m.Events) == 0 {
		return resp, nil
	}
	if !contexts.OwnsStream(m.StreamID) {
		return httpapi.Response{}, fmt.Errorf("stream %q belongs to no registered context", m.StreamID)
	}
	now := c.At
	if now.IsZero() {
		now = s.Now()
	}
	req := events.AppendRequest{StreamID: m.StreamID, ExpectedVersion: m.Expected, Records: m.Records}
	for i, e := range m.Events {
		data, err := json.Marshal(e.Data)
		if err != nil {
			return httpapi.Response{}, fmt.Errorf("encode %s: %w", e.Type, err)
		}
		schema := e.Schema
		if schema == 0 {
			schema = 1
		}
		env := events.Envelope{
			EventID: auth.NewID(), StreamID: m.StreamID, Version: m.Expected + int64(i) + 1, Type: e.Type,
			Schema: schema, TenantID: m.TenantID, OccurredAt: now, Actor: c.Actor(),
			CorrelationID: c.Correlation, CausationID: c.Correlation, Data: data,
		}
		if s.d.PII != nil {
			if env, err = s.d.PII.Seal(ctx, env); err != nil {
				return httpapi.Response{}, err
			}
		}
		req.Events = append(req.Events, env)
	}
	if c.idem != nil && !m.NoIdempotency {
		op, err := s.idempotencyRecord(c, resp)
		if err != nil {
			return httpapi.Response{}, err
		}
		req.Records = append(req.Records, op)
	}
	if _, err := s.d.Store.Append(ctx, req); err != nil {
		return httpapi.Response{}, fmt.Errorf("append %s: %w", m.StreamID, err)
	}
	return resp, nil
}

func (s *Service) response(m Mutation, version int64) httpapi.Response {
	var resp httpapi.Response
	if m.Body == nil || m.Status == http.StatusNoContent {
		resp = httpapi.Response{StatusCode: http.StatusNoContent, Headers: map[string]string{}}
	} else {
		resp = httpapi.JSON(m.Status, m.Body(version))
	}
	resp = httpapi.WithETag(resp, version)
	resp.Headers["X-Stream-Id"] = m.StreamID
	resp.Headers["X-Stream-Version"] = strconv.FormatInt(version, 10)
	for k, v := range m.ExtraHeaders {
		resp.Headers[k] = v
	}
	return resp
}

// EqualConst compares two strings in constant time (length leaks only).
func EqualConst(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
