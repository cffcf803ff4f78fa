package connections_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/connections"
)

const (
	u1 = "01JDA0000000000000000VSRA1"
	u2 = "01JDA0000000000000000VSRB1"
	t1 = "01JDA0000000000000000TENA1"
	t2 = "01JDA0000000000000000TENB1"
)

func TestParseChannel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		ok   bool
		kind connections.Kind
	}{
		{"user updates", "user:" + u1 + ":updates", true, connections.KindUserUpdates},
		{"user apikeys", "user:" + u1 + ":apikeys", true, connections.KindUserAPIKeys},
		{"tenant updates", "tenant:" + t1 + ":updates", true, connections.KindTenantUpdates},
		{"tenant pireps", "tenant:" + t1 + ":pireps", true, connections.KindTenantPIREPs},
		{"platform", "platform:tenants", true, connections.KindPlatform},
		{"user pireps", "user:" + u1 + ":pireps", false, connections.Kind{}},
		{"tenant apikeys", "tenant:" + t1 + ":apikeys", false, connections.Kind{}},
		{"lower-case id", "user:" + strings.ToLower(u1) + ":updates", false, connections.Kind{}},
		{"id with I", "user:01JDA0000000000000000IIII1:updates", false, connections.Kind{}},
		{"id too short", "user:01JDA:updates", false, connections.Kind{}},
		{"first char > 7", "user:81JDA0000000000000000VSRA1:updates", false, connections.Kind{}},
		{"extra part", "user:" + u1 + ":updates:x", false, connections.Kind{}},
		{"wildcard", "tenant:*:pireps", false, connections.Kind{}},
		{"empty", "", false, connections.Kind{}},
		{"platform other", "platform:users", false, connections.Kind{}},
		{"too long", strings.Repeat("a", 100), false, connections.Kind{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, ok := connections.ParseChannel(tc.in)
			assert.Equal(t, tc.ok, ok)
			if ok {
				assert.Equal(t, tc.kind, c.Kind)
				assert.Equal(t, tc.in, c.String(), "canonical round trip")
			}
		})
	}
}

func TestChannelRightsForEveryRole(t *testing.T) {
	t.Parallel()
	for _, role := range domain.Roles {
		p := domain.Principal{UserID: u1, TenantID: t1, Role: role}
		plat := role == domain.RolePlatformAdmin
		tests := []struct {
			ch   string
			want string
		}{
			{"user:" + u1 + ":updates", ""},
			{"user:" + u1 + ":apikeys", ""},
			{"user:" + u2 + ":updates", connections.ReasonForbidden},
			{"user:" + u2 + ":apikeys", connections.ReasonForbidden},
			{"tenant:" + t1 + ":updates", ""},
			{"tenant:" + t1 + ":pireps", ""},
			{"tenant:" + t2 + ":updates", map[bool]string{true: "", false: connections.ReasonForbidden}[plat]},
			{"tenant:" + t2 + ":pireps", map[bool]string{true: "", false: connections.ReasonForbidden}[plat]},
			{"platform:tenants", map[bool]string{true: "", false: connections.ReasonForbidden}[plat]},
			{"tenant:nope:pireps", connections.ReasonInvalid},
		}
		for _, tc := range tests {
			assert.Equal(t, tc.want, checkReason(p, tc.ch), "%s on %s", role, tc.ch)
		}
	}
	assert.Equal(t, connections.ReasonForbidden, checkReason(domain.Principal{}, "user:"+u1+":updates"), "no principal, no rights")
}

func TestAutomaticChannels(t *testing.T) {
	t.Parallel()
	p := domain.Principal{UserID: u1, TenantID: t1, Role: domain.RoleViewer}
	auto := connections.Automatic(p)
	assert.Equal(t, []string{"user:" + u1 + ":updates", "user:" + u1 + ":apikeys", "tenant:" + t1 + ":updates"}, auto)
	for _, ch := range auto {
		assert.Empty(t, checkReason(p, ch))
	}
}

func FuzzParseChannel(f *testing.F) {
	for _, s := range []string{"platform:tenants", "user:" + u1 + ":updates", "tenant:" + t1 + ":pireps", "::", "user::updates"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := connections.ParseChannel(s)
		if ok && c.String() != s {
			t.Fatalf("accepted %q but canonical form is %q", s, c.String())
		}
	})
}

// checkReason is Check's verdict alone.
func checkReason(p domain.Principal, ch string) string {
	_, reason := connections.Check(p, ch)
	return reason
}
