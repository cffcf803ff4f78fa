package projection

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// PIREP read-model layout (one item per report, body = pirep.View):
//
//	pk            sk      gsi1pk                      gsi1sk
//	pirep#<id>    pirep   tenant#<tenant_id>#pireps   pirep#<received_at, fixed width UTC>#<id>
//
// so a tenant's list in gsi1 is in receipt order (newest first with a
// descending query) and a receipt-time window is a sort-key range.
// Retracted reports stay in the list with status "retracted".
const PirepSK = "pirep"

// PirepPK is the partition of PIREP id.
func PirepPK(id string) string { return "pirep#" + id }

// TenantPirepsGSI1PK lists the PIREPs of a tenant.
func TenantPirepsGSI1PK(tenantID string) string { return "tenant#" + tenantID + "#pireps" }

// PirepGSI1SKTimeLayout is the fixed-width receipt time inside the gsi1 sort key.
const PirepGSI1SKTimeLayout = "2006-01-02T15:04:05.000000000Z"

// PirepGSI1SK orders a PIREP in its tenant's list by receipt time.
func PirepGSI1SK(receivedAt time.Time, id string) string {
	return "pirep#" + receivedAt.UTC().Format(PirepGSI1SKTimeLayout) + "#" + id
}

// PirepGSI1SKBound is a sort-key bound at t (for a receipt-time range).
func PirepGSI1SKBound(t time.Time) string {
	return "pirep#" + t.UTC().Format(PirepGSI1SKTimeLayout)
}

// PirepProjections keep the PIREP view: add them to Default.
func PirepProjections() []Projection {
	return []Projection{{Name: "pireps", Match: streamKind("pirep"), Apply: applyPirep}}
}

func applyPirep(ctx context.Context, m readmodel.Store, e events.Envelope) error {
	id := streamID(e, "pirep")
	return Fold(ctx, m, PirepPK(id), PirepSK, e, func(cur json.RawMessage) (readmodel.Item, error) {
		var p pirep.Pirep
		if cur != nil {
			var v pirep.View
			if err := json.Unmarshal(cur, &v); err != nil {
				return readmodel.Item{}, fmt.Errorf("stored pirep %s: %w", id, err)
			}
			p = pirepFromView(v)
		}
		switch e.Type {
		case pirep.EventSubmitted:
			d, err := decode[pirep.SubmittedData](e)
			if err != nil {
				return readmodel.Item{}, err
			}
			p = pirep.Pirep{SubmittedData: d}
			if p.PirepID == "" {
				p.PirepID = id
			}
			if p.TenantID == "" {
				p.TenantID = e.TenantID
			}
		case pirep.EventRetracted:
			d, err := decode[pirep.RetractedData](e)
			if err != nil {
				return readmodel.Item{}, err
			}
			p.Retracted = &d
		}
		if p.PirepID == "" {
			return readmodel.Item{}, fmt.Errorf("pirep %s: %s before %s: %w", id, e.Type, pirep.EventSubmitted, ErrGap)
		}
		p.Version = e.Version
		b, err := body(p.View())
		return readmodel.Item{GSI1PK: TenantPirepsGSI1PK(p.TenantID), GSI1SK: PirepGSI1SK(p.ReceivedAt, p.PirepID), Body: b}, err
	})
}

// pirepFromView restores the aggregate state a stored view was made from.
func pirepFromView(v pirep.View) pirep.Pirep {
	p := pirep.Pirep{SubmittedData: pirep.SubmittedData{
		PirepID: v.ID, TenantID: v.TenantID, SubmittedBy: v.SubmittedBy, ReceivedAt: v.ReceivedAt,
		ObservedAt: v.ObservedAt, Type: v.Type, Urgent: v.Urgent, UrgentReasons: v.UrgentReasons,
		Raw: v.Raw, Report: v.Report}, Version: v.Version}
	if len(p.UrgentReasons) == 0 {
		p.UrgentReasons = nil
	}
	if v.Status == pirep.StatusRetracted && v.RetractedAt != nil {
		d := pirep.RetractedData{PirepID: v.ID, TenantID: v.TenantID, RetractedAt: *v.RetractedAt, Urgent: v.Urgent}
		if v.RetractedBy != nil {
			d.RetractedBy = *v.RetractedBy
		}
		if v.RetractReason != nil {
			d.Reason = *v.RetractReason
		}
		p.Retracted = &d
	}
	return p
}
