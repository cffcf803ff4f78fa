package pirepapp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// Projections keep the PIREP view (the context's projections).
var Projections = []projection.Projection{{Name: "pireps", Match: projection.StreamKind("pirep"), Apply: applyPirep}}

// applyPirep applies an event to the stored view itself: the view holds
// everything a later event changes, so no aggregate is rebuilt.
func applyPirep(ctx context.Context, m readmodel.Store, e events.Envelope) error {
	id := projection.StreamID(e, "pirep")
	return projection.Fold(ctx, m, PirepPK(id), SKPirep, e, func(cur json.RawMessage) (readmodel.Item, error) {
		var v Pirep
		switch e.Type {
		case pirep.EventSubmitted:
			d, err := projection.Decode[pirep.SubmittedData](e)
			if err != nil {
				return readmodel.Item{}, err
			}
			if d.PirepID == "" {
				d.PirepID = id
			}
			if d.TenantID == "" {
				d.TenantID = e.TenantID
			}
			v = PirepSubmitted(d, e.Version)
		case pirep.EventRetracted:
			if cur == nil {
				return readmodel.Item{}, fmt.Errorf("pirep %s: %s before %s: %w", id, e.Type, pirep.EventSubmitted, projection.ErrGap)
			}
			if err := json.Unmarshal(cur, &v); err != nil {
				return readmodel.Item{}, fmt.Errorf("stored pirep %s: %w", id, err)
			}
			d, err := projection.Decode[pirep.RetractedData](e)
			if err != nil {
				return readmodel.Item{}, err
			}
			v.Retracted(d, e.Version)
		default:
			return readmodel.Item{}, fmt.Errorf("pirep %s: unknown event type %q", id, e.Type)
		}
		b, err := json.Marshal(v)
		return readmodel.Item{GSI1PK: TenantPirepsGSI1PK(v.TenantID), GSI1SK: PirepGSI1SK(v.ReceivedAt, v.ID), Body: b}, err
	})
}
