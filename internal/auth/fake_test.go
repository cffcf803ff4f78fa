package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
)

// testRecords is the embedded store (the local default) with a helper that
// overwrites a record the way an inline RecordPut does.
type testRecords struct {
	*embedded.Store
}

func newRecords(t *testing.T, now func() time.Time) *testRecords {
	t.Helper()
	s, err := openBenchRecords(t, now)
	if err != nil {
		t.Fatalf("open embedded store: %v", err)
	}
	return s
}

func openBenchRecords(tb testing.TB, now func() time.Time) (*testRecords, error) {
	s, err := embedded.Open(tb.TempDir(), embedded.Options{Now: now})
	if err != nil {
		return nil, err
	}
	tb.Cleanup(func() { _ = s.Close() })
	return &testRecords{s}, nil
}

// put overwrites rec whatever its revision.
func (s *testRecords) put(t *testing.T, rec events.Record) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		var rev int64
		cur, err := s.GetRecord(ctx, rec.Key)
		if err == nil {
			rev = cur.Rev
		} else if !errors.Is(err, events.ErrNotFound) {
			t.Fatal(err)
		}
		if _, err := s.CompareAndPut(ctx, rec, rev); err == nil {
			return
		}
	}
	t.Fatalf("put %s: contention", rec.Key)
}
