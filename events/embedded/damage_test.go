package embedded_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/events/storetest"
)

// writeStreams makes a store with n commits, each the first event of its own
// stream, and returns the offset where each entry starts and the streams.
func writeStreams(t *testing.T, n int) (dir string, starts []int64, streams []string) {
	t.Helper()
	dir = t.TempDir()
	s := open(t, dir)
	for i := 0; i < n; i++ {
		starts = append(starts, s.LogSize())
		id := storetest.NewStreamID("pirep")
		_, err := s.Append(t.Context(), events.AppendRequest{StreamID: id, Events: storetest.Events(id, 1, 1)})
		require.NoError(t, err)
		streams = append(streams, id)
	}
	starts = append(starts, s.LogSize()) // the end
	require.NoError(t, s.Close())
	return dir, starts, streams
}

// damage kinds: each changes the header of entry i (and, for the adjacent
// kind, of entry i+1) and says how many entries it damaged.
var damages = []struct {
	name    string
	entries int
	apply   func(data []byte, starts []int64, i int)
}{
	{"bit flip in the length field", 1, func(d []byte, s []int64, i int) { d[s[i]] ^= 0x04 }},
	{"length 0xFFFFFFFF", 1, func(d []byte, s []int64, i int) { binary.LittleEndian.PutUint32(d[s[i]:], 0xFFFFFFFF) }},
	{"8 zeroed header bytes", 1, func(d []byte, s []int64, i int) { clear(d[s[i] : s[i]+8]) }},
	{"two adjacent damaged entries", 2, func(d []byte, s []int64, i int) {
		clear(d[s[i] : s[i]+8])
		d[s[i+1]+1] ^= 0x10 // length += 4096: runs into the next entry
	}},
}

func TestDamageIsRefusedUnlessTornTail(t *testing.T) {
	t.Parallel()
	const n = 5
	for _, dm := range damages {
		for _, where := range []string{"first", "middle", "last"} {
			t.Run(dm.name+" at the "+where+" entry", func(t *testing.T) {
				t.Parallel()
				dir, starts, streams := writeStreams(t, n)
				i := map[string]int{"first": 0, "middle": n / 2, "last": n - dm.entries}[where]
				path, data := readLog(t, dir)
				dm.apply(data, starts, i)
				require.NoError(t, os.WriteFile(path, data, 0o640))

				s, err := embedded.Open(dir, embedded.Options{})
				if where == "last" {
					// Nothing intact follows: a torn tail, which may be cut.
					require.NoError(t, err)
					defer s.Close()
					assert.Equal(t, starts[i], s.LogSize())
					assert.Equal(t, embedded.Recovery{CutAt: starts[i], CutBytes: int64(len(data)) - starts[i]}, s.Recovery())
					assert.Equal(t, uint64(i), s.LastSeq())
					for k, id := range streams {
						_, err := s.Load(t.Context(), id, 1, 1)
						if k < i {
							assert.NoError(t, err, "entry %d kept", k)
						} else {
							assert.ErrorIs(t, err, events.ErrNotFound, "entry %d cut", k)
						}
					}
					return
				}
				require.ErrorIs(t, err, embedded.ErrCorrupt)
				var ce *embedded.CorruptError
				require.ErrorAs(t, err, &ce)
				next := starts[i+dm.entries]
				assert.Equal(t, starts[i], ce.Offset, "names where the damage starts")
				assert.Equal(t, next, ce.NextIntact, "names the next intact entry")
				assert.Contains(t, err.Error(), fmt.Sprintf("offset %d", starts[i]))
				assert.Contains(t, err.Error(), "logrepair")
				after, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, data, after, "Open changed nothing")

				// The explicit repair salvages every intact entry and moves
				// the damaged bytes aside.
				rep, err := embedded.Repair(dir, embedded.RepairOptions{})
				require.NoError(t, err)
				assert.True(t, rep.Changed)
				assert.Equal(t, n-dm.entries, rep.Kept)
				assert.Equal(t, uint64(i), rep.StableEvents)
				require.Len(t, rep.SetAside, 1)
				sa := rep.SetAside[0]
				assert.Equal(t, embedded.SetAsideDamaged, sa.Kind)
				assert.Equal(t, starts[i], sa.Offset)
				assert.Equal(t, next-starts[i], sa.Length)
				moved, err := os.ReadFile(sa.File)
				require.NoError(t, err)
				assert.Equal(t, data[starts[i]:next], moved, "the damaged bytes are kept in %s", sa.File)
				assert.True(t, strings.HasPrefix(filepath.Base(sa.File), embedded.LogFile+".damaged-"))

				s, err = embedded.Open(dir, embedded.Options{})
				require.NoError(t, err, "the repaired log opens")
				for k, id := range streams {
					_, err := s.Load(t.Context(), id, 1, 1)
					if k >= i && k < i+dm.entries {
						assert.ErrorIs(t, err, events.ErrNotFound, "damaged entry %d", k)
					} else {
						assert.NoError(t, err, "intact entry %d salvaged", k)
					}
				}
				assert.Equal(t, uint64(n-dm.entries), s.LastSeq())
				id := storetest.NewStreamID("tenant")
				_, err = s.Append(t.Context(), events.AppendRequest{StreamID: id, Events: storetest.Events(id, 1, 1)})
				require.NoError(t, err, "the repaired store takes writes")
				require.NoError(t, s.Close())

				rep, err = embedded.Repair(dir, embedded.RepairOptions{})
				require.NoError(t, err)
				assert.False(t, rep.Changed, "a second repair finds nothing")
			})
		}
	}
}

func TestRepairSetsAsideOrphanedEntries(t *testing.T) {
	t.Parallel()
	// One stream over five commits: losing the third orphans the fourth and
	// the fifth (their versions would leave a gap).
	dir, sizes, stream := writeLog(t, 5)
	starts := append([]int64{8}, sizes...)
	path, data := readLog(t, dir)
	clear(data[starts[2] : starts[2]+8])
	require.NoError(t, os.WriteFile(path, data, 0o640))
	_, err := embedded.Open(dir, embedded.Options{})
	require.ErrorIs(t, err, embedded.ErrCorrupt)

	dry, err := embedded.Repair(dir, embedded.RepairOptions{DryRun: true})
	require.NoError(t, err)
	assert.True(t, dry.Changed)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, data, after, "a dry run changes nothing")

	now := time.Date(2026, 12, 2, 1, 2, 3, 0, time.UTC)
	rep, err := embedded.Repair(dir, embedded.RepairOptions{Now: func() time.Time { return now }})
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Kept)
	require.Len(t, rep.SetAside, 3)
	for k, want := range []string{embedded.SetAsideDamaged, embedded.SetAsideOrphaned, embedded.SetAsideOrphaned} {
		sa := rep.SetAside[k]
		assert.Equal(t, want, sa.Kind)
		assert.Equal(t, starts[2+k], sa.Offset)
		assert.Equal(t, fmt.Sprintf("%s.%s-20261202T010203Z-at-%d", path, want, sa.Offset), sa.File)
		b, err := os.ReadFile(sa.File)
		require.NoError(t, err)
		assert.Equal(t, data[starts[2+k]:starts[3+k]], b)
	}
	assert.Contains(t, rep.SetAside[1].Reason, "version 4 where 3 is next")

	s := open(t, dir)
	defer s.Close()
	got, err := events.LoadAll(t.Context(), s, stream)
	require.NoError(t, err)
	assert.Len(t, got, 2)
	_, err = s.Append(t.Context(), events.AppendRequest{StreamID: stream, ExpectedVersion: 2, Events: storetest.Events(stream, 3, 1)})
	require.NoError(t, err, "the stream continues after its kept versions")
}

func TestOpenRefusesVersionGap(t *testing.T) {
	t.Parallel()
	// Intact entries only, but one is missing: the index would map versions
	// to the wrong events, so Open refuses.
	dir, sizes, _ := writeLog(t, 3)
	path, data := readLog(t, dir)
	spliced := append(append([]byte{}, data[:sizes[0]]...), data[sizes[1]:]...)
	require.NoError(t, os.WriteFile(path, spliced, 0o640))
	_, err := embedded.Open(dir, embedded.Options{})
	var ce *embedded.CorruptError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, sizes[0], ce.Offset)
	assert.Contains(t, ce.Reason, "version 3 where 2 is next")
}

func TestRepairRefusesAnOpenStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir)
	defer s.Close()
	_, err := embedded.Repair(dir, embedded.RepairOptions{LockWait: 50 * time.Millisecond})
	require.ErrorIs(t, err, embedded.ErrLocked)
}

func TestRepairLeavesAnIntactLogAlone(t *testing.T) {
	t.Parallel()
	dir, _, _ := writeLog(t, 3)
	before, err := os.ReadFile(filepath.Join(dir, embedded.LogFile))
	require.NoError(t, err)
	rep, err := embedded.Repair(dir, embedded.RepairOptions{})
	require.NoError(t, err)
	assert.False(t, rep.Changed)
	assert.Equal(t, 3, rep.Kept)
	assert.Equal(t, uint64(3), rep.StableEvents)
	after, err := os.ReadFile(filepath.Join(dir, embedded.LogFile))
	require.NoError(t, err)
	assert.Equal(t, before, after)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no set-aside files: %v", entries)
}

func TestRecoveryTellsPreallocationFromATornCommit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		tail []byte
		want func(end int64) embedded.Recovery
	}{
		{name: "nothing", want: func(int64) embedded.Recovery { return embedded.Recovery{} }},
		{name: "zero-filled preallocation", tail: make([]byte, 4096),
			want: func(end int64) embedded.Recovery {
				return embedded.Recovery{CutAt: end, CutBytes: 4096, OnlyZeros: true}
			}},
		{name: "a torn commit", tail: []byte{0x40, 0, 0, 0, 1, 2, 3, 4, '{', '"'},
			want: func(end int64) embedded.Recovery { return embedded.Recovery{CutAt: end, CutBytes: 10} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, sizes, _ := writeLog(t, 2)
			path, data := readLog(t, dir)
			require.NoError(t, os.WriteFile(path, append(data, tc.tail...), 0o640))
			s := open(t, dir)
			defer s.Close()
			assert.Equal(t, tc.want(sizes[1]), s.Recovery())
			assert.Equal(t, sizes[1], s.LogSize())
		})
	}
}

func TestDamagedHeaderNamesTheFirstIntactEntry(t *testing.T) {
	t.Parallel()
	dir, sizes, stream := writeLog(t, 2)
	path, data := readLog(t, dir)
	copy(data, "XXXXXXXX")
	require.NoError(t, os.WriteFile(path, data, 0o640))
	_, err := embedded.Open(dir, embedded.Options{})
	var ce *embedded.CorruptError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, int64(0), ce.Offset)
	assert.Equal(t, int64(8), ce.NextIntact)

	rep, err := embedded.Repair(dir, embedded.RepairOptions{})
	require.NoError(t, err)
	require.Len(t, rep.SetAside, 1)
	assert.Equal(t, embedded.SetAside{Kind: embedded.SetAsideDamaged, Offset: 0, Length: 8, Reason: `no "SKYLOG01" header`, File: rep.SetAside[0].File}, rep.SetAside[0])
	s := open(t, dir)
	defer s.Close()
	got, err := events.LoadAll(t.Context(), s, stream)
	require.NoError(t, err)
	assert.Len(t, got, 2)
	assert.Equal(t, sizes[1], s.LogSize())
}
