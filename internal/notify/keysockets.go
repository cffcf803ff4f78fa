package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/skyledger/skyledger/internal/connections"
)

// KeySockets closes the WebSocket connections opened with one key (used on
// sign-out, which writes no event the projector could act on).
type KeySockets struct {
	Store  connections.Store
	Client Client
}

// CloseByKey closes (DeleteConnection) and forgets every live connection
// opened with keyID and returns how many it closed. A connection already
// gone counts as closed.
func (k KeySockets) CloseByKey(ctx context.Context, keyID string) (int, error) {
	ids, err := k.Store.ByKey(ctx, keyID)
	if err != nil {
		return 0, fmt.Errorf("connections of key %s: %w", keyID, err)
	}
	var errs []error
	n := 0
	for _, id := range ids {
		_, err := k.Client.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
		if o := Classify(err); o != Sent && o != Gone {
			errs = append(errs, fmt.Errorf("close connection %s: %w", id, err))
			continue
		}
		if err := k.Store.Delete(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("drop connection %s: %w", id, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
