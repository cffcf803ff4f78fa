package projection_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	goldenfile "github.com/skyledger/skyledger/internal/golden"
	"github.com/skyledger/skyledger/internal/identityapp"
	"github.com/skyledger/skyledger/internal/identityapp/identityapptest"
	"github.com/skyledger/skyledger/internal/pirepapp"
	"github.com/skyledger/skyledger/internal/projection"
)

// Ids and start time of the golden identity history.
const (
	tPlatform = identityapptest.TenantPlatform
	tAcme     = identityapptest.TenantAcme
	uAdmin    = identityapptest.UserAdmin
	uPilot    = identityapptest.UserPilot
	uOther    = identityapptest.UserOther
	kPilot    = identityapptest.KeyPilot
)

var t0 = identityapptest.T0

type evb struct {
	stream, typ, tenant string
	data                any
}

func identityHistory() []events.Envelope { return identityapptest.History() }

const arn = "arn:aws:dynamodb:us-east-1:000000000000:table/skyledger-dev-Events/stream/2026-11-26T00:00:00.000"

func toEvent(t testing.TB, envs []events.Envelope, firstSeq int) lambdaevents.DynamoDBEvent {
	t.Helper()
	var ev lambdaevents.DynamoDBEvent
	for i, e := range envs {
		r, err := dynamo.ToLambdaRecord(events.Change{Envelope: e, Seq: fmt.Sprintf("%021d", firstSeq+i), At: e.OccurredAt},
			dynamo.StreamMeta{EventSourceARN: arn})
		require.NoError(t, err)
		ev.Records = append(ev.Records, r)
	}
	return ev
}

// golden reads testdata/<name>.json, (re)writing it from gen with -update.
func golden(t *testing.T, name string, gen func() lambdaevents.DynamoDBEvent) lambdaevents.DynamoDBEvent {
	t.Helper()
	path := filepath.Join("testdata", name+".json")
	if goldenfile.Update() {
		b, err := json.MarshalIndent(gen(), "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, append(b, '\n'), 0o644))
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	var ev lambdaevents.DynamoDBEvent
	require.NoError(t, json.Unmarshal(b, &ev))
	return ev
}

// identityBatch is the golden identity history as one stream batch.
func identityBatch(t *testing.T) lambdaevents.DynamoDBEvent {
	return golden(t, "identity_batch", func() lambdaevents.DynamoDBEvent { return toEvent(t, identityHistory(), 100) })
}

// poisonBatch has an undecodable record (a MODIFY) at index 2.
func poisonBatch(t *testing.T) lambdaevents.DynamoDBEvent {
	return golden(t, "poison_batch", func() lambdaevents.DynamoDBEvent {
		ev := toEvent(t, identityHistory()[:4], 100)
		ev.Records[2].EventName = "MODIFY"
		return ev
	})
}

// coreProjections are identity's and PIREPs' projections: the read models
// these tests compare (the audit trail has tests of its own).
func coreProjections() []projection.Projection {
	return append(identityapp.Projections, pirepapp.Projections...)
}
