package commandapi

import (
	"context"

	"github.com/skyledger/skyledger/events"
)

// PersonalData is what commands need of the personal-data codec
// (pii.Codec): sealing personal fields before an append, and erasing a
// user's data key.
type PersonalData interface {
	Seal(ctx context.Context, e events.Envelope) (events.Envelope, error)
	EraseKey(ctx context.Context, userID string) error
}
