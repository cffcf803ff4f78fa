package connections

import (
	"strings"

	"github.com/skyledger/skyledger/contexts"
	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/domain/pirep"
)

// Kind is a channel kind, as a context declares it (contexts package).
type Kind = domain.ChannelKind

// The channel kinds (docs/websocket.md).
var (
	KindUserUpdates   = identity.ChannelUserUpdates
	KindUserAPIKeys   = identity.ChannelUserAPIKeys
	KindTenantUpdates = identity.ChannelTenantUpdates
	KindTenantPIREPs  = pirep.ChannelTenantPireps
	KindPlatform      = identity.ChannelPlatformTenants
)

// Channel is a parsed channel name.
type Channel struct {
	Kind Kind
	ID   string // user or tenant id; "" for the platform scope
}

// MaxChannelLen bounds a channel name (the longest valid one is 37 bytes).
const MaxChannelLen = 64

// Rejection reasons of a subscribe ack.
const (
	ReasonInvalid   = "invalid"
	ReasonForbidden = "forbidden"
	ReasonLimit     = "limit"
	// ReasonNotFound: a platform_admin named a tenant that does not exist
	// (others get ReasonForbidden for any tenant but their own).
	ReasonNotFound = "not_found"
)

// String returns the canonical channel name.
func (c Channel) String() string { return c.Kind.Channel(c.ID) }

// Channel constructors.
func UserUpdates(userID string) string     { return KindUserUpdates.Channel(userID) }
func UserAPIKeys(userID string) string     { return KindUserAPIKeys.Channel(userID) }
func TenantUpdates(tenantID string) string { return KindTenantUpdates.Channel(tenantID) }
func TenantPIREPs(tenantID string) string  { return KindTenantPIREPs.Channel(tenantID) }

// PlatformTenants is the platform_admin channel of tenant events.
var PlatformTenants = KindPlatform.Channel("")

// kinds are the channel kinds the contexts declare (a fixed registry: read
// once, not per channel parsed).
var kinds = contexts.Channels()

// ParseChannel validates a channel name against the kinds the contexts
// declare. Ids must satisfy domain.IsID. It never panics.
func ParseChannel(s string) (Channel, bool) {
	if len(s) > MaxChannelLen {
		return Channel{}, false
	}
	parts := strings.Split(s, ":")
	if len(parts) == 3 && !domain.IsID(parts[1]) {
		return Channel{}, false
	}
	for _, k := range kinds {
		switch {
		case k.Scope == domain.ChannelPlatform && len(parts) == 2 && parts[0] == string(k.Scope) && parts[1] == k.Name:
			return Channel{Kind: k}, true
		case k.Scope != domain.ChannelPlatform && len(parts) == 3 && parts[0] == string(k.Scope) && parts[2] == k.Name:
			return Channel{Kind: k, ID: parts[1]}, true
		}
	}
	return Channel{}, false
}

// CanRead reports whether a principal may subscribe to (and receive frames
// on) a channel: domain.Authorize with the kind's action, the channel's id
// naming the resource's owner (user scope) or tenant (tenant scope).
func CanRead(p domain.Principal, c Channel) bool {
	r := domain.Resource{}
	switch c.Kind.Scope {
	case domain.ChannelUser:
		r = domain.Resource{TenantID: p.TenantID, OwnerID: c.ID}
	case domain.ChannelTenant:
		r = domain.Resource{TenantID: c.ID}
	}
	return domain.Authorize(p, c.Kind.Action, r) == nil
}

// Check validates a channel name and the principal's right to it,
// returning the parsed channel and "" when allowed, or ReasonInvalid /
// ReasonForbidden.
func Check(p domain.Principal, name string) (Channel, string) {
	c, ok := ParseChannel(name)
	if !ok {
		return c, ReasonInvalid
	}
	if !CanRead(p, c) {
		return c, ReasonForbidden
	}
	return c, ""
}

// Automatic returns the channels every connection is subscribed to on
// connect: the automatic kinds of its own user and tenant.
func Automatic(p domain.Principal) []string {
	var out []string
	for _, k := range kinds {
		switch {
		case !k.Automatic:
		case k.Scope == domain.ChannelUser:
			out = append(out, k.Channel(p.UserID))
		case k.Scope == domain.ChannelTenant && p.TenantID != "":
			out = append(out, k.Channel(p.TenantID))
		}
	}
	return out
}
