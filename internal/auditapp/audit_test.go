package auditapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/contexts"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auditapp"
	"github.com/skyledger/skyledger/internal/identityapp"
	"github.com/skyledger/skyledger/internal/readmodel"
)

const (
	tenant = "01JDA0000000000000000TENA1"
	ops    = "01JDA000000000000000000PS1"
	pat    = "01JDA00000000000000000PAT1"
	key    = "01JDA00000000000000000KEY1"
	rep    = "01JDA0000000000000000PREP1"
)

// Every event type gets a sentence naming the people involved, and its
// entry never holds a secret or a hash.
func TestEveryEventTypeIsSummarized(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := readmodel.NewEmbedded()
	for id, name := range map[string]string{ops: "Ops", pat: "Pat"} {
		b, _ := json.Marshal(identityapp.User{ID: id, TenantID: tenant, DisplayName: name})
		_, err := m.Put(ctx, readmodel.Item{PK: identityapp.UserPK(id), SK: identityapp.SKUser, SourceStream: identity.StreamUser(id), SourceVersion: 1, Body: b})
		require.NoError(t, err)
	}
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		typ, stream, actor string
		data               any
		want               string
	}{
		{identity.TenantCreated, identity.StreamTenant(tenant), ops, identity.TenantCreatedData{TenantID: tenant, Name: "Acme"}, `Ops created tenant "Acme"`},
		{identity.TenantRenamed, identity.StreamTenant(tenant), ops, identity.TenantRenamedData{TenantID: tenant, Name: "Acme Air"}, `Ops renamed the tenant to "Acme Air"`},
		{identity.TenantSuspended, identity.StreamTenant(tenant), ops, identity.TenantStatusData{TenantID: tenant, Status: "suspended", By: ops}, "Ops suspended the tenant"},
		{identity.TenantReactivated, identity.StreamTenant(tenant), ops, identity.TenantStatusData{TenantID: tenant, Status: "active", By: ops}, "Ops reactivated the tenant"},
		{identity.UserCreated, identity.StreamUser(pat), ops, identity.UserCreatedData{UserID: pat, TenantID: tenant, DisplayName: "Pat", Role: "pilot", Email: "pat@acme.example"}, "Ops created Pat as pilot"},
		{identity.UserRoleChanged, identity.StreamUser(pat), ops, identity.UserRoleChangedData{UserID: pat, TenantID: tenant, OldRole: "pilot", Role: "viewer"}, "Ops changed Pat's role from pilot to viewer"},
		{identity.UserDeactivated, identity.StreamUser(pat), ops, identity.UserDeactivatedData{UserID: pat, TenantID: tenant, By: ops}, "Ops deactivated Pat"},
		{identity.UserReactivated, identity.StreamUser(pat), ops, identity.UserReactivatedData{UserID: pat, TenantID: tenant, By: ops}, "Ops reactivated Pat"},
		{identity.UserPasswordChanged, identity.StreamUser(pat), pat, identity.UserPasswordChangedData{UserID: pat, TenantID: tenant, SessionsRevoked: true}, "Pat changed Pat's password"},
		{identity.UserProfileUpdated, identity.StreamUser(pat), pat, identity.UserProfileUpdatedData{UserID: pat, TenantID: tenant, DisplayName: "Pat K"}, "Pat changed a display name to Pat K"},
		{identity.UserErased, identity.StreamUser(pat), ops, identity.UserErasedData{UserID: pat, TenantID: tenant, By: ops}, "Ops erased the personal data of Pat"},
		{identity.APIKeyCreated, identity.StreamAPIKey(key), pat, identity.APIKeyCreatedData{KeyID: key, TenantID: tenant, OwnerID: pat, Name: "efb", Prefix: "sk_" + key}, `Pat created API key "efb" for Pat`},
		{identity.APIKeyRevoked, identity.StreamAPIKey(key), ops, identity.APIKeyRevokedData{KeyID: key, TenantID: tenant, OwnerID: pat}, "Ops revoked API key sk_" + key + " of Pat"},
		{pirep.EventSubmitted, pirep.Stream(rep), pat, pirep.SubmittedData{PirepID: rep, TenantID: tenant, Urgent: true, Raw: "DEN UUA /OV DEN/TM 1200/FL080/TP C172/TB SEV"}, "Pat submitted an urgent PIREP: DEN UUA /OV DEN/TM 1200/FL080/TP C172/TB SEV"},
		{pirep.EventRetracted, pirep.Stream(rep), "system", pirep.RetractedData{PirepID: rep, TenantID: tenant, Reason: "duplicate"}, "System retracted a PIREP: duplicate"},
	}
	covered := map[string]bool{}
	for i, tt := range tests {
		covered[tt.typ] = true
		b, err := json.Marshal(tt.data)
		require.NoError(t, err)
		e := events.Envelope{EventID: fmt.Sprintf("01JDAEVT00000000000000%04d", i), StreamID: tt.stream, Version: int64(i + 1), Type: tt.typ, Schema: 1,
			TenantID: tenant, OccurredAt: at.Add(time.Duration(i) * time.Second), Actor: tt.actor, Data: b}
		require.True(t, auditapp.Projections[0].Match(e))
		require.NoError(t, auditapp.Projections[0].Apply(ctx, m, e), tt.typ)
		require.NoError(t, auditapp.Projections[0].Apply(ctx, m, e), "redelivery is a no-op")
		it, err := m.Get(ctx, auditapp.PK(tenant), auditapp.SK(e.OccurredAt, e.EventID))
		require.NoError(t, err)
		var got auditapp.Entry
		require.NoError(t, json.Unmarshal(it.Body, &got))
		assert.Empty(t, got.Summary, "names are resolved on read")
		require.NoError(t, auditapp.Render(ctx, m, &got, &auditapp.Names{}))
		assert.Equal(t, tt.want, got.Summary, tt.typ)
		lower := strings.ToLower(string(it.Body))
		assert.NotContains(t, lower, "hash", tt.typ)
		assert.NotContains(t, lower, "secret", tt.typ)
	}
	for _, typ := range contexts.EventTypes() {
		assert.True(t, covered[typ], "%s has no audit case", typ)
	}
	page, err := m.Query(ctx, readmodel.Query{PK: auditapp.PK(tenant), Limit: 100})
	require.NoError(t, err)
	assert.Len(t, page.Items, len(tests), "one entry per event")
	assert.False(t, auditapp.Projections[0].Match(events.Envelope{}), "events without a tenant have no trail")
}
