package contexts

import "github.com/skyledger/skyledger/domain"

// RouteListAudit lists, filters and exports a tenant's audit trail.
var RouteListAudit = domain.Route{Method: "GET", Path: "/api/audit", Side: domain.SideQuery, Auth: true}

// Audit is the audit trail: every event of a tenant, as operators read it.
// It owns no aggregate (its read model is built from every context's
// events) and appends no event of its own, so its declaration lives here
// rather than beside a domain package.
var Audit = domain.Context{
	Name:   "audit",
	Routes: []domain.Route{RouteListAudit},
}
