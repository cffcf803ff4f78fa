package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"sort"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
)

// The AWS mode works on a deployed stage:
//
//	deadletter aws-list    -stage dev [-json]
//	deadletter aws-redrive -stage dev [-max N]
//
// The projector's event source mapping sends, for a batch it gave up on,
// an SQS message with pointers only (shard, first and last sequence number,
// arrival times). aws-redrive fetches those records from the Events stream
// while it still holds them (24 h); past that, or when the pointers no
// longer resolve, it re-derives the affected streams from the Events table
// (every event whose occurred_at falls in the batch's arrival window, widened
// by ArrivalSlack, then each such stream's whole history). It invokes the
// projector with the records and deletes the message only after the
// projector reported no failure. Projections are idempotent per stream
// version, so re-projecting a whole stream changes only what was missing.

// ArrivalSlack widens a batch's arrival window when re-deriving from the
// Events table: an event is stamped with its request's time, which precedes
// its arrival in the stream by at most a request's duration.
const ArrivalSlack = 2 * time.Minute

// FailureMessage is the on-failure destination record of a DynamoDB Streams
// event source mapping (the fields the redrive uses).
type FailureMessage struct {
	RequestContext struct {
		Condition   string `json:"condition"`
		FunctionArn string `json:"functionArn"`
	} `json:"requestContext"`
	Timestamp time.Time `json:"timestamp"`
	Batch     BatchInfo `json:"DDBStreamBatchInfo"`
}

// BatchInfo points at the records of one failed batch.
type BatchInfo struct {
	ShardID          string    `json:"shardId"`
	StartSequenceNum string    `json:"startSequenceNumber"`
	EndSequenceNum   string    `json:"endSequenceNumber"`
	FirstArrival     time.Time `json:"approximateArrivalOfFirstRecord"`
	LastArrival      time.Time `json:"approximateArrivalOfLastRecord"`
	BatchSize        int       `json:"batchSize"`
	StreamArn        string    `json:"streamArn"`
}

// ParseFailureMessage decodes and checks an on-failure message body.
func ParseFailureMessage(body string) (FailureMessage, error) {
	var m FailureMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return m, fmt.Errorf("not an on-failure record: %w", err)
	}
	b := m.Batch
	switch {
	case b.StreamArn == "":
		return m, errors.New("on-failure record: DDBStreamBatchInfo.streamArn missing")
	case b.ShardID == "":
		return m, errors.New("on-failure record: DDBStreamBatchInfo.shardId missing")
	case !isSeq(b.StartSequenceNum) || !isSeq(b.EndSequenceNum):
		return m, errors.New("on-failure record: DDBStreamBatchInfo start/endSequenceNumber must be decimal")
	case seqCmp(b.StartSequenceNum, b.EndSequenceNum) > 0:
		return m, errors.New("on-failure record: startSequenceNumber after endSequenceNumber")
	}
	return m, nil
}

func isSeq(s string) bool {
	_, ok := new(big.Int).SetString(s, 10)
	return ok && s != "" && s[0] != '-' && s[0] != '+'
}

// seqCmp compares two decimal sequence numbers (up to 40 digits, beyond int64).
func seqCmp(a, b string) int {
	x, _ := new(big.Int).SetString(a, 10)
	y, _ := new(big.Int).SetString(b, 10)
	return x.Cmp(y)
}

// SQSAPI is the part of the SQS client the redrive uses.
type SQSAPI interface {
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(context.Context, *sqs.ChangeMessageVisibilityInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// StreamsAPI is the part of the DynamoDB Streams client the redrive uses.
type StreamsAPI interface {
	GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// Projector is the projector as the redrive calls it: the deployed Lambda
// (LambdaProjector) or, in tests, the handler itself.
type Projector interface {
	Invoke(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error)
}

// ProjectorFunc adapts a handler function (projector.Handler.Handle).
type ProjectorFunc func(context.Context, lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error)

// Invoke calls f.
func (f ProjectorFunc) Invoke(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
	return f(ctx, ev)
}

// LambdaAPI is the part of the Lambda client LambdaProjector uses.
type LambdaAPI interface {
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// LambdaProjector invokes the deployed projector function synchronously with
// a stream event, exactly as the event source mapping does.
type LambdaProjector struct {
	Client   LambdaAPI
	Function string
}

// Invoke sends ev and decodes the batch response; a function error (a crash,
// a timeout) is an error.
func (p LambdaProjector) Invoke(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
	var resp lambdaevents.DynamoDBEventResponse
	payload, err := json.Marshal(ev)
	if err != nil {
		return resp, err
	}
	out, err := p.Client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(p.Function),
		InvocationType: lambdatypes.InvocationTypeRequestResponse,
		Payload:        payload,
	})
	if err != nil {
		return resp, fmt.Errorf("invoke %s: %w", p.Function, err)
	}
	if out.FunctionError != nil {
		return resp, fmt.Errorf("invoke %s: function error %s: %s", p.Function, aws.ToString(out.FunctionError), truncate(string(out.Payload), 300))
	}
	if len(out.Payload) > 0 && string(out.Payload) != "null" {
		if err := json.Unmarshal(out.Payload, &resp); err != nil {
			return resp, fmt.Errorf("invoke %s: response: %w", p.Function, err)
		}
	}
	return resp, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Redriver redrives a stage's on-failure queue.
type Redriver struct {
	SQS       SQSAPI
	Streams   StreamsAPI
	DynamoDB  *dynamodb.Client
	Projector Projector
	QueueURL  string
	// EventsTable and RecordsTable are the stage's physical table names.
	EventsTable, RecordsTable string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Log receives one line per message.
	Log io.Writer
}

// Outcome is what happened to one message.
type Outcome struct {
	MessageID string
	Source    string // "stream" (records fetched by sequence number) or "events" (streams re-derived)
	Records   int
	Streams   []string
	Err       error
}

// List returns the queue's messages without consuming them (each is made
// visible again at once).
func (r *Redriver) List(ctx context.Context, max int) ([]sqstypes.Message, error) {
	msgs, err := r.receive(ctx, max)
	for _, m := range msgs {
		_, _ = r.SQS.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(r.QueueURL), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
	}
	return msgs, err
}

func (r *Redriver) receive(ctx context.Context, max int) ([]sqstypes.Message, error) {
	var out []sqstypes.Message
	seen := map[string]bool{}
	for len(out) < max {
		n := int32(min(10, max-len(out)))
		res, err := r.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(r.QueueURL), MaxNumberOfMessages: n,
			// Long enough for one message's redrive; a message that fails
			// reappears after it (or at once, see Redrive).
			VisibilityTimeout: 300, WaitTimeSeconds: 1,
		})
		if err != nil {
			return out, fmt.Errorf("receive from %s: %w", r.QueueURL, err)
		}
		if len(res.Messages) == 0 {
			break
		}
		for _, m := range res.Messages {
			if id := aws.ToString(m.MessageId); !seen[id] {
				seen[id] = true
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// Redrive processes up to max messages. A message is deleted only after the
// projector handled its records without a failure; a failed message is made
// visible again at once so that the next run (or an operator) sees it.
func (r *Redriver) Redrive(ctx context.Context, max int) ([]Outcome, error) {
	msgs, err := r.receive(ctx, max)
	if err != nil {
		return nil, err
	}
	// Oldest batches first: a later batch of the same stream depends on the
	// earlier one (the projector refuses gaps).
	sort.SliceStable(msgs, func(i, j int) bool { return sentAt(msgs[i]).Before(sentAt(msgs[j])) })
	var outs []Outcome
	for _, m := range msgs {
		o := r.redriveOne(ctx, m)
		if o.Err == nil {
			if _, err := r.SQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.QueueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				o.Err = fmt.Errorf("projected, but delete message: %w", err)
			}
		} else {
			_, _ = r.SQS.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(r.QueueURL), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
		}
		outs = append(outs, o)
	}
	return outs, nil
}

func sentAt(m sqstypes.Message) time.Time {
	var fm FailureMessage
	_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &fm)
	return fm.Batch.FirstArrival
}

func (r *Redriver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Redriver) redriveOne(ctx context.Context, m sqstypes.Message) Outcome {
	o := Outcome{MessageID: aws.ToString(m.MessageId)}
	fm, err := ParseFailureMessage(aws.ToString(m.Body))
	if err != nil {
		o.Err = err
		return o
	}
	var recs []lambdaevents.DynamoDBEventRecord
	var streamErr error
	if r.now().Sub(fm.Batch.FirstArrival) < spec.StreamRetention {
		recs, streamErr = r.fromStream(ctx, fm.Batch)
	} else {
		streamErr = fmt.Errorf("batch arrived %s ago, past the stream's %s retention", r.now().Sub(fm.Batch.FirstArrival).Round(time.Minute), spec.StreamRetention)
	}
	if streamErr == nil && len(recs) > 0 {
		o.Source, o.Records = "stream", len(recs)
		ids := map[string]bool{}
		for _, rec := range recs {
			if e, err := dynamo.FromLambdaRecord(rec); err == nil {
				ids[e.StreamID] = true
			}
		}
		o.Streams = sortedKeys(ids)
		if err := r.project(ctx, recs); err == nil {
			return o
		} else {
			// Typically a gap: an earlier version of the stream is in
			// another failed batch. The whole streams never have gaps.
			fmt.Fprintf(r.Log, "message %s: stream records failed (%v); re-deriving %d streams from the Events table\n", o.MessageID, err, len(o.Streams))
		}
	} else {
		if streamErr == nil {
			streamErr = errors.New("no record of the batch is left in the stream")
		}
		fmt.Fprintf(r.Log, "message %s: %v; re-deriving from the Events table\n", o.MessageID, streamErr)
		ids, err := r.streamsInWindow(ctx, fm.Batch.FirstArrival.Add(-ArrivalSlack), fm.Batch.LastArrival.Add(ArrivalSlack))
		if err != nil {
			o.Err = err
			return o
		}
		o.Streams = ids
	}
	o.Source = "events"
	n, err := r.rederive(ctx, o.Streams)
	o.Records = n
	o.Err = err
	return o
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fromStream reads the batch's records from its shard by sequence number.
func (r *Redriver) fromStream(ctx context.Context, b BatchInfo) ([]lambdaevents.DynamoDBEventRecord, error) {
	it, err := r.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(b.StreamArn), ShardId: aws.String(b.ShardID),
		ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(b.StartSequenceNum),
	})
	if err != nil {
		return nil, fmt.Errorf("shard iterator at %s/%s: %w", b.ShardID, b.StartSequenceNum, err)
	}
	iter := it.ShardIterator
	var out []lambdaevents.DynamoDBEventRecord
	// An open shard answers empty pages at its end: stop after a few.
	for empty := 0; iter != nil && empty < 3; {
		page, err := r.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
		if err != nil {
			return nil, fmt.Errorf("get records of %s: %w", b.ShardID, err)
		}
		if len(page.Records) == 0 {
			empty++
		}
		for _, rec := range page.Records {
			seq := ""
			if rec.Dynamodb != nil {
				seq = aws.ToString(rec.Dynamodb.SequenceNumber)
			}
			if seqCmp(seq, b.StartSequenceNum) < 0 {
				continue
			}
			if seqCmp(seq, b.EndSequenceNum) > 0 {
				return out, nil
			}
			c, err := dynamo.FromStreamsRecord(rec)
			if err != nil {
				return nil, fmt.Errorf("record %s: %w", seq, err)
			}
			c.Seq = seq
			lr, err := dynamo.ToLambdaRecord(c, dynamo.StreamMeta{EventSourceARN: b.StreamArn, Region: aws.ToString(rec.AwsRegion)})
			if err != nil {
				return nil, fmt.Errorf("record %s: %w", seq, err)
			}
			out = append(out, lr)
			if seq == b.EndSequenceNum {
				return out, nil
			}
		}
		iter = page.NextShardIterator
	}
	return out, nil
}

// streamsInWindow lists the streams with an event whose occurred_at lies in
// [from, to] (a filtered scan of the Events table).
func (r *Redriver) streamsInWindow(ctx context.Context, from, to time.Time) ([]string, error) {
	p := dynamodb.NewScanPaginator(r.DynamoDB, &dynamodb.ScanInput{
		TableName:                aws.String(r.EventsTable),
		FilterExpression:         aws.String("#at BETWEEN :from AND :to"),
		ProjectionExpression:     aws.String("#sid"),
		ExpressionAttributeNames: map[string]string{"#at": "occurred_at", "#sid": dynamo.AttrStreamID},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":from": &ddbtypes.AttributeValueMemberS{Value: lowBound(from)},
			":to":   &ddbtypes.AttributeValueMemberS{Value: highBound(to)},
		},
	})
	ids := map[string]bool{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", r.EventsTable, err)
		}
		for _, it := range page.Items {
			var k struct {
				StreamID string `dynamodbav:"stream_id"`
			}
			if err := attributevalue.UnmarshalMap(it, &k); err != nil {
				return nil, err
			}
			ids[k.StreamID] = true
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no event in %s occurred between %s and %s", r.EventsTable, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return sortedKeys(ids), nil
}

// occurred_at is RFC 3339 with a variable number of fraction digits, so
// plain timestamps do not compare as strings ("05.1Z" < "05Z"). The bounds
// are whole seconds: the low one without its zone sorts before every value
// of that second, the high one with '~' (after '.', digits and 'Z') after.
func lowBound(t time.Time) string  { return t.UTC().Format("2006-01-02T15:04:05") }
func highBound(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") + "~" }

// rederive projects each stream's whole history again, in batches shaped
// like the stream's.
func (r *Redriver) rederive(ctx context.Context, streams []string) (int, error) {
	if len(streams) == 0 {
		return 0, errors.New("no stream to re-derive")
	}
	store := dynamo.New(r.DynamoDB, r.EventsTable, r.RecordsTable)
	n := 0
	for _, id := range streams {
		var batch []lambdaevents.DynamoDBEventRecord
		for from := int64(1); from != 0; {
			pg, err := store.Load(ctx, id, from, spec.Projector.BatchSize)
			if err != nil {
				return n, fmt.Errorf("load %s: %w", id, err)
			}
			batch = batch[:0]
			for _, e := range pg.Events {
				rec, err := dynamo.ToLambdaRecord(events.Change{Envelope: e, Seq: fmt.Sprintf("%021d", e.Version), At: e.OccurredAt},
					dynamo.StreamMeta{EventSourceARN: "redrive:" + r.EventsTable})
				if err != nil {
					return n, fmt.Errorf("%s v%d: %w", id, e.Version, err)
				}
				batch = append(batch, rec)
			}
			if len(batch) > 0 {
				if err := r.project(ctx, batch); err != nil {
					return n, fmt.Errorf("stream %s: %w", id, err)
				}
				n += len(batch)
			}
			from = pg.Next
		}
	}
	return n, nil
}

func (r *Redriver) project(ctx context.Context, recs []lambdaevents.DynamoDBEventRecord) error {
	resp, err := r.Projector.Invoke(ctx, lambdaevents.DynamoDBEvent{Records: recs})
	if err != nil {
		return err
	}
	if len(resp.BatchItemFailures) > 0 {
		return fmt.Errorf("projector failed at record %s (see its log)", resp.BatchItemFailures[0].ItemIdentifier)
	}
	return nil
}

// AWSClients are the clients the AWS mode needs.
type AWSClients struct {
	SQS       SQSAPI
	Streams   StreamsAPI
	DynamoDB  *dynamodb.Client
	Projector Projector // nil: invoke the stage's deployed projector function
	Lambda    LambdaAPI
}

// DefaultAWS builds the clients from the default AWS configuration.
func DefaultAWS(ctx context.Context) (AWSClients, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return AWSClients{}, fmt.Errorf("aws config: %w", err)
	}
	return AWSClients{
		SQS: sqs.NewFromConfig(cfg), Streams: dynamodbstreams.NewFromConfig(cfg),
		DynamoDB: dynamodb.NewFromConfig(cfg), Lambda: lambda.NewFromConfig(cfg),
	}, nil
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	return fs
}

// runAWS is the aws-list / aws-redrive subcommand.
func runAWS(ctx context.Context, cmd string, args []string, out io.Writer, newAWS func(context.Context) (AWSClients, error)) error {
	fs := newFlagSet(cmd)
	stage := fs.String("stage", "", "deployed stage (dev, prod): names the queue, tables and projector")
	queueURL := fs.String("queue-url", "", "on-failure queue URL (default: the stage's "+spec.StageDeadLetterQueueName("STAGE")+")")
	max := fs.Int("max", 100, "at most this many messages")
	asJSON := fs.Bool("json", false, "aws-list: print the messages as JSON lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *stage == "" {
		return errors.New("-stage is required (dev or prod)")
	}
	if *max < 1 {
		return errors.New("-max must be at least 1")
	}
	c, err := newAWS(ctx)
	if err != nil {
		return err
	}
	if *queueURL == "" {
		q, err := c.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(spec.StageDeadLetterQueueName(*stage))})
		if err != nil {
			return fmt.Errorf("find queue %s: %w", spec.StageDeadLetterQueueName(*stage), err)
		}
		*queueURL = aws.ToString(q.QueueUrl)
	}
	proj := c.Projector
	if proj == nil {
		proj = LambdaProjector{Client: c.Lambda, Function: spec.StageFunctionName(*stage, spec.FnProjector)}
	}
	r := &Redriver{SQS: c.SQS, Streams: c.Streams, DynamoDB: c.DynamoDB, Projector: proj, QueueURL: *queueURL,
		EventsTable: spec.StageTableName(*stage, spec.Events), RecordsTable: spec.StageTableName(*stage, spec.Records), Log: out}
	if cmd == "aws-list" {
		msgs, err := r.List(ctx, *max)
		if err != nil {
			return err
		}
		return printMessages(out, msgs, *asJSON)
	}
	outs, err := r.Redrive(ctx, *max)
	if err != nil {
		return err
	}
	failed := 0
	for _, o := range outs {
		if o.Err != nil {
			failed++
			fmt.Fprintf(out, "  failed  %s: %v\n", o.MessageID, o.Err)
			continue
		}
		fmt.Fprintf(out, "  ok      %s: %d records from the %s (%s)\n", o.MessageID, o.Records, o.Source, strings.Join(o.Streams, ", "))
	}
	fmt.Fprintf(out, "redriven: %d, failed: %d\n", len(outs)-failed, failed)
	if failed > 0 {
		return fmt.Errorf("%d messages still failing (left in the queue)", failed)
	}
	return nil
}

func printMessages(out io.Writer, msgs []sqstypes.Message, asJSON bool) error {
	encode := func(enc *json.Encoder, m sqstypes.Message) error {
		if err := enc.Encode(json.RawMessage(aws.ToString(m.Body))); err != nil {
			return fmt.Errorf("message %s is not JSON: %w", aws.ToString(m.MessageId), err)
		}
		return nil
	}
	row := func(tw io.Writer, m sqstypes.Message) {
		fm, err := ParseFailureMessage(aws.ToString(m.Body))
		if err != nil {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%v\n", aws.ToString(m.MessageId), err)
			return
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s..%s\t%s\n", aws.ToString(m.MessageId), fm.Batch.FirstArrival.Format(time.RFC3339),
			fm.Batch.BatchSize, fm.Batch.ShardID, fm.Batch.StartSequenceNum, fm.Batch.EndSequenceNum, fm.RequestContext.Condition)
	}
	return printList(out, msgs, asJSON, encode, "MESSAGE\tFIRST ARRIVAL\tRECORDS\tSHARD\tSEQUENCE NUMBERS\tCONDITION", row)
}
