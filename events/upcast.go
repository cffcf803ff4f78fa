package events

import (
	"context"
	"fmt"
)

// Upcaster turns one stored event of an older schema (or a sealed payload)
// into the shape readers decode. It must be deterministic for a given
// store state, keep the envelope's identity (stream, version, event id) and
// may only rewrite Data.
type Upcaster func(ctx context.Context, e Envelope) (Envelope, error)

type upcastKey struct {
	typ    string
	schema int
}

// Upcasters is an explicit registry of (event type, schema) -> Upcaster,
// filled by the wiring root from each context's declarations and applied at
// the read boundary every reader shares (the projector's core, replay, the
// command side's stream folds). The zero value is empty and ready; a nil
// *Upcasters applies nothing.
type Upcasters struct {
	m      map[upcastKey]Upcaster
	scopes []func(context.Context) context.Context
}

// RegisterScope adds a function that Scope applies: an upcaster that looks
// things up (a user's data key) keeps what it found in the context it
// returns, for the span of that scope.
func (u *Upcasters) RegisterScope(f func(context.Context) context.Context) {
	u.scopes = append(u.scopes, f)
}

// Scope returns ctx for one unit of reading, a request or a stream batch:
// within it the upcasters may remember their lookups, so a user's events
// are opened with one key read, not one per event. Readers call it once
// per unit and pass the result to Apply. A nil *Upcasters returns ctx.
func (u *Upcasters) Scope(ctx context.Context) context.Context {
	if u == nil {
		return ctx
	}
	for _, f := range u.scopes {
		ctx = f(ctx)
	}
	return ctx
}

// Register adds f for (typ, schema). Registering a pair twice is a wiring
// error and panics at start.
func (u *Upcasters) Register(typ string, schema int, f Upcaster) {
	if u.m == nil {
		u.m = map[upcastKey]Upcaster{}
	}
	k := upcastKey{typ, schema}
	if _, dup := u.m[k]; dup {
		panic(fmt.Sprintf("events: upcaster for %s schema %d registered twice", typ, schema))
	}
	u.m[k] = f
}

// Has reports whether an upcaster is registered for (typ, schema).
func (u *Upcasters) Has(typ string, schema int) bool {
	if u == nil {
		return false
	}
	_, ok := u.m[upcastKey{typ, schema}]
	return ok
}

// Apply returns e as readers decode it: through the upcaster registered for
// its type and schema, or unchanged when there is none.
func (u *Upcasters) Apply(ctx context.Context, e Envelope) (Envelope, error) {
	if u == nil {
		return e, nil
	}
	f, ok := u.m[upcastKey{e.Type, e.Schema}]
	if !ok {
		return e, nil
	}
	out, err := f(ctx, e)
	if err != nil {
		return e, fmt.Errorf("upcast %s schema %d (%s v%d): %w", e.Type, e.Schema, e.StreamID, e.Version, err)
	}
	out.EventID, out.StreamID, out.Version, out.Type = e.EventID, e.StreamID, e.Version, e.Type
	return out, nil
}
