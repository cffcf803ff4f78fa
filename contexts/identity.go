package contexts

import "github.com/skyledger/skyledger/domain"

// Identity routes.
var (
	Bootstrap      = Route{"POST", "/api/bootstrap", Command, false}
	BootstrapState = Route{"GET", "/api/bootstrap", Query, false}
	Login          = Route{"POST", "/api/auth/login", Command, false}
	ChangePassword = Route{"POST", "/api/auth/password", Command, true}
	Logout         = Route{"POST", "/api/auth/logout", Command, true}
	CreateTenant   = Route{"POST", "/api/tenants", Command, true}
	ListTenants    = Route{"GET", "/api/tenants", Query, true}
	GetTenant      = Route{"GET", "/api/tenants/{id}", Query, true}
	PatchTenant    = Route{"PATCH", "/api/tenants/{id}", Command, true}
	CreateUser     = Route{"POST", "/api/tenants/{id}/users", Command, true}
	ListUsers      = Route{"GET", "/api/tenants/{id}/users", Query, true}
	GetMe          = Route{"GET", "/api/users/me", Query, true}
	GetUser        = Route{"GET", "/api/users/{id}", Query, true}
	PatchUser      = Route{"PATCH", "/api/users/{id}", Command, true}
	CreateAPIKey   = Route{"POST", "/api/apikeys", Command, true}
	ListAPIKeys    = Route{"GET", "/api/apikeys", Query, true}
	RevokeAPIKey   = Route{"DELETE", "/api/apikeys/{id}", Command, true}
	WSTicket       = Route{"POST", "/api/ws/ticket", Command, true}
)

// Identity channel kinds.
var (
	UserUpdates     = ChannelKind{Scope: ScopeUser, Name: "updates", Action: domain.ActSubscribeUser, Automatic: true}
	UserAPIKeys     = ChannelKind{Scope: ScopeUser, Name: "apikeys", Action: domain.ActSubscribeUser, Automatic: true}
	TenantUpdates   = ChannelKind{Scope: ScopeTenant, Name: "updates", Action: domain.ActSubscribeTenant, Automatic: true}
	PlatformTenants = ChannelKind{Scope: ScopePlatform, Name: "tenants", Action: domain.ActSubscribePlatform}
)

// Identity is tenants, users, API keys, sessions and WebSocket tickets.
var Identity = Context{
	Name:           "identity",
	StreamPrefixes: []string{"tenant", "user", "apikey"},
	Routes: []Route{Bootstrap, BootstrapState, Login, ChangePassword, Logout, CreateTenant, ListTenants, GetTenant, PatchTenant,
		CreateUser, ListUsers, GetMe, GetUser, PatchUser, CreateAPIKey, ListAPIKeys, RevokeAPIKey, WSTicket},
	Channels: []ChannelKind{UserUpdates, UserAPIKeys, TenantUpdates, PlatformTenants},
}
