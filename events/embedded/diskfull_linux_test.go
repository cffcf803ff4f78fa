package embedded_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/skyledger/skyledger/internal/testfs"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/events/storetest"
)

// fill writes a ballast file of n bytes (or as much as fits).
func fill(t *testing.T, path string, n int) {
	t.Helper()
	err := os.WriteFile(path, make([]byte, n), 0o600)
	if err != nil && !errors.Is(err, syscall.ENOSPC) {
		require.NoError(t, err)
	}
}

// padded is one event with about 2 KB of data.
func padded(stream string, version int64) []events.Envelope {
	return []events.Envelope{storetest.Event(stream, version, fmt.Sprintf(`{"pad":%q}`, strings.Repeat("x", 2000)))}
}

func TestDiskFullRefusesWritesKeepsReadsAndRecovers(t *testing.T) {
	t.Parallel()
	mnt, ok := testfs.Tmpfs(t, "1m")
	if !ok {
		return
	}
	ballast := filepath.Join(mnt, "ballast")
	fill(t, ballast, 256<<10)
	dir := filepath.Join(mnt, "events")
	s, err := embedded.Open(dir, embedded.Options{})
	require.NoError(t, err)
	defer func() { assert.NoError(t, s.Close()) }()
	ctx := t.Context()

	stream := storetest.NewStreamID("pirep")
	var acked []events.Envelope
	for v := int64(1); ; v++ {
		require.Less(t, v, int64(1000), "a 1 MB file system must fill up")
		evs := padded(stream, v)
		_, err := s.Append(ctx, events.AppendRequest{StreamID: stream, ExpectedVersion: v - 1, Events: evs})
		if err != nil {
			require.ErrorIs(t, err, events.ErrStorageFull)
			require.NotErrorIs(t, err, embedded.ErrClosed, "a full disk does not close the store")
			assert.ErrorIs(t, err, syscall.ENOSPC)
			break
		}
		acked = append(acked, evs...)
	}
	t.Logf("%d appends acknowledged before the disk was full", len(acked))
	require.NotEmpty(t, acked)
	st := s.State()
	assert.Equal(t, embedded.StatusFull, st.Status)
	assert.Contains(t, st.Error, "storage full")
	require.NotNil(t, st.FreeBytes)

	// The failed write was taken back out of the file, which freed a little
	// space; fill that too. Then every write that needs a new page (the
	// log's last page has room for a few small ones) fails the same way,
	// and reads work.
	fill(t, filepath.Join(mnt, "ballast2"), 1<<20)
	big := json.RawMessage(fmt.Sprintf(`{"pad":%q}`, strings.Repeat("y", 8000)))
	_, err = s.CompareAndPut(ctx, events.Record{Key: "k", Kind: "x", Data: big}, 0)
	require.ErrorIs(t, err, events.ErrStorageFull)
	for range 3 {
		next := storetest.Event(stream, int64(len(acked))+1, string(big))
		_, err = s.Append(ctx, events.AppendRequest{StreamID: stream, ExpectedVersion: int64(len(acked)), Events: []events.Envelope{next}})
		require.ErrorIs(t, err, events.ErrStorageFull)
	}
	assert.Equal(t, embedded.StatusFull, s.State().Status)
	got, err := events.LoadAll(ctx, s, stream)
	require.NoError(t, err)
	assert.Equal(t, acked, got, "every acknowledged event is readable, nothing else")
	recs, err := s.Tail(ctx, 0, 10)
	require.NoError(t, err)
	assert.Len(t, recs, 10)

	// Space returns: the next write succeeds, without a restart.
	require.NoError(t, os.Remove(ballast))
	require.NoError(t, os.Remove(filepath.Join(mnt, "ballast2")))
	v := int64(len(acked)) + 1
	evs := padded(stream, v)
	_, err = s.Append(ctx, events.AppendRequest{StreamID: stream, ExpectedVersion: v - 1, Events: evs})
	require.NoError(t, err, "writes work again once space is freed")
	acked = append(acked, evs...)
	assert.Equal(t, embedded.StatusOK, s.State().Status)

	// Reopen: exactly the acknowledged commits.
	require.NoError(t, s.Close())
	s, err = embedded.Open(dir, embedded.Options{})
	require.NoError(t, err)
	got, err = events.LoadAll(ctx, s, stream)
	require.NoError(t, err)
	assert.Equal(t, acked, got)
	assert.Equal(t, uint64(len(acked)), s.LastSeq())
	assert.Equal(t, embedded.Recovery{}, s.Recovery(), "the failed writes left nothing to cut")
}

func TestRestartWithLittleFreeSpaceTakesWrites(t *testing.T) {
	t.Parallel()
	// A log of about 1.5 MB and 600 KB free: the first commit after the
	// restart must not try to preallocate as much as the log is long.
	mnt, ok := testfs.Tmpfs(t, "3m")
	if !ok {
		return
	}
	dir := filepath.Join(mnt, "events")
	s, err := embedded.Open(dir, embedded.Options{})
	require.NoError(t, err)
	stream := storetest.NewStreamID("pirep")
	v := int64(0)
	for s.LogSize() < 1500<<10 {
		v++
		_, err := s.Append(t.Context(), events.AppendRequest{StreamID: stream, ExpectedVersion: v - 1, Events: padded(stream, v)})
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	fill(t, filepath.Join(mnt, "ballast"), 3<<20-1500<<10-600<<10)

	s, err = embedded.Open(dir, embedded.Options{})
	require.NoError(t, err)
	defer s.Close()
	free := s.State().FreeBytes
	require.NotNil(t, free)
	t.Logf("log %d bytes, %d bytes free", s.LogSize(), *free)
	require.Less(t, *free, s.LogSize()/2, "the setup leaves less free space than the log's length")
	for i := 0; i < 20; i++ {
		v++
		_, err := s.Append(t.Context(), events.AppendRequest{StreamID: stream, ExpectedVersion: v - 1, Events: padded(stream, v)})
		require.NoError(t, err, "append %d after the restart", i)
	}
	assert.Equal(t, embedded.StatusOK, s.State().Status)
}
