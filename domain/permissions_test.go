package domain_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/domain"
)

func TestAuthorizeMatrix(t *testing.T) {
	t.Parallel()
	const own, other = "T1", "T2"
	p := func(r domain.Role) domain.Principal {
		return domain.Principal{UserID: "U1", TenantID: own, Role: r, KeyID: "K1"}
	}
	tests := []struct {
		name string
		role domain.Role
		act  domain.Action
		res  domain.Resource
		want error
	}{
		{"platform admin any tenant", domain.RolePlatformAdmin, domain.ActUserUpdate, domain.Resource{TenantID: other, OwnerID: "U9"}, nil},
		{"tenant admin own tenant", domain.RoleTenantAdmin, domain.ActUserUpdate, domain.Resource{TenantID: own, OwnerID: "U9"}, nil},
		{"tenant admin other tenant is 404", domain.RoleTenantAdmin, domain.ActUserUpdate, domain.Resource{TenantID: other, OwnerID: "U9"}, domain.ErrNotFound},
		{"pilot cannot update users", domain.RolePilot, domain.ActUserUpdate, domain.Resource{TenantID: own, OwnerID: "U9"}, domain.ErrForbidden},
		{"pilot other tenant is 404 not 403", domain.RolePilot, domain.ActUserUpdate, domain.Resource{TenantID: other, OwnerID: "U9"}, domain.ErrNotFound},
		{"viewer reads self", domain.RoleViewer, domain.ActUserRead, domain.Resource{TenantID: own, OwnerID: "U1"}, nil},
		{"viewer cannot read colleague", domain.RoleViewer, domain.ActUserRead, domain.Resource{TenantID: own, OwnerID: "U2"}, domain.ErrForbidden},
		{"pilot revokes own key", domain.RolePilot, domain.ActAPIKeyRevoke, domain.Resource{TenantID: own, OwnerID: "U1"}, nil},
		{"pilot cannot revoke colleague key", domain.RolePilot, domain.ActAPIKeyRevoke, domain.Resource{TenantID: own, OwnerID: "U2"}, domain.ErrForbidden},
		{"tenant admin cannot create tenant", domain.RoleTenantAdmin, domain.ActTenantCreate, domain.Resource{TenantID: own}, domain.ErrForbidden},
		{"viewer cannot submit pirep", domain.RoleViewer, domain.ActPirepSubmit, domain.Resource{TenantID: own, OwnerID: "U1"}, domain.ErrForbidden},
		{"pilot submits pirep", domain.RolePilot, domain.ActPirepSubmit, domain.Resource{TenantID: own, OwnerID: "U1"}, nil},
		{"only platform admin subscribes platform", domain.RoleTenantAdmin, domain.ActSubscribePlatform, domain.Resource{TenantID: own}, domain.ErrForbidden},
		{"unknown action is forbidden", domain.RoleTenantAdmin, domain.Action("nope"), domain.Resource{TenantID: own}, domain.ErrForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := domain.Authorize(p(tc.role), tc.act, tc.res)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestAuthorizeRejectsInvalidPrincipal(t *testing.T) {
	t.Parallel()
	err := domain.Authorize(domain.Principal{UserID: "U", Role: "root"}, domain.ActUserRead, domain.Resource{})
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)
}

func TestAuthorizeGrant(t *testing.T) {
	t.Parallel()
	ta := domain.Principal{UserID: "U", TenantID: "T", Role: domain.RoleTenantAdmin}
	assert.ErrorIs(t, domain.AuthorizeGrant(ta, domain.RolePlatformAdmin), domain.ErrForbidden)
	assert.NoError(t, domain.AuthorizeGrant(ta, domain.RolePilot))
	var fe *domain.FieldError
	assert.True(t, errors.As(domain.AuthorizeGrant(ta, "root"), &fe))
	assert.Equal(t, "role", fe.Field)
	pilot := domain.Principal{UserID: "U", TenantID: "T", Role: domain.RolePilot}
	assert.ErrorIs(t, domain.AuthorizeGrant(pilot, domain.RoleViewer), domain.ErrForbidden)
}

// Every action of the matrix names only valid roles.
func TestMatrixRolesValid(t *testing.T) {
	t.Parallel()
	for a, m := range domain.Matrix {
		for r := range m {
			assert.True(t, r.Valid(), "%s: %s", a, r)
		}
	}
}
