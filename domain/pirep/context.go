package pirep

import "github.com/skyledger/skyledger/domain"

// Routes of the PIREP context.
var (
	RouteSubmit  = domain.Route{Method: "POST", Path: "/api/pireps", Side: domain.SideCommand, Auth: true}
	RouteList    = domain.Route{Method: "GET", Path: "/api/pireps", Side: domain.SideQuery, Auth: true}
	RouteGet     = domain.Route{Method: "GET", Path: "/api/pireps/{id}", Side: domain.SideQuery, Auth: true}
	RouteRetract = domain.Route{Method: "POST", Path: "/api/pireps/{id}/retract", Side: domain.SideCommand, Auth: true}
)

// ChannelTenantPireps carries a tenant's PIREP submissions and retractions.
var ChannelTenantPireps = domain.ChannelKind{Scope: domain.ChannelTenant, Name: "pireps", Action: domain.ActSubscribeTenant}

// Context declares PIREPs: submission, retraction, the feed.
var Context = domain.Context{
	Name:           "pirep",
	StreamPrefixes: []string{StreamPrefix},
	EventTypes:     EventTypes,
	Routes:         []domain.Route{RouteSubmit, RouteList, RouteGet, RouteRetract},
	Channels:       []domain.ChannelKind{ChannelTenantPireps},
}
