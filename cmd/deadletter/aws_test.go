package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skyledger/skyledger/internal/identityapp/identityapptest"
	"github.com/skyledger/skyledger/internal/readmodel/readmodeltest"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/ddb"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/wire"
)

// deployed is a stage laid out on moto as the stack names it: the four
// tables, the on-failure queue, the identity history appended to Events.
type deployed struct {
	stage    string
	db       *dynamodb.Client
	streams  *dynamodbstreams.Client
	sqs      *sqs.Client
	queueURL string
	records  []streamtypes.Record // the Events stream, in order
	models   *readmodel.Dynamo
	shift    time.Duration // added to every event's occurred_at
}

func deployStage(t *testing.T, shift time.Duration) *deployed {
	t.Helper()
	ctx := context.Background()
	var b [4]byte
	_, _ = rand.Read(b[:])
	d := &deployed{stage: "t" + hex.EncodeToString(b[:]), shift: shift}
	cfg := awstest.Config(t)
	d.db, d.streams, d.sqs = dynamodb.NewFromConfig(cfg), dynamodbstreams.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	require.NoError(t, ddb.EnsureTables(ctx, d.db, spec.StagePrefix(d.stage)))
	q, err := d.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(spec.StageDeadLetterQueueName(d.stage))})
	require.NoError(t, err)
	d.queueURL = aws.ToString(q.QueueUrl)

	store := dynamo.New(d.db, spec.StageTableName(d.stage, spec.Events), spec.StageTableName(d.stage, spec.Records))
	for _, e := range history(t, shift) {
		_, err := store.Append(ctx, events.AppendRequest{StreamID: e.StreamID, ExpectedVersion: e.Version - 1, Events: []events.Envelope{e}})
		require.NoError(t, err)
	}
	arn := d.streamArn(t)
	desc, err := d.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	require.NoError(t, err)
	require.Len(t, desc.StreamDescription.Shards, 1)
	it, err := d.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn),
		ShardId: desc.StreamDescription.Shards[0].ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
	require.NoError(t, err)
	page, err := d.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	require.NoError(t, err)
	require.Len(t, page.Records, 14)
	d.records = page.Records
	d.models = readmodel.NewDynamo(d.db, spec.StageTableName(d.stage, spec.ReadModel))
	return d
}

func (d *deployed) streamArn(t *testing.T) string {
	t.Helper()
	out, err := d.db.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(spec.StageTableName(d.stage, spec.Events))})
	require.NoError(t, err)
	return aws.ToString(out.Table.LatestStreamArn)
}

func (d *deployed) shardID(t *testing.T) string {
	t.Helper()
	desc, err := d.streams.DescribeStream(context.Background(), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(d.streamArn(t))})
	require.NoError(t, err)
	return aws.ToString(desc.StreamDescription.Shards[0].ShardId)
}

// fail sends the on-failure message Lambda sends for records[from:to].
func (d *deployed) fail(t *testing.T, shard string, from, to int, first, last time.Time) {
	t.Helper()
	body := map[string]any{
		"requestContext": map[string]any{"requestId": "r", "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:" + spec.StageFunctionName(d.stage, spec.FnProjector),
			"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"version":         "1.0",
		"timestamp":       last.Add(time.Minute).Format(time.RFC3339Nano),
		"DDBStreamBatchInfo": map[string]any{
			"shardId":                         shard,
			"startSequenceNumber":             aws.ToString(d.records[from].Dynamodb.SequenceNumber),
			"endSequenceNumber":               aws.ToString(d.records[to-1].Dynamodb.SequenceNumber),
			"approximateArrivalOfFirstRecord": first.UTC().Format(time.RFC3339),
			"approximateArrivalOfLastRecord":  last.UTC().Format(time.RFC3339),
			"batchSize":                       to - from,
			"streamArn":                       d.streamArn(t),
		},
	}
	b, err := json.Marshal(body)
	require.NoError(t, err)
	_, err = d.sqs.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(d.queueURL), MessageBody: aws.String(string(b))})
	require.NoError(t, err)
}

// visible counts the messages still in the queue (visible or in flight).
func (d *deployed) visible(t *testing.T) int {
	t.Helper()
	out, err := d.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(d.queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	require.NoError(t, err)
	n := 0
	for _, v := range out.Attributes {
		k, err := strconv.Atoi(v)
		require.NoError(t, err)
		n += k
	}
	return n
}

// clients injects moto's clients and the projector handler itself (moto
// cannot run the function), which writes the stage's ReadModel table.
func (d *deployed) clients(p Projector) func(context.Context) (AWSClients, error) {
	if p == nil {
		p = ProjectorFunc(projection.New(projection.Deps{Models: d.models, Projections: wire.Projections()}).Handle)
	}
	return func(context.Context) (AWSClients, error) {
		return AWSClients{SQS: d.sqs, Streams: d.streams, DynamoDB: d.db, Projector: p}, nil
	}
}

// expected is the read model the live projector would have built from the
// whole history.
func expected(t *testing.T, shift time.Duration) []string {
	t.Helper()
	m := readmodel.NewEmbedded()
	var recs []lambdaevents.DynamoDBEventRecord
	for i, e := range history(t, shift) {
		r, err := dynamo.ToLambdaRecord(events.Change{Envelope: e, Seq: fmt.Sprintf("%021d", i+1), At: e.OccurredAt}, dynamo.StreamMeta{})
		require.NoError(t, err)
		recs = append(recs, r)
	}
	resp, err := projection.New(projection.Deps{Models: m, Projections: wire.Projections()}).Handle(context.Background(), lambdaevents.DynamoDBEvent{Records: recs})
	require.NoError(t, err)
	require.Empty(t, resp.BatchItemFailures)
	return readmodeltest.Snapshot(t, m)
}

// history is the golden identity history (7 streams, 14 events), each
// event's occurred_at moved by shift.
func history(t *testing.T, shift time.Duration) []events.Envelope {
	t.Helper()
	out := identityapptest.History()
	require.Len(t, out, 14)
	for i := range out {
		out[i].OccurredAt = out[i].OccurredAt.Add(shift)
	}
	return out
}

func TestAWSRedriveFromStream(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := deployStage(t, 0)
	shard := d.shardID(t)
	now := time.Now()
	// Two failed batches, the later one sent first: the redrive orders them.
	d.fail(t, shard, 7, 14, now.Add(-time.Minute), now)
	d.fail(t, shard, 0, 7, now.Add(-2*time.Minute), now.Add(-time.Minute))

	var out bytes.Buffer
	require.NoError(t, runWith(ctx, []string{"aws-list", "-stage", d.stage}, &out, d.clients(nil)))
	assert.Contains(t, out.String(), "RetryAttemptsExhausted")
	assert.Contains(t, out.String(), shard)
	assert.Equal(t, 2, d.visible(t), "list consumes nothing")
	assert.Empty(t, readmodeltest.Snapshot(t, d.models))

	out.Reset()
	require.NoError(t, runWith(ctx, []string{"aws-redrive", "-stage", d.stage}, &out, d.clients(nil)), out.String())
	assert.Contains(t, out.String(), "redriven: 2, failed: 0")
	assert.Equal(t, 2, strings.Count(out.String(), "7 records from the stream"), out.String())
	assert.Equal(t, 0, d.visible(t), "messages deleted after success")
	assert.Equal(t, expected(t, 0), readmodeltest.Snapshot(t, d.models))
}

func TestAWSRedrivePastRetentionRederivesFromEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The history occurred two days ago: past the stream's 24 h, so the
	// pointers are not even tried; the arrival window finds the streams.
	h := history(t, 0)
	d := deployStage(t, time.Now().Add(-48*time.Hour).Sub(h[0].OccurredAt))
	at := func(i int) time.Time { return history(t, d.shift)[i].OccurredAt }
	d.fail(t, d.shardID(t), 3, 9, at(3), at(8))

	var out bytes.Buffer
	require.NoError(t, runWith(ctx, []string{"aws-redrive", "-stage", d.stage}, &out, d.clients(nil)), out.String())
	assert.Contains(t, out.String(), "past the stream's 24h0m0s retention")
	assert.Contains(t, out.String(), "from the events")
	assert.Contains(t, out.String(), "redriven: 1, failed: 0")
	assert.Equal(t, 0, d.visible(t))
	// Every stream with an event in the window was projected whole.
	got := readmodeltest.Snapshot(t, d.models)
	want := expected(t, d.shift)
	assert.NotEmpty(t, got)
	assert.Subset(t, want, got)
	ids := map[string]bool{}
	assert.Less(t, len(got), len(want), "only the streams of the window")
	for _, e := range history(t, d.shift) {
		if !e.OccurredAt.Before(at(3).Add(-ArrivalSlack)) && !e.OccurredAt.After(at(8).Add(ArrivalSlack)) {
			ids[e.StreamID] = true
		}
	}
	for id := range ids {
		assert.Contains(t, strings.Join(got, "\n"), `"source_stream":"`+id+`"`)
	}
}

func TestAWSRedriveUnresolvablePointerRederives(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A recent batch (the history ends a minute ago) whose shard is gone (a
	// shard rolled over and was trimmed): the stream cannot answer, the
	// Events table can.
	h := history(t, 0)
	d := deployStage(t, time.Now().Add(-time.Minute).Sub(h[13].OccurredAt))
	hs := history(t, d.shift)
	d.fail(t, "shardId-00000000000000000000-gone", 0, 14, hs[0].OccurredAt, hs[13].OccurredAt)
	var out bytes.Buffer
	require.NoError(t, runWith(ctx, []string{"aws-redrive", "-stage", d.stage}, &out, d.clients(nil)), out.String())
	assert.Contains(t, out.String(), "shard iterator at shardId-00000000000000000000-gone")
	assert.Contains(t, out.String(), "14 records from the events")
	assert.Equal(t, expected(t, d.shift), readmodeltest.Snapshot(t, d.models))
	assert.Equal(t, 0, d.visible(t))
}

func TestAWSRedriveKeepsMessageOnFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := deployStage(t, 0)
	now := time.Now()
	d.fail(t, d.shardID(t), 0, 14, now.Add(-time.Minute), now)
	_, err := d.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(d.queueURL), MessageBody: aws.String(`{"not":"a failure record"}`)})
	require.NoError(t, err)

	calls := 0
	failing := ProjectorFunc(func(_ context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
		calls++
		return lambdaevents.DynamoDBEventResponse{BatchItemFailures: []lambdaevents.DynamoDBBatchItemFailure{
			{ItemIdentifier: ev.Records[0].Change.SequenceNumber}}}, nil
	})
	var out bytes.Buffer
	err = runWith(ctx, []string{"aws-redrive", "-stage", d.stage}, &out, d.clients(failing))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2 messages still failing")
	assert.Contains(t, out.String(), "streamArn missing")
	assert.Contains(t, out.String(), "projector failed at record")
	assert.Equal(t, 2, calls, "the stream records, then the re-derived first stream")
	assert.Equal(t, 2, d.visible(t), "nothing deleted")

	// The next run with a healthy projector redrives the good one; the
	// malformed message stays for a human.
	out.Reset()
	err = runWith(ctx, []string{"aws-redrive", "-stage", d.stage}, &out, d.clients(nil))
	require.Error(t, err)
	assert.Contains(t, out.String(), "redriven: 1, failed: 1")
	assert.Equal(t, 1, d.visible(t))
	assert.Equal(t, expected(t, 0), readmodeltest.Snapshot(t, d.models))
}

func TestAWSFlags(t *testing.T) {
	t.Parallel()
	none := func(context.Context) (AWSClients, error) { panic("no AWS expected") }
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no stage", []string{"aws-redrive"}, "-stage is required"},
		{"bad max", []string{"aws-list", "-stage", "dev", "-max", "0"}, "-max must be at least 1"},
		{"unknown flag", []string{"aws-list", "-bogus"}, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			assert.ErrorContains(t, runWith(context.Background(), tc.args, &out, none), tc.want)
		})
	}
}

func TestParseFailureMessage(t *testing.T) {
	t.Parallel()
	ok := `{"DDBStreamBatchInfo":{"shardId":"s","startSequenceNumber":"100000000000000000000001","endSequenceNumber":"100000000000000000000009","streamArn":"arn"}}`
	_, err := ParseFailureMessage(ok)
	require.NoError(t, err)
	tests := []struct{ name, body, want string }{
		{"not json", `nope`, "not an on-failure record"},
		{"no stream", `{"DDBStreamBatchInfo":{"shardId":"s","startSequenceNumber":"1","endSequenceNumber":"2"}}`, "streamArn missing"},
		{"no shard", `{"DDBStreamBatchInfo":{"streamArn":"a","startSequenceNumber":"1","endSequenceNumber":"2"}}`, "shardId missing"},
		{"bad seq", `{"DDBStreamBatchInfo":{"streamArn":"a","shardId":"s","startSequenceNumber":"x","endSequenceNumber":"2"}}`, "must be decimal"},
		{"signed seq", `{"DDBStreamBatchInfo":{"streamArn":"a","shardId":"s","startSequenceNumber":"-1","endSequenceNumber":"2"}}`, "must be decimal"},
		{"reversed", `{"DDBStreamBatchInfo":{"streamArn":"a","shardId":"s","startSequenceNumber":"9","endSequenceNumber":"2"}}`, "after endSequenceNumber"},
	}
	for _, tc := range tests {
		_, err := ParseFailureMessage(tc.body)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestWindowBoundsCompareAsStrings(t *testing.T) {
	t.Parallel()
	sec := time.Date(2026, 11, 26, 12, 1, 5, 0, time.UTC)
	for _, v := range []time.Time{sec, sec.Add(time.Nanosecond), sec.Add(100 * time.Millisecond), sec.Add(time.Second - 1)} {
		s := v.Format(time.RFC3339Nano)
		assert.LessOrEqual(t, lowBound(sec), s)
		assert.GreaterOrEqual(t, highBound(sec), s)
		assert.Greater(t, lowBound(sec.Add(time.Second)), s, "the next second starts after")
		assert.Less(t, highBound(sec.Add(-time.Second)), s, "the previous second ends before")
	}
}

func FuzzParseFailureMessage(f *testing.F) {
	f.Add(`{"DDBStreamBatchInfo":{"shardId":"s","startSequenceNumber":"1","endSequenceNumber":"2","streamArn":"a"}}`)
	f.Add(`{"DDBStreamBatchInfo":{"startSequenceNumber":"+1"}}`)
	f.Fuzz(func(t *testing.T, body string) {
		m, err := ParseFailureMessage(body)
		if err == nil && seqCmp(m.Batch.StartSequenceNum, m.Batch.EndSequenceNum) > 0 {
			t.Fatal("accepted a reversed range")
		}
	})
}

// TestLambdaProjector checks the wire contract with the Lambda Invoke API:
// the event goes out as the payload, a batch response comes back, a function
// error is an error.
func TestLambdaProjector(t *testing.T) {
	t.Parallel()
	var gotPath string
	var gotEvent lambdaevents.DynamoDBEvent
	fnErr := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		_ = json.NewDecoder(r.Body).Decode(&gotEvent)
		if fnErr {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			_, _ = w.Write([]byte(`{"errorMessage":"boom"}`))
			return
		}
		_, _ = w.Write([]byte(`{"batchItemFailures":[{"itemIdentifier":"42"}]}`))
	}))
	defer srv.Close()
	cfg := awstest.Config(t)
	cfg.BaseEndpoint = aws.String(srv.URL)
	p := LambdaProjector{Client: lambda.NewFromConfig(cfg), Function: "skyledger-dev-projector"}
	ev := lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{{EventID: "e1"}}}
	resp, err := p.Invoke(context.Background(), ev)
	require.NoError(t, err)
	assert.Equal(t, "/2015-03-31/functions/skyledger-dev-projector/invocations", gotPath)
	assert.Equal(t, "e1", gotEvent.Records[0].EventID)
	assert.Equal(t, "42", resp.BatchItemFailures[0].ItemIdentifier)
	fnErr = true
	_, err = p.Invoke(context.Background(), ev)
	assert.ErrorContains(t, err, "function error Unhandled")
}
