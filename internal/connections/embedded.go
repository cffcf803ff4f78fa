package connections

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Embedded is the in-memory Store of the local runtime (connections do not
// survive a restart, and neither do the WebSocket connections themselves).
type Embedded struct {
	// Now is the clock used for expiry; time.Now when nil.
	Now func() time.Time

	mu    sync.Mutex
	conns map[string]*embConn
	chans map[string]map[string]struct{} // channel -> connection ids
	rates map[string]map[int64]int       // connection id -> window -> count
}

type embConn struct {
	c    Connection
	subs map[string]struct{}
}

var _ Store = (*Embedded)(nil)

// NewEmbedded returns an empty in-memory store.
func NewEmbedded() *Embedded {
	return &Embedded{conns: map[string]*embConn{}, chans: map[string]map[string]struct{}{},
		rates: map[string]map[int64]int{}}
}

func (e *Embedded) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// live returns a connection that exists and has not expired; e.mu held.
func (e *Embedded) live(id string) *embConn {
	c, ok := e.conns[id]
	if !ok {
		return nil
	}
	if !c.c.ExpiresAt.After(e.now()) {
		e.remove(id)
		return nil
	}
	return c
}

func (e *Embedded) remove(id string) {
	delete(e.rates, id)
	c, ok := e.conns[id]
	if !ok {
		return
	}
	for ch := range c.subs {
		delete(e.chans[ch], id)
		if len(e.chans[ch]) == 0 {
			delete(e.chans, ch)
		}
	}
	delete(e.conns, id)
}

// Put implements Store.
func (e *Embedded) Put(_ context.Context, c Connection) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.remove(c.ID)
	e.conns[c.ID] = &embConn{c: c, subs: map[string]struct{}{}}
	return nil
}

// Get implements Store.
func (e *Embedded) Get(_ context.Context, id string) (Connection, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.live(id)
	if c == nil {
		return Connection{}, ErrNotFound
	}
	return c.c, nil
}

// Delete implements Store.
func (e *Embedded) Delete(_ context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.remove(id)
	return nil
}

// Subscribe implements Store.
func (e *Embedded) Subscribe(_ context.Context, id, channel string) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.live(id)
	if c == nil {
		return false, ErrNotFound
	}
	if _, ok := c.subs[channel]; ok {
		return false, nil
	}
	if len(c.subs) >= MaxSubscriptions {
		return false, ErrLimit
	}
	c.subs[channel] = struct{}{}
	if e.chans[channel] == nil {
		e.chans[channel] = map[string]struct{}{}
	}
	e.chans[channel][id] = struct{}{}
	return true, nil
}

// Unsubscribe implements Store.
func (e *Embedded) Unsubscribe(_ context.Context, id, channel string) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.live(id)
	if c == nil {
		return false, ErrNotFound
	}
	if _, ok := c.subs[channel]; !ok {
		return false, nil
	}
	delete(c.subs, channel)
	delete(e.chans[channel], id)
	if len(e.chans[channel]) == 0 {
		delete(e.chans, channel)
	}
	return true, nil
}

// Channels implements Store.
func (e *Embedded) Channels(_ context.Context, id string) ([]string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.live(id)
	if c == nil {
		return nil, ErrNotFound
	}
	out := make([]string, 0, len(c.subs))
	for ch := range c.subs {
		out = append(out, ch)
	}
	sort.Strings(out)
	return out, nil
}

// ByChannel implements Store.
func (e *Embedded) ByChannel(_ context.Context, channel string) ([]Subscriber, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := e.chans[channel]
	out := make([]Subscriber, 0, len(ids))
	for id := range ids {
		c := e.live(id)
		if c == nil {
			continue
		}
		out = append(out, Subscriber{ConnectionID: id, UserID: c.c.UserID, TenantID: c.c.TenantID, Role: c.c.Role, KeyID: c.c.KeyID})
	}
	return out, nil
}

func (e *Embedded) match(f func(Connection) bool) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []string{}
	for id := range e.conns {
		if c := e.live(id); c != nil && f(c.c) {
			out = append(out, id)
		}
	}
	return out
}

// ByUser implements Store.
func (e *Embedded) ByUser(_ context.Context, userID string) ([]string, error) {
	return e.match(func(c Connection) bool { return c.UserID == userID }), nil
}

// ByKey implements Store.
func (e *Embedded) ByKey(_ context.Context, keyID string) ([]string, error) {
	if keyID == "" {
		return []string{}, nil
	}
	return e.match(func(c Connection) bool { return c.KeyID == keyID }), nil
}

// Allow implements Store.
func (e *Embedded) Allow(_ context.Context, id string, now time.Time) (Decision, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	w, left := window(now)
	r := e.rates[id]
	if r == nil {
		r = map[int64]int{}
		e.rates[id] = r
	}
	for k := range r {
		if k < w {
			delete(r, k)
		}
	}
	if r[w] >= RateLimit {
		return Decision{Allowed: false, RetryAfter: left}, nil
	}
	r[w]++
	return Decision{Allowed: true}, nil
}
