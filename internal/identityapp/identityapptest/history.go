// Package identityapptest holds the golden identity history that the
// projector, replay and dead-letter tests feed through their readers.
package identityapptest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
)

// Ids of the history.
const (
	TenantPlatform = "01JPLATF0RM000000000000000"
	TenantAcme     = "01JACME0000000000000000000"
	UserAdmin      = "01JADM1N000000000000000000"
	UserPilot      = "01JP1L0T000000000000000000"
	UserOther      = "01J0THER000000000000000000"
	KeyAdmin       = "01JKEYADM1N000000000000000"
	KeyPilot       = "01JKEYP1L0T000000000000000"
)

// T0 is the time of the history's first event; event i occurs i minutes
// later.
var T0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

type evb struct {
	stream, typ, tenant string
	data                any
}

// History is a small, complete identity history over 7 streams (2 tenants,
// 3 users, 2 API keys; 14 events of every identity type but the erasure and
// suspension ones), schema 1, as the command side writes it.
func History() []events.Envelope {
	exp := T0.Add(90 * 24 * time.Hour)
	list := []evb{
		{identity.StreamTenant(TenantPlatform), identity.TenantCreated, TenantPlatform, identity.TenantCreatedData{TenantID: TenantPlatform, Name: "Platform", Platform: true, CreatedBy: "system", CreatedAt: T0}},
		{identity.StreamUser(UserAdmin), identity.UserCreated, TenantPlatform, identity.UserCreatedData{UserID: UserAdmin, TenantID: TenantPlatform, Email: "root@example.com", DisplayName: "Root", Role: domain.RolePlatformAdmin, Status: "active", CreatedBy: "system", CreatedAt: T0}},
		{identity.StreamAPIKey(KeyAdmin), identity.APIKeyCreated, TenantPlatform, identity.APIKeyCreatedData{KeyID: KeyAdmin, TenantID: TenantPlatform, OwnerID: UserAdmin, Name: "bootstrap", Prefix: "sk_" + KeyAdmin, CreatedBy: UserAdmin, CreatedAt: T0}},
		{identity.StreamTenant(TenantAcme), identity.TenantCreated, TenantAcme, identity.TenantCreatedData{TenantID: TenantAcme, Name: "Acme Air", CreatedBy: UserAdmin, CreatedAt: T0.Add(time.Minute)}},
		{identity.StreamUser(UserPilot), identity.UserCreated, TenantAcme, identity.UserCreatedData{UserID: UserPilot, TenantID: TenantAcme, Email: "pilot@acme.example", DisplayName: "Pat Pilot", Role: domain.RoleViewer, Status: "active", CreatedBy: UserAdmin, CreatedAt: T0.Add(2 * time.Minute)}},
		{identity.StreamUser(UserOther), identity.UserCreated, TenantAcme, identity.UserCreatedData{UserID: UserOther, TenantID: TenantAcme, Email: "other@acme.example", DisplayName: "Otto", Role: domain.RoleTenantAdmin, Status: "active", CreatedBy: UserAdmin, CreatedAt: T0.Add(3 * time.Minute)}},
		{identity.StreamUser(UserPilot), identity.UserRoleChanged, TenantAcme, identity.UserRoleChangedData{UserID: UserPilot, TenantID: TenantAcme, OldRole: domain.RoleViewer, Role: domain.RolePilot, ChangedBy: UserOther}},
		{identity.StreamAPIKey(KeyPilot), identity.APIKeyCreated, TenantAcme, identity.APIKeyCreatedData{KeyID: KeyPilot, TenantID: TenantAcme, OwnerID: UserPilot, Name: "efb", Prefix: "sk_" + KeyPilot, ExpiresAt: &exp, CreatedBy: UserPilot, CreatedAt: T0.Add(5 * time.Minute)}},
		{identity.StreamTenant(TenantAcme), identity.TenantRenamed, TenantAcme, identity.TenantRenamedData{TenantID: TenantAcme, Name: "Acme Aviation", RenamedBy: UserAdmin}},
		{identity.StreamUser(UserPilot), identity.UserPasswordChanged, TenantAcme, identity.UserPasswordChangedData{UserID: UserPilot, TenantID: TenantAcme, SessionsRevoked: true}},
		{identity.StreamUser(UserOther), identity.UserDeactivated, TenantAcme, identity.UserDeactivatedData{UserID: UserOther, TenantID: TenantAcme, By: UserAdmin}},
		{identity.StreamAPIKey(KeyPilot), identity.APIKeyRevoked, TenantAcme, identity.APIKeyRevokedData{KeyID: KeyPilot, TenantID: TenantAcme, OwnerID: UserPilot, RevokedBy: UserPilot, RevokedAt: T0.Add(9 * time.Minute)}},
		{identity.StreamUser(UserOther), identity.UserReactivated, TenantAcme, identity.UserReactivatedData{UserID: UserOther, TenantID: TenantAcme, By: UserAdmin}},
		{identity.StreamUser(UserPilot), identity.UserProfileUpdated, TenantAcme, identity.UserProfileUpdatedData{UserID: UserPilot, TenantID: TenantAcme, DisplayName: "Pat P.", By: UserPilot}},
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
			Type: b.typ, Schema: 1, TenantID: b.tenant, OccurredAt: T0.Add(time.Duration(i) * time.Minute),
			Actor: UserAdmin, CorrelationID: fmt.Sprintf("corr-%d", i+1), CausationID: fmt.Sprintf("cause-%d", i+1), Data: data,
		})
	}
	return out
}
