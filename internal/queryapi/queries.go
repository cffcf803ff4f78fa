// Package queryapi is the queries function's handler: it serves every route
// the contexts registry (contexts.All) declares with Side domain.SideQuery,
// bound by the context modules. Routes read only the read model (and, for
// last_used_at, the key credential records); every resource is
// authorized with domain.Authorize after it is loaded, so another tenant's
// resources answer 404.
//
// Conventions shared by every route (documented in docs/openapi.yaml):
//   - lists take limit (default 50, max 200) and an opaque, tamper-evident
//     cursor (see Cursor) and answer {"items": [...], "next_cursor": ...};
//   - single resources carry ETag "<version>" and honour If-None-Match (304);
//   - single resources accept min_version and wait up to Deps.MinVersionWait
//     for the projection to reach it, else 503 with Retry-After.
package queryapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// List limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Defaults of Deps.
const (
	DefaultMinVersionWait = 2 * time.Second
	DefaultPollInterval   = 25 * time.Millisecond
)

// Deps are the service's collaborators.
type Deps struct {
	Models readmodel.Store
	// Records gives the API keys list its fresh last_used_at (from the key's
	// credential record); nil serves the read-model value.
	Records events.Records
	// CursorKey signs list cursors (HMAC-SHA256); at least 16 bytes.
	CursorKey []byte
	// PreviousCursorKeys still open cursors (a rotation's grace period).
	PreviousCursorKeys [][]byte
	Log                *slog.Logger
	// MinVersionWait bounds the min_version wait (default 2 s).
	MinVersionWait time.Duration
	// PollInterval is the read-model poll period while waiting (default 25 ms).
	PollInterval time.Duration
	// Modules register the query routes of the context modules on the
	// router (see wire.Modules).
	Modules []func(*Service, *httpapi.Router)
}

// Service serves the query routes. Safe for concurrent use.
type Service struct {
	d      Deps
	cursor Cursor
}

// New returns the service. It panics on a CursorKey shorter than 16 bytes
// (a wiring error: main fails fast).
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.MinVersionWait <= 0 {
		d.MinVersionWait = DefaultMinVersionWait
	}
	if d.PollInterval <= 0 {
		d.PollInterval = DefaultPollInterval
	}
	if len(d.CursorKey) < 16 {
		panic("queries: CursorKey must be at least 16 bytes")
	}
	return &Service{d: d, cursor: Cursor{Key: d.CursorKey, Previous: d.PreviousCursorKeys}}
}

// Router returns the router for every query route: each context's handlers
// bind its declared routes (contexts package); a test checks that every
// declared query route is bound exactly once.
func (s *Service) Router() *httpapi.Router {
	r := httpapi.NewRouter(s.d.Log)
	for _, register := range s.d.Modules {
		register(s, r)
	}
	return r
}

// Deps returns the service's dependencies and settings with their
// defaults applied (modules read the collaborators they need).
func (s *Service) Deps() Deps { return s.d }

// Models is the read-model store the service reads (for context modules).
func (s *Service) Models() readmodel.Store { return s.d.Models }

// SealCursor seals a list cursor's inner position for scope (see Cursor).
func (s *Service) SealCursor(inner, scope string) string { return s.cursor.Seal(inner, scope) }

// ListParams are the parsed list query parameters.
type ListParams struct {
	Limit  int
	Cursor string // the verified adapter cursor ("" for the first page)
}

// ParseList reads limit and cursor; scope names the listing (route and
// partition) the cursor must have been issued for.
func (s *Service) ParseList(req httpapi.Request, scope string) (ListParams, error) {
	p := ListParams{Limit: DefaultLimit}
	if v, ok := req.QueryStringParameters["limit"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return p, domain.Invalid("limit", "must be an integer between 1 and %d", MaxLimit)
		}
		p.Limit = n
	}
	if v, ok := req.QueryStringParameters["cursor"]; ok {
		c, err := s.cursor.Open(v, scope)
		if err != nil {
			return p, err
		}
		p.Cursor = c
	}
	return p, nil
}

// ListBody is the list envelope.
type ListBody struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor *string           `json:"next_cursor"`
}

// ListIndex reads the page of a list route over the gsi1 partition gpk:
// limit and cursor from the request, the cursor bound to scope.
func (s *Service) ListIndex(ctx context.Context, req httpapi.Request, scope, gpk string) (readmodel.Page, error) {
	lp, err := s.ParseList(req, scope)
	if err != nil {
		return readmodel.Page{}, err
	}
	return s.d.Models.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: gpk, Limit: lp.Limit, Cursor: lp.Cursor})
}

// ListResponse renders one page, sealing its next cursor for scope.
func (s *Service) ListResponse(items []json.RawMessage, next, scope string) httpapi.Response {
	b := ListBody{Items: items}
	if b.Items == nil {
		b.Items = []json.RawMessage{}
	}
	if next != "" {
		c := s.cursor.Seal(next, scope)
		b.NextCursor = &c
	}
	return httpapi.JSON(http.StatusOK, b)
}

// Versioned is a loaded single resource.
type Versioned struct {
	Body    json.RawMessage
	Version int64
}

// Single serves one resource: load returns it (ErrNotFound if missing) and
// authorize is called on every loaded version. An authorization failure
// that is ErrNotFound (another tenant's resource) is treated exactly as a
// missing item, min_version wait included, so the two cannot be told
// apart; other authorization errors are returned as they are. It implements
// min_version (bounded wait, then 503) and ETag / If-None-Match (304).
func (s *Service) Single(ctx context.Context, req httpapi.Request,
	load func(context.Context) (Versioned, error), authorize func(Versioned) error) (httpapi.Response, error) {
	minVersion := int64(0)
	if v, ok := req.QueryStringParameters["min_version"]; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return httpapi.Response{}, domain.Invalid("min_version", "must be a positive integer")
		}
		minVersion = n
	}
	deadline := time.Now().Add(s.d.MinVersionWait)
	for {
		r, err := load(ctx)
		if err == nil {
			if aerr := authorize(r); aerr != nil {
				if !errors.Is(aerr, domain.ErrNotFound) {
					return httpapi.Response{}, aerr
				}
				// another tenant's resource is a made-up id in every
				// respect, the min_version wait included
				err = aerr
			}
		}
		switch {
		case err == nil:
			if r.Version >= minVersion {
				return s.respondVersioned(req, r), nil
			}
		case readmodel.IsNotFound(err):
			if minVersion == 0 {
				return httpapi.Response{}, err
			}
		case ctx.Err() != nil:
			return httpapi.Response{}, fmt.Errorf("reading the read model: %v: %w", ctx.Err(), domain.ErrUnavailable)
		default:
			return httpapi.Response{}, err
		}
		// below min_version (or not projected yet): wait for the projector
		if !time.Now().Before(deadline) {
			if err != nil {
				// never reveal whether an unreadable id exists
				return httpapi.Response{}, err
			}
			return httpapi.Response{}, fmt.Errorf("projection at version %d, min_version %d not reached within %s: %w",
				r.Version, minVersion, s.d.MinVersionWait, domain.ErrUnavailable)
		}
		t := time.NewTimer(min(s.d.PollInterval, time.Until(deadline)))
		select {
		case <-ctx.Done():
			t.Stop()
			return httpapi.Response{}, fmt.Errorf("waiting for min_version: %w", domain.ErrUnavailable)
		case <-t.C:
		}
	}
}

func (s *Service) respondVersioned(req httpapi.Request, r Versioned) httpapi.Response {
	if inm := httpapi.Header(req, "If-None-Match"); inm != "" && matches(inm, r.Version) {
		return httpapi.Response{StatusCode: http.StatusNotModified,
			Headers: map[string]string{"ETag": httpapi.ETag(r.Version)}}
	}
	resp := httpapi.Response{StatusCode: http.StatusOK, Body: string(r.Body),
		Headers: map[string]string{"Content-Type": "application/json"}}
	return httpapi.WithETag(resp, r.Version)
}

// matches implements If-None-Match: "*" or any listed tag (weak or strong)
// equal to the version.
func matches(header string, version int64) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		if v, ok := httpapi.ParseETag(t); ok && v == version {
			return true
		}
	}
	return false
}

// QueryID checks an id given as query parameter name: not an id is a 400
// naming the parameter (a filter value, unlike a path, is input to correct).
func QueryID(name, v string) error {
	if !domain.IsID(v) {
		return domain.Invalid(name, "must be an id (a 26-character ULID)")
	}
	return nil
}

// Loader reads the item (pk, sk) as a Versioned resource for Single.
func (s *Service) Loader(pk, sk string) func(context.Context) (Versioned, error) {
	return func(ctx context.Context) (Versioned, error) {
		it, err := s.d.Models.Get(ctx, pk, sk)
		if err != nil {
			return Versioned{}, err
		}
		return Versioned{Body: it.Body, Version: it.SourceVersion}, nil
	}
}
