package localcloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/localcloud"
)

func putEvents(t *testing.T, c *dynamodb.Client, table, stream string, from, n int) {
	t.Helper()
	for v := from; v < from+n; v++ {
		item, err := dynamo.MarshalItem(events.Envelope{EventID: fmt.Sprintf("01J%023d", v), StreamID: stream, Version: int64(v),
			Type: "tenant.created", Schema: 1, TenantID: "t", OccurredAt: time.Now().UTC(), Actor: "system",
			Data: json.RawMessage(`{"n":1}`)})
		require.NoError(t, err)
		_, err = c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
		require.NoError(t, err)
	}
}

// TestStreamsSourceEndpoint polls a real DynamoDB Streams API (moto) through
// the event source mapping, and resumes from its checkpoint after a restart.
func TestStreamsSourceEndpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := awstest.Tables(t, spec.Events)
	sc := awstest.Streams(t)
	table := spec.TableName(prefix, spec.Events)
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	arn := aws.ToString(d.Table.LatestStreamArn)
	require.NotEmpty(t, arn)
	cp := filepath.Join(t.TempDir(), "streams.json")

	putEvents(t, c, table, "tenant-A", 1, 5)
	run := func(r *recorder) (*localcloud.StreamsSource, func()) {
		src := &localcloud.StreamsSource{Client: sc, StreamARN: arn, Path: cp, Poll: 20 * time.Millisecond}
		require.NoError(t, src.Open())
		m := &localcloud.Mapping{Spec: testSpec(), Source: src, Fn: r.handle, Log: quietLog()}
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = m.Run(cctx); close(done) }()
		return src, func() { cancel(); <-done }
	}
	countDone := func(r *recorder) int { // moto's sequence numbers exceed uint64: count deliveries
		b, _ := r.snapshot()
		n := 0
		for _, x := range b {
			n += len(x)
		}
		return n
	}
	r1 := newRecorder()
	_, stop := run(r1)
	require.Eventually(t, func() bool { return countDone(r1) == 5 }, 30*time.Second, 20*time.Millisecond)
	stop()
	batches, _ := r1.snapshot()
	assert.Len(t, batches[0], 5, "the five records arrive as one batch")

	putEvents(t, c, table, "tenant-A", 6, 2)
	r2 := newRecorder()
	_, stop2 := run(r2)
	defer stop2()
	require.Eventually(t, func() bool { return countDone(r2) == 2 }, 30*time.Second, 20*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 2, countDone(r2), "resumed after the checkpoint: nothing replayed")
}
