package pirepapp

import (
	"encoding/json"

	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/notify"
)

// Notify delivers submissions and retractions to tenant:{id}:pireps in
// full (every member of the tenant may read a whole report), flagged
// urgent for UUA.
var Notify = []notify.Route{
	{Type: pirep.EventSubmitted, Urgent: urgent, Targets: []notify.Target{{Channel: tenantPireps, Members: notify.AllFields}}},
	{Type: pirep.EventRetracted, Urgent: urgent, Targets: []notify.Target{{Channel: tenantPireps, Members: notify.AllFields}}},
}

func tenantPireps(env events.Envelope, d notify.Data) string {
	return connections.TenantPIREPs(notify.TenantOf(env, d))
}

func urgent(d notify.Data) bool {
	var b bool
	_ = json.Unmarshal(d["urgent"], &b)
	return b || d.Str("type") == "UUA"
}
