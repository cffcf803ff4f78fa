package wire

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/auditapp"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/identityapp"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// TestSchema1EventsThroughEveryReader feeds user events written before
// sealing existed (schema 1, plaintext) through every reader the wiring
// root builds: the live projector's core, a rebuild (replay), the audit
// trail and the command side's stream load. A kept user reads as written;
// a user erased before the migration reads "[erased]" everywhere.
func TestSchema1EventsThroughEveryReader(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := embedded.Open(filepath.Join(dir, "events"), embedded.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	keys, err := pii.NewFileKeys(filepath.Join(dir, "keys"))
	require.NoError(t, err)
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	const kept, gone, tenant = "01JKEPT0000000000000000000", "01JGONE0000000000000000000", "01JTENANT00000000000000000"
	for _, u := range []struct{ id, email, name string }{{kept, "kept@old.example", "Kim"}, {gone, "gone@old.example", "Gus"}} {
		d, _ := json.Marshal(identity.UserCreatedData{UserID: u.id, TenantID: tenant, Email: u.email, DisplayName: u.name,
			Role: "pilot", Status: "active", CreatedBy: "system", CreatedAt: at})
		evs := []events.Envelope{{EventID: u.id[:22] + "EV01", StreamID: identity.StreamUser(u.id), Version: 1, Type: identity.UserCreated,
			Schema: 1, TenantID: tenant, OccurredAt: at, Actor: "system", Data: d}}
		if u.id == gone {
			for i, typ := range []string{identity.UserDeactivated, identity.UserErased} {
				b, _ := json.Marshal(identity.UserErasedData{UserID: u.id, TenantID: tenant, By: "system"})
				evs = append(evs, events.Envelope{EventID: u.id[:22] + "EV0" + string(rune('2'+i)), StreamID: identity.StreamUser(u.id),
					Version: int64(i + 2), Type: typ, Schema: 1, TenantID: tenant, OccurredAt: at.Add(time.Minute), Actor: "system", Data: b})
			}
		}
		_, err := st.Append(ctx, events.AppendRequest{StreamID: identity.StreamUser(u.id), ExpectedVersion: events.ExpectNew, Events: evs})
		require.NoError(t, err)
	}
	require.NoError(t, keys.EraseKey(ctx, gone))
	a := Adapters{Store: st, Keys: keys}
	s := Settings{PIIMasterKey: make([]byte, pii.MasterKeyBytes)}

	check := func(name string, m readmodel.Store) {
		t.Helper()
		for id, want := range map[string][2]string{kept: {"kept@old.example", "Kim"}, gone: {identity.Erased, identity.Erased}} {
			it, err := m.Get(ctx, identityapp.UserPK(id), identityapp.SKUser)
			require.NoError(t, err, name)
			var u identityapp.User
			require.NoError(t, json.Unmarshal(it.Body, &u))
			assert.Equal(t, want, [2]string{u.Email, u.DisplayName}, "%s: user %s", name, id)
		}
		page, err := m.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: auditapp.StreamGSI1PK(tenant, identity.StreamUser(gone))})
		require.NoError(t, err)
		require.Len(t, page.Items, 3, name)
		for _, it := range page.Items {
			assert.NotContains(t, string(it.Body), "gone@old.example", "%s: audit", name)
			assert.NotContains(t, string(it.Body), `"Gus"`, "%s: audit", name)
		}
	}

	// the live projector's core, over the store's change feed
	live := readmodel.NewEmbedded()
	changes, err := st.Tail(ctx, 0, 100)
	require.NoError(t, err)
	a.Models = live
	require.NoError(t, Rebuilder(a, s)(ctx, changes))
	check("projector", live)

	// replay: every event through a fresh projector
	rebuilt := readmodel.NewEmbedded()
	_, up := PersonalData(a, s)
	_, err = projection.New(projection.Deps{Models: rebuilt, Projections: Projections(), Upcasters: up}).Rebuild(ctx, st, 2)
	require.NoError(t, err)
	check("replay", rebuilt)

	// the command side's stream load
	codec, up := PersonalData(a, s)
	svc := commandapi.New(commandapi.Deps{Store: st, PII: codec, Upcasters: up})
	for id, want := range map[string]string{kept: "kept@old.example", gone: identity.Erased} {
		evs, _, err := svc.Load(ctx, identity.StreamUser(id))
		require.NoError(t, err)
		rec := make([]identity.Recorded, len(evs))
		for i, e := range evs {
			rec[i] = identity.Recorded{Type: e.Type, Version: e.Version, OccurredAt: e.OccurredAt, Data: e.Data}
		}
		u, err := identity.FoldUser(rec)
		require.NoError(t, err)
		assert.Equal(t, want, u.Email, "command side: %s", id)
	}
}
