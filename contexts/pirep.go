package contexts

import "github.com/skyledger/skyledger/domain"

// PIREP routes.
var (
	SubmitPirep  = Route{"POST", "/api/pireps", Command, true}
	ListPireps   = Route{"GET", "/api/pireps", Query, true}
	GetPirep     = Route{"GET", "/api/pireps/{id}", Query, true}
	RetractPirep = Route{"POST", "/api/pireps/{id}/retract", Command, true}
)

// TenantPireps carries a tenant's PIREP submissions and retractions.
var TenantPireps = ChannelKind{Scope: ScopeTenant, Name: "pireps", Action: domain.ActSubscribeTenant}

// Pirep is pilot weather reports: submission, retraction, the feed.
var Pirep = Context{
	Name:           "pirep",
	StreamPrefixes: []string{"pirep"},
	Routes:         []Route{SubmitPirep, ListPireps, GetPirep, RetractPirep},
	Channels:       []ChannelKind{TenantPireps},
}
