package embedded_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/events/storetest"
)

const crashChildEnv = "SKYLEDGER_EMBEDDED_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir) // never returns
	}
	os.Exit(m.Run())
}

func open(t *testing.T, dir string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(dir, embedded.Options{})
	require.NoError(t, err)
	return s
}

func newStore(t *testing.T) events.Store {
	s := open(t, t.TempDir())
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, newStore)
}

func TestReopenKeepsEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir)
	ctx := t.Context()
	stream := storetest.NewStreamID("tenant")
	want := storetest.Events(stream, 1, 3)
	exp := time.Now().Add(time.Hour)
	past := time.Now().Add(-time.Hour)
	_, err := s.Append(ctx, events.AppendRequest{StreamID: stream, Events: want, Records: []events.RecordOp{
		{Mode: events.RecordPutIfAbsent, Record: events.Record{Key: "email#a", Kind: "reservation", Data: json.RawMessage(`{"u":1}`), ExpiresAt: &exp}},
		{Mode: events.RecordPut, Record: events.Record{Key: "old", Kind: "x", ExpiresAt: &past}},
		{Mode: events.RecordPut, Record: events.Record{Key: "gone", Kind: "x"}},
	}})
	require.NoError(t, err)
	_, err = s.TakeRecord(ctx, "gone")
	require.NoError(t, err)
	cas, err := s.CompareAndPut(ctx, events.Record{Key: "ctr", Kind: "counter", Data: json.RawMessage(`5`)}, 0)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = s.Append(ctx, events.AppendRequest{StreamID: stream, ExpectedVersion: 3, Events: storetest.Events(stream, 4, 1)})
	require.ErrorIs(t, err, embedded.ErrClosed)

	s = open(t, dir)
	defer s.Close()
	got, err := events.LoadAll(ctx, s, stream)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	r, err := s.GetRecord(ctx, "email#a")
	require.NoError(t, err)
	assert.Equal(t, int64(1), r.Rev)
	assert.True(t, exp.Truncate(time.Second).Equal(*r.ExpiresAt))
	r, err = s.GetRecord(ctx, "ctr")
	require.NoError(t, err)
	assert.Equal(t, cas, r)
	for _, k := range []string{"old", "gone"} {
		_, err = s.GetRecord(ctx, k)
		assert.ErrorIs(t, err, events.ErrNotFound, k)
	}
	assert.Equal(t, uint64(3), s.LastSeq())
	_, err = s.Append(ctx, events.AppendRequest{StreamID: stream, ExpectedVersion: 3, Events: storetest.Events(stream, 4, 1)})
	require.NoError(t, err, "versions continue after reopen")
}

func TestLockRefusesSecondOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir)
	start := time.Now()
	_, err := embedded.Open(dir, embedded.Options{LockWait: 100 * time.Millisecond})
	require.ErrorIs(t, err, embedded.ErrLocked)
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond, "Open waits LockWait before giving up")
	assert.Contains(t, err.Error(), dir)

	// Another process is refused too.
	cmd := exec.Command("flock", "-n", filepath.Join(dir, embedded.LockFile), "true")
	assert.Error(t, cmd.Run(), "flock(1) in another process must fail while the store is open")

	require.NoError(t, s.Close())
	s2, err := embedded.Open(dir, embedded.Options{})
	require.NoError(t, err, "the lock is released by Close")
	require.NoError(t, s2.Close())
}

// readLog returns the path of the log file in dir and its content.
func readLog(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	path := filepath.Join(dir, embedded.LogFile)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return path, data
}

// writeLog makes a store with n single-event commits of one stream and
// returns its directory, the log size after each commit and the stream.
func writeLog(t *testing.T, n int) (dir string, sizes []int64, stream string) {
	t.Helper()
	dir = t.TempDir()
	s := open(t, dir)
	stream = storetest.NewStreamID("pirep")
	for i := 0; i < n; i++ {
		_, err := s.Append(t.Context(), events.AppendRequest{StreamID: stream, ExpectedVersion: int64(i), Events: storetest.Events(stream, int64(i+1), 1)})
		require.NoError(t, err)
		sizes = append(sizes, s.LogSize())
	}
	require.NoError(t, s.Close())
	st, err := os.Stat(filepath.Join(dir, embedded.LogFile))
	require.NoError(t, err)
	require.Equal(t, sizes[n-1], st.Size(), "Close cuts the preallocation")
	return dir, sizes, stream
}

func TestTornTailIsCut(t *testing.T) {
	t.Parallel()
	dir, sizes, stream := writeLog(t, 4)
	path, full := readLog(t, dir)
	// Cut the log at every byte inside the last entry: the first three
	// events survive, the torn fourth is cut, and the store works on.
	for cut := sizes[2]; cut < sizes[3]; cut++ {
		require.NoError(t, os.WriteFile(path, full[:cut], 0o640))
		s, err := embedded.Open(dir, embedded.Options{})
		require.NoError(t, err, "cut at %d", cut)
		got, err := events.LoadAll(t.Context(), s, stream)
		require.NoError(t, err)
		require.Len(t, got, 3, "cut at %d", cut)
		require.Equal(t, sizes[2], s.LogSize(), "the torn tail was cut")
		require.NoError(t, s.Close())
	}
	// Garbage appended after the last entry is cut as well.
	require.NoError(t, os.WriteFile(path, append(full, 0xff, 0x01, 0, 0, 9, 9, 9, 9, 'x'), 0o640))
	s := open(t, dir)
	got, err := events.LoadAll(t.Context(), s, stream)
	require.NoError(t, err)
	assert.Len(t, got, 4)
	_, err = s.Append(t.Context(), events.AppendRequest{StreamID: stream, ExpectedVersion: 4, Events: storetest.Events(stream, 5, 1)})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	s = open(t, dir)
	got, err = events.LoadAll(t.Context(), s, stream)
	require.NoError(t, err)
	assert.Len(t, got, 5, "appends after a cut tail are readable after reopen")
	require.NoError(t, s.Close())
}

func TestCorruptionInTheMiddleIsRefused(t *testing.T) {
	t.Parallel()
	dir, sizes, _ := writeLog(t, 3)
	path, data := readLog(t, dir)
	data[sizes[0]+20] ^= 0x40 // flip a bit inside the second entry's payload
	require.NoError(t, os.WriteFile(path, data, 0o640))
	_, err := embedded.Open(dir, embedded.Options{})
	require.ErrorIs(t, err, embedded.ErrCorrupt)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), st.Size(), "nothing was truncated")

	require.NoError(t, os.WriteFile(path, []byte("NOTALOG!xxxxxxxx"), 0o640))
	_, err = embedded.Open(dir, embedded.Options{})
	require.ErrorIs(t, err, embedded.ErrCorrupt)
}

func TestGroupCommitSharesFsync(t *testing.T) {
	t.Parallel()
	s := open(t, t.TempDir())
	defer s.Close()
	const writers, each = 16, 50
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := storetest.NewStreamID("user")
			for i := 0; i < each; i++ {
				_, err := s.Append(context.Background(), events.AppendRequest{StreamID: stream, ExpectedVersion: int64(i), Events: storetest.Events(stream, int64(i+1), 1)})
				if !assert.NoError(t, err) {
					return
				}
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	assert.Equal(t, uint64(writers*each), st.Entries)
	assert.Less(t, st.Commits, st.Entries, "concurrent commits share fsyncs")
	t.Logf("%d commits in %d fsyncs", st.Entries, st.Commits)
}

func TestTailFeed(t *testing.T) {
	t.Parallel()
	s := open(t, t.TempDir())
	ctx := t.Context()
	a, b := storetest.NewStreamID("tenant"), storetest.NewStreamID("user")
	got := make(chan []events.Change, 1)
	go func() {
		recs, err := s.Tail(ctx, 0, 10)
		assert.NoError(t, err)
		got <- recs
	}()
	evA := storetest.Events(a, 1, 2)
	_, err := s.Append(ctx, events.AppendRequest{StreamID: a, Events: evA,
		Records: []events.RecordOp{{Mode: events.RecordPut, Record: events.Record{Key: "cred", Kind: "credential"}}}})
	require.NoError(t, err)
	first := <-got
	require.NotEmpty(t, first, "Tail wakes up on a commit")
	evB := storetest.Events(b, 1, 1)
	_, err = s.Append(ctx, events.AppendRequest{StreamID: b, Events: evB})
	require.NoError(t, err)

	recs, err := s.Tail(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, recs, 3, "only events reach the feed, not records")
	want := append(evA, evB...)
	for i, r := range recs {
		assert.Equal(t, embedded.SequenceNumber(uint64(i+1)), r.Seq)
		assert.Len(t, r.Seq, 21, "zero-padded: sorts as a string")
		assert.Equal(t, want[i], r.Envelope)
		assert.False(t, r.At.IsZero(), "commit time set")
	}
	recs, err = s.Tail(ctx, 1, 1)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, embedded.SequenceNumber(2), recs[0].Seq)

	// Tail at the head blocks until ctx ends.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = s.Tail(short, 3, 10)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// Close wakes a blocked Tail.
	errc := make(chan error, 1)
	go func() { _, err := s.Tail(ctx, 3, 10); errc <- err }()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, s.Close())
	assert.ErrorIs(t, <-errc, embedded.ErrClosed)
}

// ---- crash test --------------------------------------------------------

// crashChild appends forever with 4 writers and prints "ack <stream>
// <version> <event_id>" after each durable append, and "rec <key> <rev>"
// after each CompareAndPut. The parent SIGKILLs it.
func crashChild(dir string) {
	s, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, a ...any) {
		mu.Lock()
		fmt.Fprintf(out, format+"\n", a...)
		out.Flush()
		mu.Unlock()
	}
	for w := 0; w < 4; w++ {
		go func() {
			stream := storetest.NewStreamID("pirep")
			key := "rec-" + stream
			var rev int64
			for v := int64(0); ; v += 2 {
				evs := storetest.Events(stream, v+1, 2)
				if _, err := s.Append(context.Background(), events.AppendRequest{StreamID: stream, ExpectedVersion: v, Events: evs}); err != nil {
					say("error %v", err)
					os.Exit(2)
				}
				say("ack %s %d %s", stream, v+1, evs[0].EventID)
				say("ack %s %d %s", stream, v+2, evs[1].EventID)
				r, err := s.CompareAndPut(context.Background(), events.Record{Key: key, Kind: "ctr", Data: json.RawMessage(strconv.FormatInt(v, 10))}, rev)
				if err != nil {
					say("error %v", err)
					os.Exit(2)
				}
				rev = r.Rev
				say("rec %s %d", key, rev)
			}
		}()
	}
	select {}
}

func TestCrashKeepsAcknowledgedCommits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		acks := map[string]string{} // stream/version -> event id
		recs := map[string]int64{}
		sc := bufio.NewScanner(stdout)
		killAt := 200 + round*150
		n := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			require.NotEqual(t, "error", f[0], sc.Text())
			switch f[0] {
			case "ack":
				acks[f[1]+"/"+f[2]] = f[3]
			case "rec":
				rev, _ := strconv.ParseInt(f[2], 10, 64)
				recs[f[1]] = rev
			}
			if n++; n == killAt {
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			}
		}
		_ = cmd.Wait()
		require.GreaterOrEqual(t, n, killAt, "child acknowledged enough before the kill")

		s, err := embedded.Open(dir, embedded.Options{})
		require.NoError(t, err, "round %d: reopen after SIGKILL", round)
		for sv, id := range acks {
			stream, vs, _ := strings.Cut(sv, "/")
			v, _ := strconv.ParseInt(vs, 10, 64)
			p, err := s.Load(t.Context(), stream, v, 1)
			require.NoError(t, err, sv)
			require.Len(t, p.Events, 1, "acknowledged event %s is present", sv)
			assert.Equal(t, id, p.Events[0].EventID)
		}
		for key, rev := range recs {
			r, err := s.GetRecord(t.Context(), key)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, r.Rev, rev, "acknowledged record write %s is present", key)
		}
		// Everything readable is valid and every stream is gapless.
		last := map[string]int64{}
		require.NoError(t, s.ReadAll(t.Context(), func(e events.Envelope) error {
			require.NoError(t, e.Validate())
			require.Equal(t, last[e.StreamID]+1, e.Version, "gapless")
			last[e.StreamID] = e.Version
			return nil
		}))
		t.Logf("round %d: %d acknowledged events, %d streams, %d events after reopen", round, len(acks), len(last), s.LastSeq())
		require.NoError(t, s.Close())
	}
}
