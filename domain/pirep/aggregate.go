package pirep

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/skyledger/skyledger/domain"
)

// Event types of the PIREP aggregate (stream pirep-<ulid>). Names never
// change once published; a payload change bumps SchemaV1.
const (
	// EventSubmitted opens stream pirep-<id> (version 1).
	EventSubmitted = "pirep.submitted"
	// EventRetracted is appended once (version 2); a retracted report stays
	// readable with status "retracted".
	EventRetracted = "pirep.retracted"
)

// SchemaV1 is the payload schema of both events.
const SchemaV1 = 1

// EventTypes lists every PIREP event type.
var EventTypes = []string{EventSubmitted, EventRetracted}

// StreamPrefix is the PIREP aggregate's stream prefix (streams
// "pirep-<id>").
const StreamPrefix = "pirep"

// Stream returns "pirep-<id>".
func Stream(id string) string { return StreamPrefix + "-" + id }

// Statuses of a report.
const (
	StatusActive    = "active"
	StatusRetracted = "retracted"
)

// MaxReasonBytes bounds a retraction reason.
const MaxReasonBytes = 500

// SubmittedData is the payload of pirep.submitted. Readable by every member
// of the tenant and every platform_admin (the whole report is tenant data).
type SubmittedData struct {
	PirepID     string    `json:"pirep_id"`
	TenantID    string    `json:"tenant_id"`
	SubmittedBy string    `json:"submitted_by"`
	ReceivedAt  time.Time `json:"received_at"`
	ObservedAt  time.Time `json:"observed_at"`
	// Type is the decided type; Urgent == (Type == UUA).
	Type          Type     `json:"type"`
	Urgent        bool     `json:"urgent"`
	UrgentReasons []string `json:"urgent_reasons,omitempty"`
	// Raw is the canonical FAA text (Encode of Report).
	Raw    string `json:"raw"`
	Report Report `json:"report"`
	// Source is how it was submitted: "text" or "json".
	Source string `json:"source"`
}

// RetractedData is the payload of pirep.retracted. Urgent repeats the
// report's flag so that a notification can be flagged without a lookup.
type RetractedData struct {
	PirepID     string    `json:"pirep_id"`
	TenantID    string    `json:"tenant_id"`
	RetractedBy string    `json:"retracted_by"`
	RetractedAt time.Time `json:"retracted_at"`
	Reason      string    `json:"reason"`
	Urgent      bool      `json:"urgent"`
}

// Recorded is one stored event as Fold needs it.
type Recorded struct {
	Type    string
	Version int64
	Data    json.RawMessage
}

// Pirep is the aggregate state folded from its events.
type Pirep struct {
	SubmittedData
	Retracted *RetractedData
	Version   int64
}

// Fold rebuilds the aggregate from its events in version order. An
// unknown event type is an error (a newer writer): never silently skipped.
func Fold(evs []Recorded) (Pirep, error) {
	var p Pirep
	for _, e := range evs {
		switch e.Type {
		case EventSubmitted:
			if err := json.Unmarshal(e.Data, &p.SubmittedData); err != nil {
				return p, fmt.Errorf("decode %s v%d: %w", e.Type, e.Version, err)
			}
		case EventRetracted:
			var d RetractedData
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return p, fmt.Errorf("decode %s v%d: %w", e.Type, e.Version, err)
			}
			p.Retracted = &d
		default:
			return p, fmt.Errorf("pirep stream: unknown event type %q", e.Type)
		}
		p.Version = e.Version
	}
	return p, nil
}

// Submission is a PIREP as submitted: either Raw text or a structured
// Report (whose Type may be empty: automatic). Upgrade asks for UUA
// whatever the rules say (manual upgrade; it never downgrades).
type Submission struct {
	Raw     string
	Report  *Report
	Upgrade bool
}

// Submit decides pirep.submitted for a report received at receivedAt from
// actor into tenantID:
//   - authorization: domain.ActPirepSubmit on the tenant;
//   - text: Parse; the written UA means "automatic" (the text cannot omit
//     the type), UUA is a manual upgrade;
//   - structured: Normalize, Decide with the given type ("" automatic, UA
//     refused when a rule fires), Validate (errors name the JSON field);
//   - the stored structure is Parse(Encode(report)), so text and structure
//     always agree.
func Submit(id, tenantID string, actor domain.Principal, sub Submission, receivedAt time.Time) (SubmittedData, error) {
	if err := domain.Authorize(actor, domain.ActPirepSubmit, domain.Resource{TenantID: tenantID, OwnerID: actor.UserID}); err != nil {
		return SubmittedData{}, err
	}
	var (
		r      Report
		source string
	)
	switch {
	case sub.Report != nil && sub.Raw != "":
		return SubmittedData{}, domain.Invalid("raw", "give either raw text or the structured report, not both")
	case sub.Report != nil:
		r, source = *sub.Report, "json"
		r.Normalize()
		requested := r.Type
		if sub.Upgrade {
			requested = Urgent
		}
		if err := Decide(&r, requested); err != nil {
			return SubmittedData{}, err
		}
		if err := r.Validate(); err != nil {
			return SubmittedData{}, err
		}
	case strings.TrimSpace(sub.Raw) != "":
		var err error
		if r, err = DecideText(sub.Raw, sub.Upgrade); err != nil {
			return SubmittedData{}, err
		}
		source = "text"
	default:
		return SubmittedData{}, domain.Invalid("raw", "required: the encoded text, or the structured report")
	}
	raw := r.Encode()
	if len(raw) > MaxText {
		// text kept as written in a structured report can make it longer
		// than a report may be
		return SubmittedData{}, domain.Invalid("report", "encoded text of %d bytes exceeds %d", len(raw), MaxText)
	}
	canonical, err := Parse(raw)
	if err != nil {
		// A validated structure always re-parses (property-tested); this
		// guards the invariant instead of storing a report that disagrees
		// with its text.
		return SubmittedData{}, fmt.Errorf("canonical text %q does not parse: %w", raw, err)
	}
	receivedAt = receivedAt.UTC()
	return SubmittedData{
		PirepID: id, TenantID: tenantID, SubmittedBy: actor.UserID,
		ReceivedAt: receivedAt, ObservedAt: canonical.ObservedAt(receivedAt),
		Type: canonical.Type, Urgent: canonical.Type == Urgent, UrgentReasons: UrgentReasons(canonical),
		Raw: raw, Report: canonical, Source: source,
	}, nil
}

// DecideText parses a text report and decides its type as a submission
// does: the written UA means "automatic" (the text cannot omit the type),
// a written UUA or upgrade is a manual upgrade (a report typed UUA stays
// urgent).
func DecideText(raw string, upgrade bool) (Report, error) {
	r, err := Parse(raw)
	if err != nil {
		return Report{}, err
	}
	requested := Type("")
	if r.Type == Urgent || upgrade {
		requested = Urgent
	}
	if err := Decide(&r, requested); err != nil {
		return Report{}, err
	}
	return r, nil
}

// Retract decides pirep.retracted: authorization domain.ActPirepRetract
// (the submitter, a tenant_admin of the tenant, any platform_admin); a
// reason of 1-MaxReasonBytes bytes is required; retracting twice is a
// conflict.
func (p Pirep) Retract(actor domain.Principal, reason string, now time.Time) (RetractedData, error) {
	if p.Version == 0 {
		return RetractedData{}, fmt.Errorf("pirep: %w", domain.ErrNotFound)
	}
	if err := domain.Authorize(actor, domain.ActPirepRetract, domain.Resource{TenantID: p.TenantID, OwnerID: p.SubmittedBy}); err != nil {
		return RetractedData{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return RetractedData{}, domain.Invalid("reason", "required")
	}
	if len(reason) > MaxReasonBytes {
		return RetractedData{}, domain.Invalid("reason", "at most %d bytes", MaxReasonBytes)
	}
	if p.Retracted != nil {
		return RetractedData{}, fmt.Errorf("pirep %s already retracted: %w", p.PirepID, domain.ErrConflict)
	}
	return RetractedData{PirepID: p.PirepID, TenantID: p.TenantID, RetractedBy: actor.UserID,
		RetractedAt: now.UTC(), Reason: reason, Urgent: p.Urgent}, nil
}
