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
	undecodable := -1
	for i, rec := range ev.Records {
		c, err := dynamo.FromLambdaRecord(rec)
		if err != nil {
			h.d.Log.ErrorContext(ctx, "undecodable stream record; batch stops here",
				"sequence_number", rec.Change.SequenceNumber, "event_id", rec.EventID, "error", err.Error())
			undecodable = i
			break
		}
		cs = append(cs, c)
	}
	fail := func(i int) {
		resp.BatchItemFailures = append(resp.BatchItemFailures,
			lambdaevents.DynamoDBBatchItemFailure{ItemIdentifier: ev.Records[i].Change.SequenceNumber})
	}
	var ce *ChangeError
	if err := h.Project(ctx, cs); errors.As(err, &ce) {
		fail(ce.Index)
	} else if undecodable >= 0 {
		fail(undecodable)
	}
	return resp, nil
}
