package identity

import "github.com/skyledger/skyledger/domain"

// Routes of the identity context.
var (
	RouteBootstrap      = domain.Route{Method: "POST", Path: "/api/bootstrap", Side: domain.SideCommand}
	RouteBootstrapState = domain.Route{Method: "GET", Path: "/api/bootstrap", Side: domain.SideQuery}
	RouteLogin          = domain.Route{Method: "POST", Path: "/api/auth/login", Side: domain.SideCommand}
	RouteChangePassword = domain.Route{Method: "POST", Path: "/api/auth/password", Side: domain.SideCommand, Auth: true}
	RouteLogout         = domain.Route{Method: "POST", Path: "/api/auth/logout", Side: domain.SideCommand, Auth: true}
	RouteCreateTenant   = domain.Route{Method: "POST", Path: "/api/tenants", Side: domain.SideCommand, Auth: true}
	RouteListTenants    = domain.Route{Method: "GET", Path: "/api/tenants", Side: domain.SideQuery, Auth: true}
	RouteGetTenant      = domain.Route{Method: "GET", Path: "/api/tenants/{id}", Side: domain.SideQuery, Auth: true}
	RoutePatchTenant    = domain.Route{Method: "PATCH", Path: "/api/tenants/{id}", Side: domain.SideCommand, Auth: true}
	RouteCreateUser     = domain.Route{Method: "POST", Path: "/api/tenants/{id}/users", Side: domain.SideCommand, Auth: true}
	RouteListUsers      = domain.Route{Method: "GET", Path: "/api/tenants/{id}/users", Side: domain.SideQuery, Auth: true}
	RouteGetMe          = domain.Route{Method: "GET", Path: "/api/users/me", Side: domain.SideQuery, Auth: true}
	RouteGetUser        = domain.Route{Method: "GET", Path: "/api/users/{id}", Side: domain.SideQuery, Auth: true}
	RoutePatchUser      = domain.Route{Method: "PATCH", Path: "/api/users/{id}", Side: domain.SideCommand, Auth: true}
	RouteEraseUser      = domain.Route{Method: "POST", Path: "/api/users/{id}/erase", Side: domain.SideCommand, Auth: true}
	RouteCreateAPIKey   = domain.Route{Method: "POST", Path: "/api/apikeys", Side: domain.SideCommand, Auth: true}
	RouteListAPIKeys    = domain.Route{Method: "GET", Path: "/api/apikeys", Side: domain.SideQuery, Auth: true}
	RouteRevokeAPIKey   = domain.Route{Method: "DELETE", Path: "/api/apikeys/{id}", Side: domain.SideCommand, Auth: true}
	RouteWSTicket       = domain.Route{Method: "POST", Path: "/api/ws/ticket", Side: domain.SideCommand, Auth: true}
)

// Channel kinds of the identity context.
var (
	ChannelUserUpdates     = domain.ChannelKind{Scope: domain.ChannelUser, Name: "updates", Action: domain.ActSubscribeUser, Automatic: true}
	ChannelUserAPIKeys     = domain.ChannelKind{Scope: domain.ChannelUser, Name: "apikeys", Action: domain.ActSubscribeUser, Automatic: true}
	ChannelTenantUpdates   = domain.ChannelKind{Scope: domain.ChannelTenant, Name: "updates", Action: domain.ActSubscribeTenant, Automatic: true}
	ChannelPlatformTenants = domain.ChannelKind{Scope: domain.ChannelPlatform, Name: "tenants", Action: domain.ActSubscribePlatform}
)

// Context declares identity: tenants, users, API keys, sessions and
// WebSocket tickets.
var Context = domain.Context{
	Name:           "identity",
	StreamPrefixes: []string{StreamPrefixTenant, StreamPrefixUser, StreamPrefixAPIKey},
	EventTypes:     EventTypes,
	Routes: []domain.Route{RouteBootstrap, RouteBootstrapState, RouteLogin, RouteChangePassword, RouteLogout,
		RouteCreateTenant, RouteListTenants, RouteGetTenant, RoutePatchTenant,
		RouteCreateUser, RouteListUsers, RouteGetMe, RouteGetUser, RoutePatchUser, RouteEraseUser,
		RouteCreateAPIKey, RouteListAPIKeys, RouteRevokeAPIKey, RouteWSTicket},
	Channels: []domain.ChannelKind{ChannelUserUpdates, ChannelUserAPIKeys, ChannelTenantUpdates, ChannelPlatformTenants},
}
