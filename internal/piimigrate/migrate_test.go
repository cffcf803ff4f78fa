package piimigrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/piimigrate"
)

const (
	kept   = "01JKEPT0000000000000000000"
	erased = "01JERASED00000000000000000"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// legacy writes what the system wrote before sealing existed: schema-1
// user events in plaintext, a reservation keyed by the address and a
// credential holding it; one of the two users was erased since (its data
// key is a tombstone).
func legacy(t *testing.T, s events.Store, keys pii.KeyStore) {
	t.Helper()
	ctx := context.Background()
	for i, u := range []struct{ id, email, name string }{{kept, "kept@legacy.example", "Kim Kept"}, {erased, "gone@legacy.example", "Gus Gone"}} {
		created, _ := json.Marshal(identity.UserCreatedData{UserID: u.id, TenantID: "T", Email: u.email, DisplayName: u.name,
			Role: "pilot", Status: "active", CreatedBy: "system", CreatedAt: t0})
		profile, _ := json.Marshal(identity.UserProfileUpdatedData{UserID: u.id, TenantID: "T", DisplayName: u.name + " Jr", By: u.id})
		env := func(v int64, typ string, d []byte) events.Envelope {
			return events.Envelope{EventID: u.id[:20] + "EVNT0" + string(rune('0'+v)), StreamID: identity.StreamUser(u.id), Version: v,
				Type: typ, Schema: 1, TenantID: "T", OccurredAt: t0.Add(time.Duration(i) * time.Minute), Actor: "system", Data: d}
		}
		cred, _ := json.Marshal(map[string]any{"user_id": u.id, "tenant_id": "T", "email": u.email, "role": "pilot", "status": "active",
			"password_hash": "$argon2id$x", "session_epoch": 0, "version": 2})
		_, err := s.Append(ctx, events.AppendRequest{StreamID: identity.StreamUser(u.id), ExpectedVersion: events.ExpectNew,
			Events: []events.Envelope{env(1, identity.UserCreated, created), env(2, identity.UserProfileUpdated, profile)},
			Records: []events.RecordOp{
				{Mode: events.RecordPut, Record: events.Record{Key: auth.UserRecordKey(u.id), Kind: auth.KindUser, Data: cred}},
				{Mode: events.RecordPutIfAbsent, Record: events.Record{Key: auth.LegacyEmailRecordKey(u.email), Kind: auth.KindEmail,
					Data: json.RawMessage(`{"user_id":"` + u.id + `"}`)}}}})
		require.NoError(t, err)
	}
	require.NoError(t, keys.EraseKey(ctx, erased))
}

func codec(t *testing.T, keys pii.KeyStore) *pii.Codec {
	m, err := pii.NewMaster(bytes.Repeat([]byte{3}, pii.MasterKeyBytes))
	require.NoError(t, err)
	return &pii.Codec{Keys: keys, Master: m}
}

// reads checks what readers see after the migration.
func reads(t *testing.T, s events.Store, c *pii.Codec) {
	t.Helper()
	ctx := context.Background()
	up := &events.Upcasters{}
	c.Register(up)
	for id, want := range map[string][2]string{kept: {"kept@legacy.example", "Kim Kept"}, erased: {identity.Erased, identity.Erased}} {
		evs, err := events.LoadAll(ctx, s, identity.StreamUser(id))
		require.NoError(t, err)
		require.Len(t, evs, 2)
		for _, e := range evs {
			assert.Equal(t, identity.SchemaV2, e.Schema)
		}
		o, err := up.Apply(ctx, evs[0])
		require.NoError(t, err)
		var d identity.UserCreatedData
		require.NoError(t, json.Unmarshal(o.Data, &d))
		assert.Equal(t, want, [2]string{d.Email, d.DisplayName}, id)
		assert.Equal(t, "pilot", string(d.Role))
	}
	// the kept user's reservation is found by its digest; its credential has no e-mail
	rec, err := s.GetRecord(ctx, auth.EmailRecordKey("kept@legacy.example"))
	require.NoError(t, err)
	assert.Contains(t, string(rec.Data), kept)
	_, err = s.GetRecord(ctx, auth.LegacyEmailRecordKey("kept@legacy.example"))
	require.ErrorIs(t, err, events.ErrNotFound)
	cred, err := s.GetRecord(ctx, auth.UserRecordKey(kept))
	require.NoError(t, err)
	assert.NotContains(t, string(cred.Data), "email")
	assert.Contains(t, string(cred.Data), "argon2id", "the rest of the credential stays")
}

func TestEmbeddedMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	eventsDir, keysDir := filepath.Join(data, "events"), filepath.Join(data, "keys")
	keys, err := pii.NewFileKeys(keysDir)
	require.NoError(t, err)
	s, err := embedded.Open(eventsDir, embedded.Options{})
	require.NoError(t, err)
	legacy(t, s, keys)
	require.NoError(t, s.Close())
	c := codec(t, keys)

	_, err = piimigrate.Embedded(ctx, eventsDir, keysDir, filepath.Join(data, "backup"), c, &bytes.Buffer{})
	require.ErrorContains(t, err, "inside the data directory", "the backup holds the plaintext")

	backup := filepath.Join(t.TempDir(), "backup")
	var log bytes.Buffer
	rep, err := piimigrate.Embedded(ctx, eventsDir, keysDir, backup, c, &log)
	require.NoError(t, err, log.String())
	assert.Equal(t, 4, rep.Sealed)
	assert.Equal(t, 2, rep.SealedErased)
	assert.Equal(t, 1, rep.KeysCreated)
	assert.Equal(t, 2, rep.Reservations)
	assert.Equal(t, 2, rep.Credentials)
	assert.Equal(t, 4, rep.Verified)
	assert.False(t, rep.AlreadyMigrated)

	b, err := os.ReadFile(filepath.Join(eventsDir, embedded.LogFile))
	require.NoError(t, err)
	for _, term := range []string{"kept@legacy.example", "gone@legacy.example", "Kim Kept", "Gus Gone"} {
		assert.NotContains(t, string(b), term, "the log")
	}
	old, err := os.ReadFile(filepath.Join(backup, "events", embedded.LogFile))
	require.NoError(t, err)
	assert.Contains(t, string(old), "kept@legacy.example", "the backup is the log as it was")

	s, err = embedded.Open(eventsDir, embedded.Options{})
	require.NoError(t, err)
	reads(t, s, c)
	require.NoError(t, s.Close())

	// a second run changes nothing and verifies again
	rep, err = piimigrate.Embedded(ctx, eventsDir, keysDir, filepath.Join(t.TempDir(), "b2"), c, &bytes.Buffer{})
	require.NoError(t, err)
	assert.True(t, rep.AlreadyMigrated)
	assert.Equal(t, 4, rep.Verified)
	_, err = piimigrate.Embedded(ctx, eventsDir, keysDir, backup, c, &bytes.Buffer{})
	require.ErrorContains(t, err, "exists")
}

func TestDynamoMigrationOnMoto(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cl, prefix := awstest.Tables(t, spec.Events, spec.Records)
	evT, recT := spec.TableName(prefix, spec.Events), spec.TableName(prefix, spec.Records)
	s := dynamo.New(cl, evT, recT)
	keys := &pii.RecordKeys{Records: s}
	legacy(t, s, keys)
	c := codec(t, keys)

	backup := filepath.Join(t.TempDir(), "backup.jsonl")
	var log bytes.Buffer
	rep, err := piimigrate.Dynamo(ctx, cl, evT, recT, backup, c, &log)
	require.NoError(t, err, log.String())
	assert.Equal(t, 4, rep.Sealed)
	assert.Equal(t, 2, rep.SealedErased)
	assert.Equal(t, 2, rep.Reservations)
	assert.Equal(t, 2, rep.Credentials)
	assert.Equal(t, 4, rep.Verified)
	reads(t, s, c)

	b, err := os.ReadFile(backup)
	require.NoError(t, err)
	assert.Equal(t, 4+4, strings.Count(string(b), "\n"), "four events, two reservations, two credentials")
	assert.Contains(t, string(b), "kept@legacy.example")
	fi, err := os.Stat(backup)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	rep, err = piimigrate.Dynamo(ctx, cl, evT, recT, filepath.Join(t.TempDir(), "b2.jsonl"), c, &bytes.Buffer{})
	require.NoError(t, err)
	assert.True(t, rep.AlreadyMigrated)
	_, err = piimigrate.Dynamo(ctx, cl, evT, recT, backup, c, &bytes.Buffer{})
	require.ErrorContains(t, err, "exists")
}
