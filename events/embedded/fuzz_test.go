package embedded_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/events/storetest"
)

// FuzzOpenLog: whatever bytes the log holds, Open never panics; it either
// refuses (ErrCorrupt) or returns a store whose every event is valid and
// whose streams are gapless, and which accepts new appends.
func FuzzOpenLog(f *testing.F) {
	dir := f.TempDir()
	s, err := embedded.Open(dir, embedded.Options{})
	require.NoError(f, err)
	stream := storetest.NewStreamID("user")
	_, err = s.Append(context.Background(), events.AppendRequest{StreamID: stream, Events: storetest.Events(stream, 1, 2),
		Records: []events.RecordOp{{Mode: events.RecordPut, Record: events.Record{Key: "k", Kind: "x"}}}})
	require.NoError(f, err)
	_, err = s.Append(context.Background(), events.AppendRequest{StreamID: stream, ExpectedVersion: 2, Events: storetest.Events(stream, 3, 1)})
	require.NoError(f, err)
	require.NoError(f, s.Close())
	good, err := os.ReadFile(filepath.Join(dir, embedded.LogFile))
	require.NoError(f, err)
	f.Add(good)
	f.Add(good[:len(good)-7])
	f.Add([]byte("SKYLOG01"))
	f.Add([]byte("SKYLO"))
	f.Add([]byte("SKYLOG01\x05\x00\x00\x00\x00\x00\x00\x00{}"))
	f.Add(append([]byte("SKYLOG01"), make([]byte, 64)...))
	f.Fuzz(func(t *testing.T, log []byte) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, embedded.LogFile), log, 0o640))
		s, err := embedded.Open(dir, embedded.Options{NoSync: true})
		if err != nil {
			require.True(t, errors.Is(err, embedded.ErrCorrupt), "only ErrCorrupt, got %v", err)
			return
		}
		defer s.Close()
		last := map[string]int64{}
		require.NoError(t, s.ReadAll(context.Background(), func(e events.Envelope) error {
			require.NoError(t, e.Validate())
			last[e.StreamID]++
			require.Equal(t, last[e.StreamID], e.Version, "gapless")
			return nil
		}))
		id := storetest.NewStreamID("tenant")
		_, err = s.Append(context.Background(), events.AppendRequest{StreamID: id, Events: storetest.Events(id, 1, 1)})
		require.NoError(t, err)
	})
}

// FuzzRepairLog: whatever bytes the log holds, Repair never panics, the
// repaired log opens, a second Repair finds nothing to do, and the kept
// entries plus the set-aside files account for every non-zero byte.
func FuzzRepairLog(f *testing.F) {
	dir := f.TempDir()
	s, err := embedded.Open(dir, embedded.Options{})
	require.NoError(f, err)
	stream := storetest.NewStreamID("user")
	for v := int64(0); v < 3; v++ {
		_, err = s.Append(context.Background(), events.AppendRequest{StreamID: stream, ExpectedVersion: v, Events: storetest.Events(stream, v+1, 1)})
		require.NoError(f, err)
	}
	require.NoError(f, s.Close())
	good, err := os.ReadFile(filepath.Join(dir, embedded.LogFile))
	require.NoError(f, err)
	f.Add(good)
	damaged := append([]byte{}, good...)
	clear(damaged[8:16])
	f.Add(damaged)
	f.Add(append([]byte("XXXXXXXX"), good[8:]...))
	f.Add(append(append([]byte{}, good...), make([]byte, 100)...))
	f.Add([]byte("SKYLO"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, log []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, embedded.LogFile)
		require.NoError(t, os.WriteFile(path, log, 0o640))
		rep, err := embedded.Repair(dir, embedded.RepairOptions{})
		require.NoError(t, err)
		var aside int64
		for _, sa := range rep.SetAside {
			b, err := os.ReadFile(sa.File)
			require.NoError(t, err)
			require.Equal(t, log[sa.Offset:sa.Offset+sa.Length], b, "set-aside bytes are the original ones")
			aside += sa.Length
		}
		if rep.Changed {
			repaired, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, int64(len(log)), int64(len(repaired))-8+aside+rep.ZeroTail+headerLen(log),
				"every byte is kept, set aside, or a zero tail")
		}
		s, err := embedded.Open(dir, embedded.Options{NoSync: true})
		require.NoError(t, err, "the repaired log opens")
		require.NoError(t, s.Close())
		again, err := embedded.Repair(dir, embedded.RepairOptions{})
		require.NoError(t, err)
		require.False(t, again.Changed, "a repaired log needs no repair: %+v", again)
	})
}

// headerLen is how many bytes of log are its intact magic header (8 or 0).
func headerLen(log []byte) int64 {
	if len(log) >= 8 && string(log[:8]) == "SKYLOG01" {
		return 8
	}
	return 0
}
