package pii

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/skyledger/skyledger/events"
)

var _ KeyStore = (*RecordKeys)(nil)

// KindDataKey is the record kind of a data key (and of its tombstone).
const KindDataKey = "datakey"

// DataKeyRecordKey is the record key of a user's data key.
func DataKeyRecordKey(userID string) string { return "datakey#" + userID }

// dataKeyRecord is the data of a datakey#<user_id> record: the wrapped key,
// or Erased with no key material.
type dataKeyRecord struct {
	Wrapped []byte `json:"wrapped,omitempty"`
	Erased  bool   `json:"erased,omitempty"`
}

// RecordKeys keeps data keys as datakey#<user_id> records of an
// events.Records (the DynamoDB Records table, whose DeleteItem/PutItem
// really replace the item). Not for the embedded event store: its
// records live in an append-only log, where an overwritten key stays in
// the file (use FileKeys there).
type RecordKeys struct {
	Records events.Records
}

func (s *RecordKeys) get(ctx context.Context, userID string) (dataKeyRecord, int64, error) {
	rec, err := s.Records.GetRecord(ctx, DataKeyRecordKey(userID))
	if errors.Is(err, events.ErrNotFound) {
		return dataKeyRecord{}, 0, ErrNoKey
	}
	if err != nil {
		return dataKeyRecord{}, 0, fmt.Errorf("data key of %s: %w", userID, err)
	}
	var d dataKeyRecord
	if rec.Kind != KindDataKey || json.Unmarshal(rec.Data, &d) != nil || (!d.Erased && len(d.Wrapped) == 0) {
		return d, rec.Rev, fmt.Errorf("data key record of %s: malformed", userID)
	}
	return d, rec.Rev, nil
}

func keyRecord(userID string, d dataKeyRecord) events.Record {
	b, _ := json.Marshal(d) // a struct of a byte slice and a bool always encodes
	return events.Record{Key: DataKeyRecordKey(userID), Kind: KindDataKey, Data: b}
}

// CreateKey implements KeyStore: a CompareAndPut on an absent record,
// which reads the record only when one exists (a key, or a tombstone).
func (s *RecordKeys) CreateKey(ctx context.Context, userID string, wrapped []byte) ([]byte, error) {
	for range 3 {
		_, err := s.Records.CompareAndPut(ctx, keyRecord(userID, dataKeyRecord{Wrapped: wrapped}), 0)
		if err == nil {
			return wrapped, nil
		}
		if !errors.Is(err, events.ErrVersionConflict) {
			return nil, fmt.Errorf("store data key of %s: %w", userID, err)
		}
		d, _, err := s.get(ctx, userID)
		switch {
		case err == nil && d.Erased:
			return nil, ErrErased
		case err == nil:
			return d.Wrapped, nil
		case !errors.Is(err, ErrNoKey):
			return nil, err
		}
	}
	return nil, fmt.Errorf("store data key of %s: contention: %w", userID, events.ErrVersionConflict)
}

// Key implements KeyStore.
func (s *RecordKeys) Key(ctx context.Context, userID string) ([]byte, error) {
	d, _, err := s.get(ctx, userID)
	if err != nil {
		return nil, err
	}
	if d.Erased {
		return nil, ErrErased
	}
	return d.Wrapped, nil
}

// EraseKey implements KeyStore: the record is replaced by a tombstone
// without key material.
func (s *RecordKeys) EraseKey(ctx context.Context, userID string) error {
	for range 3 {
		d, rev, err := s.get(ctx, userID)
		switch {
		case err == nil && d.Erased:
			return nil
		case err != nil && !errors.Is(err, ErrNoKey):
			return err
		}
		_, err = s.Records.CompareAndPut(ctx, keyRecord(userID, dataKeyRecord{Erased: true}), rev)
		if err == nil {
			return nil
		}
		if !errors.Is(err, events.ErrVersionConflict) {
			return fmt.Errorf("erase data key of %s: %w", userID, err)
		}
	}
	return fmt.Errorf("erase data key of %s: contention: %w", userID, events.ErrVersionConflict)
}
