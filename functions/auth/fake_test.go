package auth_test

import (
	"context"
	"sync"
	"time"

	"github.com/skyledger/skyledger/events"
)

// memRecords is an in-test events.Records used until the embedded store is
// available; it follows the port's documented contract (expiry, Rev, take).
type memRecords struct {
	mu  sync.Mutex
	m   map[string]events.Record
	now func() time.Time
}

func newMemRecords(now func() time.Time) *memRecords {
	return &memRecords{m: map[string]events.Record{}, now: now}
}

func (s *memRecords) live(key string) (events.Record, bool) {
	r, ok := s.m[key]
	if ok && r.ExpiresAt != nil && !s.now().Before(*r.ExpiresAt) {
		return events.Record{}, false
	}
	return r, ok
}

func (s *memRecords) GetRecord(_ context.Context, key string) (events.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.live(key)
	if !ok {
		return events.Record{}, events.ErrNotFound
	}
	return r, nil
}

func (s *memRecords) CompareAndPut(_ context.Context, rec events.Record, expectRev int64) (events.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.live(rec.Key)
	if (!ok && expectRev != 0) || (ok && cur.Rev != expectRev) {
		return events.Record{}, events.ErrVersionConflict
	}
	rec.Rev = expectRev + 1
	s.m[rec.Key] = rec
	return rec, nil
}

func (s *memRecords) TakeRecord(_ context.Context, key string) (events.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.live(key)
	delete(s.m, key)
	if !ok {
		return events.Record{}, events.ErrNotFound
	}
	return r, nil
}

// put writes like an inline RecordPut.
func (s *memRecords) put(rec events.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Rev = s.m[rec.Key].Rev + 1
	s.m[rec.Key] = rec
}
