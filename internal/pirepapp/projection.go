package pirepapp

import (
	"context"
	"fmt"

	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// Projections keep the PIREP view (the context's projections).
var Projections = []projection.Projection{{Name: "pireps", Match: projection.StreamKind(pirep.StreamPrefix), Apply: applyPirep}}

// applyPirep applies an event to the stored view itself: the view holds
// everything a later event changes, so no aggregate is rebuilt.
func applyPirep(ctx context.Context, m readmodel.Store, e events.Envelope) error {
	id := projection.StreamID(e, pirep.StreamPrefix)
	return projection.FoldView(ctx, m, PirepPK(id), SKPirep, e, "pirep "+id, func(v *Pirep) (string, string, error) {
		switch e.Type {
		case pirep.EventSubmitted:
			d, err := projection.Decode[pirep.SubmittedData](e)
			if err != nil {
				return "", "", err
			}
			if d.PirepID == "" {
				d.PirepID = id
			}
			if d.TenantID == "" {
				d.TenantID = e.TenantID
			}
			*v = PirepSubmitted(d, e.Version)
		case pirep.EventRetracted:
			if v.ID == "" {
				return "", "", projection.Gap("pirep "+id, e, pirep.EventSubmitted)
			}
			d, err := projection.Decode[pirep.RetractedData](e)
			if err != nil {
				return "", "", err
			}
			v.Retracted(d, e.Version)
		default:
			return "", "", fmt.Errorf("pirep %s: unknown event type %q", id, e.Type)
		}
		return TenantPirepsGSI1PK(v.TenantID), PirepGSI1SK(v.ReceivedAt, v.ID), nil
	})
}
