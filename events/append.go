package events

import (
	"fmt"
	"strconv"
	"time"
)

// MaxItemBytes is DynamoDB's item size limit; every adapter refuses an event
// or record whose encoded item would exceed it.
const MaxItemBytes = 400 * 1024

// CheckAppend validates an AppendRequest the same way for every adapter, so
// local and cloud refuse the same requests:
//
//   - at least one event, at most MaxEventsPerAppend events and
//     MaxItemsPerAppend events+records (DynamoDB's 100-item transaction
//     limit minus the expected-version ConditionCheck): ErrTooLarge;
//   - event data above MaxDataBytes or an encoded item above MaxItemBytes:
//     ErrTooLarge (also wraps ErrInvalid);
//   - every event valid, of req.StreamID, versions ExpectedVersion+1,
//     +2, ... (for ExpectAny the adapter renumbers, so only validity is
//     checked): ErrInvalid;
//   - every record valid with a known mode, no key twice: ErrInvalid.
func CheckAppend(req AppendRequest) error {
	n, r := len(req.Events), len(req.Records)
	switch {
	case n == 0:
		return &ValidationError{Field: "events", Reason: "an append needs at least one event"}
	case n > MaxEventsPerAppend:
		return fmt.Errorf("%w: %d events in one append, limit %d", ErrTooLarge, n, MaxEventsPerAppend)
	case n+r > MaxItemsPerAppend:
		return fmt.Errorf("%w: %d events + %d records in one append, limit %d items (DynamoDB transactions hold 100 items, one is the version check)",
			ErrTooLarge, n, r, MaxItemsPerAppend)
	case req.ExpectedVersion < ExpectAny:
		return &ValidationError{Field: "expected_version", Reason: "must be >= -1"}
	}
	for i, e := range req.Events {
		if len(e.Data) > MaxDataBytes {
			return fmt.Errorf("%w: event %d (%s) data is %d bytes, limit %d: %w", ErrTooLarge, i, e.Type, len(e.Data), MaxDataBytes, ErrInvalid)
		}
		if e.StreamID != req.StreamID {
			return &ValidationError{Field: "stream_id", Reason: fmt.Sprintf("event %d is for %q, append is for %q", i, e.StreamID, req.StreamID)}
		}
		if req.ExpectedVersion == ExpectAny {
			e.Version = int64(i) + 1
		} else if want := req.ExpectedVersion + int64(i) + 1; e.Version != want {
			return &ValidationError{Field: "version", Reason: fmt.Sprintf("event %d has version %d, want %d", i, e.Version, want)}
		}
		if err := e.Validate(); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		if sz := EventItemSize(e); sz > MaxItemBytes {
			return fmt.Errorf("%w: event %d (%s) is a %d byte item, limit %d: %w", ErrTooLarge, i, e.Type, sz, MaxItemBytes, ErrInvalid)
		}
	}
	seen := make(map[string]bool, r)
	for i, op := range req.Records {
		if op.Mode < RecordPut || op.Mode > RecordDelete {
			return &ValidationError{Field: "records.mode", Reason: fmt.Sprintf("record %d: unknown mode %d", i, op.Mode)}
		}
		if err := op.Record.Validate(); err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
		if seen[op.Record.Key] {
			return &ValidationError{Field: "records.key", Reason: fmt.Sprintf("record %s appears twice in one append", op.Record.Key)}
		}
		seen[op.Record.Key] = true
		if op.Mode != RecordDelete {
			if sz := RecordItemSize(op.Record); sz > MaxItemBytes {
				return fmt.Errorf("%w: record %s is a %d byte item, limit %d: %w", ErrTooLarge, op.Record.Key, sz, MaxItemBytes, ErrInvalid)
			}
		}
	}
	return nil
}

// EventItemSize is ItemSize(MarshalItem(e)) computed without encoding: the
// attribute names plus values of e's Events table item.
func EventItemSize(e Envelope) int {
	n := len("stream_id") + len(e.StreamID) +
		len("version") + len(strconv.FormatInt(e.Version, 10)) +
		len("event_id") + len(e.EventID) +
		len("type") + len(e.Type) +
		len("schema") + len(strconv.Itoa(e.Schema)) +
		len("occurred_at") + len(e.OccurredAt.UTC().Format(time.RFC3339Nano)) +
		len("actor") + len(e.Actor) +
		len("data") + len(e.Data)
	for _, opt := range [][2]string{{"tenant_id", e.TenantID}, {"correlation_id", e.CorrelationID}, {"causation_id", e.CausationID}} {
		if opt[1] != "" {
			n += len(opt[0]) + len(opt[1])
		}
	}
	return n
}
