package projection

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/skyledger/skyledger/events"
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
