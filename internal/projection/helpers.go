package projection

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// StreamKind matches the events of one aggregate kind ("<kind>-<id>").
func StreamKind(kind string) func(events.Envelope) bool {
	return func(e events.Envelope) bool { return strings.HasPrefix(e.StreamID, kind+"-") }
}

// Decode decodes an event payload.
func Decode[T any](e events.Envelope) (T, error) {
	var v T
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return v, fmt.Errorf("decode %s data: %w", e.Type, err)
	}
	return v, nil
}

// StreamID is the aggregate id of an event of kind.
func StreamID(e events.Envelope, kind string) string { return strings.TrimPrefix(e.StreamID, kind+"-") }

// FoldView is Fold for a projection that keeps its view as a JSON body: it folds e into the view of the stream what names ("tenant <id>"),
// stored at (pk, sk): the stored body decoded into a V (the zero V at the
// stream's first event) is changed by apply, which returns the view's GSI1
// keys, and stored again.
func FoldView[V any](ctx context.Context, m readmodel.Store, pk, sk string, e events.Envelope, what string,
	apply func(v *V) (gsi1pk, gsi1sk string, err error)) error {
	return Fold(ctx, m, pk, sk, e, func(cur json.RawMessage) (readmodel.Item, error) {
		var v V
		if cur != nil {
			if err := json.Unmarshal(cur, &v); err != nil {
				return readmodel.Item{}, fmt.Errorf("stored %s: %w", what, err)
			}
		}
		gsi1pk, gsi1sk, err := apply(&v)
		if err != nil {
			return readmodel.Item{}, err
		}
		b, err := json.Marshal(v)
		return readmodel.Item{GSI1PK: gsi1pk, GSI1SK: gsi1sk, Body: b}, err
	})
}

// Gap is the error of event e on the stream what names before its first
// event (first) was projected.
func Gap(what string, e events.Envelope, first string) error {
	return fmt.Errorf("%s: %s before %s: %w", what, e.Type, first, ErrGap)
}
