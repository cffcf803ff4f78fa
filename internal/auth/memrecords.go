package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/skyledger/skyledger/events"
)

// DefaultMemoryRecordsCap bounds a MemoryRecords: about 200 bytes a
// throttle record, so at most a few tens of MB however many addresses and
// e-mails an attacker cycles through.
const DefaultMemoryRecordsCap = 100_000

// MemoryRecords is an in-memory events.Records whose records expire at
// their ExpiresAt: the local runtime's stand-in for the DynamoDB Records
// table's TTL, for state that must expire and never belongs in the event
// log (login throttling). It forgets everything on restart. When full it
// drops expired records, then arbitrary ones (throttle state is advisory;
// memory is not). Safe for concurrent use.
type MemoryRecords struct {
	// Cap is the most records kept (0: DefaultMemoryRecordsCap).
	Cap int
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	mu   sync.Mutex
	recs map[string]events.Record
}

var _ events.Records = (*MemoryRecords)(nil)

func (m *MemoryRecords) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// GetRecord returns the record, or events.ErrNotFound when missing or expired.
func (m *MemoryRecords) GetRecord(_ context.Context, key string) (events.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[key]
	if !ok || r.Expired(m.now()) {
		return events.Record{}, fmt.Errorf("record: %w", events.ErrNotFound)
	}
	return r, nil
}

// CompareAndPut writes rec when the stored revision equals expectRev (0: the
// record must be missing or expired).
func (m *MemoryRecords) CompareAndPut(_ context.Context, rec events.Record, expectRev int64) (events.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.recs == nil {
		m.recs = map[string]events.Record{}
	}
	cur, ok := m.recs[rec.Key]
	var rev int64
	if ok && !cur.Expired(now) {
		rev = cur.Rev
	}
	if rev != expectRev {
		return events.Record{}, fmt.Errorf("record: %w", events.ErrVersionConflict)
	}
	if !ok {
		m.makeRoom(now)
	}
	rec.Rev = rev + 1
	rec.Data = append([]byte(nil), rec.Data...)
	m.recs[rec.Key] = rec
	return rec, nil
}

// TakeRecord deletes and returns the record.
func (m *MemoryRecords) TakeRecord(_ context.Context, key string) (events.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[key]
	delete(m.recs, key)
	if !ok || r.Expired(m.now()) {
		return events.Record{}, fmt.Errorf("record: %w", events.ErrNotFound)
	}
	return r, nil
}

// Len is the number of records held, expired ones included (for tests).
func (m *MemoryRecords) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.recs)
}

// makeRoom keeps the map under its cap (called with mu held, before an insert).
func (m *MemoryRecords) makeRoom(now time.Time) {
	limit := m.Cap
	if limit <= 0 {
		limit = DefaultMemoryRecordsCap
	}
	if len(m.recs) < limit {
		return
	}
	for k, r := range m.recs {
		if r.Expired(now) {
			delete(m.recs, k)
		}
	}
	for k := range m.recs { // random order: drops arbitrary records
		if len(m.recs) < limit {
			break
		}
		delete(m.recs, k)
	}
}
