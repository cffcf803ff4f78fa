package dynamo_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/events/storetest"
)

func TestMarshalItemRoundTrip(t *testing.T) {
	t.Parallel()
	e := storetest.SampleEnvelope()
	item, err := dynamo.MarshalItem(e)
	require.NoError(t, err)
	assert.Equal(t, &ddbtypes.AttributeValueMemberS{Value: e.StreamID}, item["stream_id"])
	assert.Equal(t, &ddbtypes.AttributeValueMemberN{Value: "7"}, item["version"])
	assert.Equal(t, &ddbtypes.AttributeValueMemberS{Value: string(e.Data)}, item["data"], "data is stored verbatim as a JSON string")
	assert.NotContains(t, item, "causation_id", "empty optional attributes are omitted")
	got, err := dynamo.UnmarshalItem(item)
	require.NoError(t, err)
	assert.Equal(t, e, got)

	// Non-UTC times are stored in UTC.
	e.OccurredAt = e.OccurredAt.In(time.FixedZone("CET", 3600))
	item, err = dynamo.MarshalItem(e)
	require.NoError(t, err)
	assert.Equal(t, &ddbtypes.AttributeValueMemberS{Value: "2026-11-26T13:01:02.345Z"}, item["occurred_at"])
}

func TestMarshalItemRefusesInvalid(t *testing.T) {
	t.Parallel()
	e := storetest.SampleEnvelope()
	e.Type = "nodot"
	_, err := dynamo.MarshalItem(e)
	var ve *events.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "type", ve.Field)
}

func TestUnmarshalItemErrors(t *testing.T) {
	t.Parallel()
	good, err := dynamo.MarshalItem(storetest.SampleEnvelope())
	require.NoError(t, err)
	with := func(k string, v ddbtypes.AttributeValue) map[string]ddbtypes.AttributeValue {
		m := map[string]ddbtypes.AttributeValue{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		item map[string]ddbtypes.AttributeValue
	}{
		{"empty", nil},
		{"version as string", with("version", &ddbtypes.AttributeValueMemberS{Value: "7"})},
		{"version not a number", with("version", &ddbtypes.AttributeValueMemberN{Value: "x"})},
		{"data as number", with("data", &ddbtypes.AttributeValueMemberN{Value: "1"})},
		{"data not an object", with("data", &ddbtypes.AttributeValueMemberS{Value: "[1]"})},
		{"bad time", with("occurred_at", &ddbtypes.AttributeValueMemberS{Value: "yesterday"})},
		{"missing event id", with("event_id", nil)},
		{"binary stream id", with("stream_id", &ddbtypes.AttributeValueMemberB{Value: []byte("x")})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := dynamo.UnmarshalItem(tc.item)
			require.Error(t, err)
			assert.ErrorIs(t, err, dynamo.ErrDecode)
		})
	}
}

func loadGolden(t *testing.T) (lambdaevents.DynamoDBEvent, []events.Envelope, []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/dynamodb_stream_event.json")
	require.NoError(t, err)
	var ev lambdaevents.DynamoDBEvent
	require.NoError(t, json.Unmarshal(raw, &ev))
	wantRaw, err := os.ReadFile("testdata/dynamodb_stream_event.envelopes.json")
	require.NoError(t, err)
	var want []events.Envelope
	require.NoError(t, json.Unmarshal(wantRaw, &want))
	return ev, want, raw
}

func TestGoldenLambdaPayload(t *testing.T) {
	t.Parallel()
	ev, want, raw := loadGolden(t)
	require.Len(t, ev.Records, len(want))
	for i, r := range ev.Records {
		got, err := dynamo.FromLambdaRecord(r)
		require.NoError(t, err, "record %d", i)
		assert.Equal(t, want[i], got.Envelope, "record %d", i)
		assert.Equal(t, r.Change.SequenceNumber, got.Seq, "record %d", i)
		assert.Equal(t, r.Change.ApproximateCreationDateTime.Unix(), got.At.Unix(), "record %d", i)
	}
	// The typed event re-encodes to the same payload.
	again, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(again))
}

func TestToLambdaRecordRoundTrip(t *testing.T) {
	t.Parallel()
	_, want, _ := loadGolden(t)
	for i, e := range append(want, storetest.SampleEnvelope()) {
		seq := "000000000000000000042"
		at := e.OccurredAt.Truncate(time.Second)
		r, err := dynamo.ToLambdaRecord(events.Change{Envelope: e, Seq: seq, At: at}, dynamo.StreamMeta{
			EventSourceARN: "arn:aws:dynamodb:local:000000000000:table/Events/stream/x",
		})
		require.NoError(t, err)
		assert.Equal(t, "INSERT", r.EventName)
		assert.Equal(t, "aws:dynamodb", r.EventSource)
		assert.Equal(t, "NEW_IMAGE", r.Change.StreamViewType)
		assert.Equal(t, seq, r.Change.SequenceNumber)
		assert.Len(t, r.Change.Keys, 2)
		assert.Positive(t, r.Change.SizeBytes)
		assert.Len(t, r.EventID, 32)
		// Through JSON, as Lambda would deliver it.
		b, err := json.Marshal(lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{r}})
		require.NoError(t, err)
		var back lambdaevents.DynamoDBEvent
		require.NoError(t, json.Unmarshal(b, &back))
		got, err := dynamo.FromLambdaRecord(back.Records[0])
		require.NoError(t, err, "envelope %d", i)
		assert.Equal(t, events.Change{Envelope: e, Seq: seq, At: at.UTC()}, got)
	}
}

func TestFromLambdaRecordNeverPanics(t *testing.T) {
	t.Parallel()
	ev, _, _ := loadGolden(t)
	base := ev.Records[0]
	mutate := func(k string, v lambdaevents.DynamoDBAttributeValue) lambdaevents.DynamoDBEventRecord {
		r := base
		img := map[string]lambdaevents.DynamoDBAttributeValue{}
		for kk, vv := range base.Change.NewImage {
			img[kk] = vv
		}
		img[k] = v
		r.Change.NewImage = img
		return r
	}
	tests := []struct {
		name string
		rec  lambdaevents.DynamoDBEventRecord
	}{
		{"zero record", lambdaevents.DynamoDBEventRecord{}},
		{"modify", func() lambdaevents.DynamoDBEventRecord { r := base; r.EventName = "MODIFY"; return r }()},
		{"no image", func() lambdaevents.DynamoDBEventRecord { r := base; r.Change.NewImage = nil; return r }()},
		{"zero attribute value", mutate("version", lambdaevents.DynamoDBAttributeValue{})},
		{"version as string", mutate("version", lambdaevents.NewStringAttribute("1"))},
		{"version as bool", mutate("version", lambdaevents.NewBooleanAttribute(true))},
		{"data as map", mutate("data", lambdaevents.NewMapAttribute(map[string]lambdaevents.DynamoDBAttributeValue{"a": lambdaevents.NewNullAttribute()}))},
		{"data as list", mutate("data", lambdaevents.NewListAttribute([]lambdaevents.DynamoDBAttributeValue{{}}))},
		{"stream id as binary", mutate("stream_id", lambdaevents.NewBinaryAttribute([]byte("x")))},
		{"type as string set", mutate("type", lambdaevents.NewStringSetAttribute([]string{"a.b"}))},
		{"schema as null", mutate("schema", lambdaevents.NewNullAttribute())},
		{"schema as number set", mutate("schema", lambdaevents.NewNumberSetAttribute([]string{"1"}))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.NotPanics(t, func() {
				_, err := dynamo.FromLambdaRecord(tc.rec)
				require.Error(t, err)
				assert.ErrorIs(t, err, dynamo.ErrDecode)
			})
		})
	}
}

func streamsRecord(t *testing.T, e events.Envelope) streamtypes.Record {
	t.Helper()
	item, err := dynamo.MarshalItem(e)
	require.NoError(t, err)
	img := map[string]streamtypes.AttributeValue{}
	for k, v := range item {
		switch v := v.(type) {
		case *ddbtypes.AttributeValueMemberS:
			img[k] = &streamtypes.AttributeValueMemberS{Value: v.Value}
		case *ddbtypes.AttributeValueMemberN:
			img[k] = &streamtypes.AttributeValueMemberN{Value: v.Value}
		default:
			t.Fatalf("unexpected attribute %s %T", k, v)
		}
	}
	at := time.Unix(1795689600, 0).UTC()
	return streamtypes.Record{
		AwsRegion: aws.String("us-east-1"), EventID: aws.String("abc"), EventName: streamtypes.OperationTypeInsert,
		EventSource: aws.String("aws:dynamodb"), EventVersion: aws.String("1.1"),
		Dynamodb: &streamtypes.StreamRecord{
			ApproximateCreationDateTime: &at,
			Keys:                        map[string]streamtypes.AttributeValue{"stream_id": img["stream_id"], "version": img["version"]},
			NewImage:                    img, SequenceNumber: aws.String("100"), SizeBytes: aws.Int64(300),
			StreamViewType: streamtypes.StreamViewTypeNewImage,
		},
	}
}

func TestStreamsRecords(t *testing.T) {
	t.Parallel()
	e := storetest.SampleEnvelope()
	rec := streamsRecord(t, e)
	got, err := dynamo.FromStreamsRecord(rec)
	require.NoError(t, err)
	assert.Equal(t, events.Change{Envelope: e, Seq: "100", At: time.Unix(1795689600, 0).UTC()}, got)

	// A change read from the Streams API reaches a Lambda handler unchanged.
	lr, err := dynamo.ToLambdaRecord(got, dynamo.StreamMeta{EventSourceARN: "arn:x"})
	require.NoError(t, err)
	assert.Equal(t, int64(1795689600), lr.Change.ApproximateCreationDateTime.Unix())
	back, err := dynamo.FromLambdaRecord(lr)
	require.NoError(t, err)
	assert.Equal(t, got, back)

	_, err = dynamo.FromStreamsRecord(streamtypes.Record{EventName: streamtypes.OperationTypeInsert})
	assert.ErrorIs(t, err, dynamo.ErrDecode)
	rec.EventName = streamtypes.OperationTypeRemove
	_, err = dynamo.FromStreamsRecord(rec)
	assert.ErrorIs(t, err, dynamo.ErrDecode)
}

func TestRecordItemRoundTrip(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 11, 26, 14, 0, 0, 999, time.UTC)
	r := events.Record{Key: "email#a@b.c", Kind: "reservation", Data: json.RawMessage(`{"user":"u1"}`), ExpiresAt: &exp, Rev: 3}
	item, err := dynamo.MarshalRecordItem(r)
	require.NoError(t, err)
	assert.Equal(t, &ddbtypes.AttributeValueMemberN{Value: "1795701600"}, item["ttl"])
	got, err := dynamo.UnmarshalRecordItem(item)
	require.NoError(t, err)
	assert.Equal(t, r.Normalized(), got)

	r.ExpiresAt = nil
	item, err = dynamo.MarshalRecordItem(r)
	require.NoError(t, err)
	assert.NotContains(t, item, "ttl")
	got, err = dynamo.UnmarshalRecordItem(item)
	require.NoError(t, err)
	assert.Equal(t, r, got)

	_, err = dynamo.MarshalRecordItem(events.Record{})
	assert.ErrorIs(t, err, events.ErrInvalid)
	_, err = dynamo.MarshalRecordItem(events.Record{Key: "k", Data: make(json.RawMessage, events.MaxRecordDataBytes+1)})
	assert.ErrorIs(t, err, events.ErrTooLarge)
	_, err = dynamo.UnmarshalRecordItem(map[string]ddbtypes.AttributeValue{"kind": &ddbtypes.AttributeValueMemberS{Value: "x"}})
	assert.ErrorIs(t, err, dynamo.ErrDecode, "no key")
	_, err = dynamo.UnmarshalRecordItem(map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "k"}, "rev": &ddbtypes.AttributeValueMemberS{Value: "x"}})
	assert.ErrorIs(t, err, dynamo.ErrDecode)
}

func TestEventItemSizeMatchesEncoding(t *testing.T) {
	t.Parallel()
	_, golden, _ := loadGolden(t)
	for i, e := range append(golden, storetest.SampleEnvelope()) {
		item, err := dynamo.MarshalItem(e)
		require.NoError(t, err)
		assert.Equal(t, dynamo.ItemSize(item), events.EventItemSize(e), "envelope %d", i)
	}
}

func TestRecordItemSizeMatchesEncoding(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rec  events.Record
	}{
		{"key only", events.Record{Key: "k"}},
		{"full", events.Record{Key: "email#a@b.c", Kind: "reservation", Data: json.RawMessage(`{"user":"u1"}`), Rev: 12, ExpiresAt: &exp}},
		{"no expiry", events.Record{Key: "cred#1", Kind: "credential", Data: json.RawMessage(`{}`), Rev: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			item, err := dynamo.MarshalRecordItem(tc.rec)
			require.NoError(t, err)
			assert.Equal(t, dynamo.ItemSize(item), events.RecordItemSize(tc.rec))
		})
	}
}
