package events

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Limits of a Record.
const MaxRecordKeyLen = 512

// Validate checks a record's shape: a key, JSON data (if any) within
// MaxRecordDataBytes (too large wraps ErrTooLarge).
func (r Record) Validate() error {
	switch {
	case r.Key == "" || len(r.Key) > MaxRecordKeyLen:
		return &ValidationError{Field: "record.key", Reason: fmt.Sprintf("required, at most %d bytes", MaxRecordKeyLen)}
	case len(r.Data) > MaxRecordDataBytes:
		return fmt.Errorf("%w: record %s data is %d bytes, limit %d: %w", ErrTooLarge, r.Key, len(r.Data), MaxRecordDataBytes, ErrInvalid)
	case len(r.Data) > 0 && !json.Valid(r.Data):
		return &ValidationError{Field: "record.data", Reason: "must be JSON"}
	}
	return nil
}

// ValidateCompareAndPut checks the arguments of Records.CompareAndPut, as
// every adapter does before it writes.
func ValidateCompareAndPut(rec Record, expectRev int64) error {
	if err := rec.Validate(); err != nil {
		return fmt.Errorf("put record: %w", err)
	}
	if expectRev < 0 {
		return &ValidationError{Field: "expect_rev", Reason: "must be >= 0"}
	}
	return nil
}

// Expired reports whether the record has expired at now (expiry is
// inclusive: a record whose ExpiresAt <= now is gone).
func (r Record) Expired(now time.Time) bool {
	return r.ExpiresAt != nil && !now.Before(*r.ExpiresAt)
}

// Normalized returns the record as every adapter stores it: ExpiresAt in UTC
// truncated to whole seconds (DynamoDB's TTL attribute is epoch seconds).
func (r Record) Normalized() Record {
	if r.ExpiresAt != nil {
		t := r.ExpiresAt.UTC().Truncate(time.Second)
		r.ExpiresAt = &t
	}
	return r
}

// RecordItemSize is the size of r's Records table item (attribute names
// plus values, numbers as decimal strings) computed without encoding: the
// item is pk, kind, data, rev and, when the record expires, ttl (epoch
// seconds).
func RecordItemSize(r Record) int {
	n := len("pk") + len(r.Key) + len("kind") + len(r.Kind) + len("data") + len(r.Data) +
		len("rev") + len(strconv.FormatInt(r.Rev, 10))
	if r.ExpiresAt != nil {
		n += len("ttl") + len(strconv.FormatInt(r.ExpiresAt.Unix(), 10))
	}
	return n
}
