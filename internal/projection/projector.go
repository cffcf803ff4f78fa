// Package projection is the projector Lambda's handler: it decodes DynamoDB
// Streams records of the Events table, applies the registered projections to
// the read model, then notifies WebSocket subscribers (Notifier) of the
// events it projected — always after the read-model writes, so a client that
// refetches on a notification sees the new state.
package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// Notifier is told about events after their read models are updated.
// Implementations must tolerate duplicates (delivery is at least once).
type Notifier interface {
	Notify(ctx context.Context, envs []events.Envelope) error
}

// Projection turns events into read-model writes. Apply must be idempotent
// per (stream, version): writes are conditional on the source version (see
// Fold), so redelivered events change nothing.
type Projection struct {
	Name string
	// Match reports whether the projection consumes the event.
	Match func(events.Envelope) bool
	Apply func(ctx context.Context, m readmodel.Store, e events.Envelope) error
}

// Deps are the handler's collaborators. Notifier may be nil.
type Deps struct {
	Models      readmodel.Store
	Notifier    Notifier
	Projections []Projection
	Log         *slog.Logger
}

// Handler is the projector Lambda handler. Safe for concurrent use.
type Handler struct {
	d Deps
}

// New returns a handler. Projections nil means Default().
func New(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Projections == nil {
		d.Projections = Default()
	}
	return &Handler{d: d}
}

// Handle projects the batch's records in order. At the first record that
// fails (undecodable, or a projection error) it stops and reports that
// record's sequence number in BatchItemFailures, so Lambda retries from it
// (ReportBatchItemFailures); records before it are done and their effects
// are kept. The envelopes projected so far are then passed to the Notifier;
// a notifier error is logged, never retried (the read model is the truth,
// notifications are best effort). Handle returns a nil error: failures are
// always reported per record.
func (h *Handler) Handle(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
	var resp lambdaevents.DynamoDBEventResponse
	done := make([]events.Envelope, 0, len(ev.Records))
	for _, rec := range ev.Records {
		env, err := h.project(ctx, rec)
		if err != nil {
			h.d.Log.ErrorContext(ctx, "projection failed; batch stops here",
				"sequence_number", rec.Change.SequenceNumber, "event_id", rec.EventID, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures,
				lambdaevents.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			break
		}
		done = append(done, env)
	}
	if h.d.Notifier != nil && len(done) > 0 {
		if err := h.d.Notifier.Notify(ctx, done); err != nil {
			h.d.Log.WarnContext(ctx, "notify failed", "events", len(done), "error", err.Error())
		}
	}
	return resp, nil
}

func (h *Handler) project(ctx context.Context, rec lambdaevents.DynamoDBEventRecord) (events.Envelope, error) {
	env, err := events.FromLambdaRecord(rec)
	if err != nil {
		return env, fmt.Errorf("decode: %w", err)
	}
	for _, p := range h.d.Projections {
		if p.Match != nil && !p.Match(env) {
			continue
		}
		if err := p.Apply(ctx, h.d.Models, env); err != nil {
			return env, fmt.Errorf("projection %s on %s v%d (%s): %w", p.Name, env.StreamID, env.Version, env.Type, err)
		}
	}
	return env, nil
}

// ErrGap means an event arrived before its predecessor was projected; the
// record is reported as failed so that it is retried after the gap fills.
var ErrGap = errors.New("projection gap: previous version not projected yet")

// Fold is the read-modify-write step of a projection that keeps one item per
// stream (pk, sk). It loads the item, skips the event if the item already
// reflects its version (redelivery), refuses a gap (ErrGap), and otherwise
// calls next with the current body (nil for the stream's first version) and
// stores the returned item conditionally on e.Version (Fold sets its keys
// and source fields; next sets the GSI keys and the body).
func Fold(ctx context.Context, m readmodel.Store, pk, sk string, e events.Envelope,
	next func(cur json.RawMessage) (readmodel.Item, error)) error {
	cur, err := m.Get(ctx, pk, sk)
	var body json.RawMessage
	switch {
	case err == nil:
		if cur.SourceVersion >= e.Version {
			return nil // already projected
		}
		if cur.SourceVersion != e.Version-1 {
			return fmt.Errorf("%s at v%d, event v%d: %w", pk, cur.SourceVersion, e.Version, ErrGap)
		}
		body = cur.Body
	case readmodel.IsNotFound(err):
		if e.Version != 1 {
			return fmt.Errorf("%s missing, event v%d: %w", pk, e.Version, ErrGap)
		}
	default:
		return err
	}
	it, err := next(body)
	if err != nil {
		return err
	}
	it.PK, it.SK, it.SourceStream, it.SourceVersion = pk, sk, e.StreamID, e.Version
	_, err = m.Put(ctx, it)
	return err
}
