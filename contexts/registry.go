// Package contexts is the registry of SkyLedger's bounded contexts. Each
// context declares once, as pure data beside its aggregates
// (domain.Context: identity.Context, pirep.Context, ...), its HTTP routes
// (key, serving side, authentication), the stream prefixes and event types
// of its aggregates, and its WebSocket channel kinds with the action that
// grants a subscription (decided by domain.Authorize, the permission
// matrix). All lists them.
//
// infra/spec's route table, the local API gateway, the routers' route checks,
// channel parsing and stream-id validation are derived from All. The package
// is pure data (it imports only domain packages), so the CDK app imports it
// too. docs/architecture.md has the recipe for adding a context.
package contexts

import (
	"strings"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/domain/pirep"
)

// All is every context, in the order routes are listed.
var All = []domain.Context{identity.Context, pirep.Context, Audit}

// Routes returns every route of every context.
func Routes() []domain.Route {
	var out []domain.Route
	for _, c := range All {
		out = append(out, c.Routes...)
	}
	return out
}

// Channels returns every channel kind of every context.
func Channels() []domain.ChannelKind {
	var out []domain.ChannelKind
	for _, c := range All {
		out = append(out, c.Channels...)
	}
	return out
}

// EventTypes returns every event type of every context: what projections,
// notifier routes, the audit trail and the console must each cover.
func EventTypes() []string {
	var out []string
	for _, c := range All {
		out = append(out, c.EventTypes...)
	}
	return out
}

// OwnsStream reports whether a stream id names an aggregate kind of a
// registered context.
func OwnsStream(streamID string) bool {
	_, _, ok := SplitStream(streamID)
	return ok
}

// SplitStream splits a stream id "<prefix>-<id>" of a registered context
// into its declared prefix and the non-empty rest; ok is false for any other
// stream id. It does not check the rest's shape (domain.IsID for the ids
// SkyLedger issues).
func SplitStream(streamID string) (prefix, id string, ok bool) {
	for _, c := range All {
		for _, p := range c.StreamPrefixes {
			if rest, found := strings.CutPrefix(streamID, p+"-"); found && rest != "" {
				return p, rest, true
			}
		}
	}
	return "", "", false
}
