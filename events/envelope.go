// Package events is SkyLedger's event-sourcing port: the event envelope,
// the Store port with its typed errors, inline records, and Change, the
// neutral shape in which change feeds deliver committed events. It imports
// no AWS package: the DynamoDB adapter and its item and stream-record codec
// live in events/dynamo, the embedded adapter in events/embedded, and the
// contract suite every adapter passes in events/storetest.
package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Envelope is one immutable event as it is stored, streamed and sent on every
// wire. Its JSON field names are part of the public contract
// (docs/openapi.yaml, docs/websocket.md).
type Envelope struct {
	EventID       string          `json:"event_id"`
	StreamID      string          `json:"stream_id"`
	Version       int64           `json:"version"`
	Type          string          `json:"type"`
	Schema        int             `json:"schema"`
	TenantID      string          `json:"tenant_id"`
	OccurredAt    time.Time       `json:"occurred_at"`
	Actor         string          `json:"actor"`
	CorrelationID string          `json:"correlation_id"`
	CausationID   string          `json:"causation_id"`
	Data          json.RawMessage `json:"data"`
}

// Limits enforced on every envelope before any adapter sees it. MaxDataBytes
// keeps a whole stored item (envelope + attribute names) under DynamoDB's
// 400 KB item limit with room to spare.
const (
	MaxDataBytes   = 350 * 1024
	MaxStreamIDLen = 128
	MaxTypeLen     = 64
)

// ValidationError names the envelope field that is wrong.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid event envelope: %s: %s", e.Field, e.Reason)
}

// Unwrap lets callers match every validation failure with ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Validate checks the envelope's shape. It does not check Version continuity;
// that is the store's job at append time.
func (e Envelope) Validate() error {
	bad := func(field, reason string) error { return &ValidationError{Field: field, Reason: reason} }
	switch {
	case e.EventID == "":
		return bad("event_id", "required")
	case e.StreamID == "" || len(e.StreamID) > MaxStreamIDLen:
		return bad("stream_id", fmt.Sprintf("required, at most %d bytes", MaxStreamIDLen))
	case !validStreamPrefix(e.StreamID):
		return bad("stream_id", "must be <aggregate>-<id>, the aggregate in lower-case letters")
	case e.Version < 1:
		return bad("version", "must be >= 1")
	case e.Type == "" || len(e.Type) > MaxTypeLen || !strings.Contains(e.Type, "."):
		return bad("type", "required, like aggregate.past_tense")
	case e.Schema < 1:
		return bad("schema", "must be >= 1")
	case e.OccurredAt.IsZero():
		return bad("occurred_at", "required")
	case e.OccurredAt.UTC().Year() < 1 || e.OccurredAt.UTC().Year() > 9999:
		return bad("occurred_at", "must be an RFC 3339 time with a four-digit year in UTC")
	case e.Actor == "":
		return bad("actor", "required (user id or system)")
	case len(e.Data) == 0 || e.Data[0] != '{' || !json.Valid(e.Data):
		return bad("data", "must be a JSON object")
	case len(e.Data) > MaxDataBytes:
		return &ValidationError{Field: "data", Reason: fmt.Sprintf("%d bytes exceeds the %d byte limit", len(e.Data), MaxDataBytes)}
	}
	return nil
}

// validStreamPrefix checks the shape "<aggregate>-<id>". Which aggregates
// exist is the contexts registry's business (contexts.OwnsStream), not the
// store's.
func validStreamPrefix(id string) bool {
	dash := strings.IndexByte(id, '-')
	if dash < 1 || dash == len(id)-1 {
		return false
	}
	for _, c := range id[:dash] {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// ErrInvalid is wrapped by every ValidationError.
var ErrInvalid = errors.New("invalid")
