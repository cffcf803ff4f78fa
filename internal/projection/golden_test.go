package projection_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	goldenfile "github.com/skyledger/skyledger/internal/golden"
	"github.com/skyledger/skyledger/internal/identityapp"
	"github.com/skyledger/skyledger/internal/pirepapp"
	"github.com/skyledger/skyledger/internal/projection"
)

// Fixed ids of the golden identity history.
const (
	tPlatform = "01JPLATF0RM000000000000000"
	tAcme     = "01JACME0000000000000000000"
	uAdmin    = "01JADM1N000000000000000000"
	uPilot    = "01JP1L0T000000000000000000"
	uOther    = "01J0THER000000000000000000"
	kAdmin    = "01JKEYADM1N000000000000000"
	kPilot    = "01JKEYP1L0T000000000000000"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

type evb struct {
	stream, typ, tenant string
	data                any
}

// identityHistory is a small, complete identity history over 7 streams.
func identityHistory() []events.Envelope {
	exp := t0.Add(90 * 24 * time.Hour)
	list := []evb{
		{"tenant-" + tPlatform, identity.TenantCreated, tPlatform, identity.TenantCreatedData{TenantID: tPlatform, Name: "Platform", Platform: true, CreatedBy: "system", CreatedAt: t0}},
		{"user-" + uAdmin, identity.UserCreated, tPlatform, identity.UserCreatedData{UserID: uAdmin, TenantID: tPlatform, Email: "root@example.com", DisplayName: "Root", Role: domain.RolePlatformAdmin, Status: "active", CreatedBy: "system", CreatedAt: t0}},
		{"apikey-" + kAdmin, identity.APIKeyCreated, tPlatform, identity.APIKeyCreatedData{KeyID: kAdmin, TenantID: tPlatform, OwnerID: uAdmin, Name: "bootstrap", Prefix: "sk_" + kAdmin, CreatedBy: uAdmin, CreatedAt: t0}},
		{"tenant-" + tAcme, identity.TenantCreated, tAcme, identity.TenantCreatedData{TenantID: tAcme, Name: "Acme Air", CreatedBy: uAdmin, CreatedAt: t0.Add(time.Minute)}},
		{"user-" + uPilot, identity.UserCreated, tAcme, identity.UserCreatedData{UserID: uPilot, TenantID: tAcme, Email: "pilot@acme.example", DisplayName: "Pat Pilot", Role: domain.RoleViewer, Status: "active", CreatedBy: uAdmin, CreatedAt: t0.Add(2 * time.Minute)}},
		{"user-" + uOther, identity.UserCreated, tAcme, identity.UserCreatedData{UserID: uOther, TenantID: tAcme, Email: "other@acme.example", DisplayName: "Otto", Role: domain.RoleTenantAdmin, Status: "active", CreatedBy: uAdmin, CreatedAt: t0.Add(3 * time.Minute)}},
		{"user-" + uPilot, identity.UserRoleChanged, tAcme, identity.UserRoleChangedData{UserID: uPilot, TenantID: tAcme, OldRole: domain.RoleViewer, Role: domain.RolePilot, ChangedBy: uOther}},
		{"apikey-" + kPilot, identity.APIKeyCreated, tAcme, identity.APIKeyCreatedData{KeyID: kPilot, TenantID: tAcme, OwnerID: uPilot, Name: "efb", Prefix: "sk_" + kPilot, ExpiresAt: &exp, CreatedBy: uPilot, CreatedAt: t0.Add(5 * time.Minute)}},
		{"tenant-" + tAcme, identity.TenantRenamed, tAcme, identity.TenantRenamedData{TenantID: tAcme, Name: "Acme Aviation", RenamedBy: uAdmin}},
		{"user-" + uPilot, identity.UserPasswordChanged, tAcme, identity.UserPasswordChangedData{UserID: uPilot, TenantID: tAcme, SessionsRevoked: true}},
		{"user-" + uOther, identity.UserDeactivated, tAcme, identity.UserDeactivatedData{UserID: uOther, TenantID: tAcme, By: uAdmin}},
		{"apikey-" + kPilot, identity.APIKeyRevoked, tAcme, identity.APIKeyRevokedData{KeyID: kPilot, TenantID: tAcme, OwnerID: uPilot, RevokedBy: uPilot, RevokedAt: t0.Add(9 * time.Minute)}},
		{"user-" + uOther, identity.UserReactivated, tAcme, identity.UserReactivatedData{UserID: uOther, TenantID: tAcme, By: uAdmin}},
		{"user-" + uPilot, identity.UserProfileUpdated, tAcme, identity.UserProfileUpdatedData{UserID: uPilot, TenantID: tAcme, DisplayName: "Pat P.", By: uPilot}},
	}
	versions := map[string]int64{}
	out := make([]events.Envelope, 0, len(list))
	for i, b := range list {
		versions[b.stream]++
		data, err := json.Marshal(b.data)
		if err != nil {
			panic(err)
		}
		out = append(out, events.Envelope{
			EventID: fmt.Sprintf("01JEVENT%018d", i+1), StreamID: b.stream, Version: versions[b.stream],
			Type: b.typ, Schema: 1, TenantID: b.tenant, OccurredAt: t0.Add(time.Duration(i) * time.Minute),
			Actor: uAdmin, CorrelationID: fmt.Sprintf("corr-%d", i+1), CausationID: fmt.Sprintf("cause-%d", i+1), Data: data,
		})
	}
	return out
}

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
