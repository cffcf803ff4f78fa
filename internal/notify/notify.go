// Package notify is the projector's Notifier: after the read models are
// updated it maps each event to its channels (Routes), finds the
// subscribers in the connection store and posts the event frame to each
// connection through the API Gateway Management API, with bounded
// concurrency. 410 Gone removes the connection; throttling is retried with
// jittered exponential backoff a bounded number of times; other failures
// are counted and logged, never retried. Events that revoke a principal's
// access (apikey.revoked, user.deactivated, user.role_changed) close that
// principal's connections.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/metrics"
)

// Defaults of Deps.
const (
	DefaultConcurrency = 32
	DefaultMaxAttempts = 4 // 1 try + 3 retries on throttling
	DefaultBaseBackoff = 25 * time.Millisecond
	DefaultMaxBackoff  = 500 * time.Millisecond
)

// Deps are the notifier's collaborators.
type Deps struct {
	Store   connections.Store
	Client  Client
	Log     *slog.Logger
	Metrics *metrics.Recorder
	// Concurrency bounds simultaneous PostToConnection calls
	// (spec.EnvFanoutConcurrency; default 32).
	Concurrency int
	// MaxAttempts bounds the tries of one frame when throttled.
	MaxAttempts int
	// BaseBackoff and MaxBackoff shape the full-jitter backoff.
	BaseBackoff, MaxBackoff time.Duration
	// Routes is the channel table: every context's routes (see
	// wire.NotifyRoutes). An event type it does not list goes nowhere.
	Routes []Route
}

// Notifier implements the projector's Notifier port.
type Notifier struct {
	d      Deps
	routes map[string]Route
}

// New returns a Notifier, filling defaults.
func New(d Deps) *Notifier {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Concurrency <= 0 {
		d.Concurrency = DefaultConcurrency
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = DefaultMaxAttempts
	}
	if d.BaseBackoff <= 0 {
		d.BaseBackoff = DefaultBaseBackoff
	}
	if d.MaxBackoff <= 0 {
		d.MaxBackoff = DefaultMaxBackoff
	}
	n := &Notifier{d: d, routes: make(map[string]Route, len(d.Routes))}
	for _, r := range d.Routes {
		n.routes[r.Type] = r
	}
	return n
}

// Frame is the server -> client event frame (docs/websocket.md).
type Frame struct {
	Type       string          `json:"type"` // "event"
	Channel    string          `json:"channel"`
	EventType  string          `json:"event_type"`
	EventID    string          `json:"event_id"`
	StreamID   string          `json:"stream_id"`
	Version    int64           `json:"version"`
	OccurredAt string          `json:"occurred_at"`
	Urgent     *bool           `json:"urgent,omitempty"` // PIREP events only
	Data       json.RawMessage `json:"data"`
}

// Stats counts one Notify call's outcomes.
type Stats struct {
	Frames, Sent, Gone, Throttled, Failed, Closed atomic.Int64
}

// run is the state of one Notify call.
type run struct {
	n       *Notifier
	log     *slog.Logger
	st      *Stats
	closed  map[string]bool // connections closed or gone in this call
	mu      sync.Mutex      // guards closed during a flush
	queue   map[string][][]byte
	order   []string
	cache   map[string][]connections.Subscriber
	lookErr []error
}

// Notify delivers the events (in order per connection). It returns an
// error only when subscriber lookups failed (the frames that could be
// resolved are still sent); send failures are counted and logged. Frames
// carry event_id so clients can drop a duplicate after a redelivery.
func (n *Notifier) Notify(ctx context.Context, envs []events.Envelope) error {
	_, err := n.notify(ctx, envs)
	return err
}

func (n *Notifier) notify(ctx context.Context, envs []events.Envelope) (*Stats, error) {
	start := time.Now()
	corr := ""
	if len(envs) > 0 {
		corr = envs[0].CorrelationID
	}
	r := &run{n: n, st: &Stats{}, closed: map[string]bool{}, queue: map[string][][]byte{},
		cache: map[string][]connections.Subscriber{}, log: n.d.Log.With("correlation_id", corr)}
	for _, env := range envs {
		route, ok := n.routes[env.Type]
		if !ok {
			continue
		}
		var d Data
		if err := json.Unmarshal(env.Data, &d); err != nil {
			r.log.WarnContext(ctx, "notify: undecodable event data; skipped", "event_id", env.EventID, "event_type", env.Type)
			continue
		}
		if route.Close != nil && route.Close.Before {
			r.flush(ctx)
			r.close(ctx, env, d, route.Close)
		}
		for _, tg := range route.Targets {
			r.enqueue(ctx, env, d, route, tg)
		}
		if route.Close != nil && !route.Close.Before {
			r.flush(ctx)
			r.close(ctx, env, d, route.Close)
		}
	}
	r.flush(ctx)
	st := r.st
	n.d.Metrics.Emit(map[string]string{"correlation_id": corr},
		metrics.C(metrics.FramesSent, int(st.Sent.Load())), metrics.C(metrics.Gone, int(st.Gone.Load())),
		metrics.C(metrics.Throttled, int(st.Throttled.Load())), metrics.C(metrics.SendFailed, int(st.Failed.Load())),
		metrics.C(metrics.ClosedByRevoke, int(st.Closed.Load())), metrics.Ms(metrics.FanoutDuration, time.Since(start)))
	if st.Failed.Load() > 0 {
		r.log.WarnContext(ctx, "notify: frames failed", "failed", st.Failed.Load(), "sent", st.Sent.Load())
	}
	return st, errors.Join(r.lookErr...)
}

func isAdminOf(s connections.Subscriber, tenantID string) bool {
	return s.Role == domain.RolePlatformAdmin || (s.Role == domain.RoleTenantAdmin && s.TenantID == tenantID)
}

func (r *run) enqueue(ctx context.Context, env events.Envelope, d Data, route Route, tg Target) {
	name := tg.Channel(env, d)
	ch, ok := connections.ParseChannel(name)
	if !ok {
		r.log.WarnContext(ctx, "notify: event names no valid channel; skipped", "event_id", env.EventID, "event_type", env.Type)
		return
	}
	subs, ok := r.cache[name]
	if !ok {
		var err error
		subs, err = r.n.d.Store.ByChannel(ctx, name)
		if err != nil {
			r.lookErr = append(r.lookErr, fmt.Errorf("subscribers of %s: %w", name, err))
			return
		}
		r.cache[name] = subs
	}
	var member, admin []byte
	frame := Frame{Type: "event", Channel: name, EventType: env.Type, EventID: env.EventID, StreamID: env.StreamID,
		Version: env.Version, OccurredAt: env.OccurredAt.UTC().Format(time.RFC3339Nano)}
	if route.Urgent != nil {
		u := route.Urgent(d)
		frame.Urgent = &u
	}
	build := func(fields []string) []byte {
		data := filter(d, env.Data, fields)
		if data == nil {
			return nil
		}
		f := frame
		f.Data = data
		b, _ := json.Marshal(f)
		return b
	}
	member = build(tg.Members)
	if tg.Admins != nil {
		admin = build(tg.Admins)
	}
	for _, s := range subs {
		if r.closed[s.ConnectionID] {
			continue
		}
		p := domain.Principal{UserID: s.UserID, TenantID: s.TenantID, Role: s.Role, KeyID: s.KeyID}
		if !connections.CanRead(p, ch) { // defence in depth: rights re-checked at send time
			continue
		}
		frame := member
		if admin != nil && isAdminOf(s, ch.ID) {
			frame = admin
		}
		if frame == nil {
			continue
		}
		if _, seen := r.queue[s.ConnectionID]; !seen {
			r.order = append(r.order, s.ConnectionID)
		}
		r.queue[s.ConnectionID] = append(r.queue[s.ConnectionID], frame)
		r.st.Frames.Add(1)
	}
}

// flush sends every queued frame in rounds: round k posts the k-th frame
// of every connection that has one, connections in parallel (bounded),
// and the next round starts when it is done. So frames of one connection
// keep their order, and when an event reaches a connection on two
// channels (an admin's user:* and tenant:*:updates), every connection has
// its first frame before any gets its second.
func (r *run) flush(ctx context.Context) {
	if len(r.order) == 0 {
		return
	}
	rounds := 0
	for _, id := range r.order {
		rounds = max(rounds, len(r.queue[id]))
	}
	ids := r.order
	for k := range rounds {
		if k > 0 {
			next := ids[:0:0]
			for _, id := range ids {
				if len(r.queue[id]) > k && !r.closed[id] {
					next = append(next, id)
				}
			}
			ids = next
		}
		r.parallel(ids, func(id string) { r.sendOne(ctx, id, r.queue[id][k]) })
	}
	r.queue, r.order = map[string][][]byte{}, nil
}

// parallel runs fn for every id with at most Concurrency at once. Workers
// claim ids by an atomic index (no channel hand-off per id); the calling
// goroutine is one of them, so a single id starts no goroutine.
func (r *run) parallel(ids []string, fn func(id string)) {
	var next atomic.Int64
	worker := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(ids) {
				return
			}
			fn(ids[i])
		}
	}
	var wg sync.WaitGroup
	for range min(r.n.d.Concurrency, len(ids)) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker()
		}()
	}
	worker()
	wg.Wait()
}

// sendOne posts one frame; 410 Gone removes the connection (its later
// frames are skipped).
func (r *run) sendOne(ctx context.Context, id string, f []byte) {
	switch r.send(ctx, id, f) {
	case Gone:
		r.st.Gone.Add(1)
		if err := r.n.d.Store.Delete(ctx, id); err != nil {
			r.log.WarnContext(ctx, "notify: delete gone connection", "connection_id", id, "error", err.Error())
		}
		r.mu.Lock()
		r.closed[id] = true
		r.mu.Unlock()
	case Sent:
		r.st.Sent.Add(1)
	default:
		r.st.Failed.Add(1)
	}
}

// send posts one frame, retrying throttling with full-jitter backoff.
func (r *run) send(ctx context.Context, id string, frame []byte) Outcome {
	d := r.n.d
	for attempt := 1; ; attempt++ {
		if ctx.Err() != nil {
			return Failed
		}
		_, err := d.Client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
			ConnectionId: aws.String(id), Data: frame})
		out := Classify(err)
		if out != Throttled {
			if out == Failed {
				r.log.WarnContext(ctx, "notify: post failed", "connection_id", id, "attempt", attempt, "error", err.Error())
			}
			return out
		}
		r.st.Throttled.Add(1)
		if attempt >= d.MaxAttempts {
			r.log.WarnContext(ctx, "notify: still throttled; frame dropped", "connection_id", id, "attempts", attempt)
			return Failed
		}
		backoff := min(d.MaxBackoff, d.BaseBackoff<<(attempt-1))
		t := time.NewTimer(rand.N(backoff) + time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return Failed
		case <-t.C:
		}
	}
}

// close closes the connections of the principal an event revokes: the
// management API's DeleteConnection, then removal from the store.
func (r *run) close(ctx context.Context, env events.Envelope, d Data, c *Closer) {
	id := c.ID(env, d)
	if id == "" {
		return
	}
	var ids []string
	var err error
	switch c.By {
	case "user":
		ids, err = r.n.d.Store.ByUser(ctx, id)
	case "key":
		ids, err = r.n.d.Store.ByKey(ctx, id)
	case "tenant":
		var subs []connections.Subscriber
		subs, err = r.n.d.Store.ByChannel(ctx, connections.TenantUpdates(id))
		for _, s := range subs {
			if s.TenantID == id {
				ids = append(ids, s.ConnectionID)
			}
		}
	}
	if err != nil {
		r.lookErr = append(r.lookErr, fmt.Errorf("connections of %s %s: %w", c.By, id, err))
		return
	}
	for _, cid := range ids {
		r.closed[cid] = true
		_, err := r.n.d.Client.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(cid)})
		if o := Classify(err); o != Sent && o != Gone {
			r.log.WarnContext(ctx, "notify: close connection failed", "connection_id", cid, "error", err.Error())
		}
		if err := r.n.d.Store.Delete(ctx, cid); err != nil {
			r.lookErr = append(r.lookErr, fmt.Errorf("drop connection %s: %w", cid, err))
			continue
		}
		r.st.Closed.Add(1)
		r.log.InfoContext(ctx, "notify: connection closed", "connection_id", cid, "by", c.By, "event_type", env.Type, "event_id", env.EventID)
	}
	// Lookups cached before the close may list the closed connections.
	r.cache = map[string][]connections.Subscriber{}
}
