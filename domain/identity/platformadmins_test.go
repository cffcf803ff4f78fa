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
