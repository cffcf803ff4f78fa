package identity_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
)

func TestLastPlatformAdminInvariant(t *testing.T) {
	t.Parallel()
	admin := identity.User{Version: 1, Status: identity.StatusActive, Role: domain.RolePlatformAdmin}
	demoted := admin
	demoted.Role = domain.RoleTenantAdmin
	deactivated := admin
	deactivated.Status = identity.StatusDeactivated
	tests := []struct {
		name          string
		before, after identity.User
		active        int
		wantChange    int
		wantErr       error
	}{
		{"demote the last", admin, demoted, 1, -1, identity.ErrLastPlatformAdmin},
		{"deactivate the last", admin, deactivated, 1, -1, identity.ErrLastPlatformAdmin},
		{"demote one of two", admin, demoted, 2, -1, nil},
		{"promote", demoted, admin, 1, +1, nil},
		{"reactivate", deactivated, admin, 0, +1, nil},
		{"no change", admin, admin, 1, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			change := identity.PlatformAdminChange(tt.before, tt.after)
			assert.Equal(t, tt.wantChange, change)
			err := identity.CheckPlatformAdmins(tt.active, change)
			assert.ErrorIs(t, err, tt.wantErr)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, domain.ErrConflict, "409")
			}
		})
	}
}

func TestTenantUpdate(t *testing.T) {
	t.Parallel()
	root := domain.Principal{UserID: "U0", TenantID: "P", Role: domain.RolePlatformAdmin}
	admin := domain.Principal{UserID: "U1", TenantID: "T1", Role: domain.RoleTenantAdmin}
	acme := identity.Tenant{ID: "T1", Name: "Acme", Status: identity.TenantActive, Version: 1}
	platform := identity.Tenant{ID: "P", Name: "Platform", Platform: true, Status: identity.TenantActive, Version: 1}
	suspended, active, renamed := identity.TenantSuspendedStatus, identity.TenantActive, "Acme Air"
	str := func(s string) *string { return &s }
	tests := []struct {
		name        string
		t           identity.Tenant
		actor       domain.Principal
		newName, st *string
		wantTypes   []string
		wantErr     error
	}{
		{"rename", acme, root, &renamed, nil, []string{identity.TenantRenamed}, nil},
		{"suspend", acme, root, nil, &suspended, []string{identity.TenantSuspended}, nil},
		{"rename and suspend", acme, root, &renamed, &suspended, []string{identity.TenantRenamed, identity.TenantSuspended}, nil},
		{"same name and status: nothing", acme, root, str("Acme"), &active, nil, nil},
		{"reactivate", identity.Tenant{ID: "T1", Name: "Acme", Status: suspended, Version: 2}, root, nil, &active, []string{identity.TenantReactivated}, nil},
		{"platform tenant cannot be suspended", platform, root, nil, &suspended, nil, domain.ErrConflict},
		{"tenant_admin may not", acme, admin, &renamed, nil, nil, domain.ErrForbidden},
		{"bad status", acme, root, nil, str("deleted"), nil, domain.ErrValidation},
		{"empty name", acme, root, str("  "), nil, nil, domain.ErrValidation},
		{"no such tenant", identity.Tenant{}, root, &renamed, nil, nil, domain.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs, err := tt.t.Update(tt.actor, tt.newName, tt.st)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			assert.NoError(t, err)
			var types []string
			for _, e := range evs {
				types = append(types, e.Type)
			}
			assert.Equal(t, tt.wantTypes, types)
		})
	}
}
