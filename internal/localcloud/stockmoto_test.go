package localcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/ddb"
	"github.com/skyledger/skyledger/internal/localcloud"
	"github.com/skyledger/skyledger/internal/syncbuf"
)

func envelope(stream string, v int64) events.Envelope {
	return events.Envelope{EventID: fmt.Sprintf("01J%s%03d", strings.ReplaceAll(stream, "-", ""), v), StreamID: stream, Version: v,
		Type: "test.happened", Schema: 1, OccurredAt: time.Now().UTC(), Actor: "system", Data: json.RawMessage(`{}`)}
}

// collect fetches (committing each batch) until want has been seen or
// the bound passes; it returns every change fetched, in order.
func collect(t *testing.T, src *localcloud.StreamsSource, want func([]events.Change) bool) []events.Change {
	t.Helper()
	var got []events.Change
	deadline := time.Now().Add(30 * time.Second)
	for !want(got) {
		require.True(t, time.Now().Before(deadline), "changes fetched so far: %v", keys(got))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		cs, err := src.Fetch(ctx, 100)
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Logf("fetch: %v", err) // the endpoint restarting
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if len(cs) > 0 {
			require.NoError(t, src.Commit(context.Background(), cs[len(cs)-1]))
			got = append(got, cs...)
		}
	}
	return got
}

func keys(cs []events.Change) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s/%d", c.StreamID, c.Version))
	}
	return out
}

func has(key string) func([]events.Change) bool {
	return func(cs []events.Change) bool {
		for _, k := range keys(cs) {
			if k == key {
				return true
			}
		}
		return false
	}
}

// TestStreamsSourceOnStockMoto: stock moto replaces the stream shard when a
// transaction is cancelled (and reuses the cancelled writes' sequence
// numbers); the poller still delivers the next real write, exactly once,
// also across a poller restart; when moto restarts empty, Resolve gives the
// new stream and delivery goes on.
func TestStreamsSourceOnStockMoto(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	moto := awstest.StartStockMoto(t)
	cfg := moto.Config()
	db, sc := dynamodb.NewFromConfig(cfg), dynamodbstreams.NewFromConfig(cfg)
	prefix := awstest.Prefix(t)
	evTable, recTable := spec.TableName(prefix, spec.Events), spec.TableName(prefix, spec.Records)
	resolve := func(ctx context.Context) (string, error) {
		if err := ddb.EnsureTables(ctx, db, prefix, spec.Events, spec.Records); err != nil {
			return "", err
		}
		d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(evTable)})
		if err != nil {
			return "", err
		}
		return aws.ToString(d.Table.LatestStreamArn), nil
	}
	arn, err := resolve(ctx)
	require.NoError(t, err)
	store := dynamo.New(db, evTable, recTable)
	cp := filepath.Join(t.TempDir(), "streams.json")
	open := func() *localcloud.StreamsSource {
		src := &localcloud.StreamsSource{Client: sc, StreamARN: arn, Path: cp, Poll: 10 * time.Millisecond,
			Reanchor: 50 * time.Millisecond, Resolve: resolve}
		require.NoError(t, src.Open())
		return src
	}
	appendOne := func(stream string, v int64, recs ...events.RecordOp) error {
		_, err := store.Append(ctx, events.AppendRequest{StreamID: stream, ExpectedVersion: v - 1,
			Events: []events.Envelope{envelope(stream, v)}, Records: recs})
		return err
	}
	reserve := []events.RecordOp{{Mode: events.RecordPutIfAbsent, Record: events.Record{Key: "email#ada", Kind: "reservation"}}}

	src := open()
	require.NoError(t, appendOne("user-ada", 1, reserve...))
	collect(t, src, has("user-ada/1"))

	// A cancelled transaction (the e-mail is taken), then a real write.
	err = appendOne("user-dup", 1, reserve...)
	require.ErrorIs(t, err, events.ErrDuplicate)
	require.NoError(t, appendOne("tenant-next", 1))
	got := collect(t, src, has("tenant-next/1"))
	assert.Equal(t, 1, strings.Count(strings.Join(keys(got), " "), "tenant-next/1"), "delivered once: %v", keys(got))
	t.Logf("after the cancelled transaction: %v (user-dup/1 is the write moto leaked)", keys(got))

	// A poller restart resumes from the checkpoint: nothing lost, nothing again.
	src = open()
	require.NoError(t, appendOne("tenant-next", 2))
	got = collect(t, src, has("tenant-next/2"))
	assert.Equal(t, []string{"tenant-next/2"}, keys(got))

	// moto restarts with empty state: the stream is resolved again.
	moto.Kill()
	moto.Start()
	_, err = resolve(ctx)
	require.NoError(t, err)
	require.NoError(t, appendOne("tenant-after", 1))
	got = collect(t, src, has("tenant-after/1"))
	assert.Equal(t, []string{"tenant-after/1"}, keys(got), "the new stream is read from its start")
}

// failingSource fails its first n fetches, then answers an empty fetch
// once, then blocks.
type failingSource struct {
	mu       sync.Mutex
	n        int
	answered bool
}

func (f *failingSource) Fetch(ctx context.Context, _ int) ([]events.Change, error) {
	f.mu.Lock()
	if f.n > 0 {
		f.n--
		f.mu.Unlock()
		return nil, errors.New("connection refused")
	}
	if !f.answered {
		f.answered = true
		f.mu.Unlock()
		return nil, nil
	}
	f.mu.Unlock()
	<-ctx.Done()
	return nil, ctx.Err()
}

func (f *failingSource) Commit(context.Context, events.Change) error { return nil }

func (f *failingSource) left() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// TestMappingFetchErrorsBackOffQuietly: a fetch that keeps failing is
// retried with backoff and logged once when it starts failing and once when
// it recovers, not at every retry.
func TestMappingFetchErrorsBackOffQuietly(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	src := &failingSource{n: 20}
	var waits []int
	var mu sync.Mutex
	m := &localcloud.Mapping{Spec: testSpec(), Source: src, Fn: newRecorder().handle,
		Log: slog.New(slog.NewTextHandler(&logs, nil)),
		FetchBackoff: func(n int) time.Duration {
			mu.Lock()
			waits = append(waits, n)
			mu.Unlock()
			return time.Millisecond
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = m.Run(ctx); close(done) }()
	require.Eventually(t, func() bool { return src.left() == 0 && strings.Contains(logs.String(), "recovered") },
		10*time.Second, 5*time.Millisecond)
	cancel()
	<-done
	assert.Equal(t, 1, strings.Count(logs.String(), "fetch failing"), logs.String())
	assert.Equal(t, 1, strings.Count(logs.String(), "fetch recovered"), logs.String())
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, waits, 20)
	assert.Equal(t, 0, waits[0])
	assert.Equal(t, 19, waits[19], "the backoff grows with consecutive failures")
}
