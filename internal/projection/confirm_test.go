package projection_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/identityapp"
	"github.com/skyledger/skyledger/internal/metrics"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// TestConfirmDropsChangesMissingFromTheStore: with Confirm set, a change
// whose event is not in the event store (a cancelled write an emulator
// leaked into its stream) is dropped, counted, never projected nor
// notified; a failed confirmation read stops the batch at that change.
func TestConfirmDropsChangesMissingFromTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, err := embedded.Open(filepath.Join(t.TempDir(), "events"), embedded.Options{})
	require.NoError(t, err)
	hist := identityHistory()
	stored := hist[0] // the platform tenant is in the store
	_, err = store.Append(ctx, events.AppendRequest{StreamID: stored.StreamID, ExpectedVersion: events.ExpectNew, Events: []events.Envelope{stored}})
	require.NoError(t, err)
	impostor := stored // same stream and version, another event id (a write that lost)
	impostor.EventID = "01JIMPOSTOR000000000000000"
	unknown := hist[3] // a tenant stream the store does not have

	var emf bytes.Buffer
	n := &recorder{}
	models := readmodel.NewEmbedded()
	h := projection.New(projection.Deps{Models: models, Notifier: n, Confirm: store, Metrics: metrics.New(&emf, "projector"), Projections: coreProjections()})
	cs := []events.Change{{Envelope: impostor, Seq: "1"}, {Envelope: stored, Seq: "2"}, {Envelope: unknown, Seq: "3"}}
	require.NoError(t, h.Project(ctx, cs))
	require.Len(t, n.calls, 1)
	assert.Equal(t, []events.Envelope{stored}, n.calls[0], "only the stored event is projected and notified")
	assert.Contains(t, emf.String(), `"ProjectorDropped":2`)
	_, err = models.Get(ctx, identityapp.TenantPK(stored.TenantID), identityapp.SKTenant)
	require.NoError(t, err, "the stored tenant is projected")
	_, err = models.Get(ctx, identityapp.TenantPK(unknown.TenantID), identityapp.SKTenant)
	assert.True(t, readmodel.IsNotFound(err), "the dropped tenant has no read model: %v", err)

	// The store cannot answer: the change fails (to be retried), not dropped.
	down := projection.New(projection.Deps{Models: models, Confirm: failingLog{}, Projections: coreProjections()})
	err = down.Project(ctx, []events.Change{{Envelope: stored, Seq: "4"}})
	var ce *projection.ChangeError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 0, ce.Index)
	assert.Equal(t, "4", ce.Seq)
	assert.ErrorIs(t, err, errUnreachable)
}

var errUnreachable = errors.New("endpoint unreachable")

// failingLog is an event store that cannot be reached.
type failingLog struct{}

func (failingLog) Load(context.Context, string, int64, int) (events.Page, error) {
	return events.Page{}, errUnreachable
}
