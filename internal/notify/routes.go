package notify

import (
	"encoding/json"

	"github.com/skyledger/skyledger/events"
)

// Data is an event payload as raw fields.
type Data map[string]json.RawMessage

// Str returns a string field ("" when absent or not a string).
func (d Data) Str(k string) string {
	var s string
	if v, ok := d[k]; ok {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

// ChannelFunc names the channel of a target for one event ("" = none).
type ChannelFunc func(env events.Envelope, d Data) string

// Target is one channel an event goes to, with the payload each audience
// of that channel receives. Payloads are allowlists of data fields: a field
// not listed never leaves the server. Members is what an ordinary
// subscriber of the channel receives (nil: nothing). Admins, when non-nil,
// replaces Members for admin subscribers (platform_admin, or tenant_admin of
// the channel's tenant). AllFields passes every field (PIREPs, which every
// tenant member may read in full).
type Target struct {
	Channel ChannelFunc
	Members []string
	Admins  []string
}

// AllFields as a Members/Admins value passes the payload unfiltered.
var AllFields = []string{"*"}

// Closer selects connections to close for an event: by user id, by key id,
// or by tenant (the tenant's own members, found on tenant:{id}:updates, to
// which every connection of the tenant is subscribed).
type Closer struct {
	By string // "user", "key" or "tenant"
	ID func(env events.Envelope, d Data) string
	// Before: close before delivering the event (revocation,
	// deactivation: the principal receives nothing more). After: deliver,
	// then close (role change: the client learns why, then reconnects
	// with its new rights).
	Before bool
}

// Route is how one event type is delivered.
type Route struct {
	Type    string
	Targets []Target
	Close   *Closer
	// Urgent, when set, adds the frame's "urgent" flag.
	Urgent func(d Data) bool
}

// TenantOf is the tenant an event concerns: its payload's tenant_id, else
// the envelope's.
func TenantOf(env events.Envelope, d Data) string {
	if t := d.Str("tenant_id"); t != "" {
		return t
	}
	return env.TenantID
}

// filter returns the allowed fields of d as a JSON object (nil if fields is
// nil: the audience receives nothing).
func filter(d Data, raw json.RawMessage, fields []string) json.RawMessage {
	if fields == nil {
		return nil
	}
	if len(fields) == 1 && fields[0] == "*" {
		return raw
	}
	out := make(map[string]json.RawMessage, len(fields))
	for _, f := range fields {
		if v, ok := d[f]; ok {
			out[f] = v
		}
	}
	b, _ := json.Marshal(out)
	return b
}
