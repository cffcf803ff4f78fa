package contexts

// ListAudit lists, filters and exports a tenant's audit trail.
var ListAudit = Route{"GET", "/api/audit", Query, true}

// Audit is the audit trail: every event of a tenant, as operators read it.
// It owns no aggregate; its read model is built from every context's events.
var Audit = Context{
	Name:   "audit",
	Routes: []Route{ListAudit},
}
