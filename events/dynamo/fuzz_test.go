package dynamo_test

import (
	"encoding/json"
	"os"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/events/storetest"
)

// FuzzEnvelopeJSON: any JSON either fails to decode/validate or survives the
// item codec and the Lambda record codec unchanged.
func FuzzEnvelopeJSON(f *testing.F) {
	good, err := json.Marshal(storetest.SampleEnvelope())
	require.NoError(f, err)
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":"1"}`))
	f.Add([]byte(`{"event_id":"e","stream_id":"user-1","version":1,"type":"a.b","schema":1,"occurred_at":"2026-01-01T00:00:00Z","actor":"system","data":{"a":1}}`))
	f.Add([]byte(`{"event_id":"e","stream_id":"user-1","version":1,"type":"a.b","schema":1,"occurred_at":"2026-01-01T00:00:00+02:00","actor":"system","data":{"a":"\u0000"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var e events.Envelope
		if json.Unmarshal(b, &e) != nil || e.Validate() != nil {
			return
		}
		item, err := dynamo.MarshalItem(e)
		require.NoError(t, err)
		assert.Equal(t, dynamo.ItemSize(item), events.EventItemSize(e))
		got, err := dynamo.UnmarshalItem(item)
		require.NoError(t, err)
		assert.True(t, e.OccurredAt.Equal(got.OccurredAt))
		e.OccurredAt = got.OccurredAt
		assert.Equal(t, e, got)
		r, err := dynamo.ToLambdaRecord(events.Change{Envelope: e, Seq: "1"}, dynamo.StreamMeta{})
		require.NoError(t, err)
		got2, err := dynamo.FromLambdaRecord(r)
		require.NoError(t, err)
		assert.Equal(t, got, got2.Envelope)
	})
}

// FuzzLambdaRecord: decoding any JSON as a Lambda DynamoDB stream event and
// its records never panics.
func FuzzLambdaRecord(f *testing.F) {
	raw, err := os.ReadFile("testdata/dynamodb_stream_event.json")
	require.NoError(f, err)
	f.Add(raw)
	f.Add([]byte(`{"Records":[{"eventName":"INSERT","dynamodb":{"NewImage":{"version":{"S":"1"}}}}]}`))
	f.Add([]byte(`{"Records":[{"eventName":"INSERT","dynamodb":{"NewImage":{"data":{"M":{"a":{"L":[{"NULL":true},{"BS":["AA=="]}]}}}}}}]}`))
	f.Add([]byte(`{"Records":[{"eventName":"INSERT","dynamodb":{"NewImage":{"version":{"N":"1e999"},"schema":{"N":"-0"}}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev lambdaevents.DynamoDBEvent
		if json.Unmarshal(b, &ev) != nil {
			return
		}
		for _, r := range ev.Records {
			c, err := dynamo.FromLambdaRecord(r)
			if err == nil {
				require.NoError(t, c.Validate())
			}
		}
	})
}

// FuzzAttributeItem: any attribute-value JSON (DynamoDB wire shape) decodes
// into an envelope or an error, never a panic or an invalid envelope.
func FuzzAttributeItem(f *testing.F) {
	item, err := dynamo.MarshalItem(storetest.SampleEnvelope())
	require.NoError(f, err)
	var m map[string]any
	require.NoError(f, attributevalue.UnmarshalMap(item, &m))
	b, err := json.Marshal(m)
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte(`{"version":"x","data":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			return
		}
		item, err := attributevalue.MarshalMap(m)
		if err != nil {
			return
		}
		if e, err := dynamo.UnmarshalItem(item); err == nil {
			require.NoError(t, e.Validate())
		}
	})
}
