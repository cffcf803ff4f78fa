package domain_test

import (
	"errors"
	"fmt"

	"github.com/skyledger/skyledger/domain"
)

// Authorize is the one authorization decision: another tenant's resource
// is "not found" (ids cannot be probed), a permission the role lacks in its
// own tenant is "forbidden".
func ExampleAuthorize() {
	pilot := domain.Principal{UserID: "U1", TenantID: "T1", Role: domain.RolePilot, KeyID: "K1"}

	fmt.Println(domain.Authorize(pilot, domain.ActPirepSubmit, domain.Resource{TenantID: "T1"}))
	err := domain.Authorize(pilot, domain.ActPirepRead, domain.Resource{TenantID: "T2"})
	fmt.Println(errors.Is(err, domain.ErrNotFound))
	err = domain.Authorize(pilot, domain.ActUserCreate, domain.Resource{TenantID: "T1"})
	fmt.Println(errors.Is(err, domain.ErrForbidden))
	// Output:
	// <nil>
	// true
	// true
}

func ExampleChannelKind_Channel() {
	pireps := domain.ChannelKind{Scope: domain.ChannelTenant, Name: "pireps", Action: domain.ActSubscribeTenant}
	tenants := domain.ChannelKind{Scope: domain.ChannelPlatform, Name: "tenants", Action: domain.ActSubscribePlatform}
	fmt.Println(pireps.Pattern())
	fmt.Println(pireps.Channel("01JDA0000000000000000TEST1"))
	fmt.Println(tenants.Channel(""))
	// Output:
	// tenant:{id}:pireps
	// tenant:01JDA0000000000000000TEST1:pireps
	// platform:tenants
}
