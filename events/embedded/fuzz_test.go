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
