// Package pirepapp is the PIREP context module: submission and retraction
// (Commands), the list and single reads (Queries), the PIREP view
// (Projections) and the tenant:{id}:pireps feed (Notify), binding what
// pirep.Context declares; internal/wire lists it in wire.Modules.
package pirepapp

import (
	"time"

	"github.com/skyledger/skyledger/domain/pirep"
)

// PIREP items:
//
//	item   pk           sk     gsi1pk                     gsi1sk
//	pirep  pirep#<id>   pirep  tenant#<tenant_id>#pireps  pirep#<received_at>#<id>
//
// received_at is fixed-width (PirepGSI1SKTimeLayout), so a tenant's list is
// in receipt order and a time window is a sort-key range.
const SKPirep = "pirep"

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

// Pirep is the PIREP resource of the HTTP API and the read-model body.
type Pirep struct {
	ID            string       `json:"id"`
	TenantID      string       `json:"tenant_id"`
	SubmittedBy   string       `json:"submitted_by"`
	ReceivedAt    time.Time    `json:"received_at"`
	ObservedAt    time.Time    `json:"observed_at"`
	Type          pirep.Type   `json:"type"`
	Urgent        bool         `json:"urgent"`
	UrgentReasons []string     `json:"urgent_reasons"`
	Raw           string       `json:"raw"`
	Report        pirep.Report `json:"report"`
	// Warnings are the report's warnings (Report.Warnings): parts kept as
	// written (a free-form /OV: unlocated); [] when none, and for reports
	// stored before warnings existed.
	Warnings      pirep.Warnings `json:"warnings"`
	Status        string         `json:"status"`
	RetractedAt   *time.Time     `json:"retracted_at"`
	RetractedBy   *string        `json:"retracted_by"`
	RetractReason *string        `json:"retract_reason"`
	Position      *pirep.LatLon  `json:"position"` // the first resolvable /OV point (nil: none resolves)
	Version       int64          `json:"version"`
}

// PirepSubmitted is the view a pirep.submitted event opens (version 1 of
// the stream, or the version given).
func PirepSubmitted(d pirep.SubmittedData, version int64) Pirep {
	v := Pirep{ID: d.PirepID, TenantID: d.TenantID, SubmittedBy: d.SubmittedBy, ReceivedAt: d.ReceivedAt.UTC(),
		ObservedAt: d.ObservedAt.UTC(), Type: d.Type, Urgent: d.Urgent, UrgentReasons: d.UrgentReasons,
		Raw: d.Raw, Report: d.Report, Warnings: d.Report.Warnings, Status: pirep.StatusActive, Version: version}
	if v.Warnings == nil {
		v.Warnings = pirep.Warnings{}
	}
	if v.UrgentReasons == nil {
		v.UrgentReasons = []string{}
	}
	if ll, ok := d.Report.Position(); ok {
		v.Position = &ll
	}
	return v
}

// Retracted applies pirep.retracted to the view.
func (v *Pirep) Retracted(d pirep.RetractedData, version int64) {
	at, by, reason := d.RetractedAt.UTC(), d.RetractedBy, d.Reason
	v.Status, v.RetractedAt, v.RetractedBy, v.RetractReason = pirep.StatusRetracted, &at, &by, &reason
	v.Version = version
}

// PirepOf renders an aggregate as its resource (the command side's
// response, equal to the view the projector stores for the same events).
func PirepOf(p pirep.Pirep) Pirep {
	v := PirepSubmitted(p.SubmittedData, p.Version)
	if p.Retracted != nil {
		v.Retracted(*p.Retracted, p.Version)
	}
	return v
}
