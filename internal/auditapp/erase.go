package auditapp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// scrub rewrites the trail of an erased user's stream: every entry before
// e (user.erased) gets identity.Erased in its personal fields. The
// rewrites carry e's version, which is above every earlier entry of the
// stream, so they replace the stored entries once and a redelivered
// user.erased changes nothing. A rebuild reads the same result: the sealed
// fields open as "[erased]" once the data key is gone, and the scrub runs
// again on top.
func scrub(ctx context.Context, m readmodel.Store, e events.Envelope) error {
	q := readmodel.Query{Index: readmodel.IndexGSI1, PK: StreamGSI1PK(e.TenantID, e.StreamID), Limit: readmodel.MaxLimit}
	for {
		page, err := m.Query(ctx, q)
		if err != nil {
			return fmt.Errorf("audit: scrub %s: %w", e.StreamID, err)
		}
		for _, it := range page.Items {
			if it.SourceVersion >= e.Version {
				continue
			}
			var entry Entry
			if err := json.Unmarshal(it.Body, &entry); err != nil {
				return fmt.Errorf("audit: scrub %s: stored entry %s: %w", e.StreamID, it.SK, err)
			}
			if entry.Data, err = identity.Redact(entry.Type, entry.Data); err != nil {
				return err
			}
			b, err := json.Marshal(entry)
			if err != nil {
				return err
			}
			it.Body, it.SourceVersion = b, e.Version
			if _, err := m.Put(ctx, it); err != nil {
				return fmt.Errorf("audit: scrub %s: %w", e.StreamID, err)
			}
		}
		if page.Next == "" {
			return nil
		}
		q.Cursor = page.Next
	}
}
