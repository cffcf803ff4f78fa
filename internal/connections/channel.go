package connections

import (
	"strings"

	"github.com/skyledger/skyledger/domain"
)

// Channel kinds. The grammar (docs/websocket.md):
//
//	user:{ulid}:updates   user:{ulid}:apikeys
//	tenant:{ulid}:updates tenant:{ulid}:pireps
//	platform:tenants
type Kind string

const (
	KindUserUpdates   Kind = "user:updates"
	KindUserAPIKeys   Kind = "user:apikeys"
	KindTenantUpdates Kind = "tenant:updates"
	KindTenantPIREPs  Kind = "tenant:pireps"
	KindPlatform      Kind = "platform:tenants"
)

// Channel is a parsed channel name.
type Channel struct {
	Kind Kind
	ID   string // user or tenant id; "" for platform:tenants
}

// MaxChannelLen bounds a channel name (the longest valid one is 37 bytes).
const MaxChannelLen = 64

// Rejection reasons of a subscribe ack.
const (
	ReasonInvalid   = "invalid"
	ReasonForbidden = "forbidden"
	ReasonLimit     = "limit"
)

// String returns the canonical channel name.
func (c Channel) String() string {
	switch c.Kind {
	case KindUserUpdates:
		return "user:" + c.ID + ":updates"
	case KindUserAPIKeys:
		return "user:" + c.ID + ":apikeys"
	case KindTenantUpdates:
		return "tenant:" + c.ID + ":updates"
	case KindTenantPIREPs:
		return "tenant:" + c.ID + ":pireps"
	case KindPlatform:
		return "platform:tenants"
	}
	return ""
}

// Channel constructors.
func UserUpdates(userID string) string     { return Channel{KindUserUpdates, userID}.String() }
func UserAPIKeys(userID string) string     { return Channel{KindUserAPIKeys, userID}.String() }
func TenantUpdates(tenantID string) string { return Channel{KindTenantUpdates, tenantID}.String() }
func TenantPIREPs(tenantID string) string  { return Channel{KindTenantPIREPs, tenantID}.String() }

// PlatformTenants is the platform_admin channel of tenant events.
const PlatformTenants = "platform:tenants"

// ParseChannel validates a channel name against the grammar. Ids must be
// ULIDs (26 Crockford base-32 characters, upper case). It never panics.
func ParseChannel(s string) (Channel, bool) {
	if len(s) > MaxChannelLen {
		return Channel{}, false
	}
	if s == PlatformTenants {
		return Channel{Kind: KindPlatform}, true
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 || !IsULID(parts[1]) {
		return Channel{}, false
	}
	var k Kind
	switch parts[0] + ":" + parts[2] {
	case "user:updates":
		k = KindUserUpdates
	case "user:apikeys":
		k = KindUserAPIKeys
	case "tenant:updates":
		k = KindTenantUpdates
	case "tenant:pireps":
		k = KindTenantPIREPs
	default:
		return Channel{}, false
	}
	return Channel{Kind: k, ID: parts[1]}, true
}

// IsULID reports whether s is a canonical ULID: 26 characters of Crockford
// base 32 (0-9, A-Z without I, L, O, U), first character 0-7.
func IsULID(s string) bool {
	if len(s) != 26 || s[0] > '7' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U':
		default:
			return false
		}
	}
	return true
}

// CanRead reports whether a principal may subscribe to (and receive frames
// on) a channel:
//   - user:{id}:* only for the user themself. Admins do not watch their
//     users' personal channels; they see their tenant's user and key events
//     on tenant:{id}:updates instead.
//   - tenant:{id}:* for members of that tenant and for platform_admin.
//   - platform:tenants only for platform_admin.
func CanRead(p domain.Principal, c Channel) bool {
	switch c.Kind {
	case KindUserUpdates, KindUserAPIKeys:
		return p.UserID != "" && p.UserID == c.ID
	case KindTenantUpdates, KindTenantPIREPs:
		return p.Role == domain.RolePlatformAdmin || (p.TenantID != "" && p.TenantID == c.ID)
	case KindPlatform:
		return p.Role == domain.RolePlatformAdmin
	}
	return false
}

// Check validates a channel name and the principal's right to it, returning
// "" when allowed or ReasonInvalid / ReasonForbidden.
func Check(p domain.Principal, name string) string {
	c, ok := ParseChannel(name)
	if !ok {
		return ReasonInvalid
	}
	if !CanRead(p, c) {
		return ReasonForbidden
	}
	return ""
}

// Automatic returns the channels every connection is subscribed to on
// connect: its user's updates and API keys, and its tenant's updates.
func Automatic(p domain.Principal) []string {
	out := []string{UserUpdates(p.UserID), UserAPIKeys(p.UserID)}
	if p.TenantID != "" {
		out = append(out, TenantUpdates(p.TenantID))
	}
	return out
}
