package pirepapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/skyledger/skyledger/internal/commandapi"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/httpapi"
)

// Commands binds the PIREP command routes (the context's commandapi
// module).
func Commands(s *commandapi.Service) []commandapi.Route {
	h := commands{s}
	return []commandapi.Route{
		{Route: pirep.RouteSubmit, Handler: h.submit},
		{Route: pirep.RouteRetract, Handler: h.retract},
	}
}

type commands struct{ s *commandapi.Service }

// PirepSubmitBody is the body of POST /api/pireps: either {"raw": "<FAA
// text>"} or the structured report's fields at the top level (type
// optional: automatic). tenant_id (platform_admin only in practice) submits
// into another tenant; default: the caller's.
// "urgent": true asks for UUA (manual upgrade; false changes nothing).
type PirepSubmitBody struct {
	Raw      *string `json:"raw,omitempty"`
	TenantID *string `json:"tenant_id,omitempty"`
	Urgent   *bool   `json:"urgent,omitempty"`
	pirep.Report
}

// PirepRetractBody is the body of POST /api/pireps/{id}/retract.
type PirepRetractBody struct {
	Reason string `json:"reason"`
}

// submit: 201 with the PIREP resource (Pirep) at version 1,
// Location, ETag, X-Stream-Id. A refused report is 400 naming "raw" (with
// the element and byte position in the message) or the JSON field.
func (h commands) submit(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	var b PirepSubmitBody
	if err := c.Decode(&b); err != nil {
		// the structured fields are promoted from the embedded Report: name
		// them as the client wrote them
		var fe *domain.FieldError
		if errors.As(err, &fe) {
			fe.Field = strings.TrimPrefix(fe.Field, "Report.")
		}
		return httpapi.Response{}, err
	}
	tenantID := c.Principal.TenantID
	if b.TenantID != nil && *b.TenantID != tenantID {
		tenantID = *b.TenantID
		if domain.ScopeOf(c.Principal.Role, domain.ActPirepSubmit) != domain.ScopeAny {
			return httpapi.Response{}, fmt.Errorf("tenant %s: %w", tenantID, domain.ErrNotFound)
		}
		if !domain.IsID(tenantID) {
			return httpapi.Response{}, fmt.Errorf("tenant_id: %w", domain.ErrNotFound)
		}
		if _, v, err := h.s.Load(ctx, identity.StreamTenant(tenantID)); err != nil {
			return httpapi.Response{}, err
		} else if v == 0 {
			return httpapi.Response{}, fmt.Errorf("tenant %s: %w", tenantID, domain.ErrNotFound)
		}
	}
	var sub pirep.Submission
	sub.Upgrade = b.Urgent != nil && *b.Urgent
	structured := !reflect.DeepEqual(b.Report, pirep.Report{})
	switch {
	case b.Raw != nil && structured:
		return httpapi.Response{}, domain.Invalid("raw", "give either raw text or the structured report, not both")
	case b.Raw != nil:
		sub.Raw = *b.Raw
		if err := commandapi.MaxLen("raw", sub.Raw, pirep.MaxText); err != nil {
			return httpapi.Response{}, err
		}
	case structured:
		r := b.Report
		sub.Report = &r
	}
	id := auth.NewID()
	d, err := pirep.Submit(id, tenantID, c.Principal, sub, h.s.Now())
	if err != nil {
		return httpapi.Response{}, err
	}
	return h.s.Commit(ctx, c, commandapi.Mutation{
		StreamID: pirep.Stream(id), TenantID: tenantID, Expected: events.ExpectNew,
		Events: []commandapi.NewEvent{{Type: pirep.EventSubmitted, Schema: pirep.SchemaV1, Data: d}},
		Status: http.StatusCreated,
		Body: func(v int64) any {
			return PirepOf(pirep.Pirep{SubmittedData: d, Version: v})
		},
		ExtraHeaders: map[string]string{"Location": "/api/pireps/" + id},
	})
}

// retract: 200 with the retracted resource. Who: the submitter, a
// tenant_admin of the report's tenant, any platform_admin (domain matrix);
// another tenant's report is 404. A second retraction is 409; If-Match is
// honoured (412).
func (h commands) retract(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	id, err := c.PathID("id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var b PirepRetractBody
	if err := c.Decode(&b); err != nil {
		return httpapi.Response{}, err
	}
	evs, v, err := h.s.Load(ctx, pirep.Stream(id))
	if err != nil {
		return httpapi.Response{}, err
	}
	if v == 0 {
		return httpapi.Response{}, fmt.Errorf("pirep %s: %w", id, domain.ErrNotFound)
	}
	rec := make([]pirep.Recorded, len(evs))
	for i, e := range evs {
		rec[i] = pirep.Recorded{Type: e.Type, Version: e.Version, Data: e.Data}
	}
	p, err := pirep.Fold(rec)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := domain.Authorize(c.Principal, domain.ActPirepRetract, domain.Resource{TenantID: p.TenantID, OwnerID: p.SubmittedBy}); err != nil {
		return httpapi.Response{}, err
	}
	if err := c.CheckIfMatch(p.Version); err != nil {
		return httpapi.Response{}, err
	}
	d, err := p.Retract(c.Principal, b.Reason, h.s.Now())
	if err != nil {
		return httpapi.Response{}, err
	}
	after := p
	after.Retracted = &d
	return h.s.Commit(ctx, c, commandapi.Mutation{
		StreamID: pirep.Stream(id), TenantID: p.TenantID, Expected: p.Version,
		Events: []commandapi.NewEvent{{Type: pirep.EventRetracted, Schema: pirep.SchemaV1, Data: d}},
		Status: http.StatusOK,
		Body: func(v int64) any {
			after.Version = v
			return PirepOf(after)
		},
	})
}
