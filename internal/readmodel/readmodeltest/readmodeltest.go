// Package readmodeltest is the contract suite every readmodel.Store adapter
// passes. Call Run from the adapter's tests with a constructor returning a
// fresh, empty store.
package readmodeltest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// Run runs the contract suite. newStore must return an empty store each call.
func Run(t *testing.T, newStore func(t *testing.T) readmodel.Store) {
	t.Run("PutGetRoundTrip", func(t *testing.T) { t.Parallel(); testPutGet(t, newStore(t)) })
	t.Run("GetMissingIsNotFound", func(t *testing.T) { t.Parallel(); testGetMissing(t, newStore(t)) })
	t.Run("PutIsConditionalOnSourceVersion", func(t *testing.T) { t.Parallel(); testConditional(t, newStore(t)) })
	t.Run("DeleteTombstones", func(t *testing.T) { t.Parallel(); testDelete(t, newStore(t)) })
	t.Run("QueryTableOrderAndKeyConditions", func(t *testing.T) { t.Parallel(); testQueryTable(t, newStore(t)) })
	t.Run("QueryPaginatesExactlyOnce", func(t *testing.T) { t.Parallel(); testPaginate(t, newStore(t)) })
	t.Run("QueryGSI1", func(t *testing.T) { t.Parallel(); testGSI(t, newStore(t)) })
	t.Run("InvalidInput", func(t *testing.T) { t.Parallel(); testInvalid(t, newStore(t)) })
	t.Run("ConcurrentPutsKeepHighestVersion", func(t *testing.T) { t.Parallel(); testConcurrent(t, newStore(t)) })
	t.Run("Scan", func(t *testing.T) { t.Parallel(); testScan(t, newStore(t)) })
}

func body(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func item(pk, sk string, v int64) readmodel.Item {
	return readmodel.Item{PK: pk, SK: sk, SourceStream: "user-" + pk, SourceVersion: v,
		Body: body(map[string]any{"pk": pk, "sk": sk, "version": v})}
}

func put(t *testing.T, s readmodel.Store, it readmodel.Item) {
	t.Helper()
	ok, err := s.Put(context.Background(), it)
	require.NoError(t, err)
	require.True(t, ok, "put %s/%s v%d should apply", it.PK, it.SK, it.SourceVersion)
}

func testPutGet(t *testing.T, s readmodel.Store) {
	ctx := context.Background()
	it := readmodel.Item{PK: "user#1", SK: "user", GSI1PK: "tenant#T#users", GSI1SK: "user#1",
		SourceStream: "user-1", SourceVersion: 3, Body: json.RawMessage(`{"id":"1","name":"Zoë \"q\"","n":[1,2]}`)}
	put(t, s, it)
	got, err := s.Get(ctx, "user#1", "user")
	require.NoError(t, err)
	assert.Equal(t, it.PK, got.PK)
	assert.Equal(t, it.SK, got.SK)
	assert.Equal(t, it.GSI1PK, got.GSI1PK)
	assert.Equal(t, it.GSI1SK, got.GSI1SK)
	assert.Equal(t, it.SourceStream, got.SourceStream)
	assert.Equal(t, it.SourceVersion, got.SourceVersion)
	assert.JSONEq(t, string(it.Body), string(got.Body))
}

func testGetMissing(t *testing.T, s readmodel.Store) {
	_, err := s.Get(context.Background(), "nope", "nope")
	require.Error(t, err)
	assert.ErrorIs(t, err, readmodel.ErrNotFound)
	assert.ErrorIs(t, err, domain.ErrNotFound)
}

func testConditional(t *testing.T, s readmodel.Store) {
	ctx := context.Background()
	put(t, s, item("a", "x", 2))
	tests := []struct {
		name    string
		version int64
		applied bool
		want    int64
	}{
		{"same version is a no-op", 2, false, 2},
		{"older version is a no-op", 1, false, 2},
		{"newer version applies", 3, true, 3},
		{"redelivered newer is a no-op", 3, false, 3},
		{"skip ahead applies", 7, true, 7},
	}
	for _, tc := range tests {
		it := item("a", "x", tc.version)
		it.Body = body(map[string]any{"attempt": tc.name})
		ok, err := s.Put(ctx, it)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.applied, ok, tc.name)
		got, err := s.Get(ctx, "a", "x")
		require.NoError(t, err)
		assert.Equal(t, tc.want, got.SourceVersion, tc.name)
		if !tc.applied {
			assert.NotContains(t, string(got.Body), tc.name, "a refused put must not change the body")
		}
	}
}

func testDelete(t *testing.T, s readmodel.Store) {
	ctx := context.Background()
	it := item("d", "x", 2)
	it.GSI1PK, it.GSI1SK = "g", "x"
	put(t, s, it)
	ok, err := s.Delete(ctx, "d", "x", "user-d", 2)
	require.NoError(t, err)
	assert.False(t, ok, "delete at the same version is a no-op")
	_, err = s.Get(ctx, "d", "x")
	require.NoError(t, err)

	ok, err = s.Delete(ctx, "d", "x", "user-d", 3)
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = s.Get(ctx, "d", "x")
	assert.ErrorIs(t, err, readmodel.ErrNotFound)
	p, err := s.Query(ctx, readmodel.Query{PK: "d"})
	require.NoError(t, err)
	assert.Empty(t, p.Items)
	p, err = s.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: "g"})
	require.NoError(t, err)
	assert.Empty(t, p.Items)

	ok, err = s.Put(ctx, item("d", "x", 3))
	require.NoError(t, err)
	assert.False(t, ok, "a redelivered older put must not resurrect a deleted item")
	_, err = s.Get(ctx, "d", "x")
	assert.ErrorIs(t, err, readmodel.ErrNotFound)

	ok, err = s.Delete(ctx, "missing", "x", "user-m", 1)
	require.NoError(t, err)
	assert.True(t, ok, "deleting a missing item records a tombstone")

	put(t, s, item("d", "x", 4))
	got, err := s.Get(ctx, "d", "x")
	require.NoError(t, err)
	assert.Equal(t, int64(4), got.SourceVersion)
}

func sks(p readmodel.Page) []string {
	out := []string{}
	for _, it := range p.Items {
		out = append(out, it.SK)
	}
	return out
}

func testQueryTable(t *testing.T, s readmodel.Store) {
	ctx := context.Background()
	for _, sk := range []string{"b#2", "a#1", "b#1", "c#1", "a#2", "b#3"} {
		put(t, s, item("p", sk, 1))
	}
	put(t, s, item("other", "a#0", 1))
	tests := []struct {
		name string
		q    readmodel.Query
		want []string
	}{
		{"all ascending", readmodel.Query{PK: "p"}, []string{"a#1", "a#2", "b#1", "b#2", "b#3", "c#1"}},
		{"all descending", readmodel.Query{PK: "p", Desc: true}, []string{"c#1", "b#3", "b#2", "b#1", "a#2", "a#1"}},
		{"prefix", readmodel.Query{PK: "p", SKPrefix: "b#"}, []string{"b#1", "b#2", "b#3"}},
		{"prefix descending", readmodel.Query{PK: "p", SKPrefix: "b#", Desc: true}, []string{"b#3", "b#2", "b#1"}},
		{"range", readmodel.Query{PK: "p", SKFrom: "a#2", SKTo: "b#2"}, []string{"a#2", "b#1", "b#2"}},
		{"from only", readmodel.Query{PK: "p", SKFrom: "b#3"}, []string{"b#3", "c#1"}},
		{"to only descending", readmodel.Query{PK: "p", SKTo: "a#2", Desc: true}, []string{"a#2", "a#1"}},
		{"limit", readmodel.Query{PK: "p", Limit: 2}, []string{"a#1", "a#2"}},
		{"empty partition", readmodel.Query{PK: "none"}, []string{}},
		{"no prefix match", readmodel.Query{PK: "p", SKPrefix: "z"}, []string{}},
	}
	for _, tc := range tests {
		p, err := s.Query(ctx, tc.q)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, sks(p), tc.name)
		if tc.q.Limit == 0 {
			assert.Empty(t, p.Next, "%s: a complete result has no next cursor", tc.name)
		} else {
			assert.NotEmpty(t, p.Next, tc.name)
		}
	}
}

func testPaginate(t *testing.T, s readmodel.Store) {
	ctx := context.Background()
	var want []string
	for i := 0; i < 23; i++ {
		sk := fmt.Sprintf("k#%03d", i)
		want = append(want, sk)
		put(t, s, item("p", sk, 1))
	}
	// tombstones in the middle must not shorten pages or leak
	for _, i := range []int{3, 4, 5, 11} {
		ok, err := s.Delete(ctx, "p", want[i], "user-p", 2)
		require.NoError(t, err)
		require.True(t, ok)
	}
	live := []string{}
	for i, sk := range want {
		if i != 3 && i != 4 && i != 5 && i != 11 {
			live = append(live, sk)
		}
	}
	for _, tc := range []struct {
		name  string
		desc  bool
		limit int
	}{{"asc by 5", false, 5}, {"desc by 4", true, 4}, {"asc by 1", false, 1}, {"exact fit 19", false, 19}} {
		var got []string
		cur := ""
		pages := 0
		for {
			p, err := s.Query(ctx, readmodel.Query{PK: "p", Desc: tc.desc, Limit: tc.limit, Cursor: cur})
			require.NoError(t, err, tc.name)
			require.LessOrEqual(t, len(p.Items), tc.limit)
			pages++
			got = append(got, sks(p)...)
			if p.Next == "" {
				break
			}
			require.Len(t, p.Items, tc.limit, "%s: only the last page may be short", tc.name)
			cur = p.Next
			require.Less(t, pages, 100)
		}
		exp := append([]string(nil), live...)
		if tc.desc {
			sort.Sort(sort.Reverse(sort.StringSlice(exp)))
		}
		assert.Equal(t, exp, got, tc.name)
		assert.Equal(t, (len(live)+tc.limit-1)/tc.limit, pages, tc.name)
	}
	_, err := s.Query(ctx, readmodel.Query{PK: "p", Cursor: "!!garbage"})
	var fe *domain.FieldError
	require.True(t, errors.As(err, &fe), "bad cursor: %v", err)
	assert.Equal(t, "cursor", fe.Field)
	p, err := s.Query(ctx, readmodel.Query{PK: "p", Limit: 2})
	require.NoError(t, err)
	_, err = s.Query(ctx, readmodel.Query{PK: "other", Cursor: p.Next})
	require.True(t, errors.As(err, &fe), "a cursor of another partition: %v", err)
	_, err = s.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: "p", Cursor: p.Next})
	require.True(t, errors.As(err, &fe), "a table cursor on the index: %v", err)
}

func testGSI(t *testing.T, s readmodel.Store) {
	ctx := context.Background()
	// users of tenant T across partitions, plus one unindexed item and one
	// of another tenant
	for i, id := range []string{"u3", "u1", "u2", "u5", "u4"} {
		it := item("user#"+id, "user", int64(i+1))
		it.GSI1PK, it.GSI1SK = "tenant#T#users", "user#"+id
		put(t, s, it)
	}
	other := item("user#x", "user", 1)
	other.GSI1PK, other.GSI1SK = "tenant#O#users", "user#x"
	put(t, s, other)
	put(t, s, item("user#plain", "user", 1))
	// moving an item to another index partition removes it from the first
	moved := item("user#u5", "user", 9)
	moved.GSI1PK, moved.GSI1SK = "tenant#O#users", "user#u5"
	put(t, s, moved)

	pks := func(p readmodel.Page) []string {
		out := []string{}
		for _, it := range p.Items {
			out = append(out, it.PK)
		}
		return out
	}
	p, err := s.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: "tenant#T#users"})
	require.NoError(t, err)
	assert.Equal(t, []string{"user#u1", "user#u2", "user#u3", "user#u4"}, pks(p))
	assert.Empty(t, p.Next)
	p, err = s.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: "tenant#T#users", Desc: true, Limit: 3})
	require.NoError(t, err)
	assert.Equal(t, []string{"user#u4", "user#u3", "user#u2"}, pks(p))
	require.NotEmpty(t, p.Next)
	p, err = s.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: "tenant#T#users", Desc: true, Limit: 3, Cursor: p.Next})
	require.NoError(t, err)
	assert.Equal(t, []string{"user#u1"}, pks(p))
	assert.Empty(t, p.Next)
	p, err = s.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: "tenant#O#users", SKPrefix: "user#u"})
	require.NoError(t, err)
	assert.Equal(t, []string{"user#u5"}, pks(p))
	assert.Equal(t, int64(9), p.Items[0].SourceVersion)
}

func testInvalid(t *testing.T, s readmodel.Store) {
	ctx := context.Background()
	good := item("p", "s", 1)
	tests := []struct {
		name  string
		mut   func(*readmodel.Item)
		field string
	}{
		{"empty pk", func(i *readmodel.Item) { i.PK = "" }, "pk"},
		{"empty sk", func(i *readmodel.Item) { i.SK = "" }, "sk"},
		{"zero version", func(i *readmodel.Item) { i.SourceVersion = 0 }, "source_version"},
		{"no stream", func(i *readmodel.Item) { i.SourceStream = "" }, "source_stream"},
		{"body not an object", func(i *readmodel.Item) { i.Body = json.RawMessage(`[1]`) }, "body"},
		{"body invalid json", func(i *readmodel.Item) { i.Body = json.RawMessage(`{"a":`) }, "body"},
		{"half gsi key", func(i *readmodel.Item) { i.GSI1PK = "g" }, "gsi1pk"},
	}
	for _, tc := range tests {
		it := good
		tc.mut(&it)
		_, err := s.Put(ctx, it)
		var fe *domain.FieldError
		require.True(t, errors.As(err, &fe), "%s: %v", tc.name, err)
		assert.Equal(t, tc.field, fe.Field, tc.name)
	}
	_, err := s.Get(ctx, "p", "s")
	assert.ErrorIs(t, err, readmodel.ErrNotFound, "nothing was written")
	for _, q := range []readmodel.Query{{}, {PK: "p", Index: "gsi9"}, {PK: "p", Limit: -1}, {PK: "p", SKPrefix: "a", SKFrom: "b"}} {
		_, err := s.Query(ctx, q)
		assert.ErrorIs(t, err, domain.ErrValidation, "%+v", q)
	}
}

func testConcurrent(t *testing.T, s readmodel.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := 0
	for v := int64(1); v <= 16; v++ {
		wg.Add(1)
		go func(v int64) {
			defer wg.Done()
			ok, err := s.Put(ctx, item("c", "x", v))
			assert.NoError(t, err)
			if ok {
				mu.Lock()
				applied++
				mu.Unlock()
			}
		}(v)
	}
	wg.Wait()
	got, err := s.Get(ctx, "c", "x")
	require.NoError(t, err)
	assert.Equal(t, int64(16), got.SourceVersion)
	assert.GreaterOrEqual(t, applied, 1)
	assert.JSONEq(t, string(item("c", "x", 16).Body), string(got.Body))
}

func testScan(t *testing.T, s readmodel.Store) {
	ctx := context.Background()
	want := map[string]bool{}
	for i := 0; i < 7; i++ {
		sk := fmt.Sprintf("s%d", i)
		put(t, s, item("scan", sk, 1))
		want[sk] = true
	}
	_, err := s.Delete(ctx, "scan", "s0", "user-scan", 2)
	require.NoError(t, err)
	delete(want, "s0")
	got := map[string]bool{}
	require.NoError(t, s.Scan(ctx, func(it readmodel.Item) error {
		got[it.SK] = true
		return nil
	}))
	assert.Equal(t, want, got)
	stop := errors.New("stop")
	assert.ErrorIs(t, s.Scan(ctx, func(readmodel.Item) error { return stop }), stop)
}

// Snapshot is every live item of m, sorted, as comparable JSON (bodies
// decoded, so key order does not matter): replay equals live when two
// snapshots are equal.
func Snapshot(t *testing.T, m readmodel.Store) []string {
	t.Helper()
	var out []string
	require.NoError(t, m.Scan(context.Background(), func(it readmodel.Item) error {
		var body any
		require.NoError(t, json.Unmarshal(it.Body, &body))
		it.Body = nil
		b, err := json.Marshal(struct {
			Item readmodel.Item
			Body any
		}{it, body})
		require.NoError(t, err)
		out = append(out, string(b))
		return nil
	}))
	sort.Strings(out)
	return out
}
