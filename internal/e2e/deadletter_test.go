package e2e_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/internal/localcloud"
	"github.com/skyledger/skyledger/internal/wire"
)

// TestDeadLetterRedriveThroughTheRunningProjector puts a stream record into
// the dead-letter file and redrives it through the runtime's management
// endpoint (what `cmd/deadletter redrive` calls): the real projector applies
// it, the read model shows it, and the entry leaves the file.
func TestDeadLetterRedriveThroughTheRunningProjector(t *testing.T) {
	t.Parallel()
	s := newSystem(t, wire.ModeEmbedded)
	root, _ := s.bootstrap()

	id := ulid.Make().String()
	now := time.Now().UTC()
	data, _ := json.Marshal(identity.TenantCreatedData{TenantID: id, Name: "Redriven Air", CreatedBy: "system", CreatedAt: now})
	env := events.Envelope{EventID: ulid.Make().String(), StreamID: identity.StreamTenant(id), Version: 1, Type: identity.TenantCreated,
		Schema: 1, TenantID: id, OccurredAt: now, Actor: "system", CorrelationID: "c", CausationID: "c", Data: data}
	rec, err := dynamo.ToLambdaRecord(events.Change{Envelope: env, Seq: "900000000000000000001", At: now}, dynamo.StreamMeta{})
	require.NoError(t, err)
	dlq := localcloud.OpenDeadLetters(filepath.Join(s.dir, localcloud.DeadLetterFile))
	require.NoError(t, dlq.Add(localcloud.DeadLetter{ID: "900000000000000000001", FailedAt: now, Function: "projector",
		Reason: "test", Attempts: 6, Record: rec}))
	s.must(404, s.call("GET", "/api/tenants/"+id, root, nil))

	info, err := localcloud.ReadInfo(s.dir)
	require.NoError(t, err)
	assert.Equal(t, s.app.RT.ManagementURL(), info.ManagementURL)
	res, err := redrive(info.ManagementURL)
	require.NoError(t, err)
	assert.Equal(t, []string{"900000000000000000001"}, res.Redriven)
	got := s.must(200, s.call("GET", "/api/tenants/"+id, root, nil))
	assert.Equal(t, "Redriven Air", str(got.body, "name"))
	left, err := dlq.List()
	require.NoError(t, err)
	assert.Empty(t, left)
}

func redrive(mgmtURL string) (localcloud.RedriveResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return localcloud.RequestRedrive(ctx, mgmtURL, nil)
}
