package projection

import (
	"context"
	"fmt"

	"github.com/skyledger/skyledger/events"
)

// EventSource is what Rebuild reads: every event, each stream in version
// order (events.Store satisfies it).
type EventSource interface {
	ReadAll(ctx context.Context, fn func(events.Envelope) error) error
}

// Rebuild replays every event of src through Project, in batches of
// batchSize (100 when <= 0), the same code path as live changes. Build h
// without a Notifier for a rebuild (replays must not notify). Any failure
// aborts the rebuild. It returns the number of events replayed. Running it
// again over the same target changes nothing.
func (h *Handler) Rebuild(ctx context.Context, src EventSource, batchSize int) (int, error) {
	if batchSize <= 0 {
		batchSize = 100
	}
	var batch []events.Change
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := h.Project(ctx, batch); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		batch = batch[:0]
		return nil
	}
	err := src.ReadAll(ctx, func(e events.Envelope) error {
		n++
		batch = append(batch, events.Change{Envelope: e, Seq: fmt.Sprintf("%021d", n), At: e.OccurredAt})
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
