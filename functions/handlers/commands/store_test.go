package commands_test

import (
	"context"
	"sync"
	"time"

	"github.com/skyledger/skyledger/events"
)

// memStore is an in-test events.Store used until events/embedded lands. It
// follows the port's documented contract: atomic appends with expected
// versions and inline record modes, record expiry, Rev, TakeRecord.
type memStore struct {
	mu      sync.Mutex
	streams map[string][]events.Envelope
	recs    map[string]events.Record
	now     func() time.Time
	appends int
}

func newMemStore(now func() time.Time) *memStore {
	return &memStore{streams: map[string][]events.Envelope{}, recs: map[string]events.Record{}, now: now}
}

func (s *memStore) live(key string) (events.Record, bool) {
	r, ok := s.recs[key]
	if ok && r.ExpiresAt != nil && !s.now().Before(*r.ExpiresAt) {
		return events.Record{}, false
	}
	return r, ok
}

func (s *memStore) Append(_ context.Context, req events.AppendRequest) (events.AppendResult, error) {
	if err := events.CheckAppend(req); err != nil {
		return events.AppendResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := int64(len(s.streams[req.StreamID]))
	if req.ExpectedVersion != events.ExpectAny && req.ExpectedVersion != cur {
		return events.AppendResult{}, &events.ConflictError{StreamID: req.StreamID, Expected: req.ExpectedVersion}
	}
	for _, op := range req.Records {
		if r, ok := s.live(op.Record.Key); ok {
			switch op.Mode {
			case events.RecordPutIfAbsent:
				return events.AppendResult{}, &events.DuplicateError{Key: op.Record.Key}
			case events.RecordIdempotency:
				return events.AppendResult{}, &events.ReplayError{Record: r}
			}
		}
	}
	for _, op := range req.Records {
		if op.Mode == events.RecordDelete {
			delete(s.recs, op.Record.Key)
			continue
		}
		r, _ := s.live(op.Record.Key)
		op.Record.Rev = r.Rev + 1
		s.recs[op.Record.Key] = op.Record
	}
	s.streams[req.StreamID] = append(s.streams[req.StreamID], req.Events...)
	s.appends++
	return events.AppendResult{StreamID: req.StreamID, Version: cur + int64(len(req.Events))}, nil
}

func (s *memStore) Load(_ context.Context, id string, from int64, limit int) (events.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs, ok := s.streams[id]
	if !ok {
		return events.Page{}, events.ErrNotFound
	}
	if from < 1 {
		from = 1
	}
	var out []events.Envelope
	if from <= int64(len(evs)) {
		out = append(out, evs[from-1:]...)
	}
	return events.Page{Events: out}, nil
}

func (s *memStore) ReadAll(_ context.Context, fn func(events.Envelope) error) error {
	s.mu.Lock()
	var all []events.Envelope
	for _, evs := range s.streams {
		all = append(all, evs...)
	}
	s.mu.Unlock()
	for _, e := range all {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) GetRecord(_ context.Context, key string) (events.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.live(key)
	if !ok {
		return events.Record{}, events.ErrNotFound
	}
	return r, nil
}

func (s *memStore) CompareAndPut(_ context.Context, rec events.Record, expectRev int64) (events.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.live(rec.Key)
	if (!ok && expectRev != 0) || (ok && cur.Rev != expectRev) {
		return events.Record{}, events.ErrVersionConflict
	}
	rec.Rev = expectRev + 1
	s.recs[rec.Key] = rec
	return rec, nil
}

func (s *memStore) TakeRecord(_ context.Context, key string) (events.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.live(key)
	delete(s.recs, key)
	if !ok {
		return events.Record{}, events.ErrNotFound
	}
	return r, nil
}

// counts returns the number of successful appends and stored records, to
// assert that a refused request wrote nothing.
func (s *memStore) counts() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appends, len(s.recs)
}
