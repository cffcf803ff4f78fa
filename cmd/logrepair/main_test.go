package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/events/storetest"
	"github.com/skyledger/skyledger/internal/localcloud"
)

// dataDir makes a runtime data directory with n one-event streams, a
// projector checkpoint at n, and the entry starts.
func dataDir(t *testing.T, n int) (string, []int64) {
	t.Helper()
	dir := t.TempDir()
	s, err := embedded.Open(filepath.Join(dir, "events"), embedded.Options{})
	require.NoError(t, err)
	var starts []int64
	for i := 0; i < n; i++ {
		starts = append(starts, s.LogSize())
		id := storetest.NewStreamID("pirep")
		_, err := s.Append(t.Context(), events.AppendRequest{StreamID: id, Events: storetest.Events(id, 1, 1)})
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, localcloud.CheckpointFile), []byte("00000000000000000006\n"), 0o600))
	require.NoError(t, localcloud.OpenDeadLetters(filepath.Join(dir, localcloud.DeadLetterFile)).Add(
		localcloud.DeadLetter{ID: embedded.SequenceNumber(1)}, localcloud.DeadLetter{ID: embedded.SequenceNumber(4)}))
	return dir, starts
}

func TestRepairsAndRewindsTheCheckpoint(t *testing.T) {
	t.Parallel()
	dir, starts := dataDir(t, 6)
	path := filepath.Join(dir, "events", embedded.LogFile)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	binary.LittleEndian.PutUint32(data[starts[2]:], 0xFFFFFFFF)
	require.NoError(t, os.WriteFile(path, data, 0o640))
	_, err = embedded.Open(filepath.Join(dir, "events"), embedded.Options{})
	require.ErrorIs(t, err, embedded.ErrCorrupt)

	var out bytes.Buffer
	require.NoError(t, run([]string{"-data-dir", dir, "-dry-run"}, &out, &out))
	assert.Contains(t, out.String(), "would move aside")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, data, after, "dry run")

	out.Reset()
	require.NoError(t, run([]string{"-data-dir", dir}, &out, &out))
	t.Log(out.String())
	assert.Contains(t, out.String(), "moved aside")
	assert.Contains(t, out.String(), "kept 5 intact entries (5 events); the first 2 events keep their feed positions")
	assert.Contains(t, out.String(), "projector checkpoint rewound from 6 to 2")
	assert.Contains(t, out.String(), "1 dead letters of later positions moved to "+filepath.Join(dir, localcloud.DeadLetterFile)+".orphaned-")
	left, err := localcloud.OpenDeadLetters(filepath.Join(dir, localcloud.DeadLetterFile)).List()
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, embedded.SequenceNumber(1), left[0].ID)
	cp, err := os.ReadFile(filepath.Join(dir, localcloud.CheckpointFile))
	require.NoError(t, err)
	assert.Equal(t, "00000000000000000002\n", string(cp))
	matches, err := filepath.Glob(path + ".damaged-*-at-*")
	require.NoError(t, err)
	require.Len(t, matches, 1)
	moved, err := os.ReadFile(matches[0])
	require.NoError(t, err)
	assert.Equal(t, data[starts[2]:starts[3]], moved)

	s, err := embedded.Open(filepath.Join(dir, "events"), embedded.Options{})
	require.NoError(t, err)
	assert.Equal(t, uint64(5), s.LastSeq())
	require.NoError(t, s.Close())

	out.Reset()
	require.NoError(t, run([]string{"-data-dir", dir}, &out, &out))
	assert.Contains(t, out.String(), "intact, 5 entries (5 events); nothing to repair")
}

func TestBadInvocations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown flag", args: []string{"-nope"}, want: "flag provided but not defined"},
		{name: "stray argument", args: []string{"repair"}, want: `unexpected argument "repair"`},
		{name: "no log", args: []string{"-data-dir", filepath.Join(t.TempDir(), "missing")}, want: "no event log to repair"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := run(tc.args, &out, &out)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
