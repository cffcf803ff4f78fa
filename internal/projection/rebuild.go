package projection

import (
	"context"
	"fmt"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/skyledger/skyledger/events"
)

// EventSource is what Rebuild reads: every event, each stream in version
// order (events.Store satisfies it).
type EventSource interface {
	ReadAll(ctx context.Context, fn func(events.Envelope) error) error
}

// RebuildARN is the eventSourceARN of the records Rebuild synthesizes.
const RebuildARN = "arn:aws:dynamodb:local:000000000000:table/Events/stream/replay"

// Rebuild replays every event of src through h, in batches of batchSize
// (spec.Projector.BatchSize when <= 0) shaped exactly like the stream
// batches the live projector receives, so a rebuild runs the same code path.
// Build h without a Notifier for a rebuild (replays must not notify). Any
// record failure aborts the rebuild. It returns the number of events
// replayed. Running it again over the same target changes nothing.
func (h *Handler) Rebuild(ctx context.Context, src EventSource, batchSize int) (int, error) {
	if batchSize <= 0 {
		batchSize = 100
	}
	var batch []lambdaevents.DynamoDBEventRecord
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		resp, err := h.Handle(ctx, lambdaevents.DynamoDBEvent{Records: batch})
		if err != nil {
			return err
		}
		if len(resp.BatchItemFailures) > 0 {
			return fmt.Errorf("replay: record %s failed (see log)", resp.BatchItemFailures[0].ItemIdentifier)
		}
		batch = batch[:0]
		return nil
	}
	err := src.ReadAll(ctx, func(e events.Envelope) error {
		n++
		r, err := events.ToLambdaRecord(e, events.StreamMeta{SequenceNumber: fmt.Sprintf("%021d", n),
			EventSourceARN: RebuildARN, At: e.OccurredAt})
		if err != nil {
			return fmt.Errorf("replay %s v%d: %w", e.StreamID, e.Version, err)
		}
		batch = append(batch, r)
		if len(batch) >= batchSize {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, flush()
}
