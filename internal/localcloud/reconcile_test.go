package localcloud_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/events/storetest"
	"github.com/skyledger/skyledger/internal/localcloud"
)

// TestEmbeddedSourceReconcilesWithTheLog: a checkpoint past the log's end
// (its tail was cut) is rewound on open, so the positions the next commits
// take are delivered instead of being skipped as already done.
func TestEmbeddedSourceReconcilesWithTheLog(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		checkpoint string
		want       uint64
		rewound    bool
	}{
		{name: "ahead of the log", checkpoint: "00000000000000000005\n", want: 3, rewound: true},
		{name: "at the end of the log", checkpoint: "00000000000000000003\n", want: 3},
		{name: "behind the log", checkpoint: "00000000000000000001\n", want: 1},
		{name: "absent", want: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			st, err := embedded.Open(filepath.Join(dir, "events"), embedded.Options{})
			require.NoError(t, err)
			defer st.Close()
			id := storetest.NewStreamID("pirep")
			_, err = st.Append(t.Context(), events.AppendRequest{StreamID: id, Events: storetest.Events(id, 1, 3)})
			require.NoError(t, err)
			path := filepath.Join(dir, localcloud.CheckpointFile)
			if tc.checkpoint != "" {
				require.NoError(t, os.WriteFile(path, []byte(tc.checkpoint), 0o600))
			}

			src, err := localcloud.NewEmbeddedSource(st, path)
			require.NoError(t, err)
			defer src.Close()
			assert.Equal(t, tc.want, src.Checkpoint())
			from, rewound := src.Rewound()
			assert.Equal(t, tc.rewound, rewound)
			if tc.rewound {
				assert.Equal(t, uint64(5), from)
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, "00000000000000000003\n", string(b), "the rewound checkpoint is on disk")
			}

			// The next commit is delivered.
			_, err = st.Append(t.Context(), events.AppendRequest{StreamID: id, ExpectedVersion: 3, Events: storetest.Events(id, 4, 1)})
			require.NoError(t, err)
			recs, err := src.Fetch(t.Context(), 100)
			require.NoError(t, err)
			require.NotEmpty(t, recs)
			assert.Equal(t, embedded.SequenceNumber(4), recs[len(recs)-1].Seq)
			assert.Equal(t, embedded.SequenceNumber(tc.want+1), recs[0].Seq)
		})
	}
}

func TestDeadLettersSetAsideAfter(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dl := localcloud.OpenDeadLetters(filepath.Join(dir, localcloud.DeadLetterFile))
	n, file, err := dl.SetAsideAfter(1, time.Now())
	require.NoError(t, err, "no file yet")
	assert.Zero(t, n)
	assert.Empty(t, file)

	mk := func(seq uint64) localcloud.DeadLetter {
		return localcloud.DeadLetter{ID: embedded.SequenceNumber(seq), Function: "projector", Reason: "boom", Attempts: 3}
	}
	require.NoError(t, dl.Add(mk(2), mk(7), mk(3), mk(9)))
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	n, file, err = dl.SetAsideAfter(3, now)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, filepath.Join(dir, localcloud.DeadLetterFile)+".orphaned-20261202T010000.000000000Z", file)

	ids := func(d *localcloud.DeadLetters) []string {
		l, err := d.List()
		require.NoError(t, err)
		var out []string
		for _, e := range l {
			out = append(out, e.ID)
			assert.Equal(t, "boom", e.Reason)
		}
		return out
	}
	assert.Equal(t, []string{mk(2).ID, mk(3).ID}, ids(dl))
	assert.Equal(t, []string{mk(7).ID, mk(9).ID}, ids(localcloud.OpenDeadLetters(file)), "set aside, not deleted")

	n, _, err = dl.SetAsideAfter(3, now)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left to move")
}
