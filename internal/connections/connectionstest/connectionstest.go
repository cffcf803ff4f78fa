// Package connectionstest is the contract suite every connections.Store
// adapter passes (embedded in memory and DynamoDB on moto).
package connectionstest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/connections"
)

// Clock is a settable clock shared by the suite and the adapter.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 11, 26, 12, 0, 3, 0, time.UTC)} }

// Now returns the current time of the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Factory returns a fresh, empty store whose expiry uses clock.Now.
type Factory func(t *testing.T, clock func() time.Time) connections.Store

// Ids used by the suite (ULIDs).
const (
	UserA   = "01JDA0000000000000000VSRA1"
	UserB   = "01JDA0000000000000000VSRB1"
	TenantA = "01JDA0000000000000000TENA1"
	TenantB = "01JDA0000000000000000TENB1"
	KeyA    = "01JDA0000000000000000KEYA1"
	KeyA2   = "01JDA0000000000000000KEYA2"
)

var seq atomic.Int64

func connID(t *testing.T) string {
	return fmt.Sprintf("cid%d-%s", seq.Add(1), t.Name()[len(t.Name())-3:])
}

// Run runs the contract suite. With concurrent, the subscription limit and
// the rate counter are hammered from parallel goroutines, proving them
// atomic; without it the same calls run one after another. (moto server does
// not serialize concurrent conditional writes to one item, so the DynamoDB
// adapter runs sequentially there; on DynamoDB a conditional write is
// atomic per item and per transaction.)
func Run(t *testing.T, newStore Factory, concurrent bool) {
	spawn := func(wg *sync.WaitGroup, f func()) {
		wg.Add(1)
		if concurrent {
			go func() { defer wg.Done(); f() }()
			return
		}
		defer wg.Done()
		f()
	}
	ctx := context.Background()
	pa := domain.Principal{UserID: UserA, TenantID: TenantA, Role: domain.RolePilot, KeyID: KeyA}
	setup := func(t *testing.T) (connections.Store, *Clock) {
		clk := NewClock()
		return newStore(t, clk.Now), clk
	}

	t.Run("put get delete", func(t *testing.T) {
		t.Parallel()
		st, clk := setup(t)
		id := connID(t)
		_, err := st.Get(ctx, id)
		require.ErrorIs(t, err, connections.ErrNotFound)
		require.ErrorIs(t, err, domain.ErrNotFound)
		c := connections.New(id, pa, clk.Now())
		require.NoError(t, st.Put(ctx, c))
		got, err := st.Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, pa, got.Principal())
		assert.True(t, got.ConnectedAt.Equal(c.ConnectedAt), "connected_at round trips")
		assert.Equal(t, c.ExpiresAt.Unix(), got.ExpiresAt.Unix())
		assert.Greater(t, got.ExpiresAt.Sub(got.ConnectedAt), 2*time.Hour, "ttl past API Gateway's 2 h limit")
		require.NoError(t, st.Delete(ctx, id))
		_, err = st.Get(ctx, id)
		require.ErrorIs(t, err, connections.ErrNotFound)
		require.NoError(t, st.Delete(ctx, id), "delete is idempotent")
	})

	t.Run("subscribe unsubscribe and lookups by channel", func(t *testing.T) {
		t.Parallel()
		st, clk := setup(t)
		a, b := connID(t), connID(t)
		require.NoError(t, st.Put(ctx, connections.New(a, pa, clk.Now())))
		pb := domain.Principal{UserID: UserB, TenantID: TenantA, Role: domain.RoleViewer}
		require.NoError(t, st.Put(ctx, connections.New(b, pb, clk.Now())))
		ch := connections.TenantUpdates(TenantA)
		added, err := st.Subscribe(ctx, a, ch)
		require.NoError(t, err)
		assert.True(t, added)
		added, err = st.Subscribe(ctx, a, ch)
		require.NoError(t, err)
		assert.False(t, added, "second subscribe is a no-op")
		_, err = st.Subscribe(ctx, b, ch)
		require.NoError(t, err)
		_, err = st.Subscribe(ctx, a, connections.UserUpdates(UserA))
		require.NoError(t, err)

		subs, err := st.ByChannel(ctx, ch)
		require.NoError(t, err)
		byID := map[string]connections.Subscriber{}
		for _, s := range subs {
			byID[s.ConnectionID] = s
		}
		require.Len(t, byID, 2)
		assert.Equal(t, connections.Subscriber{ConnectionID: a, UserID: UserA, TenantID: TenantA, Role: domain.RolePilot, KeyID: KeyA}, byID[a])
		assert.Equal(t, connections.Subscriber{ConnectionID: b, UserID: UserB, TenantID: TenantA, Role: domain.RoleViewer}, byID[b])

		chs, err := st.Channels(ctx, a)
		require.NoError(t, err)
		assert.Equal(t, []string{connections.TenantUpdates(TenantA), connections.UserUpdates(UserA)}, chs)

		removed, err := st.Unsubscribe(ctx, a, ch)
		require.NoError(t, err)
		assert.True(t, removed)
		removed, err = st.Unsubscribe(ctx, a, ch)
		require.NoError(t, err)
		assert.False(t, removed, "missing")
		subs, err = st.ByChannel(ctx, ch)
		require.NoError(t, err)
		require.Len(t, subs, 1)
		assert.Equal(t, b, subs[0].ConnectionID)

		empty, err := st.ByChannel(ctx, connections.TenantPIREPs(TenantB))
		require.NoError(t, err)
		assert.NotNil(t, empty)
		assert.Empty(t, empty)
	})

	t.Run("unknown connection", func(t *testing.T) {
		t.Parallel()
		st, _ := setup(t)
		_, err := st.Subscribe(ctx, "nope", connections.PlatformTenants)
		require.ErrorIs(t, err, connections.ErrNotFound)
		_, err = st.Unsubscribe(ctx, "nope", connections.PlatformTenants)
		require.ErrorIs(t, err, connections.ErrNotFound)
		_, err = st.Channels(ctx, "nope")
		require.ErrorIs(t, err, connections.ErrNotFound)
	})

	t.Run("delete removes every subscription", func(t *testing.T) {
		t.Parallel()
		st, clk := setup(t)
		id := connID(t)
		require.NoError(t, st.Put(ctx, connections.New(id, pa, clk.Now())))
		for _, ch := range connections.Automatic(pa) {
			_, err := st.Subscribe(ctx, id, ch)
			require.NoError(t, err)
		}
		_, err := st.Allow(ctx, id, clk.Now())
		require.NoError(t, err)
		require.NoError(t, st.Delete(ctx, id))
		for _, ch := range connections.Automatic(pa) {
			subs, err := st.ByChannel(ctx, ch)
			require.NoError(t, err)
			assert.Empty(t, subs, ch)
		}
		// by-user / by-key read an index that may lag (a DynamoDB GSI).
		gone := func(get func() ([]string, error)) {
			t.Helper()
			var ids []string
			for range 50 {
				var err error
				ids, err = get()
				require.NoError(t, err)
				if !slices.Contains(ids, id) {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			assert.NotContains(t, ids, id)
		}
		gone(func() ([]string, error) { return st.ByUser(ctx, UserA) })
		gone(func() ([]string, error) { return st.ByKey(ctx, KeyA) })
		// A new connection with the same id starts clean.
		require.NoError(t, st.Put(ctx, connections.New(id, pa, clk.Now())))
		chs, err := st.Channels(ctx, id)
		require.NoError(t, err)
		assert.Empty(t, chs)
	})

	t.Run("subscription limit", func(t *testing.T) {
		t.Parallel()
		st, clk := setup(t)
		id := connID(t)
		require.NoError(t, st.Put(ctx, connections.New(id, pa, clk.Now())))
		var wg sync.WaitGroup
		var ok, limited atomic.Int64
		for i := range connections.MaxSubscriptions + 5 {
			spawn(&wg, func() {
				added, err := st.Subscribe(ctx, id, fmt.Sprintf("tenant:%s:updates", ulidN(i)))
				switch {
				case err == nil && added:
					ok.Add(1)
				case err != nil && assert.ErrorIs(t, err, connections.ErrLimit):
					limited.Add(1)
				}
			})
		}
		wg.Wait()
		assert.EqualValues(t, connections.MaxSubscriptions, ok.Load())
		assert.EqualValues(t, 5, limited.Load())
		chs, err := st.Channels(ctx, id)
		require.NoError(t, err)
		assert.Len(t, chs, connections.MaxSubscriptions)
		// Subscribing again to a held channel at the limit is still a no-op.
		added, err := st.Subscribe(ctx, id, chs[0])
		require.NoError(t, err)
		assert.False(t, added)
		// Freeing one makes room for one.
		_, err = st.Unsubscribe(ctx, id, chs[0])
		require.NoError(t, err)
		added, err = st.Subscribe(ctx, id, connections.PlatformTenants)
		require.NoError(t, err)
		assert.True(t, added)
	})

	t.Run("lookups by user and key", func(t *testing.T) {
		t.Parallel()
		st, clk := setup(t)
		a1, a2, a3, b := connID(t), connID(t), connID(t), connID(t)
		require.NoError(t, st.Put(ctx, connections.New(a1, pa, clk.Now())))
		require.NoError(t, st.Put(ctx, connections.New(a2, pa, clk.Now())))
		pa2 := pa
		pa2.KeyID = KeyA2
		require.NoError(t, st.Put(ctx, connections.New(a3, pa2, clk.Now())))
		require.NoError(t, st.Put(ctx, connections.New(b, domain.Principal{UserID: UserB, TenantID: TenantB, Role: domain.RoleViewer}, clk.Now())))
		eventually(t, func() []string { ids, _ := st.ByUser(ctx, UserA); return ids }, []string{a1, a2, a3})
		eventually(t, func() []string { ids, _ := st.ByKey(ctx, KeyA); return ids }, []string{a1, a2})
		eventually(t, func() []string { ids, _ := st.ByKey(ctx, KeyA2); return ids }, []string{a3})
		eventually(t, func() []string { ids, _ := st.ByUser(ctx, UserB); return ids }, []string{b})
		ids, err := st.ByKey(ctx, "")
		require.NoError(t, err)
		assert.Empty(t, ids, "no key id matches nothing")
	})

	t.Run("expired connections are invisible", func(t *testing.T) {
		t.Parallel()
		st, clk := setup(t)
		id := connID(t)
		require.NoError(t, st.Put(ctx, connections.New(id, pa, clk.Now())))
		_, err := st.Subscribe(ctx, id, connections.TenantPIREPs(TenantA))
		require.NoError(t, err)
		clk.Add(connections.TTL + time.Second)
		_, err = st.Get(ctx, id)
		require.ErrorIs(t, err, connections.ErrNotFound)
		subs, err := st.ByChannel(ctx, connections.TenantPIREPs(TenantA))
		require.NoError(t, err)
		assert.Empty(t, subs)
		ids, err := st.ByUser(ctx, UserA)
		require.NoError(t, err)
		assert.NotContains(t, ids, id)
		_, err = st.Subscribe(ctx, id, connections.UserUpdates(UserA))
		require.ErrorIs(t, err, connections.ErrNotFound)
	})

	t.Run("rate limit is atomic per fixed window", func(t *testing.T) {
		t.Parallel()
		st, clk := setup(t)
		id, other := connID(t), connID(t)
		now := clk.Now() // 12:00:03, 7 s left in the window
		var wg sync.WaitGroup
		var allowed atomic.Int64
		for range connections.RateLimit + 6 {
			spawn(&wg, func() {
				d, err := st.Allow(ctx, id, now)
				if assert.NoError(t, err) && d.Allowed {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		assert.EqualValues(t, connections.RateLimit, allowed.Load())
		d, err := st.Allow(ctx, id, now.Add(time.Second))
		require.NoError(t, err)
		assert.False(t, d.Allowed)
		assert.Equal(t, 6*time.Second, d.RetryAfter)
		d, err = st.Allow(ctx, other, now)
		require.NoError(t, err)
		assert.True(t, d.Allowed, "counters are per connection")
		d, err = st.Allow(ctx, id, now.Add(7*time.Second))
		require.NoError(t, err)
		assert.True(t, d.Allowed, "a new window starts fresh")
	})
}

func ulidN(i int) string { return fmt.Sprintf("01JDA00000000000000000%04d", i) }

// eventually compares a set-valued lookup, allowing for eventually
// consistent indexes.
func eventually(t *testing.T, get func() []string, want []string) {
	t.Helper()
	sort.Strings(want)
	var got []string
	for i := 0; i < 50; i++ {
		got = get()
		sort.Strings(got)
		if assert.ObjectsAreEqual(want, got) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	assert.Equal(t, want, got)
}
