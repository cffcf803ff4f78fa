// Package storetest is the contract suite every events.Store adapter passes
// (embedded, DynamoDB on moto, and any fake another package writes). Call
// Run from a test in the adapter's package:
//
//	func TestContract(t *testing.T) { storetest.Run(t, func(t *testing.T) events.Store { ... }) }
//
// newStore must return an empty store that lives until t ends (register
// cleanup with t.Cleanup). Every subtest gets its own store and runs in
// parallel with the others.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
)

// Options tune the suite for slow adapters. The zero value is the full
// suite; adapters document any reduction.
type Options struct {
	// Appenders x AppendsEach is the concurrent-append case (default 32 x 200).
	Appenders   int
	AppendsEach int
	// LoadEvents is the size of the paging case (default 5,000).
	LoadEvents int
}

// Run runs the full contract suite.
func Run(t *testing.T, newStore func(t *testing.T) events.Store) {
	RunWith(t, newStore, Options{})
}

// RunWith runs the contract suite with options.
func RunWith(t *testing.T, newStore func(t *testing.T) events.Store, o Options) {
	if o.Appenders == 0 {
		o.Appenders = 32
	}
	if o.AppendsEach == 0 {
		o.AppendsEach = 200
	}
	if o.LoadEvents == 0 {
		o.LoadEvents = 5000
	}
	cases := []struct {
		name string
		fn   func(t *testing.T, s events.Store)
	}{
		{"AppendLoad", testAppendLoad},
		{"ExpectNewOnExistingStream", testExpectNew},
		{"StaleExpectedVersion", testStale},
		{"TooHighExpectedVersionLeavesNoGap", testTooHigh},
		{"ExpectAny", testExpectAny},
		{"InvalidRequests", testInvalid},
		{"OversizedEvent", testOversized},
		{"TooManyItems", testTooManyItems},
		{"ReservationTakenWritesNothing", testReservation},
		{"ExpiredReservationCanBeRetaken", testExpiredReservation},
		{"ConflictWritesNoRecord", testConflictWritesNoRecord},
		{"IdempotentReplay", testIdempotency},
		{"InlineRecordPutAndDelete", testInlinePutDelete},
		{"ReadAll", testReadAll},
		{"RecordsCompareAndPut", testCompareAndPut},
		{"RecordsExpiry", testRecordExpiry},
		{"RecordsTake", testTake},
		{"RecordsTakeConcurrent", testTakeConcurrent},
		{"RecordsCompareAndPutConcurrent", testCASConcurrent},
		{fmt.Sprintf("LoadPaging%d", o.LoadEvents), func(t *testing.T, s events.Store) { testPaging(t, s, o.LoadEvents) }},
		{fmt.Sprintf("ConcurrentAppenders%dx%d", o.Appenders, o.AppendsEach), func(t *testing.T, s events.Store) {
			testConcurrent(t, s, o.Appenders, o.AppendsEach)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newStore(t))
		})
	}
}

// NewStreamID returns a fresh stream id of the given kind ("tenant", ...).
func NewStreamID(kind string) string { return kind + "-" + ulid.Make().String() }

// Event builds a valid envelope for tests.
func Event(stream string, version int64, data string) events.Envelope {
	return events.Envelope{
		EventID: ulid.Make().String(), StreamID: stream, Version: version,
		Type: "test.happened", Schema: 1, TenantID: "01TENANT",
		OccurredAt: time.Now().UTC().Truncate(time.Microsecond), Actor: "system",
		CorrelationID: "corr", CausationID: "cause",
		Data: json.RawMessage(data),
	}
}

// SampleEnvelope is a fixed valid envelope with every field set but the
// causation id, whose data must survive a codec byte for byte (key order,
// number forms, null).
func SampleEnvelope() events.Envelope {
	return events.Envelope{
		EventID: "01JDQ8Z3C8A1B2C3D4E5F6G7H8", StreamID: "pirep-01JDQ8Z3C7X4H5N6P7Q8R9S0T1", Version: 7,
		Type: "pirep.submitted", Schema: 2, TenantID: "01JDQ8Z3C7X4H5N6P7Q8R9S0T1",
		OccurredAt: time.Date(2026, 11, 26, 13, 1, 2, 345000000, time.UTC), Actor: "user-01X",
		CorrelationID: "c1", CausationID: "",
		Data: json.RawMessage(`{"raw":"UA /OV OKC/TM 1522","alt":[1,2.50,3e2],"nested":{"z":1,"a":null}}`),
	}
}

// Events builds n consecutive events starting at version from.
func Events(stream string, from int64, n int) []events.Envelope {
	out := make([]events.Envelope, n)
	for i := range out {
		out[i] = Event(stream, from+int64(i), fmt.Sprintf(`{"n":%d}`, from+int64(i)))
	}
	return out
}

// race runs fn(0) to fn(n-1) on n goroutines released at once, so they
// contend, and returns when all have returned.
func race(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

func ctx(t *testing.T) context.Context { return t.Context() }

func appendN(t *testing.T, s events.Store, stream string, expected int64, n int) []events.Envelope {
	t.Helper()
	evs := Events(stream, expected+1, n)
	res, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: expected, Events: evs})
	require.NoError(t, err)
	require.Equal(t, expected+int64(n), res.Version)
	return evs
}

func loadAll(t *testing.T, s events.Store, stream string) []events.Envelope {
	t.Helper()
	evs, err := events.LoadAll(ctx(t), s, stream)
	require.NoError(t, err)
	return evs
}

func assertNoStream(t *testing.T, s events.Store, stream string) {
	t.Helper()
	_, err := s.Load(ctx(t), stream, 1, 0)
	assert.ErrorIs(t, err, events.ErrNotFound, "stream %s must not exist", stream)
}

func assertNoRecord(t *testing.T, s events.Store, key string) {
	t.Helper()
	_, err := s.GetRecord(ctx(t), key)
	assert.ErrorIs(t, err, events.ErrNotFound, "record %s must not exist", key)
}

func testAppendLoad(t *testing.T, s events.Store) {
	stream := NewStreamID("tenant")
	assertNoStream(t, s, stream)
	first := appendN(t, s, stream, events.ExpectNew, 3)
	more := appendN(t, s, stream, 3, 2)
	all := append(first, more...)
	assert.Equal(t, all, loadAll(t, s, stream))

	p, err := s.Load(ctx(t), stream, 2, 2)
	require.NoError(t, err)
	assert.Equal(t, all[1:3], p.Events)
	assert.Equal(t, int64(4), p.Next)
	p, err = s.Load(ctx(t), stream, 4, 10)
	require.NoError(t, err)
	assert.Equal(t, all[3:], p.Events)
	assert.Zero(t, p.Next)
	p, err = s.Load(ctx(t), stream, 6, 10)
	require.NoError(t, err, "loading past the end of an existing stream is an empty page")
	assert.Empty(t, p.Events)
	assert.Zero(t, p.Next)

	// Another stream is independent.
	other := NewStreamID("user")
	appendN(t, s, other, events.ExpectNew, 1)
	assert.Len(t, loadAll(t, s, stream), 5)
	assert.Len(t, loadAll(t, s, other), 1)
}

func testExpectNew(t *testing.T, s events.Store) {
	stream := NewStreamID("user")
	appendN(t, s, stream, events.ExpectNew, 1)
	_, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: events.ExpectNew, Events: Events(stream, 1, 1)})
	require.ErrorIs(t, err, events.ErrVersionConflict)
	var ce *events.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, stream, ce.StreamID)
	assert.Equal(t, events.ExpectNew, ce.Expected)
	assert.Len(t, loadAll(t, s, stream), 1)
}

func testStale(t *testing.T, s events.Store) {
	stream := NewStreamID("pirep")
	appendN(t, s, stream, events.ExpectNew, 3)
	_, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: 2, Events: Events(stream, 3, 2)})
	require.ErrorIs(t, err, events.ErrVersionConflict)
	got := loadAll(t, s, stream)
	require.Len(t, got, 3)
	assert.JSONEq(t, `{"n":3}`, string(got[2].Data), "the stored event 3 was not replaced")
}

func testTooHigh(t *testing.T, s events.Store) {
	stream := NewStreamID("tenant")
	appendN(t, s, stream, events.ExpectNew, 3)
	for _, expected := range []int64{4, 5, 100} {
		_, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: expected, Events: Events(stream, expected+1, 1)})
		require.ErrorIs(t, err, events.ErrVersionConflict, "expected %d", expected)
	}
	// Also on a stream that does not exist yet.
	fresh := NewStreamID("tenant")
	_, err := s.Append(ctx(t), events.AppendRequest{StreamID: fresh, ExpectedVersion: 1, Events: Events(fresh, 2, 1)})
	require.ErrorIs(t, err, events.ErrVersionConflict)
	assertNoStream(t, s, fresh)

	got := loadAll(t, s, stream)
	require.Len(t, got, 3, "no gap: nothing was written after version 3")
	p, err := s.Load(ctx(t), stream, 5, 10)
	require.NoError(t, err)
	assert.Empty(t, p.Events)
	appendN(t, s, stream, 3, 1)
	assert.Len(t, loadAll(t, s, stream), 4)
}

func testExpectAny(t *testing.T, s events.Store) {
	stream := NewStreamID("tenant")
	res, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: events.ExpectAny, Events: Events(stream, 1, 2)})
	require.NoError(t, err)
	assert.Equal(t, int64(2), res.Version)
	// Versions given by the caller are replaced by the store.
	res, err = s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: events.ExpectAny, Events: Events(stream, 1, 2)})
	require.NoError(t, err)
	assert.Equal(t, int64(4), res.Version)
	got := loadAll(t, s, stream)
	require.Len(t, got, 4)
	for i, e := range got {
		assert.Equal(t, int64(i+1), e.Version)
	}
}

func testInvalid(t *testing.T, s events.Store) {
	stream := NewStreamID("user")
	bad := Event(stream, 1, `{}`)
	bad.Type = ""
	tests := []struct {
		name string
		req  events.AppendRequest
	}{
		{"no events", events.AppendRequest{StreamID: stream}},
		{"invalid event", events.AppendRequest{StreamID: stream, Events: []events.Envelope{bad}}},
		{"version gap", events.AppendRequest{StreamID: stream, Events: Events(stream, 2, 1)}},
		{"wrong stream", events.AppendRequest{StreamID: stream, Events: Events(NewStreamID("user"), 1, 1)}},
		{"record without key", events.AppendRequest{StreamID: stream, Events: Events(stream, 1, 1),
			Records: []events.RecordOp{{Mode: events.RecordPut}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Append(ctx(t), tc.req)
			require.ErrorIs(t, err, events.ErrInvalid)
		})
	}
	assertNoStream(t, s, stream)
	_, err := s.CompareAndPut(ctx(t), events.Record{}, 0)
	assert.ErrorIs(t, err, events.ErrInvalid)
}

func testOversized(t *testing.T, s events.Store) {
	stream := NewStreamID("pirep")
	e := Event(stream, 1, `{"blob":"`+strings.Repeat("x", events.MaxDataBytes)+`"}`)
	_, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, Events: []events.Envelope{e}})
	require.ErrorIs(t, err, events.ErrTooLarge)
	assert.Contains(t, err.Error(), "bytes, limit", "the message names the limit")
	assertNoStream(t, s, stream)

	// Just under the limit is stored whole.
	e = Event(stream, 1, `{"blob":"`+strings.Repeat("y", events.MaxDataBytes-12)+`"}`)
	_, err = s.Append(ctx(t), events.AppendRequest{StreamID: stream, Events: []events.Envelope{e}})
	require.NoError(t, err)
	got := loadAll(t, s, stream)
	require.Len(t, got, 1)
	assert.Equal(t, e.Data, got[0].Data)

	_, err = s.CompareAndPut(ctx(t), events.Record{Key: "big", Data: json.RawMessage(`"` + strings.Repeat("z", events.MaxRecordDataBytes) + `"`)}, 0)
	assert.ErrorIs(t, err, events.ErrTooLarge)
	assertNoRecord(t, s, "big")
}

func testTooManyItems(t *testing.T, s events.Store) {
	stream := NewStreamID("tenant")
	_, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, Events: Events(stream, 1, events.MaxEventsPerAppend+1)})
	require.ErrorIs(t, err, events.ErrTooLarge)
	assert.Contains(t, err.Error(), "events in one append")

	var recs []events.RecordOp
	for i := 0; i < events.MaxItemsPerAppend-events.MaxEventsPerAppend+1; i++ {
		recs = append(recs, events.RecordOp{Mode: events.RecordPut, Record: events.Record{Key: fmt.Sprintf("%s/r%d", stream, i), Kind: "k"}})
	}
	_, err = s.Append(ctx(t), events.AppendRequest{StreamID: stream, Events: Events(stream, 1, events.MaxEventsPerAppend), Records: recs})
	require.ErrorIs(t, err, events.ErrTooLarge)
	assert.Contains(t, err.Error(), "items")
	assertNoStream(t, s, stream)
	assertNoRecord(t, s, recs[0].Record.Key)

	// Exactly at the limit works.
	res, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, Events: Events(stream, 1, events.MaxEventsPerAppend), Records: recs[1:]})
	require.NoError(t, err)
	assert.Equal(t, int64(events.MaxEventsPerAppend), res.Version)
	r, err := s.GetRecord(ctx(t), recs[len(recs)-1].Record.Key)
	require.NoError(t, err)
	assert.Equal(t, "k", r.Kind)
}

func testReservation(t *testing.T, s events.Store) {
	key := "email#" + ulid.Make().String() + "@example.com"
	a, b := NewStreamID("user"), NewStreamID("user")
	res := func(stream string) events.RecordOp {
		return events.RecordOp{Mode: events.RecordPutIfAbsent, Record: events.Record{Key: key, Kind: "reservation", Data: json.RawMessage(`{"user":"` + stream + `"}`)}}
	}
	_, err := s.Append(ctx(t), events.AppendRequest{StreamID: a, Events: Events(a, 1, 1), Records: []events.RecordOp{res(a)}})
	require.NoError(t, err)
	_, err = s.Append(ctx(t), events.AppendRequest{StreamID: b, Events: Events(b, 1, 2), Records: []events.RecordOp{
		{Mode: events.RecordPut, Record: events.Record{Key: b + "/cred", Kind: "credential"}},
		res(b),
	}})
	require.ErrorIs(t, err, events.ErrDuplicate)
	var de *events.DuplicateError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, key, de.Key)
	assertNoStream(t, s, b)
	assertNoRecord(t, s, b+"/cred")
	r, err := s.GetRecord(ctx(t), key)
	require.NoError(t, err)
	assert.JSONEq(t, `{"user":"`+a+`"}`, string(r.Data), "the reservation still belongs to the first user")
	assert.Equal(t, int64(1), r.Rev)

	// Releasing it (RecordDelete) lets b take it.
	_, err = s.Append(ctx(t), events.AppendRequest{StreamID: a, ExpectedVersion: 1, Events: Events(a, 2, 1),
		Records: []events.RecordOp{{Mode: events.RecordDelete, Record: events.Record{Key: key}}}})
	require.NoError(t, err)
	_, err = s.Append(ctx(t), events.AppendRequest{StreamID: b, Events: Events(b, 1, 1), Records: []events.RecordOp{res(b)}})
	require.NoError(t, err)
	r, err = s.GetRecord(ctx(t), key)
	require.NoError(t, err)
	assert.JSONEq(t, `{"user":"`+b+`"}`, string(r.Data))
}

func testExpiredReservation(t *testing.T, s events.Store) {
	key := "bootstrap#" + ulid.Make().String()
	past := time.Now().Add(-time.Hour)
	a, b := NewStreamID("tenant"), NewStreamID("tenant")
	_, err := s.Append(ctx(t), events.AppendRequest{StreamID: a, Events: Events(a, 1, 1), Records: []events.RecordOp{
		{Mode: events.RecordPutIfAbsent, Record: events.Record{Key: key, Kind: "marker", ExpiresAt: &past}}}})
	require.NoError(t, err)
	assertNoRecord(t, s, key)
	_, err = s.Append(ctx(t), events.AppendRequest{StreamID: b, Events: Events(b, 1, 1), Records: []events.RecordOp{
		{Mode: events.RecordPutIfAbsent, Record: events.Record{Key: key, Kind: "marker"}}}})
	require.NoError(t, err, "an expired reservation does not block")
	r, err := s.GetRecord(ctx(t), key)
	require.NoError(t, err)
	assert.Nil(t, r.ExpiresAt)
}

func testConflictWritesNoRecord(t *testing.T, s events.Store) {
	stream := NewStreamID("user")
	appendN(t, s, stream, events.ExpectNew, 1)
	key := stream + "/cred"
	_, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: events.ExpectNew, Events: Events(stream, 1, 1),
		Records: []events.RecordOp{{Mode: events.RecordPut, Record: events.Record{Key: key, Kind: "credential"}}}})
	require.ErrorIs(t, err, events.ErrVersionConflict)
	assertNoRecord(t, s, key)
}

func testIdempotency(t *testing.T, s events.Store) {
	key := "idem#" + ulid.Make().String()
	stream := NewStreamID("pirep")
	idem := func(result string) events.RecordOp {
		return events.RecordOp{Mode: events.RecordIdempotency, Record: events.Record{Key: key, Kind: "idempotency", Data: json.RawMessage(result)}}
	}
	res, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, Events: Events(stream, 1, 1), Records: []events.RecordOp{idem(`{"stream":"` + stream + `","version":1}`)}})
	require.NoError(t, err)
	assert.Equal(t, int64(1), res.Version)

	// The retry (same key, a new stream as a retried create would use) replays.
	retry := NewStreamID("pirep")
	_, err = s.Append(ctx(t), events.AppendRequest{StreamID: retry, Events: Events(retry, 1, 1), Records: []events.RecordOp{idem(`{"other":true}`)}})
	require.ErrorIs(t, err, events.ErrIdempotentReplay)
	var re *events.ReplayError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, key, re.Record.Key)
	assert.JSONEq(t, `{"stream":"`+stream+`","version":1}`, string(re.Record.Data), "the first result is returned")
	assertNoStream(t, s, retry)
	// Same stream, next version: also a replay, nothing written.
	_, err = s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: 1, Events: Events(stream, 2, 1), Records: []events.RecordOp{idem(`{}`)}})
	require.ErrorIs(t, err, events.ErrIdempotentReplay)
	assert.Len(t, loadAll(t, s, stream), 1)
	r, err := s.GetRecord(ctx(t), key)
	require.NoError(t, err)
	assert.JSONEq(t, `{"stream":"`+stream+`","version":1}`, string(r.Data))
}

func testInlinePutDelete(t *testing.T, s events.Store) {
	stream := NewStreamID("apikey")
	key := stream + "/cred"
	exp := time.Now().Add(time.Hour).UTC()
	put := func(v int64, data string) {
		_, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: v - 1, Events: Events(stream, v, 1),
			Records: []events.RecordOp{{Mode: events.RecordPut, Record: events.Record{Key: key, Kind: "credential", Data: json.RawMessage(data), ExpiresAt: &exp}}}})
		require.NoError(t, err)
	}
	put(1, `{"hash":"a"}`)
	r, err := s.GetRecord(ctx(t), key)
	require.NoError(t, err)
	assert.Equal(t, int64(1), r.Rev)
	assert.Equal(t, "credential", r.Kind)
	assert.JSONEq(t, `{"hash":"a"}`, string(r.Data))
	require.NotNil(t, r.ExpiresAt)
	assert.True(t, exp.Truncate(time.Second).Equal(*r.ExpiresAt), "expiry is kept to the second")
	put(2, `{"hash":"b"}`)
	r, err = s.GetRecord(ctx(t), key)
	require.NoError(t, err)
	assert.Equal(t, int64(2), r.Rev, "RecordPut increments Rev")
	assert.JSONEq(t, `{"hash":"b"}`, string(r.Data))

	_, err = s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: 2, Events: Events(stream, 3, 1),
		Records: []events.RecordOp{{Mode: events.RecordDelete, Record: events.Record{Key: key}}, {Mode: events.RecordDelete, Record: events.Record{Key: "never-existed-" + stream}}}})
	require.NoError(t, err, "deleting an absent record is not an error")
	assertNoRecord(t, s, key)
}

func testReadAll(t *testing.T, s events.Store) {
	want := map[string][]events.Envelope{}
	for i := 0; i < 5; i++ {
		stream := NewStreamID([]string{"tenant", "user", "apikey", "pirep"}[i%4])
		want[stream] = appendN(t, s, stream, events.ExpectNew, i+1)
		if i%2 == 0 {
			want[stream] = append(want[stream], appendN(t, s, stream, int64(i+1), 2)...)
		}
	}
	got := map[string][]events.Envelope{}
	require.NoError(t, s.ReadAll(ctx(t), func(e events.Envelope) error {
		got[e.StreamID] = append(got[e.StreamID], e)
		return nil
	}))
	assert.Equal(t, want, got)

	stop := errors.New("stop")
	n := 0
	err := s.ReadAll(ctx(t), func(events.Envelope) error { n++; return stop })
	assert.ErrorIs(t, err, stop, "fn's error stops ReadAll and is returned")
	assert.Equal(t, 1, n)
}

func testCompareAndPut(t *testing.T, s events.Store) {
	key := "ticket#" + ulid.Make().String()
	assertNoRecord(t, s, key)
	r1, err := s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "counter", Data: json.RawMessage(`{"n":1}`)}, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(1), r1.Rev)
	_, err = s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "counter", Data: json.RawMessage(`{"n":9}`)}, 0)
	require.ErrorIs(t, err, events.ErrVersionConflict, "0 means must not exist")
	r2, err := s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "counter", Data: json.RawMessage(`{"n":2}`)}, 1)
	require.NoError(t, err)
	assert.Equal(t, int64(2), r2.Rev)
	_, err = s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "counter", Data: json.RawMessage(`{"n":9}`)}, 1)
	require.ErrorIs(t, err, events.ErrVersionConflict)
	_, err = s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "counter", Data: json.RawMessage(`{"n":9}`)}, 7)
	require.ErrorIs(t, err, events.ErrVersionConflict)
	got, err := s.GetRecord(ctx(t), key)
	require.NoError(t, err)
	assert.Equal(t, r2, got)
	assert.JSONEq(t, `{"n":2}`, string(got.Data))
	_, err = s.CompareAndPut(ctx(t), events.Record{Key: "absent-" + key, Kind: "counter"}, 3)
	require.ErrorIs(t, err, events.ErrVersionConflict, "a missing record has no rev 3")
}

func testRecordExpiry(t *testing.T, s events.Store) {
	key := "session#" + ulid.Make().String()
	past, future := time.Now().Add(-2*time.Second), time.Now().Add(time.Hour)
	_, err := s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "ticket", ExpiresAt: &past}, 0)
	require.NoError(t, err)
	assertNoRecord(t, s, key)
	_, err = s.TakeRecord(ctx(t), key)
	assert.ErrorIs(t, err, events.ErrNotFound, "an expired record cannot be taken")
	_, err = s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "ticket"}, 1)
	require.ErrorIs(t, err, events.ErrVersionConflict, "an expired record has no live rev")
	r, err := s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "ticket", ExpiresAt: &future}, 0)
	require.NoError(t, err, "an expired record counts as absent")
	assert.Equal(t, int64(1), r.Rev)
	got, err := s.GetRecord(ctx(t), key)
	require.NoError(t, err)
	require.NotNil(t, got.ExpiresAt)
	assert.True(t, future.Truncate(time.Second).Equal(*got.ExpiresAt))

	// A record that expires shortly is visible, then gone.
	soon := time.Now().Add(2500 * time.Millisecond) // >= 1.5 s of life after truncation to seconds
	key2 := key + "-soon"
	_, err = s.CompareAndPut(ctx(t), events.Record{Key: key2, Kind: "ticket", ExpiresAt: &soon}, 0)
	require.NoError(t, err)
	_, err = s.GetRecord(ctx(t), key2)
	require.NoError(t, err)
	time.Sleep(time.Until(soon.Truncate(time.Second)) + 50*time.Millisecond)
	assertNoRecord(t, s, key2)
}

func testTake(t *testing.T, s events.Store) {
	key := "wsticket#" + ulid.Make().String()
	_, err := s.TakeRecord(ctx(t), key)
	require.ErrorIs(t, err, events.ErrNotFound)
	put, err := s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "ticket", Data: json.RawMessage(`{"user":"u"}`)}, 0)
	require.NoError(t, err)
	got, err := s.TakeRecord(ctx(t), key)
	require.NoError(t, err)
	assert.Equal(t, put, got)
	_, err = s.TakeRecord(ctx(t), key)
	assert.ErrorIs(t, err, events.ErrNotFound, "a ticket is taken once")
	assertNoRecord(t, s, key)
}

func testTakeConcurrent(t *testing.T, s events.Store) {
	const takers = 16
	for round := 0; round < 3; round++ {
		key := fmt.Sprintf("wsticket#%s-%d", ulid.Make(), round)
		_, err := s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "ticket"}, 0)
		require.NoError(t, err)
		var wins, notFound atomic.Int32
		race(takers, func(int) {
			_, err := s.TakeRecord(context.Background(), key)
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, events.ErrNotFound):
				notFound.Add(1)
			default:
				t.Errorf("take: %v", err)
			}
		})
		assert.Equal(t, int32(1), wins.Load(), "exactly one taker wins")
		assert.Equal(t, int32(takers-1), notFound.Load())
	}
}

func testCASConcurrent(t *testing.T, s events.Store) {
	const workers, each = 8, 10
	key := "counter#" + ulid.Make().String()
	_, err := s.CompareAndPut(ctx(t), events.Record{Key: key, Kind: "counter", Data: json.RawMessage(`0`)}, 0)
	require.NoError(t, err)
	race(workers, func(int) {
		for done := 0; done < each; {
			cur, err := s.GetRecord(context.Background(), key)
			if !assert.NoError(t, err) {
				return
			}
			var n int
			_ = json.Unmarshal(cur.Data, &n)
			cur.Data = json.RawMessage(fmt.Sprint(n + 1))
			_, err = s.CompareAndPut(context.Background(), cur, cur.Rev)
			if errors.Is(err, events.ErrVersionConflict) {
				continue
			}
			if !assert.NoError(t, err) {
				return
			}
			done++
		}
	})
	r, err := s.GetRecord(ctx(t), key)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(workers*each), string(r.Data), "no lost update")
	assert.Equal(t, int64(workers*each+1), r.Rev)
}

func testPaging(t *testing.T, s events.Store, total int) {
	stream := NewStreamID("pirep")
	pad := strings.Repeat("p", 400) // ~500-byte events: 5,000 of them span several 1 MB DynamoDB pages
	var v int64
	for v < int64(total) {
		n := min(events.MaxEventsPerAppend, total-int(v))
		evs := make([]events.Envelope, n)
		for i := range evs {
			evs[i] = Event(stream, v+int64(i)+1, fmt.Sprintf(`{"n":%d,"pad":%q}`, v+int64(i)+1, pad))
		}
		_, err := s.Append(ctx(t), events.AppendRequest{StreamID: stream, ExpectedVersion: v, Events: evs})
		require.NoError(t, err)
		v += int64(n)
	}
	p, err := s.Load(ctx(t), stream, 1, 0)
	require.NoError(t, err)
	assert.Len(t, p.Events, min(total, events.DefaultLoadPageSize), "limit 0 is DefaultLoadPageSize")
	all := loadAll(t, s, stream)
	require.Len(t, all, total)
	for i, e := range all {
		require.Equal(t, int64(i+1), e.Version)
		require.JSONEq(t, fmt.Sprintf(`{"n":%d,"pad":%q}`, i+1, pad), string(e.Data))
	}
	// Big pages and odd pages.
	for _, limit := range []int{total, 1777} {
		from, n, pages := int64(1), 0, 0
		for ; from != 0; pages++ {
			require.Less(t, pages, total/limit+2, "limit %d: too many pages", limit)
			p, err := s.Load(ctx(t), stream, from, limit)
			require.NoError(t, err)
			require.LessOrEqual(t, len(p.Events), limit)
			require.NotEmpty(t, p.Events)
			require.Equal(t, from, p.Events[0].Version)
			n += len(p.Events)
			from = p.Next
		}
		assert.Equal(t, total, n, "limit %d", limit)
	}
	// The tail.
	p, err = s.Load(ctx(t), stream, int64(total)-2, 7)
	require.NoError(t, err)
	require.Len(t, p.Events, 3)
	assert.Equal(t, int64(total), p.Events[2].Version)
	assert.Zero(t, p.Next)
	p, err = s.Load(ctx(t), stream, int64(total)-6, 7)
	require.NoError(t, err)
	require.Len(t, p.Events, 7)
	assert.Zero(t, p.Next, "a page ending exactly at the head has Next 0")
}

// testConcurrent: appenders race on one stream with the version they last
// saw; every attempt either wins or gets ErrVersionConflict, and the stream
// ends gapless and duplicate-free with exactly the winners' events.
func testConcurrent(t *testing.T, s events.Store, appenders, each int) {
	stream := NewStreamID("tenant")
	appendN(t, s, stream, events.ExpectNew, 1)
	var head atomic.Int64 // a hint; appenders also learn from conflicts
	head.Store(1)
	var wins, conflicts atomic.Int64
	race(appenders, func(a int) {
		for i := 0; i < each; i++ {
			expected := head.Load()
			e := Event(stream, expected+1, fmt.Sprintf(`{"appender":%d,"attempt":%d}`, a, i))
			res, err := s.Append(context.Background(), events.AppendRequest{StreamID: stream, ExpectedVersion: expected, Events: []events.Envelope{e}})
			switch {
			case err == nil:
				wins.Add(1)
				for {
					h := head.Load()
					if res.Version <= h || head.CompareAndSwap(h, res.Version) {
						break
					}
				}
			case errors.Is(err, events.ErrVersionConflict):
				conflicts.Add(1)
			default:
				t.Errorf("appender %d attempt %d: %v (want nil or ErrVersionConflict)", a, i, err)
				return
			}
		}
	})
	all := loadAll(t, s, stream)
	require.Equal(t, int64(appenders*each), wins.Load()+conflicts.Load())
	require.Len(t, all, int(wins.Load())+1, "every win is stored, nothing else")
	seen := map[string]bool{}
	for i, e := range all {
		require.Equal(t, int64(i+1), e.Version, "gapless")
		require.False(t, seen[e.EventID], "duplicate event %s", e.EventID)
		seen[e.EventID] = true
		if i > 0 {
			require.False(t, seen[string(e.Data)], "attempt stored twice: %s", e.Data)
			seen[string(e.Data)] = true
		}
	}
	assert.Positive(t, wins.Load())
	t.Logf("%d appenders x %d attempts: %d won, %d got ErrVersionConflict", appenders, each, wins.Load(), conflicts.Load())
}
