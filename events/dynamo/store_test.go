package dynamo_test

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/events/storetest"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
)

type env struct {
	client             *dynamodb.Client
	store              *dynamo.Store
	eventsTbl, recsTbl string
}

func setup(t testing.TB) env {
	t.Helper()
	c, prefix := awstest.Tables(t, spec.Events, spec.Records)
	e := env{client: c, eventsTbl: spec.TableName(prefix, spec.Events), recsTbl: spec.TableName(prefix, spec.Records)}
	t.Cleanup(func() {
		for _, tbl := range []string{e.eventsTbl, e.recsTbl} {
			_, _ = c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(tbl)})
		}
	})
	e.store = dynamo.New(c, e.eventsTbl, e.recsTbl)
	return e
}

// TestContractDynamoDBOnMoto runs the shared Store contract against real
// DynamoDB API calls on the awstest endpoint (moto unless AWS_ENDPOINT_URL).
func TestContractDynamoDBOnMoto(t *testing.T) {
	t.Parallel()
	t.Logf("DynamoDB contract suite against %s", awstest.Endpoint(t))
	storetest.RunWith(t, func(t *testing.T) events.Store { return setup(t).store }, contractOptions)
}

// TestStreamsRoundTripOnMoto appends, reads the Events table's stream through
// the DynamoDB Streams API and decodes the records back into equal envelopes.
func TestStreamsRoundTripOnMoto(t *testing.T) {
	t.Parallel()
	t.Logf("DynamoDB Streams API against %s", awstest.Endpoint(t))
	e := setup(t)
	ctx := t.Context()
	a, b := storetest.NewStreamID("tenant"), storetest.NewStreamID("pirep")
	var want []events.Envelope
	for _, req := range []events.AppendRequest{
		{StreamID: a, Events: storetest.Events(a, 1, 2), Records: []events.RecordOp{
			{Mode: events.RecordPut, Record: events.Record{Key: "cred#" + a, Kind: "credential"}}}},
		{StreamID: b, Events: storetest.Events(b, 1, 1)},
		{StreamID: a, ExpectedVersion: 2, Events: storetest.Events(a, 3, 1)},
	} {
		_, err := e.store.Append(ctx, req)
		require.NoError(t, err)
		want = append(want, req.Events...)
	}
	// A failed append must not reach the stream.
	_, err := e.store.Append(ctx, events.AppendRequest{StreamID: a, ExpectedVersion: 1, Events: storetest.Events(a, 2, 1)})
	require.ErrorIs(t, err, events.ErrVersionConflict)

	desc, err := e.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(e.eventsTbl)})
	require.NoError(t, err)
	arn := aws.ToString(desc.Table.LatestStreamArn)
	require.NotEmpty(t, arn, "the Events table has a stream")
	assert.Equal(t, "NEW_IMAGE", string(desc.Table.StreamSpecification.StreamViewType))

	sc := awstest.Streams(t)
	sd, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	require.NoError(t, err)
	require.NotEmpty(t, sd.StreamDescription.Shards)
	var got []events.Envelope
	for _, sh := range sd.StreamDescription.Shards {
		it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(arn), ShardId: sh.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
		})
		require.NoError(t, err)
		iter := it.ShardIterator
		for i := 0; iter != nil && i < 10; i++ {
			out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			require.NoError(t, err)
			if len(out.Records) == 0 {
				break
			}
			for _, r := range out.Records {
				c, err := dynamo.FromStreamsRecord(r)
				require.NoError(t, err)
				assert.Equal(t, aws.ToString(r.Dynamodb.SequenceNumber), c.Seq)
				got = append(got, c.Envelope)
				lr, err := dynamo.ToLambdaRecord(c, dynamo.StreamMeta{EventSourceARN: arn})
				require.NoError(t, err)
				c2, err := dynamo.FromLambdaRecord(lr)
				require.NoError(t, err)
				assert.Equal(t, c.Envelope, c2.Envelope, "the Lambda-shaped record decodes the same")
				assert.Equal(t, c.Seq, c2.Seq)
				assert.Equal(t, c.At.Truncate(time.Second), c2.At, "Lambda's ApproximateCreationDateTime is whole seconds")
			}
			iter = out.NextShardIterator
		}
	}
	key := func(s []events.Envelope) func(i, j int) bool {
		return func(i, j int) bool {
			if s[i].StreamID != s[j].StreamID {
				return s[i].StreamID < s[j].StreamID
			}
			return s[i].Version < s[j].Version
		}
	}
	sort.SliceStable(want, key(want))
	sort.SliceStable(got, key(got))
	assert.Equal(t, want, got, "the stream carries exactly the committed events, not the records")
}

func TestRecordExpiryUsesTTLAttribute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	_, err := e.store.CompareAndPut(ctx, events.Record{Key: "k", Kind: "ticket", ExpiresAt: &exp}, 0)
	require.NoError(t, err)
	out, err := e.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.recsTbl),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}})
	require.NoError(t, err)
	assert.Equal(t, &types.AttributeValueMemberN{Value: strconv.FormatInt(exp.Unix(), 10)}, out.Item["ttl"])
	// A store whose clock is past the ttl treats the item as gone.
	later := e.store.WithClock(func() time.Time { return exp.Add(time.Second) })
	_, err = later.GetRecord(ctx, "k")
	assert.ErrorIs(t, err, events.ErrNotFound)
	_, err = later.TakeRecord(ctx, "k")
	assert.ErrorIs(t, err, events.ErrNotFound)
	r, err := e.store.TakeRecord(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, int64(1), r.Rev)
}

// lostAnswer performs the first request of one operation (target, e.g.
// ".PutItem"), then reports a reset connection instead of its answer, as a
// network failure after the write would: the SDK retries the request.
type lostAnswer struct {
	next   http.RoundTripper
	target string
	lost   atomic.Bool
}

// losingFirstAnswer is a store on e's tables whose client loses the answer
// to the first request of the operation target (see lostAnswer).
func (e env) losingFirstAnswer(t *testing.T, target string) (*dynamo.Store, *lostAnswer) {
	t.Helper()
	cfg := awstest.Config(t)
	lost := &lostAnswer{next: http.DefaultTransport, target: target}
	cfg.HTTPClient = &http.Client{Transport: lost}
	return dynamo.New(dynamodb.NewFromConfig(cfg), e.eventsTbl, e.recsTbl), lost
}

func (l *lostAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil && strings.HasSuffix(r.Header.Get("X-Amz-Target"), l.target) && l.lost.CompareAndSwap(false, true) {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// A CompareAndPut whose answer is lost succeeds on the SDK's retry: the
// retry fails its condition against the first attempt's write, which the
// write id identifies as its own. A concurrent writer's identical record
// would still be a conflict (the contract suite's concurrent test).
func TestCompareAndPutSurvivesALostAnswer(t *testing.T) {
	t.Parallel()
	e := setup(t)
	st, lost := e.losingFirstAnswer(t, ".PutItem")
	rec, err := st.CompareAndPut(t.Context(), events.Record{Key: "counter", Kind: "counter", Data: []byte(`{"n":1}`)}, 0)
	require.NoError(t, err)
	assert.True(t, lost.lost.Load(), "the first answer was lost and retried")
	assert.Equal(t, int64(1), rec.Rev)
	_, err = e.store.CompareAndPut(t.Context(), events.Record{Key: "counter", Kind: "counter", Data: []byte(`{"n":1}`)}, 0)
	assert.ErrorIs(t, err, events.ErrVersionConflict, "another writer's identical record is still a conflict")
}

// An Append whose answer is lost succeeds on the SDK's retry, which carries
// the same ClientRequestToken: DynamoDB (and the test server, see
// internal/awstest/moto_serial.py) answers it with the first attempt's
// success instead of cancelling it against its own write.
func TestAppendSurvivesALostAnswer(t *testing.T) {
	t.Parallel()
	e := setup(t)
	st, lost := e.losingFirstAnswer(t, ".TransactWriteItems")
	stream := "tenant-01JDA0000000000000000LOST1"
	_, err := st.Append(t.Context(), events.AppendRequest{StreamID: stream, ExpectedVersion: events.ExpectNew, Events: storetest.Events(stream, 1, 1)})
	require.NoError(t, err)
	assert.True(t, lost.lost.Load(), "the first answer was lost and retried")
	page, err := e.store.Load(t.Context(), stream, 0, 10)
	require.NoError(t, err)
	require.Len(t, page.Events, 1, "stored once")
	assert.Equal(t, int64(1), page.Events[0].Version)
}
