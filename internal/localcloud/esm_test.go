package localcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/localcloud"
)

// feed is an in-memory change feed with the embedded store's Tail contract
// (blocks until a record after `after` exists).
type feed struct {
	mu   sync.Mutex
	recs []events.Change
	wake chan struct{}
	per  int // max records per Tail call (0: no cap)
}

func newFeed() *feed { return &feed{wake: make(chan struct{})} }

func (f *feed) add(n int, created time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 0; i < n; i++ {
		seq := len(f.recs) + 1
		f.recs = append(f.recs, events.Change{Seq: fmt.Sprintf("%021d", seq), At: created, Envelope: events.Envelope{
			EventID: fmt.Sprint(seq), StreamID: "tenant-feed", Version: int64(seq), Type: "tenant.created", Schema: 1,
			OccurredAt: created, Actor: "system", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, seq))}})
	}
	close(f.wake)
	f.wake = make(chan struct{})
}

func (f *feed) Tail(ctx context.Context, after uint64, max int) ([]events.Change, error) {
	for {
		f.mu.Lock()
		if int(after) < len(f.recs) {
			out := f.recs[after:]
			if f.per > 0 {
				max = min(max, f.per)
			}
			if len(out) > max {
				out = out[:max]
			}
			f.mu.Unlock()
			return append([]events.Change(nil), out...), nil
		}
		w := f.wake
		f.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-w:
		}
	}
}

// recorder is a projector stand-in whose failures are scripted per record.
type recorder struct {
	mu       sync.Mutex
	batches  [][]uint64
	done     map[uint64]int
	failItem map[uint64]int // record -> how many deliveries report it failed
	errWith  map[uint64]int // record -> how many deliveries of a batch containing it error (-1: always)
}

func newRecorder() *recorder {
	return &recorder{done: map[uint64]int{}, failItem: map[uint64]int{}, errWith: map[uint64]int{}}
}

func (r *recorder) handle(_ context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var seqs []uint64
	for _, rec := range ev.Records {
		seqs = append(seqs, localcloud.SeqNum(rec))
	}
	r.batches = append(r.batches, seqs)
	for _, s := range seqs {
		if n := r.errWith[s]; n != 0 {
			if n > 0 {
				r.errWith[s] = n - 1
			}
			return lambdaevents.DynamoDBEventResponse{}, errors.New("poison")
		}
	}
	var resp lambdaevents.DynamoDBEventResponse
	for i, s := range seqs {
		if r.failItem[s] > 0 {
			r.failItem[s]--
			for _, later := range ev.Records[i:] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.DynamoDBBatchItemFailure{ItemIdentifier: later.Change.SequenceNumber})
			}
			return resp, nil
		}
		r.done[s]++
	}
	return resp, nil
}

// project is the recorder as a consumer core (no Lambda shape).
func (r *recorder) project(ctx context.Context, cs []events.Change) error {
	ev, err := dynamo.ToLambdaEvent(cs, dynamo.StreamMeta{})
	if err != nil {
		return err
	}
	resp, err := r.handle(ctx, ev)
	if err == nil && len(resp.BatchItemFailures) > 0 {
		err = fmt.Errorf("record %s failed", resp.BatchItemFailures[0].ItemIdentifier)
	}
	return err
}

func (r *recorder) snapshot() ([][]uint64, map[uint64]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := map[uint64]int{}
	for k, v := range r.done {
		d[k] = v
	}
	return append([][]uint64(nil), r.batches...), d
}

func runMapping(t *testing.T, f *feed, r *recorder, src spec.StreamSource, dir string) (*localcloud.EmbeddedSource, *localcloud.DeadLetters, func()) {
	t.Helper()
	es, err := localcloud.NewEmbeddedSource(f, filepath.Join(dir, "checkpoint"))
	require.NoError(t, err)
	dlq := localcloud.OpenDeadLetters(filepath.Join(dir, localcloud.DeadLetterFile))
	m := &localcloud.Mapping{Spec: src, Source: es, Fn: r.handle, DLQ: dlq, Log: quietLog(),
		Backoff: func(int) time.Duration { return time.Millisecond }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = m.Run(ctx); close(done) }()
	return es, dlq, func() { cancel(); <-done }
}

func testSpec() spec.StreamSource {
	s := spec.Projector
	s.MaxRetries = 2
	return s
}

func waitCheckpoint(t *testing.T, es *localcloud.EmbeddedSource, want uint64) {
	t.Helper()
	require.Eventually(t, func() bool { return es.Checkpoint() == want }, 5*time.Second, 5*time.Millisecond,
		"checkpoint %d, want %d", es.Checkpoint(), want)
}

func TestMappingRetriesFromFirstReportedFailure(t *testing.T) {
	t.Parallel()
	f, r := newFeed(), newRecorder()
	r.failItem[3] = 2
	f.add(5, time.Now())
	es, dlq, stop := runMapping(t, f, r, testSpec(), t.TempDir())
	defer stop()
	waitCheckpoint(t, es, 5)
	batches, done := r.snapshot()
	assert.Equal(t, [][]uint64{{1, 2, 3, 4, 5}, {3, 4, 5}, {3, 4, 5}}, batches)
	assert.Equal(t, map[uint64]int{1: 1, 2: 1, 3: 1, 4: 1, 5: 1}, done, "each record applied once")
	dl, err := dlq.List()
	require.NoError(t, err)
	assert.Empty(t, dl)
}

func TestMappingBisectsAndDeadLettersAPoisonRecordThenRedrives(t *testing.T) {
	t.Parallel()
	f, r := newFeed(), newRecorder()
	r.errWith[3] = -1
	f.add(6, time.Now())
	dir := t.TempDir()
	es, dlq, stop := runMapping(t, f, r, testSpec(), dir)
	waitCheckpoint(t, es, 6)
	stop()
	_, done := r.snapshot()
	assert.Equal(t, map[uint64]int{1: 1, 2: 1, 4: 1, 5: 1, 6: 1}, done, "the poison record does not hold back the others")
	dl, err := dlq.List()
	require.NoError(t, err)
	require.Len(t, dl, 1)
	assert.Equal(t, fmt.Sprintf("%021d", 3), dl[0].ID)
	assert.Equal(t, 3, dl[0].Attempts, "MaxRetries=2: three attempts")
	assert.Equal(t, spec.FnProjector, dl[0].Function)
	assert.Contains(t, dl[0].Reason, "poison")

	// still failing: the entry stays.
	res, err := dlq.Redrive(context.Background(), r.handle)
	require.NoError(t, err)
	assert.Empty(t, res.Redriven)
	assert.Contains(t, res.Failed, dl[0].ID)
	// fixed: redrive applies it and empties the file.
	r.mu.Lock()
	r.errWith[3] = 0
	r.mu.Unlock()
	res, err = dlq.Redrive(context.Background(), r.handle)
	require.NoError(t, err)
	assert.Equal(t, []string{dl[0].ID}, res.Redriven)
	_, done = r.snapshot()
	assert.Equal(t, 1, done[3])
	dl, err = localcloud.OpenDeadLetters(filepath.Join(dir, localcloud.DeadLetterFile)).List()
	require.NoError(t, err)
	assert.Empty(t, dl)
}

func TestMappingDeadLettersRecordsOlderThanMaxAge(t *testing.T) {
	t.Parallel()
	f, r := newFeed(), newRecorder()
	f.add(2, time.Now().Add(-7*time.Hour))
	f.add(1, time.Now())
	es, dlq, stop := runMapping(t, f, r, testSpec(), t.TempDir())
	defer stop()
	waitCheckpoint(t, es, 3)
	_, done := r.snapshot()
	assert.Equal(t, map[uint64]int{3: 1}, done)
	dl, err := dlq.List()
	require.NoError(t, err)
	assert.Len(t, dl, 2)
}

func TestMappingBatchingWindowAndSize(t *testing.T) {
	t.Parallel()
	f, r := newFeed(), newRecorder()
	f.per = 1 // the feed hands out one record per call
	src := testSpec()
	src.BatchSize = 3
	src.BatchingWindow = time.Second
	f.add(7, time.Now())
	es, _, stop := runMapping(t, f, r, src, t.TempDir())
	defer stop()
	waitCheckpoint(t, es, 7)
	batches, _ := r.snapshot()
	assert.Equal(t, [][]uint64{{1, 2, 3}, {4, 5, 6}, {7}}, batches, "window gathers up to BatchSize")
}

func TestMappingCheckpointSurvivesRestart(t *testing.T) {
	t.Parallel()
	f, r := newFeed(), newRecorder()
	dir := t.TempDir()
	f.add(4, time.Now())
	es, _, stop := runMapping(t, f, r, testSpec(), dir)
	waitCheckpoint(t, es, 4)
	stop()
	f.add(2, time.Now())
	r2 := newRecorder()
	es2, _, stop2 := runMapping(t, f, r2, testSpec(), dir)
	defer stop2()
	waitCheckpoint(t, es2, 6)
	_, done := r2.snapshot()
	assert.Equal(t, map[uint64]int{5: 1, 6: 1}, done, "a restart neither loses nor replays")

	// Replay rebuilds in-memory state up to the checkpoint without the mapping.
	r3 := newRecorder()
	last, err := localcloud.Replay(context.Background(), f, 4, 100, 100*time.Millisecond, r3.project)
	require.NoError(t, err)
	assert.EqualValues(t, 4, last)
	_, done = r3.snapshot()
	assert.Equal(t, map[uint64]int{1: 1, 2: 1, 3: 1, 4: 1}, done)
}
