// Package contexts is the registry of SkyLedger's bounded contexts. Each
// context declares here, once, what the rest of the system is built from:
// its HTTP routes (key, serving side, authentication), the stream prefixes of
// its aggregates, and its WebSocket channel kinds with the action that grants
// a subscription (decided by domain.Authorize, the permission matrix).
//
// infra/spec's route table, the local API gateway, the routers' route checks,
// channel parsing and stream-id validation are derived from All. The package
// is pure data (it imports only domain), so the CDK app imports it too.
//
// Adding a context (say, aircraft) means one file here declaring Aircraft and
// listing it in All, plus its handlers; docs/architecture.md has the recipe.
package contexts

import (
	"strings"

	"github.com/skyledger/skyledger/domain"
)

// Side is which function serves a route: mutations go to the commands
// function, reads to the queries function.
type Side string

const (
	Command Side = "command"
	Query   Side = "query"
)

// Route is one HTTP API route. Path uses API Gateway syntax ({id}).
type Route struct {
	Method string
	Path   string
	Side   Side
	// Auth: the HTTP authorizer runs first; the handler sees a principal.
	Auth bool
}

// Key is API Gateway's route key "METHOD /path".
func (r Route) Key() string { return r.Method + " " + r.Path }

// ChannelKind is one family of WebSocket channels. Its names are
// "<Scope>:<id>:<Name>" (a user or tenant ULID), or "<Scope>:<Name>" for the
// platform scope, which has no id.
type ChannelKind struct {
	Scope ChannelScope
	Name  string
	// Action grants a subscription: domain.Authorize(principal, Action,
	// Resource) with the channel's id as the resource's owner (user scope)
	// or tenant (tenant scope).
	Action domain.Action
	// Automatic channels are subscribed on connect, for the principal's own
	// user and tenant.
	Automatic bool
}

// ChannelScope is what a channel's id names.
type ChannelScope string

const (
	ScopeUser     ChannelScope = "user"
	ScopeTenant   ChannelScope = "tenant"
	ScopePlatform ChannelScope = "platform"
)

// Pattern is the kind's name pattern as docs/websocket.md writes it.
func (k ChannelKind) Pattern() string {
	if k.Scope == ScopePlatform {
		return string(k.Scope) + ":" + k.Name
	}
	return string(k.Scope) + ":{id}:" + k.Name
}

// Channel returns the channel name of the kind for id ("" for the platform
// scope).
func (k ChannelKind) Channel(id string) string {
	if k.Scope == ScopePlatform {
		return string(k.Scope) + ":" + k.Name
	}
	return string(k.Scope) + ":" + id + ":" + k.Name
}

// Context is one bounded context's declaration.
type Context struct {
	Name string
	// StreamPrefixes are the aggregate kinds of its event streams
	// ("<prefix>-<ulid>"); a prefix belongs to one context.
	StreamPrefixes []string
	Routes         []Route
	Channels       []ChannelKind
}

// All is every context, in the order routes are listed.
var All = []Context{Identity, Pirep, Audit}

// Routes returns every route of every context.
func Routes() []Route {
	var out []Route
	for _, c := range All {
		out = append(out, c.Routes...)
	}
	return out
}

// Channels returns every channel kind of every context.
func Channels() []ChannelKind {
	var out []ChannelKind
	for _, c := range All {
		out = append(out, c.Channels...)
	}
	return out
}

// OwnsStream reports whether a stream id names an aggregate kind of a
// registered context.
func OwnsStream(streamID string) bool {
	for _, c := range All {
		for _, p := range c.StreamPrefixes {
			if strings.HasPrefix(streamID, p+"-") && len(streamID) > len(p)+1 {
				return true
			}
		}
	}
	return false
}
