package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/contexts"
	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/metrics"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/notify/notifytest"
	"github.com/skyledger/skyledger/internal/wire"
)

const (
	tenantA = "01JDA0000000000000000TENA1"
	tenantB = "01JDA0000000000000000TENB1"
	userA   = "01JDA0000000000000000VSRA1"
	userB   = "01JDA0000000000000000VSRB1"
	adminA  = "01JDA0000000000000000ADMA1"
	platU   = "01JDA0000000000000000PXAT1"
	platT   = "01JDA0000000000000000PXTT1"
	keyA    = "01JDA0000000000000000KEYA1"
	keyA2   = "01JDA0000000000000000KEYA2"
)

type fixture struct {
	st   *connections.Embedded
	srv  *notifytest.Server
	n    *notify.Notifier
	logs *bytes.Buffer
	emf  *bytes.Buffer
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{st: connections.NewEmbedded(), srv: notifytest.New(t), logs: &bytes.Buffer{}, emf: &bytes.Buffer{}}
	f.n = notify.New(notify.Deps{Routes: wire.NotifyRoutes(), Store: f.st, Client: f.srv.Client(8), Concurrency: 8,
		BaseBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond,
		Log: metrics.NewLogger(f.logs, slog.LevelDebug), Metrics: metrics.New(f.emf, "projector")})
	return f
}

// connect records a connection subscribed to its automatic channels plus extra.
// assertClosed checks that connection id was closed once through
// DeleteConnection and is gone from the store; why says what closed it.
func (f *fixture) assertClosed(t *testing.T, id string, why ...any) {
	t.Helper()
	assert.Equal(t, 1, f.srv.Deleted(id), why...)
	_, err := f.st.Get(context.Background(), id)
	require.ErrorIs(t, err, connections.ErrNotFound, why...)
}

func (f *fixture) connect(t *testing.T, id string, p domain.Principal, extra ...string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, f.st.Put(ctx, connections.New(id, p, time.Now())))
	for _, ch := range append(connections.Automatic(p), extra...) {
		_, err := f.st.Subscribe(ctx, id, ch)
		require.NoError(t, err)
	}
}

var seq atomic.Int64

func env(t *testing.T, typ, stream, tenant string, data any) events.Envelope {
	t.Helper()
	b, err := json.Marshal(data)
	require.NoError(t, err)
	n := seq.Add(1)
	return events.Envelope{EventID: fmt.Sprintf("01JDAEVT%018d", n), StreamID: stream, Version: n, Type: typ, Schema: 1,
		TenantID: tenant, OccurredAt: time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC), Actor: "system",
		CorrelationID: "corr-" + typ, Data: b}
}

func frames(t *testing.T, srv *notifytest.Server, id string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, b := range srv.Frames(id) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		out = append(out, m)
	}
	return out
}

var (
	pilotA = domain.Principal{UserID: userA, TenantID: tenantA, Role: domain.RolePilot, KeyID: keyA}
	viewB  = domain.Principal{UserID: userB, TenantID: tenantA, Role: domain.RoleViewer}
	admA   = domain.Principal{UserID: adminA, TenantID: tenantA, Role: domain.RoleTenantAdmin}
	plat   = domain.Principal{UserID: platU, TenantID: platT, Role: domain.RolePlatformAdmin}
)

func userCreated(t *testing.T) events.Envelope {
	return env(t, identity.UserCreated, identity.StreamUser(userA), tenantA, identity.UserCreatedData{
		UserID: userA, TenantID: tenantA, Email: "a@example.com", DisplayName: "A", Role: domain.RolePilot,
		Status: identity.StatusActive, CreatedBy: adminA, CreatedAt: time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)})
}

func TestEventFrameShapeAndPayloadFilter(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.connect(t, "self", pilotA)
	f.connect(t, "member", viewB)
	f.connect(t, "admin", admA)
	f.connect(t, "plat", plat, connections.TenantUpdates(tenantA))
	f.connect(t, "other", domain.Principal{UserID: "01JDA0000000000000000VSRC1", TenantID: tenantB, Role: domain.RoleTenantAdmin})
	e := userCreated(t)
	require.NoError(t, f.n.Notify(context.Background(), []events.Envelope{e}))

	self := frames(t, f.srv, "self")
	// self gets the user:updates frame (full) and the tenant:updates frame (public).
	require.Len(t, self, 2)
	byChan := map[string]map[string]any{}
	for _, fr := range self {
		byChan[fr["channel"].(string)] = fr
	}
	u := byChan[connections.UserUpdates(userA)]
	require.NotNil(t, u)
	assert.Equal(t, "event", u["type"])
	assert.Equal(t, "user.created", u["event_type"])
	assert.Equal(t, e.EventID, u["event_id"])
	assert.Equal(t, e.StreamID, u["stream_id"])
	assert.EqualValues(t, e.Version, u["version"])
	assert.Equal(t, "2026-11-26T13:00:00Z", u["occurred_at"])
	assert.NotContains(t, u, "urgent")
	assert.Equal(t, "a@example.com", u["data"].(map[string]any)["email"])
	assert.NotContains(t, byChan[connections.TenantUpdates(tenantA)]["data"], "email")

	member := frames(t, f.srv, "member")
	require.Len(t, member, 1)
	assert.Equal(t, connections.TenantUpdates(tenantA), member[0]["channel"])
	assert.NotContains(t, member[0]["data"], "email", "no e-mail of other users on tenant channels")
	assert.Equal(t, "A", member[0]["data"].(map[string]any)["display_name"])

	for _, id := range []string{"admin", "plat"} {
		fr := frames(t, f.srv, id)
		require.Len(t, fr, 1, id)
		assert.Equal(t, "a@example.com", fr[0]["data"].(map[string]any)["email"], "admins read e-mails")
	}
	assert.Empty(t, f.srv.Frames("other"), "nothing crosses tenants")
	assert.Contains(t, f.emf.String(), `"FramesSent":5`)
	assert.Contains(t, f.emf.String(), `"correlation_id":"corr-user.created"`)
}

func TestAPIKeyEventsReachOwnerAndAdminsOnly(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.connect(t, "owner", pilotA)
	f.connect(t, "member", viewB)
	f.connect(t, "admin", admA)
	e := env(t, identity.APIKeyCreated, identity.StreamAPIKey(keyA2), tenantA, identity.APIKeyCreatedData{
		KeyID: keyA2, TenantID: tenantA, OwnerID: userA, Name: "ci", Prefix: "sk_" + keyA2, CreatedBy: userA})
	require.NoError(t, f.n.Notify(context.Background(), []events.Envelope{e}))
	owner := frames(t, f.srv, "owner")
	require.Len(t, owner, 1)
	assert.Equal(t, connections.UserAPIKeys(userA), owner[0]["channel"])
	assert.Empty(t, f.srv.Frames("member"))
	require.Len(t, frames(t, f.srv, "admin"), 1)
}

func TestPIREPFramesCarryUrgent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.connect(t, "sub", viewB, connections.TenantPIREPs(tenantA))
	f.connect(t, "nosub", pilotA)
	pid := "01JDA0000000000000000PXRP1"
	evs := []events.Envelope{
		env(t, pirep.EventSubmitted, "pirep-"+pid, tenantA, map[string]any{"id": pid, "tenant_id": tenantA, "type": "UUA", "urgent": true, "raw": "UUA /OV DEN/TM 1200/FL100/TP B738/TB SEV"}),
		env(t, pirep.EventSubmitted, "pirep-"+pid, tenantA, map[string]any{"id": pid, "tenant_id": tenantA, "type": "UA", "urgent": false, "raw": "UA /OV DEN/TM 1200/FL100/TP B738/SK CLR"}),
		env(t, pirep.EventRetracted, "pirep-"+pid, tenantA, map[string]any{"id": pid, "tenant_id": tenantA, "type": "UA"}),
	}
	require.NoError(t, f.n.Notify(context.Background(), evs))
	fr := frames(t, f.srv, "sub")
	require.Len(t, fr, 3)
	assert.Equal(t, []any{true, false, false}, []any{fr[0]["urgent"], fr[1]["urgent"], fr[2]["urgent"]})
	assert.Equal(t, "pirep.retracted", fr[2]["event_type"], "frames arrive in event order")
	assert.Equal(t, connections.TenantPIREPs(tenantA), fr[0]["channel"])
	assert.Empty(t, f.srv.Frames("nosub"))
}

func TestGoneDeletesConnectionAndSubscriptions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.connect(t, "gone", pilotA)
	f.connect(t, "ok", viewB)
	f.srv.SetGone("gone")
	require.NoError(t, f.n.Notify(context.Background(), []events.Envelope{userCreated(t)}))
	_, err := f.st.Get(context.Background(), "gone")
	require.ErrorIs(t, err, connections.ErrNotFound)
	subs, err := f.st.ByChannel(context.Background(), connections.TenantUpdates(tenantA))
	require.NoError(t, err)
	require.Len(t, subs, 1)
	assert.Equal(t, "ok", subs[0].ConnectionID)
	assert.Len(t, f.srv.Frames("ok"), 1)
	assert.Contains(t, f.emf.String(), `"Gone":1`)
}

func TestThrottlingIsRetriedBoundedWithBackoff(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.connect(t, "slow", viewB)
	f.connect(t, "never", domain.Principal{UserID: "01JDA0000000000000000VSRD1", TenantID: tenantA, Role: domain.RolePilot})
	f.connect(t, "broken", domain.Principal{UserID: "01JDA0000000000000000VSRE1", TenantID: tenantA, Role: domain.RolePilot})
	f.srv.Script("slow", 429, 429)
	f.srv.Script("never", 429, 429, 429, 429, 429, 429, 429, 429)
	f.srv.Script("broken", 500)
	e1, e2 := userCreated(t), env(t, identity.UserProfileUpdated, identity.StreamUser(userA), tenantA,
		identity.UserProfileUpdatedData{UserID: userA, TenantID: tenantA, DisplayName: "AA", By: userA})
	require.NoError(t, f.n.Notify(context.Background(), []events.Envelope{e1, e2}))
	slow := frames(t, f.srv, "slow")
	require.Len(t, slow, 2, "throttled frame delivered after retries, in order")
	assert.Equal(t, "user.created", slow[0]["event_type"])
	assert.Equal(t, "user.profile_updated", slow[1]["event_type"])
	// "never": first frame exhausts 4 attempts, second frame 4 more.
	assert.Len(t, f.srv.Frames("never"), 0)
	broken := frames(t, f.srv, "broken")
	require.Len(t, broken, 1, "a 500 is not retried; the next frame is sent")
	assert.Equal(t, "user.profile_updated", broken[0]["event_type"])
	_, err := f.st.Get(context.Background(), "never")
	require.NoError(t, err, "throttling never removes a connection")
	assert.Contains(t, f.emf.String(), `"Throttled":10`)
	assert.Contains(t, f.emf.String(), `"SendFailed":3`)
}

func TestNoFrameAfterUnsubscribe(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	f.connect(t, "c", viewB, connections.TenantPIREPs(tenantA))
	pid := "01JDA0000000000000000PXRP1"
	sub := func() events.Envelope {
		return env(t, pirep.EventSubmitted, "pirep-"+pid, tenantA, map[string]any{"id": pid, "tenant_id": tenantA, "type": "UA"})
	}
	require.NoError(t, f.n.Notify(ctx, []events.Envelope{sub()}))
	require.Len(t, f.srv.Frames("c"), 1)
	removed, err := f.st.Unsubscribe(ctx, "c", connections.TenantPIREPs(tenantA))
	require.NoError(t, err)
	require.True(t, removed)
	require.NoError(t, f.n.Notify(ctx, []events.Envelope{sub(), sub()}))
	assert.Len(t, f.srv.Frames("c"), 1, "no frame after unsubscribe")
}

func TestRevokedKeyClosesItsConnectionsBeforeAnyFurtherFrame(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	f.connect(t, "withKey", pilotA, connections.TenantPIREPs(tenantA))
	other := pilotA
	other.KeyID = keyA2
	f.connect(t, "otherKey", other, connections.TenantPIREPs(tenantA))
	f.connect(t, "admin", admA)
	pid := "01JDA0000000000000000PXRP1"
	before := env(t, pirep.EventSubmitted, "pirep-"+pid, tenantA, map[string]any{"id": pid, "tenant_id": tenantA, "type": "UA"})
	revoke := env(t, identity.APIKeyRevoked, identity.StreamAPIKey(keyA), tenantA, identity.APIKeyRevokedData{
		KeyID: keyA, TenantID: tenantA, OwnerID: userA, RevokedBy: adminA})
	after := env(t, pirep.EventSubmitted, "pirep-"+pid, tenantA, map[string]any{"id": pid, "tenant_id": tenantA, "type": "UA"})
	require.NoError(t, f.n.Notify(ctx, []events.Envelope{before, revoke, after}))

	got := frames(t, f.srv, "withKey")
	require.Len(t, got, 1, "only the frame before the revocation")
	assert.Equal(t, before.EventID, got[0]["event_id"])
	f.assertClosed(t, "withKey", "closed through DeleteConnection")
	// The owner's other connection (other key) still hears about it.
	og := frames(t, f.srv, "otherKey")
	require.Len(t, og, 3)
	assert.Equal(t, "apikey.revoked", og[1]["event_type"])
	assert.Equal(t, 0, f.srv.Deleted("otherKey"))
	assert.Len(t, f.srv.Frames("admin"), 1, "admins see the revocation on tenant:updates")
	// Later batches do not reach it either.
	require.NoError(t, f.n.Notify(ctx, []events.Envelope{after}))
	assert.Len(t, f.srv.Frames("withKey"), 1)
}

func TestDeactivatedUserAndRoleChangeCloseConnections(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	f.connect(t, "a1", pilotA)
	f.connect(t, "a2", pilotA)
	f.connect(t, "b", viewB)
	f.connect(t, "admin", admA)
	role := env(t, identity.UserRoleChanged, identity.StreamUser(userB), tenantA, identity.UserRoleChangedData{
		UserID: userB, TenantID: tenantA, OldRole: domain.RoleViewer, Role: domain.RolePilot, ChangedBy: adminA})
	deact := env(t, identity.UserDeactivated, identity.StreamUser(userA), tenantA, identity.UserDeactivatedData{UserID: userA, TenantID: tenantA, By: adminA})
	require.NoError(t, f.n.Notify(ctx, []events.Envelope{role, deact}))
	// role change: delivered, then closed
	bf := frames(t, f.srv, "b")
	require.Len(t, bf, 2, "user:updates + tenant:updates, then closed")
	assert.Equal(t, 1, f.srv.Deleted("b"))
	// deactivation: closed first, nothing after
	for _, id := range []string{"a1", "a2"} {
		af := frames(t, f.srv, id)
		require.Len(t, af, 1, id)
		assert.Equal(t, "user.role_changed", af[0]["event_type"])
		f.assertClosed(t, id)
	}
	assert.Len(t, f.srv.Frames("admin"), 2)
}

func TestPasswordChangeClosesTheUsersConnectionsAfterTheFrame(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	f.connect(t, "p1", pilotA)
	f.connect(t, "p2", pilotA)
	f.connect(t, "other", viewB)
	pw := env(t, identity.UserPasswordChanged, identity.StreamUser(userA), tenantA, identity.UserPasswordChangedData{
		UserID: userA, TenantID: tenantA, SessionsRevoked: true})
	require.NoError(t, f.n.Notify(ctx, []events.Envelope{pw}))
	for _, id := range []string{"p1", "p2"} {
		got := frames(t, f.srv, id)
		require.Len(t, got, 1, id)
		assert.Equal(t, "user.password_changed", got[0]["event_type"])
		f.assertClosed(t, id, "closed after the frame: sessions opened before the change may be revoked")
	}
	assert.Equal(t, 0, f.srv.Deleted("other"))
	assert.Empty(t, f.srv.Frames("other"), "another user's password change is not theirs to see")
}

func TestUnknownEventTypesGoNowhere(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.connect(t, "c", plat, connections.TenantUpdates(tenantA), connections.PlatformTenants)
	require.NoError(t, f.n.Notify(context.Background(), []events.Envelope{
		env(t, "secret.rotated", "tenant-"+tenantA, tenantA, map[string]any{"tenant_id": tenantA, "secret": "x"}),
		{EventID: "bad", Type: identity.UserCreated, StreamID: "user-x", TenantID: tenantA, Data: json.RawMessage(`not json`)},
	}))
	assert.Zero(t, f.srv.Posts())
}

func TestEveryEventTypeIsRouted(t *testing.T) {
	t.Parallel()
	routed := map[string]bool{}
	for _, r := range wire.NotifyRoutes() {
		routed[r.Type] = true
	}
	for _, typ := range contexts.EventTypes() {
		assert.True(t, routed[typ], typ)
	}
}

// Every channel a route delivers to is of a kind a context declares (so a
// client may subscribe to it), named for the id the event carries.
func TestEveryRouteTargetsADeclaredChannelKind(t *testing.T) {
	t.Parallel()
	const id = "01JDA0000000000000000TARG1"
	declared := contexts.Channels()
	for _, r := range wire.NotifyRoutes() {
		t.Run(r.Type, func(t *testing.T) {
			t.Parallel()
			// Targets read a channel's id from the payload's id fields (or
			// the envelope's tenant): every field holds the same id.
			d := notify.Data{}
			fields := []string{"tenant_id", "user_id", "owner_id", "key_id", "pirep_id", "id"}
			for _, tg := range r.Targets {
				fields = append(fields, tg.Members...)
				fields = append(fields, tg.Admins...)
			}
			for _, f := range fields {
				d[f] = json.RawMessage(`"` + id + `"`)
			}
			e := events.Envelope{Type: r.Type, TenantID: id}
			require.NotEmpty(t, r.Targets)
			for i, tg := range r.Targets {
				name := tg.Channel(e, d)
				c, ok := connections.ParseChannel(name)
				if !assert.True(t, ok, "target %d: %q is no declared channel", i, name) {
					continue
				}
				assert.Contains(t, declared, c.Kind, "target %d: %q", i, name)
				if c.Kind.Scope != domain.ChannelPlatform {
					assert.Equal(t, id, c.ID, "target %d: %q", i, name)
				}
			}
		})
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	srv := notifytest.New(t)
	c := srv.Client(1)
	ctx := context.Background()
	srv.SetGone("g")
	srv.Script("t", 429)
	srv.Script("f", 403)
	srv.Script("e", 500)
	tests := []struct {
		name string
		id   string
		want notify.Outcome
	}{{"ok", "ok", notify.Sent}, {"gone", "g", notify.Gone}, {"throttled", "t", notify.Throttled}, {"forbidden", "f", notify.Failed}, {"error", "e", notify.Failed}}
	for _, tc := range tests {
		_, err := c.PostToConnection(ctx, postInput(tc.id))
		assert.Equal(t, tc.want, notify.Classify(err), tc.name)
	}
}

func TestFanoutConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		concurrency int
	}{{"one", 1}, {"four", 4}, {"default", 0}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := connections.NewEmbedded()
			srv := notifytest.New(t)
			srv.Delay = 5 * time.Millisecond
			limit := tc.concurrency
			if limit == 0 {
				limit = notify.DefaultConcurrency
			}
			n := notify.New(notify.Deps{Routes: wire.NotifyRoutes(), Store: st, Client: srv.Client(limit), Concurrency: tc.concurrency})
			for i := range 80 {
				p := domain.Principal{UserID: fmt.Sprintf("01JDA0000000000000000%05d", i), TenantID: tenantA, Role: domain.RoleViewer}
				require.NoError(t, st.Put(context.Background(), connections.New(fmt.Sprint("c", i), p, time.Now())))
				_, err := st.Subscribe(context.Background(), fmt.Sprint("c", i), connections.TenantPIREPs(tenantA))
				require.NoError(t, err)
			}
			pid := "01JDA0000000000000000PXRP1"
			require.NoError(t, n.Notify(context.Background(), []events.Envelope{
				env(t, pirep.EventSubmitted, "pirep-"+pid, tenantA, map[string]any{"pirep_id": pid, "tenant_id": tenantA, "type": "UA"})}))
			assert.EqualValues(t, 80, srv.Posts())
			assert.LessOrEqual(t, srv.MaxInFlight(), int64(limit))
			if limit > 1 {
				assert.Greater(t, srv.MaxInFlight(), int64(1), "fan-out runs in parallel")
			}
		})
	}
}

// TestEveryConnectionGetsItsFirstFrameBeforeAnySecond: frames go out in
// rounds, so with more connections than the concurrency the first event
// reaches them all before any connection gets the second, and each
// connection still receives both, in order.
func TestEveryConnectionGetsItsFirstFrameBeforeAnySecond(t *testing.T) {
	t.Parallel()
	st := connections.NewEmbedded()
	srv := notifytest.New(t)
	const conns = 40
	n := notify.New(notify.Deps{Routes: wire.NotifyRoutes(), Store: st, Client: srv.Client(8), Concurrency: 8})
	for i := range conns {
		p := domain.Principal{UserID: fmt.Sprintf("01JDA0000000000000000%05d", i), TenantID: tenantA, Role: domain.RoleViewer}
		require.NoError(t, st.Put(context.Background(), connections.New(fmt.Sprint("c", i), p, time.Now())))
		_, err := st.Subscribe(context.Background(), fmt.Sprint("c", i), connections.TenantPIREPs(tenantA))
		require.NoError(t, err)
	}
	var envs []events.Envelope
	for _, pid := range []string{"01JDA0000000000000000PXRP1", "01JDA0000000000000000PXRP2"} {
		envs = append(envs, env(t, pirep.EventSubmitted, "pirep-"+pid, tenantA, map[string]any{"pirep_id": pid, "tenant_id": tenantA, "type": "UA"}))
	}
	require.NoError(t, n.Notify(context.Background(), envs))
	log := srv.Log()
	require.Len(t, log, 2*conns)
	for i, p := range log {
		var f struct {
			EventID string `json:"event_id"`
		}
		require.NoError(t, json.Unmarshal(p.Body, &f))
		want := envs[0].EventID
		if i >= conns {
			want = envs[1].EventID
		}
		assert.Equal(t, want, f.EventID, "post %d (%s)", i, p.ID)
	}
	for i := range conns {
		got := frames(t, srv, fmt.Sprint("c", i))
		require.Len(t, got, 2)
		assert.Equal(t, envs[0].EventID, got[0]["event_id"])
		assert.Equal(t, envs[1].EventID, got[1]["event_id"])
	}
}
