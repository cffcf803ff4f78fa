package auditapp

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/skyledger/skyledger/contexts"
	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/identityapp"
	"github.com/skyledger/skyledger/internal/queryapi"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// MaxExport bounds an unpaginated export (?format=csv|ndjson). A larger
// selection is cut at MaxExport entries (newest first) and the response
// carries X-Export-Truncated: true; narrow it with from/to.
const MaxExport = 5000

// Filtered listing: the read model is read in pages of scanPage entries,
// and one request examines at most maxScan of them; a page may then hold
// fewer items than asked, with a cursor to continue.
const (
	scanPage = 200
	maxScan  = 2000
)

// Queries binds GET /api/audit (contexts.RouteListAudit) on the queries router.
func Queries(s *queryapi.Service, r *httpapi.Router) {
	h := &handler{s: s}
	r.Handle(contexts.RouteListAudit.Key(), h.list)
}

type handler struct{ s *queryapi.Service }

// filter is the parsed selection of GET /api/audit.
type filter struct {
	tenant, stream, actor string
	types                 []string
	from, to              *time.Time
	format                string
}

func (f filter) scope() string {
	return strings.Join([]string{"audit", f.tenant, f.stream, f.actor, strings.Join(f.types, ","),
		fmtTime(f.from), fmtTime(f.to)}, "|")
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (f filter) match(e Entry) bool {
	switch {
	case f.actor != "" && e.Actor.ID != f.actor:
		return false
	case len(f.types) > 0 && !slices.Contains(f.types, e.Type):
		return false
	case f.from != nil && e.OccurredAt.Before(*f.from):
		return false
	case f.to != nil && e.OccurredAt.After(*f.to):
		return false
	}
	return true
}

func parseFilter(p domain.Principal, req httpapi.Request) (filter, error) {
	q := req.QueryStringParameters
	f := filter{tenant: p.TenantID, format: "json"}
	if v, ok := q["tenant_id"]; ok {
		if err := queryapi.QueryID("tenant_id", v); err != nil {
			return f, err
		}
		f.tenant = v
	}
	if v, ok := q["stream_id"]; ok {
		// The stream of an aggregate that can exist: a declared prefix and
		// an id SkyLedger issues.
		if _, id, owned := contexts.SplitStream(v); !owned || !domain.IsID(id) {
			return f, domain.Invalid("stream_id", "must be a stream id like user-<id>")
		}
		f.stream = v
	}
	if v, ok := q["actor"]; ok {
		if v != domain.SystemActor && !domain.IsID(v) {
			return f, domain.Invalid("actor", "must be a user id or \"system\"")
		}
		f.actor = v
	}
	if v, ok := q["type"]; ok {
		for _, t := range strings.Split(v, ",") {
			if t == "" || len(t) > 64 || !strings.Contains(t, ".") {
				return f, domain.Invalid("type", "must be event types like user.created (repeatable)")
			}
			f.types = append(f.types, t)
		}
	}
	for _, b := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.from}, {"to", &f.to}} {
		if v, ok := q[b.name]; ok {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return f, domain.Invalid(b.name, "must be an RFC 3339 time")
			}
			*b.dst = &t
		}
	}
	if f.from != nil && f.to != nil && f.from.After(*f.to) {
		return f, domain.Invalid("from", "must not be after to")
	}
	if v, ok := q["format"]; ok {
		if v != "json" && v != "csv" && v != "ndjson" {
			return f, domain.Invalid("format", "must be json, csv or ndjson")
		}
		f.format = v
	}
	return f, nil
}

// list serves GET /api/audit: newest first. Who: platform_admin any tenant,
// tenant_admin its own (another tenant is 404), pilot and viewer 403.
func (h *handler) list(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	p, err := httpapi.PrincipalFrom(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	f, err := parseFilter(p, req)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := domain.Authorize(p, domain.ActAuditRead, domain.Resource{TenantID: f.tenant}); err != nil {
		return httpapi.Response{}, err
	}
	if _, err := h.s.Models().Get(ctx, identityapp.TenantPK(f.tenant), identityapp.SKTenant); err != nil {
		return httpapi.Response{}, fmt.Errorf("tenant_id: %w", err)
	}
	q := readmodel.Query{PK: PK(f.tenant), Desc: true, Limit: scanPage}
	if f.stream != "" {
		q = readmodel.Query{Index: readmodel.IndexGSI1, PK: StreamGSI1PK(f.tenant, f.stream), Desc: true, Limit: scanPage}
	} else {
		if f.from != nil {
			q.SKFrom = SKBound(*f.from)
		}
		if f.to != nil {
			q.SKTo = SKBound(*f.to) + "~"
		}
	}
	if f.format != "json" {
		return h.export(ctx, q, f)
	}
	lp, err := h.s.ParseList(req, f.scope())
	if err != nil {
		return httpapi.Response{}, err
	}
	pos, err := queryapi.ParseScanPosition(lp.Cursor, scanPage)
	if err != nil {
		return httpapi.Response{}, err
	}
	var items []json.RawMessage
	var names Names
	next, err := queryapi.Scan(ctx, h.s.Models(), q, pos, lp.Limit, maxScan, func(it readmodel.Item) (bool, error) {
		e, ok, err := h.render(ctx, it, f, &names)
		if ok {
			b, merr := json.Marshal(e)
			items, err = append(items, b), errors.Join(err, merr)
		}
		return ok, err
	})
	if err != nil {
		return httpapi.Response{}, err
	}
	return h.s.ListResponse(items, next, f.scope()), nil
}

// render decodes a stored entry and, when the filter keeps it, completes it
// for reading (names, summary).
func (h *handler) render(ctx context.Context, it readmodel.Item, f filter, names *Names) (Entry, bool, error) {
	var e Entry
	if err := json.Unmarshal(it.Body, &e); err != nil {
		return e, false, fmt.Errorf("decode audit entry %s %s: %w", it.PK, it.SK, err)
	}
	if !f.match(e) {
		return e, false, nil
	}
	return e, true, Render(ctx, h.s.Models(), &e, names)
}

// export streams the whole selection (up to MaxExport) as CSV or NDJSON.
func (h *handler) export(ctx context.Context, q readmodel.Query, f filter) (httpapi.Response, error) {
	var buf bytes.Buffer
	var w *csv.Writer
	contentType := "application/x-ndjson"
	if f.format == "csv" {
		contentType = "text/csv; charset=utf-8"
		w = csv.NewWriter(&buf)
		_ = w.Write([]string{"occurred_at", "event_id", "stream_id", "version", "type", "actor_id", "actor_name", "actor_kind", "summary", "data"})
	}
	var (
		entries []Entry
		names   Names
	)
	// One more than the limit tells a cut selection from an exact one.
	_, err := queryapi.Scan(ctx, h.s.Models(), q, queryapi.ScanPosition{}, MaxExport+1, 0, func(it readmodel.Item) (bool, error) {
		e, ok, err := h.render(ctx, it, f, &names)
		if ok {
			entries = append(entries, e)
		}
		return ok, err
	})
	if err != nil {
		return httpapi.Response{}, err
	}
	truncated := len(entries) > MaxExport
	if truncated {
		entries = entries[:MaxExport]
	}
	for _, e := range entries {
		if w == nil {
			b, err := json.Marshal(e)
			if err != nil {
				return httpapi.Response{}, err
			}
			buf.Write(b)
			buf.WriteByte('\n')
			continue
		}
		if err := w.Write([]string{e.OccurredAt.Format(time.RFC3339Nano), e.EventID, e.StreamID, fmt.Sprint(e.Version), e.Type,
			e.Actor.ID, e.Actor.DisplayName, e.Actor.Kind, e.Summary, string(e.Data)}); err != nil {
			return httpapi.Response{}, err
		}
	}
	if w != nil {
		w.Flush()
	}
	headers := map[string]string{"Content-Type": contentType, "Cache-Control": "no-store"}
	if truncated {
		headers["X-Export-Truncated"] = "true"
	}
	return httpapi.Response{StatusCode: http.StatusOK, Headers: headers, Body: buf.String()}, nil
}
