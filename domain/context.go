package domain

// A bounded context declares, as pure data beside its aggregates, what the
// functions are built from: its HTTP routes, the stream prefixes and event
// types of its aggregates and its WebSocket channel kinds. The registry that
// lists every context is package contexts; the handlers that serve the
// declarations are the context's module (internal/<context>app).

// Side is which function serves a route: mutations go to the commands
// function, reads to the queries function.
type Side string

const (
	SideCommand Side = "command"
	SideQuery   Side = "query"
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
	// Action grants a subscription: Authorize(principal, Action, Resource)
	// with the channel's id as the resource's owner (user scope) or tenant
	// (tenant scope).
	Action Action
	// Automatic channels are subscribed on connect, for the principal's own
	// user and tenant.
	Automatic bool
}

// ChannelScope is what a channel's id names.
type ChannelScope string

const (
	ChannelUser     ChannelScope = "user"
	ChannelTenant   ChannelScope = "tenant"
	ChannelPlatform ChannelScope = "platform"
)

// Pattern is the kind's name pattern as docs/websocket.md writes it.
func (k ChannelKind) Pattern() string {
	if k.Scope == ChannelPlatform {
		return string(k.Scope) + ":" + k.Name
	}
	return string(k.Scope) + ":{id}:" + k.Name
}

// Channel returns the channel name of the kind for id ("" for the platform
// scope).
func (k ChannelKind) Channel(id string) string {
	if k.Scope == ChannelPlatform {
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
	// EventTypes are every event type its aggregates append, named
	// "<stream prefix>.<what happened>" after the aggregate's stream; a type
	// belongs to one context.
	EventTypes []string
	Routes     []Route
	Channels   []ChannelKind
}
