// Package projection is the projector: it applies the registered
// projections to the read model for each committed event (events.Change),
// then notifies WebSocket subscribers (Notifier) of the events it projected
// — always after the read-model writes, so a client that refetches on a
// notification sees the new state.
//
// The core (Handler.Project) takes changes from any feed; Handler.Handle is
// the thin Lambda edge that decodes a DynamoDB Streams event
// (events/dynamo) and answers with batch item failures.
package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/metrics"
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

// EventLog is the part of the event store the projector reads to confirm a
// change (events.Store satisfies it). Load must be strongly consistent.
type EventLog interface {
	Load(ctx context.Context, streamID string, from int64, limit int) (events.Page, error)
}

// Deps are the handler's collaborators. Notifier, Confirm and Metrics may
// be nil.
type Deps struct {
	Models      readmodel.Store
	Notifier    Notifier
	Projections []Projection
	// Confirm, when set, makes the projector project a change only if its
	// event is in the event store (same stream, version and event id, read
	// with a consistent read), and drop it otherwise (counted as
	// metrics.ProjectorDropped). AWS never streams a cancelled transaction,
	// so the cloud needs no check; emulators can: moto's rollback of a
	// cancelled TransactWriteItems may leak the cancelled writes into the
	// stream, and they must never reach a read model.
	Confirm EventLog
	Metrics *metrics.Recorder
	Log     *slog.Logger
	// Upcasters turn each stored event into the shape projections decode
	// (schema upgrades, sealed personal data opened or erased) before any
	// projection or the notifier sees it; nil: none.
	Upcasters *events.Upcasters
	// Rewrite recognises the new image of a sanctioned in-place rewrite
	// of the log (the personal-data migration), whose MODIFY stream
	// record Handle acknowledges; nil: every MODIFY is undecodable.
	Rewrite func(events.Envelope) bool
}

// Handler is the projector. Safe for concurrent use.
type Handler struct {
	d Deps
}

// New returns a handler running d.Projections (every context's: see
// wire.Projections).
func New(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Handler{d: d}
}

// ChangeError reports the first change of a batch that failed. The changes
// before it were projected (and notified); the failed one and those after
// it were not touched.
type ChangeError struct {
	Index int    // position of the failed change in the batch
	Seq   string // its Seq
	Err   error
}

func (e *ChangeError) Error() string {
	return fmt.Sprintf("change %d (seq %s): %v", e.Index, e.Seq, e.Err)
}

func (e *ChangeError) Unwrap() error { return e.Err }

// Project applies the changes in order. At the first change that fails (a
// projection error, or a failed confirmation read) it stops and returns a
// *ChangeError naming it, so the caller retries from it; changes before it
// are done and their effects are kept. Changes dropped by Confirm count as
// done. The envelopes projected so far are then passed to the Notifier; a
// notifier error is logged, never returned (the read model is the truth,
// notifications are best effort).
func (h *Handler) Project(ctx context.Context, cs []events.Change) error {
	ctx = h.d.Upcasters.Scope(ctx) // one batch: each user's key read once
	done := make([]events.Envelope, 0, len(cs))
	dropped := 0
	var failed error
	for i, c := range cs {
		env, ok, err := h.project(ctx, c)
		if err != nil {
			h.d.Log.ErrorContext(ctx, "projection failed; batch stops here",
				"sequence_number", c.Seq, "stream_id", c.StreamID, "version", c.Version, "error", err.Error())
			failed = &ChangeError{Index: i, Seq: c.Seq, Err: err}
			break
		}
		if !ok {
			dropped++
			continue
		}
		done = append(done, env) // the notifier sends what the projections saw
	}
	if dropped > 0 {
		h.d.Metrics.Emit(nil, metrics.C(metrics.ProjectorDropped, dropped))
	}
	if h.d.Notifier != nil && len(done) > 0 {
		if err := h.d.Notifier.Notify(ctx, done); err != nil {
			h.d.Log.WarnContext(ctx, "notify failed", "events", len(done), "error", err.Error())
		}
	}
	return failed
}

// project applies one change and returns its event as the projections saw
// it (upcast); false means it was dropped (not in the event store).
func (h *Handler) project(ctx context.Context, c events.Change) (events.Envelope, bool, error) {
	env := c.Envelope
	if h.d.Confirm != nil {
		ok, err := confirm(ctx, h.d.Confirm, env)
		if err != nil {
			return env, false, fmt.Errorf("confirm %s v%d: %w", env.StreamID, env.Version, err)
		}
		if !ok {
			h.d.Log.WarnContext(ctx, "stream record dropped: its event is not in the event store (a cancelled write the stream leaked)",
				"sequence_number", c.Seq, "stream_id", env.StreamID, "version", env.Version, "event_id", env.EventID, "type", env.Type)
			return env, false, nil
		}
	}
	env, err := h.d.Upcasters.Apply(ctx, env)
	if err != nil {
		return env, false, err
	}
	for _, p := range h.d.Projections {
		if p.Match != nil && !p.Match(env) {
			continue
		}
		if err := p.Apply(ctx, h.d.Models, env); err != nil {
			return env, false, fmt.Errorf("projection %s on %s v%d (%s): %w", p.Name, env.StreamID, env.Version, env.Type, err)
		}
	}
	return env, true, nil
}

// confirm reports whether env is the stored event at its stream version.
func confirm(ctx context.Context, log EventLog, env events.Envelope) (bool, error) {
	p, err := log.Load(ctx, env.StreamID, env.Version, 1)
	switch {
	case errors.Is(err, events.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return len(p.Events) > 0 && p.Events[0].Version == env.Version && p.Events[0].EventID == env.EventID, nil
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
