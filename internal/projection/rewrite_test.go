package projection_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// TestHandleAcknowledgesSealedRewrites: the personal-data migration's
// MODIFY records are acknowledged without projecting; any other MODIFY is
// still a failure.
func TestHandleAcknowledgesSealedRewrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sealed := events.Envelope{EventID: "01JEVENT000000000000000001", StreamID: "user-01JUSER00000000000000000", Version: 1,
		Type: identity.UserCreated, Schema: identity.SchemaV2, TenantID: "T", OccurredAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Actor: "system", Data: json.RawMessage(`{"user_id":"01JUSER00000000000000000","pii":"AAAA"}`)}
	plain := sealed
	plain.Schema, plain.Type, plain.StreamID = 1, "tenant.created", "tenant-01JT0000000000000000000000"
	modify := func(e events.Envelope) lambdaevents.DynamoDBEventRecord {
		r, err := dynamo.ToLambdaRecord(events.Change{Envelope: e, Seq: "000000000000000000001", At: e.OccurredAt}, dynamo.StreamMeta{})
		require.NoError(t, err)
		r.EventName = string(lambdaevents.DynamoDBOperationTypeModify)
		return r
	}
	tests := []struct {
		name     string
		rewrite  func(events.Envelope) bool
		rec      lambdaevents.DynamoDBEventRecord
		failures int
	}{
		{"sealed rewrite acknowledged", pii.IsSealedRewrite, modify(sealed), 0},
		{"another MODIFY fails", pii.IsSealedRewrite, modify(plain), 1},
		{"without the rule every MODIFY fails", nil, modify(sealed), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := readmodel.NewEmbedded()
			h := projection.New(projection.Deps{Models: m, Rewrite: tc.rewrite})
			resp, err := h.Handle(ctx, lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{tc.rec}})
			require.NoError(t, err)
			assert.Len(t, resp.BatchItemFailures, tc.failures)
			var n int
			require.NoError(t, m.Scan(ctx, func(readmodel.Item) error { n++; return nil }))
			assert.Zero(t, n, "nothing projected")
		})
	}
}
