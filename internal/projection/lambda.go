package projection

import (
	"context"
	"errors"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
)

// Handle is the projector Lambda's handler: the edge between a DynamoDB
// Streams event and Project. It decodes the records in order
// (dynamo.FromLambdaRecord) and projects the decoded prefix; the first
// record that fails to decode or to project is reported in
// BatchItemFailures (ReportBatchItemFailures), so Lambda retries from it.
// It returns a nil error: failures are always reported per record.
func (h *Handler) Handle(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
	var resp lambdaevents.DynamoDBEventResponse
	cs := make([]events.Change, 0, len(ev.Records))
	at := make([]int, 0, len(ev.Records)) // cs[i] is ev.Records[at[i]]
	undecodable := -1
	for i, rec := range ev.Records {
		if h.rewrite(ctx, rec) {
			continue
		}
		c, err := dynamo.FromLambdaRecord(rec)
		if err != nil {
			h.d.Log.ErrorContext(ctx, "undecodable stream record; batch stops here",
				"sequence_number", rec.Change.SequenceNumber, "event_id", rec.EventID, "error", err.Error())
			undecodable = i
			break
		}
		cs = append(cs, c)
		at = append(at, i)
	}
	fail := func(i int) {
		resp.BatchItemFailures = append(resp.BatchItemFailures,
			lambdaevents.DynamoDBBatchItemFailure{ItemIdentifier: ev.Records[i].Change.SequenceNumber})
	}
	var ce *ChangeError
	if err := h.Project(ctx, cs); errors.As(err, &ce) {
		fail(at[ce.Index])
	} else if undecodable >= 0 {
		fail(undecodable)
	}
	return resp, nil
}

// rewrite reports whether rec is the MODIFY of a sanctioned in-place
// rewrite (Deps.Rewrite), which is acknowledged without projecting: the
// read models already hold what the event says. Any other MODIFY stays
// an undecodable record (events are immutable).
func (h *Handler) rewrite(ctx context.Context, rec lambdaevents.DynamoDBEventRecord) bool {
	if h.d.Rewrite == nil || rec.EventName != string(lambdaevents.DynamoDBOperationTypeModify) {
		return false
	}
	insert := rec
	insert.EventName = string(lambdaevents.DynamoDBOperationTypeInsert)
	c, err := dynamo.FromLambdaRecord(insert)
	if err != nil || !h.d.Rewrite(c.Envelope) {
		return false
	}
	h.d.Log.InfoContext(ctx, "stream record of an in-place rewrite acknowledged",
		"sequence_number", rec.Change.SequenceNumber, "stream_id", c.StreamID, "version", c.Version)
	return true
}
