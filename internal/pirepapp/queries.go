package pirepapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/queryapi"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// Queries binds GET /api/pireps and GET /api/pireps/{id} (the context's
// queryapi module).
func Queries(s *queryapi.Service, r *httpapi.Router) {
	q := queries{s}
	r.Handle(pirep.RouteList.Key(), q.list)
	r.Handle(pirep.RouteGet.Key(), q.get)
}

type queries struct{ s *queryapi.Service }

// PIREP list scanning: the read model is read in pages of pirepScanPage
// items (a fixed size, so that a cursor's skip count designates the same
// items again) and at most pirepMaxScan items are examined per request; a
// request that hits the bound returns what it found with a next cursor.
const (
	pirepScanPage = 100
	pirepMaxScan  = 2000
)

// Output formats.
const (
	formatJSON = "json"
	formatAWC  = "awc"
	formatRaw  = "raw"
)

// pirepFilter is the parsed filter set of GET /api/pireps.
type pirepFilter struct {
	tenant           string
	from, to         *time.Time
	urgent           *bool
	minFL, maxFL     *int
	aircraftType     string
	bbox             *pirep.BBox
	includeRetracted bool
	format           string
}

// scope binds a cursor to the listing and its filters.
func (f pirepFilter) scope() string {
	var b strings.Builder
	b.WriteString("pireps|" + f.tenant)
	if f.from != nil {
		b.WriteString("|from=" + f.from.Format(time.RFC3339Nano))
	}
	if f.to != nil {
		b.WriteString("|to=" + f.to.Format(time.RFC3339Nano))
	}
	if f.urgent != nil {
		b.WriteString("|urgent=" + strconv.FormatBool(*f.urgent))
	}
	if f.minFL != nil {
		b.WriteString("|min_fl=" + strconv.Itoa(*f.minFL))
	}
	if f.maxFL != nil {
		b.WriteString("|max_fl=" + strconv.Itoa(*f.maxFL))
	}
	if f.aircraftType != "" {
		b.WriteString("|tp=" + f.aircraftType)
	}
	if f.bbox != nil {
		fmt.Fprintf(&b, "|bbox=%v,%v,%v,%v", f.bbox.MinLon, f.bbox.MinLat, f.bbox.MaxLon, f.bbox.MaxLat)
	}
	if f.includeRetracted {
		b.WriteString("|retracted")
	}
	return b.String()
}

func (f pirepFilter) match(v Pirep) bool {
	switch {
	case v.Status == pirep.StatusRetracted && !f.includeRetracted:
		return false
	case f.from != nil && v.ObservedAt.Before(*f.from):
		return false
	case f.to != nil && v.ObservedAt.After(*f.to):
		return false
	case f.urgent != nil && v.Urgent != *f.urgent:
		return false
	case f.aircraftType != "" && v.Report.AircraftType != f.aircraftType:
		return false
	}
	if f.minFL != nil || f.maxFL != nil {
		l := v.Report.Altitude.Level
		if l == nil || (f.minFL != nil && *l < *f.minFL) || (f.maxFL != nil && *l > *f.maxFL) {
			return false
		}
	}
	if f.bbox != nil && !v.Report.Intersects(*f.bbox) {
		return false
	}
	return true
}

// pirepFormat reads ?format= (json, awc, raw) and falls back to raw when
// Accept asks for text/plain (and not JSON).
func pirepFormat(req httpapi.Request) (string, error) {
	if v, ok := req.QueryStringParameters["format"]; ok {
		switch v {
		case formatJSON, formatAWC, formatRaw:
			return v, nil
		}
		return "", domain.Invalid("format", "must be json, awc or raw")
	}
	accept := httpapi.Header(req, "Accept")
	if strings.Contains(accept, "text/plain") && !strings.Contains(accept, "application/json") {
		return formatRaw, nil
	}
	return formatJSON, nil
}

func parsePirepFilter(p domain.Principal, req httpapi.Request) (pirepFilter, error) {
	q := req.QueryStringParameters
	f := pirepFilter{tenant: p.TenantID}
	if v, ok := q["tenant_id"]; ok && v != p.TenantID {
		if err := queryapi.QueryID("tenant_id", v); err != nil {
			return f, err
		}
		f.tenant = v
	}
	var err error
	tm := func(name string) (*time.Time, error) {
		v, ok := q[name]
		if !ok {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, domain.Invalid(name, "must be an RFC 3339 timestamp")
		}
		t = t.UTC()
		return &t, nil
	}
	if f.from, err = tm("from"); err != nil {
		return f, err
	}
	if f.to, err = tm("to"); err != nil {
		return f, err
	}
	if f.from != nil && f.to != nil && f.to.Before(*f.from) {
		return f, domain.Invalid("to", "must not be before from")
	}
	boolean := func(name string) (*bool, error) {
		v, ok := q[name]
		if !ok {
			return nil, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil || (v != "true" && v != "false") {
			return nil, domain.Invalid(name, "must be true or false")
		}
		return &b, nil
	}
	if f.urgent, err = boolean("urgent"); err != nil {
		return f, err
	}
	inc, err := boolean("include_retracted")
	if err != nil {
		return f, err
	}
	f.includeRetracted = inc != nil && *inc
	level := func(name string) (*int, error) {
		v, ok := q[name]
		if !ok {
			return nil, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 999 {
			return nil, domain.Invalid(name, "must be a flight level 0-999 (hundreds of feet)")
		}
		return &n, nil
	}
	if f.minFL, err = level("min_fl"); err != nil {
		return f, err
	}
	if f.maxFL, err = level("max_fl"); err != nil {
		return f, err
	}
	if f.minFL != nil && f.maxFL != nil && *f.maxFL < *f.minFL {
		return f, domain.Invalid("max_fl", "must not be below min_fl")
	}
	if v, ok := q["aircraft_type"]; ok {
		v = strings.ToUpper(strings.TrimSpace(v))
		if len(v) < 2 || len(v) > 4 {
			return f, domain.Invalid("aircraft_type", "must be an ICAO type designator of 2-4 characters or UNKN")
		}
		f.aircraftType = v
	}
	if v, ok := q["bbox"]; ok {
		b, ok := pirep.ParseBBox(v)
		if !ok {
			return f, domain.Invalid("bbox", "must be minLon,minLat,maxLon,maxLat in degrees")
		}
		f.bbox = &b
	}
	if f.format, err = pirepFormat(req); err != nil {
		return f, err
	}
	return f, nil
}

// list serves GET /api/pireps: the caller's tenant (platform_admin:
// any tenant_id; others asking for another tenant get 404), newest receipt
// first, filtered, in JSON, AWC or raw text.
func (q queries) list(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	p, err := httpapi.PrincipalFrom(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	f, err := parsePirepFilter(p, req)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := domain.Authorize(p, domain.ActPirepRead, domain.Resource{TenantID: f.tenant}); err != nil {
		return httpapi.Response{}, err
	}
	scope := f.scope()
	lp, err := q.s.ParseList(req, scope)
	if err != nil {
		return httpapi.Response{}, err
	}
	pos, err := queryapi.ParseScanPosition(lp.Cursor, pirepScanPage)
	if err != nil {
		return httpapi.Response{}, err
	}
	rq := readmodel.Query{Index: readmodel.IndexGSI1, PK: TenantPirepsGSI1PK(f.tenant), Desc: true, Limit: pirepScanPage}
	if f.from != nil {
		// received >= observed >= from
		rq.SKFrom = PirepGSI1SKBound(*f.from)
	}
	if f.to != nil {
		// observed <= to implies received <= to + 24 h (the /TM date rule)
		rq.SKTo = PirepGSI1SKBound(f.to.Add(24*time.Hour+time.Minute)) + "~"
	}
	var found []Pirep
	inner, err := queryapi.Scan(ctx, q.s.Models(), rq, pos, lp.Limit, pirepMaxScan, func(it readmodel.Item) (bool, error) {
		var v Pirep
		if err := json.Unmarshal(it.Body, &v); err != nil {
			return false, fmt.Errorf("decode read model %s: %w", it.PK, err)
		}
		if !f.match(v) {
			return false, nil
		}
		found = append(found, v)
		return true, nil
	})
	if err != nil {
		return httpapi.Response{}, err
	}
	switch f.format {
	case formatRaw:
		var b strings.Builder
		for _, v := range found {
			b.WriteString(v.Raw)
			b.WriteByte('\n')
		}
		resp := httpapi.Response{StatusCode: http.StatusOK, Body: b.String(),
			Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}}
		if inner != "" {
			resp.Headers["X-Next-Cursor"] = q.s.SealCursor(inner, scope)
		}
		return resp, nil
	case formatAWC:
		items := make([]json.RawMessage, 0, len(found))
		for _, v := range found {
			b, err := json.Marshal(pirep.ToAWC(v.Report, v.ReceivedAt))
			if err != nil {
				return httpapi.Response{}, err
			}
			items = append(items, b)
		}
		return q.s.ListResponse(items, inner, scope), nil
	}
	items := make([]json.RawMessage, 0, len(found))
	for _, v := range found {
		b, err := json.Marshal(v)
		if err != nil {
			return httpapi.Response{}, err
		}
		items = append(items, b)
	}
	return q.s.ListResponse(items, inner, scope), nil
}

// get serves GET /api/pireps/{id} (ETag, If-None-Match, min_version),
// retracted reports included; another tenant's report is 404.
func (q queries) get(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	p, id, err := httpapi.PrincipalAndID(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	format, err := pirepFormat(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	resp, err := q.s.Single(ctx, req, q.s.Loader(PirepPK(id), SKPirep), func(v queryapi.Versioned) error {
		var view struct {
			TenantID string `json:"tenant_id"`
		}
		if err := json.Unmarshal(v.Body, &view); err != nil {
			return fmt.Errorf("decode read model pirep %s: %w", id, err)
		}
		return domain.Authorize(p, domain.ActPirepRead, domain.Resource{TenantID: view.TenantID})
	})
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	if format == formatJSON && strings.Contains(resp.Body, `"warnings":`) {
		return resp, nil
	}
	var v Pirep
	if err := json.Unmarshal([]byte(resp.Body), &v); err != nil {
		return httpapi.Response{}, fmt.Errorf("decode pirep %s: %w", id, err)
	}
	if format == formatJSON {
		// a report stored before warnings existed reads with an empty list
		b, err := json.Marshal(v)
		if err != nil {
			return httpapi.Response{}, err
		}
		resp.Body = string(b)
		return resp, nil
	}
	if format == formatRaw {
		resp.Body = v.Raw + "\n"
		resp.Headers["Content-Type"] = "text/plain; charset=utf-8"
		return resp, nil
	}
	b, err := json.Marshal(pirep.ToAWC(v.Report, v.ReceivedAt))
	if err != nil {
		return httpapi.Response{}, err
	}
	resp.Body = string(b)
	return resp, nil
}
