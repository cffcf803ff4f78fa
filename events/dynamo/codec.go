package dynamo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/skyledger/skyledger/events"
)

// Item layout of the Events table (one item per event), shared by the
// DynamoDB store and every stream encoder and decoder:
//
//	stream_id      S  partition key
//	version        N  sort key
//	event_id       S
//	type           S
//	schema         N
//	tenant_id      S  (omitted when empty)
//	occurred_at    S  RFC 3339 with nanoseconds, UTC
//	actor          S
//	correlation_id S  (omitted when empty)
//	causation_id   S  (omitted when empty)
//	data           S  the event's data as a JSON object string
//
// data is a JSON string rather than a DynamoDB map on purpose: it round-trips
// byte for byte (key order, number precision, no float conversion), the
// item size is predictable for the 400 KB limit, and nobody queries inside
// event data in DynamoDB (read models do that).
type eventItem struct {
	StreamID      string `dynamodbav:"stream_id"`
	Version       int64  `dynamodbav:"version"`
	EventID       string `dynamodbav:"event_id"`
	Type          string `dynamodbav:"type"`
	Schema        int    `dynamodbav:"schema"`
	TenantID      string `dynamodbav:"tenant_id,omitempty"`
	OccurredAt    string `dynamodbav:"occurred_at"`
	Actor         string `dynamodbav:"actor"`
	CorrelationID string `dynamodbav:"correlation_id,omitempty"`
	CausationID   string `dynamodbav:"causation_id,omitempty"`
	Data          string `dynamodbav:"data"`
}

// Attribute names of the Events table keys.
const (
	AttrStreamID = "stream_id"
	AttrVersion  = "version"
)

// ErrDecode is wrapped by every codec decoding failure.
var ErrDecode = errors.New("cannot decode event")

func decodeErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrDecode, fmt.Sprintf(format, a...))
}

// MarshalItem encodes a valid envelope as an Events table item.
func MarshalItem(e events.Envelope) (map[string]ddbtypes.AttributeValue, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	it := eventItem{
		StreamID: e.StreamID, Version: e.Version, EventID: e.EventID, Type: e.Type,
		Schema: e.Schema, TenantID: e.TenantID,
		OccurredAt: e.OccurredAt.UTC().Format(time.RFC3339Nano),
		Actor:      e.Actor, CorrelationID: e.CorrelationID, CausationID: e.CausationID,
		Data: string(e.Data),
	}
	m, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("marshal event %s/%d: %w", e.StreamID, e.Version, err)
	}
	return m, nil
}

// UnmarshalItem decodes an Events table item and validates the envelope.
// Errors wrap ErrDecode (wrong shape) or ErrInvalid (invalid envelope).
func UnmarshalItem(m map[string]ddbtypes.AttributeValue) (events.Envelope, error) {
	if len(m) == 0 {
		return events.Envelope{}, decodeErr("empty item")
	}
	var it eventItem
	if err := attributevalue.UnmarshalMap(m, &it); err != nil {
		return events.Envelope{}, decodeErr("%v", err)
	}
	at, err := time.Parse(time.RFC3339Nano, it.OccurredAt)
	if err != nil {
		return events.Envelope{}, decodeErr("occurred_at: %v", err)
	}
	e := events.Envelope{
		EventID: it.EventID, StreamID: it.StreamID, Version: it.Version, Type: it.Type,
		Schema: it.Schema, TenantID: it.TenantID, OccurredAt: at.UTC(), Actor: it.Actor,
		CorrelationID: it.CorrelationID, CausationID: it.CausationID,
		Data: json.RawMessage(it.Data),
	}
	if err := e.Validate(); err != nil {
		return events.Envelope{}, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return e, nil
}

// ItemSize approximates DynamoDB's item size: the UTF-8 length of every
// attribute name plus its value (numbers counted as their decimal string,
// which over-estimates DynamoDB's packed encoding).
func ItemSize(m map[string]ddbtypes.AttributeValue) int {
	n := 0
	for k, v := range m {
		n += len(k) + avSize(v)
	}
	return n
}

func avSize(v ddbtypes.AttributeValue) int {
	switch t := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return len(t.Value)
	case *ddbtypes.AttributeValueMemberN:
		return len(t.Value)
	case *ddbtypes.AttributeValueMemberB:
		return len(t.Value)
	case *ddbtypes.AttributeValueMemberBOOL, *ddbtypes.AttributeValueMemberNULL:
		return 1
	case *ddbtypes.AttributeValueMemberSS:
		return lenSum(t.Value)
	case *ddbtypes.AttributeValueMemberNS:
		return lenSum(t.Value)
	case *ddbtypes.AttributeValueMemberBS:
		return lenSum(t.Value)
	case *ddbtypes.AttributeValueMemberL:
		n := 3
		for _, e := range t.Value {
			n += 1 + avSize(e)
		}
		return n
	case *ddbtypes.AttributeValueMemberM:
		n := 3
		for k, e := range t.Value {
			n += 1 + len(k) + avSize(e)
		}
		return n
	}
	return 0
}

// lenSum is the total length of a set's members.
func lenSum[T string | []byte](vs []T) int {
	n := 0
	for _, v := range vs {
		n += len(v)
	}
	return n
}

// StreamMeta is what a Lambda stream record says about its source beyond
// the change itself: the stream ARN and the region.
type StreamMeta struct {
	EventSourceARN string
	Region         string // "" : us-east-1
}

// ToLambdaRecord builds the record Lambda receives from DynamoDB Streams for
// the INSERT of c (view type NEW_IMAGE). The local event source mapping
// uses it at its edge, so local functions get exactly the cloud shape. The
// record's eventID is derived from the ARN and c.Seq, so a redelivered
// change carries the same id.
func ToLambdaRecord(c events.Change, m StreamMeta) (lambdaevents.DynamoDBEventRecord, error) {
	e := c.Envelope
	item, err := MarshalItem(e)
	if err != nil {
		return lambdaevents.DynamoDBEventRecord{}, err
	}
	img, err := ddbMapToLambda(item)
	if err != nil {
		return lambdaevents.DynamoDBEventRecord{}, err
	}
	keys := map[string]lambdaevents.DynamoDBAttributeValue{
		AttrStreamID: img[AttrStreamID], AttrVersion: img[AttrVersion],
	}
	sum := sha256.Sum256([]byte(m.EventSourceARN + "/" + c.Seq))
	region := m.Region
	if region == "" {
		region = "us-east-1"
	}
	return lambdaevents.DynamoDBEventRecord{
		AWSRegion: region,
		Change: lambdaevents.DynamoDBStreamRecord{
			ApproximateCreationDateTime: lambdaevents.SecondsEpochTime{Time: c.At.UTC().Truncate(time.Second)},
			Keys:                        keys,
			NewImage:                    img,
			SequenceNumber:              c.Seq,
			SizeBytes:                   int64(ItemSize(item) + len(AttrStreamID) + len(AttrVersion) + len(e.StreamID) + len(strconv.FormatInt(e.Version, 10))),
			StreamViewType:              string(lambdaevents.DynamoDBStreamViewTypeNewImage),
		},
		EventID:        hex.EncodeToString(sum[:16]),
		EventName:      string(lambdaevents.DynamoDBOperationTypeInsert),
		EventSource:    "aws:dynamodb",
		EventVersion:   "1.1",
		EventSourceArn: m.EventSourceARN,
	}, nil
}

// ToLambdaEvent is ToLambdaRecord over a batch, in order.
func ToLambdaEvent(cs []events.Change, m StreamMeta) (lambdaevents.DynamoDBEvent, error) {
	ev := lambdaevents.DynamoDBEvent{Records: make([]lambdaevents.DynamoDBEventRecord, 0, len(cs))}
	for _, c := range cs {
		r, err := ToLambdaRecord(c, m)
		if err != nil {
			return ev, fmt.Errorf("change %s: %w", c.Seq, err)
		}
		ev.Records = append(ev.Records, r)
	}
	return ev, nil
}

// FromLambdaRecord decodes the change in a Lambda DynamoDB Streams record:
// the stream decoder of the projector's Lambda edge. Only INSERT records
// with a NewImage carry events; anything else is an error wrapping
// ErrDecode. Never panics: every attribute's DataType is checked before its
// accessor is called.
func FromLambdaRecord(r lambdaevents.DynamoDBEventRecord) (events.Change, error) {
	if r.EventName != string(lambdaevents.DynamoDBOperationTypeInsert) {
		return events.Change{}, decodeErr("record %s: event name %q, want INSERT (events are immutable)", r.EventID, r.EventName)
	}
	if len(r.Change.NewImage) == 0 {
		return events.Change{}, decodeErr("record %s: no NewImage (stream view type must be NEW_IMAGE)", r.EventID)
	}
	item, err := lambdaMapToDDB(r.Change.NewImage, 0)
	if err != nil {
		return events.Change{}, fmt.Errorf("record %s: %w", r.EventID, err)
	}
	e, err := UnmarshalItem(item)
	if err != nil {
		return events.Change{}, err
	}
	return events.Change{Envelope: e, Seq: r.Change.SequenceNumber, At: r.Change.ApproximateCreationDateTime.UTC()}, nil
}

// FromStreamsRecord decodes the change in a record returned by the DynamoDB
// Streams API (GetRecords), under the same rules as FromLambdaRecord.
func FromStreamsRecord(r streamtypes.Record) (events.Change, error) {
	if r.EventName != streamtypes.OperationTypeInsert {
		return events.Change{}, decodeErr("stream record: event name %q, want INSERT", r.EventName)
	}
	if r.Dynamodb == nil || len(r.Dynamodb.NewImage) == 0 {
		return events.Change{}, decodeErr("stream record: no NewImage (stream view type must be NEW_IMAGE)")
	}
	item, err := attributevalue.FromDynamoDBStreamsMap(r.Dynamodb.NewImage)
	if err != nil {
		return events.Change{}, decodeErr("%v", err)
	}
	e, err := UnmarshalItem(item)
	if err != nil {
		return events.Change{}, err
	}
	c := events.Change{Envelope: e, Seq: aws.ToString(r.Dynamodb.SequenceNumber)}
	if t := r.Dynamodb.ApproximateCreationDateTime; t != nil {
		c.At = t.UTC()
	}
	return c, nil
}

// maxDepth bounds recursion on hostile nested input.
const maxDepth = 32

func lambdaMapToDDB(m map[string]lambdaevents.DynamoDBAttributeValue, depth int) (map[string]ddbtypes.AttributeValue, error) {
	out := make(map[string]ddbtypes.AttributeValue, len(m))
	for k, v := range m {
		av, err := lambdaToDDB(v, depth+1)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

// lambdaToDDB converts one Lambda attribute value. Binary types are refused
// without touching their accessors: no event attribute is binary, and a zero
// DynamoDBAttributeValue reports DataTypeBinary with no value, on which
// Binary() panics.
func lambdaToDDB(v lambdaevents.DynamoDBAttributeValue, depth int) (ddbtypes.AttributeValue, error) {
	if depth > maxDepth {
		return nil, decodeErr("attribute nested deeper than %d", maxDepth)
	}
	switch v.DataType() {
	case lambdaevents.DataTypeString:
		return &ddbtypes.AttributeValueMemberS{Value: v.String()}, nil
	case lambdaevents.DataTypeNumber:
		return &ddbtypes.AttributeValueMemberN{Value: v.Number()}, nil
	case lambdaevents.DataTypeBoolean:
		return &ddbtypes.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case lambdaevents.DataTypeNull:
		return &ddbtypes.AttributeValueMemberNULL{Value: true}, nil
	case lambdaevents.DataTypeStringSet:
		return &ddbtypes.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case lambdaevents.DataTypeNumberSet:
		return &ddbtypes.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case lambdaevents.DataTypeList:
		l := v.List()
		out := make([]ddbtypes.AttributeValue, 0, len(l))
		for i, e := range l {
			av, err := lambdaToDDB(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, av)
		}
		return &ddbtypes.AttributeValueMemberL{Value: out}, nil
	case lambdaevents.DataTypeMap:
		m, err := lambdaMapToDDB(v.Map(), depth)
		if err != nil {
			return nil, err
		}
		return &ddbtypes.AttributeValueMemberM{Value: m}, nil
	default:
		return nil, decodeErr("unsupported attribute type %d (binary attributes are not part of an event)", v.DataType())
	}
}

func ddbMapToLambda(m map[string]ddbtypes.AttributeValue) (map[string]lambdaevents.DynamoDBAttributeValue, error) {
	out := make(map[string]lambdaevents.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		av, err := ddbToLambda(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func ddbToLambda(v ddbtypes.AttributeValue) (lambdaevents.DynamoDBAttributeValue, error) {
	switch t := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return lambdaevents.NewStringAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberN:
		return lambdaevents.NewNumberAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberB:
		return lambdaevents.NewBinaryAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberBOOL:
		return lambdaevents.NewBooleanAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberNULL:
		return lambdaevents.NewNullAttribute(), nil
	case *ddbtypes.AttributeValueMemberSS:
		return lambdaevents.NewStringSetAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberNS:
		return lambdaevents.NewNumberSetAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberBS:
		return lambdaevents.NewBinarySetAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberL:
		out := make([]lambdaevents.DynamoDBAttributeValue, 0, len(t.Value))
		for _, e := range t.Value {
			av, err := ddbToLambda(e)
			if err != nil {
				return av, err
			}
			out = append(out, av)
		}
		return lambdaevents.NewListAttribute(out), nil
	case *ddbtypes.AttributeValueMemberM:
		m, err := ddbMapToLambda(t.Value)
		if err != nil {
			return lambdaevents.DynamoDBAttributeValue{}, err
		}
		return lambdaevents.NewMapAttribute(m), nil
	}
	return lambdaevents.DynamoDBAttributeValue{}, decodeErr("unsupported attribute value %T", v)
}

// recordItem is the Records table item layout: pk S (the key), kind S,
// data S (JSON), rev N, ttl N (epoch seconds, omitted when the record does
// not expire; DynamoDB's TTL deletes lazily, so readers also check it).
type recordItem struct {
	Key  string `dynamodbav:"pk"`
	Kind string `dynamodbav:"kind"`
	Data string `dynamodbav:"data"`
	Rev  int64  `dynamodbav:"rev"`
	TTL  int64  `dynamodbav:"ttl,omitempty"`
}

// Attribute names of the Records table.
const (
	AttrRecordKey = "pk"
	AttrRecordTTL = "ttl"
	AttrRecordRev = "rev"
)

// MarshalRecordItem encodes a record as a Records table item. ExpiresAt is
// stored as epoch seconds (sub-second precision is dropped).
func MarshalRecordItem(r events.Record) (map[string]ddbtypes.AttributeValue, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	it := recordItem{Key: r.Key, Kind: r.Kind, Data: string(r.Data), Rev: r.Rev}
	if r.ExpiresAt != nil {
		it.TTL = r.ExpiresAt.Unix()
	}
	return attributevalue.MarshalMap(it)
}

// UnmarshalRecordItem decodes a Records table item.
func UnmarshalRecordItem(m map[string]ddbtypes.AttributeValue) (events.Record, error) {
	var it recordItem
	if err := attributevalue.UnmarshalMap(m, &it); err != nil {
		return events.Record{}, decodeErr("record: %v", err)
	}
	if it.Key == "" {
		return events.Record{}, decodeErr("record: no pk")
	}
	r := events.Record{Key: it.Key, Kind: it.Kind, Rev: it.Rev}
	if it.Data != "" {
		r.Data = json.RawMessage(it.Data)
	}
	if it.TTL != 0 {
		t := time.Unix(it.TTL, 0).UTC()
		r.ExpiresAt = &t
	}
	return r, nil
}
