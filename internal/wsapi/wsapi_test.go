package wsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/metrics"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/notify/notifytest"
	"github.com/skyledger/skyledger/internal/wire"
	"github.com/skyledger/skyledger/internal/wsapi"
)

const (
	connID  = "QkB1aeMnDoECFkw="
	userA   = "01JDA0000000000000000VSRA1"
	tenantA = "01JDA0000000000000000TENA1"
	tenantB = "01JDA0000000000000000TENB1"
	keyA    = "01JDA0000000000000000KEYA1"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type fixture struct {
	st   *connections.Embedded
	srv  *notifytest.Server
	h    *wsapi.Handler
	clk  *clock
	logs *bytes.Buffer
	emf  *bytes.Buffer
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{st: connections.NewEmbedded(), srv: notifytest.New(t), logs: &bytes.Buffer{}, emf: &bytes.Buffer{},
		clk: &clock{t: time.Date(2026, 11, 26, 13, 0, 1, 0, time.UTC)}}
	f.st.Now = f.clk.Now
	f.h = wsapi.New(wsapi.Deps{Store: f.st, Client: f.srv.Client(4), Now: f.clk.Now,
		Log: metrics.NewLogger(f.logs, slog.LevelDebug), Metrics: metrics.New(f.emf, "ws")})
	return f
}

func golden(t *testing.T, name string) wsapi.Request {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var req wsapi.Request
	require.NoError(t, json.Unmarshal(b, &req))
	return req
}

// connectAs opens a connection for p with the golden CONNECT event.
func (f *fixture) connectAs(t *testing.T, id string, p domain.Principal) {
	t.Helper()
	req := golden(t, "connect.json")
	req.RequestContext.ConnectionID = id
	req.RequestContext.Authorizer = map[string]interface{}{"principalId": p.UserID, domain.CtxUserID: p.UserID,
		domain.CtxTenantID: p.TenantID, domain.CtxRole: string(p.Role), domain.CtxKeyID: p.KeyID}
	resp, err := f.h.Connect(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
}

// send delivers one text frame and returns the single reply frame.
func (f *fixture) send(t *testing.T, id, body string) map[string]any {
	t.Helper()
	req := golden(t, "message_subscribe.json")
	req.RequestContext.ConnectionID = id
	req.Body = body
	before := len(f.srv.Frames(id))
	resp, err := f.h.Default(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	frames := f.srv.Frames(id)
	require.Len(t, frames, before+1, "exactly one reply per message")
	var m map[string]any
	require.NoError(t, json.Unmarshal(frames[len(frames)-1], &m))
	return m
}

func TestGoldenConnectRecordsAndSubscribesAutomaticChannels(t *testing.T) {
	t.Parallel()
	f := setup(t)
	resp, err := f.h.Connect(context.Background(), golden(t, "connect.json"))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	c, err := f.st.Get(context.Background(), connID)
	require.NoError(t, err)
	assert.Equal(t, domain.Principal{UserID: userA, TenantID: tenantA, Role: domain.RolePilot, KeyID: keyA}, c.Principal())
	assert.Equal(t, f.clk.Now(), c.ConnectedAt)
	chs, err := f.st.Channels(context.Background(), connID)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"user:" + userA + ":updates", "user:" + userA + ":apikeys", "tenant:" + tenantA + ":updates"}, chs)
	assert.Contains(t, f.emf.String(), `"ConnectionsOpened":1`)
	assert.Empty(t, f.srv.Frames(connID), "no frame before $connect returns (API Gateway would refuse it)")
}

func TestConnectWithoutPrincipalIs401(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		auth interface{}
	}{
		{"no authorizer", nil},
		{"empty map", map[string]interface{}{}},
		{"bad role", map[string]interface{}{domain.CtxUserID: userA, domain.CtxTenantID: tenantA, domain.CtxRole: "root"}},
		{"user id not a ulid", map[string]interface{}{domain.CtxUserID: "x", domain.CtxTenantID: tenantA, domain.CtxRole: "pilot"}},
		{"wrong type", "user_id=" + userA},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			req := golden(t, "connect.json")
			req.RequestContext.Authorizer = tc.auth
			resp, err := f.h.Connect(context.Background(), req)
			require.NoError(t, err)
			assert.Equal(t, 401, resp.StatusCode)
			_, err = f.st.Get(context.Background(), connID)
			assert.ErrorIs(t, err, connections.ErrNotFound)
		})
	}
}

func TestGoldenSubscribeAck(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := f.h.Connect(context.Background(), golden(t, "connect.json"))
	require.NoError(t, err)
	resp, err := f.h.Default(context.Background(), golden(t, "message_subscribe.json"))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	frames := f.srv.Frames(connID)
	require.Len(t, frames, 1)
	assert.JSONEq(t, `{"type":"ack","action":"subscribe","id":"c1",
		"accepted":["tenant:`+tenantA+`:pireps"],
		"rejected":[{"channel":"tenant:`+tenantB+`:pireps","reason":"forbidden"},{"channel":"user:nope:updates","reason":"invalid"}]}`, string(frames[0]))
	chs, err := f.st.Channels(context.Background(), connID)
	require.NoError(t, err)
	assert.Contains(t, chs, "tenant:"+tenantA+":pireps")
	assert.NotContains(t, chs, "tenant:"+tenantB+":pireps")
}

func TestGoldenDisconnectRemovesConnectionAndSubscriptions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, err := f.h.Connect(ctx, golden(t, "connect.json"))
	require.NoError(t, err)
	resp, err := f.h.Disconnect(ctx, golden(t, "disconnect.json"))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	_, err = f.st.Get(ctx, connID)
	require.ErrorIs(t, err, connections.ErrNotFound)
	subs, err := f.st.ByChannel(ctx, "tenant:"+tenantA+":updates")
	require.NoError(t, err)
	assert.Empty(t, subs)
	resp, err = f.h.Disconnect(ctx, golden(t, "disconnect.json"))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode, "idempotent")
}

func TestControlMessages(t *testing.T) {
	t.Parallel()
	tA := "tenant:" + tenantA
	tests := []struct {
		name string
		body string
		want string
	}{
		{"ping", `{"action":"ping","id":"c3"}`, `{"type":"pong","id":"c3"}`},
		{"ping without id", `{"action":"ping"}`, `{"type":"pong"}`},
		{"subscribe duplicates and automatic", `{"action":"subscribe","id":"c1","channels":["` + tA + `:pireps","` + tA + `:pireps","` + tA + `:updates"]}`,
			`{"type":"ack","action":"subscribe","id":"c1","accepted":["` + tA + `:pireps","` + tA + `:updates"],"rejected":[]}`},
		{"subscribe platform as pilot", `{"action":"subscribe","id":"c1","channels":["platform:tenants","platform:users"]}`,
			`{"type":"ack","action":"subscribe","id":"c1","accepted":[],"rejected":[{"channel":"platform:tenants","reason":"forbidden"},{"channel":"platform:users","reason":"invalid"}]}`},
		{"subscribe someone else's user channel", `{"action":"subscribe","id":"c1","channels":["user:01JDA0000000000000000VSRB1:updates","user:01jda0000000000000000vsra1:updates"]}`,
			`{"type":"ack","action":"subscribe","id":"c1","accepted":[],"rejected":[{"channel":"user:01JDA0000000000000000VSRB1:updates","reason":"forbidden"},{"channel":"user:01jda0000000000000000vsra1:updates","reason":"invalid"}]}`},
		{"unsubscribe", `{"action":"unsubscribe","id":"c2","channels":["` + tA + `:updates","` + tA + `:pireps","garbage"]}`,
			`{"type":"ack","action":"unsubscribe","id":"c2","removed":["` + tA + `:updates"],"missing":["` + tA + `:pireps","garbage"]}`},
		{"unknown action", `{"action":"shout","id":"c9"}`, `{"type":"error","code":"unknown_action","id":"c9","message":"unknown action \"shout\" (subscribe, unsubscribe, ping)"}`},
		{"not json", `hello`, `{"type":"error","code":"malformed","message":"frame must be a JSON object"}`},
		{"array", `[1,2]`, `{"type":"error","code":"malformed","message":"frame must be a JSON object"}`},
		{"no action", `{"id":"c4"}`, `{"type":"error","code":"malformed","id":"c4","message":"action is required"}`},
		{"action not a string", `{"action":5}`, `{"type":"error","code":"malformed","message":"action must be a string"}`},
		{"id not a string", `{"action":"ping","id":7}`, `{"type":"error","code":"malformed","message":"id must be a string"}`},
		{"channels missing", `{"action":"subscribe","id":"c5"}`, `{"type":"error","code":"malformed","id":"c5","message":"channels is required"}`},
		{"channels wrong type", `{"action":"subscribe","id":"c5","channels":"` + tA + `:pireps"}`, `{"type":"error","code":"malformed","id":"c5","message":"channels must be an array of strings"}`},
		{"channels empty", `{"action":"unsubscribe","id":"c5","channels":[]}`, `{"type":"error","code":"malformed","id":"c5","message":"channels must hold 1 to 50 channels"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.connectAs(t, "c", domain.Principal{UserID: userA, TenantID: tenantA, Role: domain.RolePilot, KeyID: keyA})
			got := f.send(t, "c", tc.body)
			b, _ := json.Marshal(got)
			assert.JSONEq(t, tc.want, string(b))
		})
	}
}

func TestCrossTenantSubscriptionsRejectedForEveryRole(t *testing.T) {
	t.Parallel()
	for _, role := range domain.Roles {
		t.Run(string(role), func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.connectAs(t, "c", domain.Principal{UserID: userA, TenantID: tenantA, Role: role})
			body := `{"action":"subscribe","id":"x","channels":["tenant:` + tenantB + `:updates","tenant:` + tenantB + `:pireps","user:01JDA0000000000000000VSRB1:updates","user:01JDA0000000000000000VSRB1:apikeys","platform:tenants","tenant:` + tenantA + `:pireps"]}`
			ack := f.send(t, "c", body)
			accepted := ack["accepted"].([]any)
			reasons := map[string]string{}
			for _, r := range ack["rejected"].([]any) {
				m := r.(map[string]any)
				reasons[m["channel"].(string)] = m["reason"].(string)
			}
			assert.Contains(t, accepted, "tenant:"+tenantA+":pireps", "own tenant always")
			assert.Equal(t, "forbidden", reasons["user:01JDA0000000000000000VSRB1:updates"], "other users' channels: never, not even admins")
			assert.Equal(t, "forbidden", reasons["user:01JDA0000000000000000VSRB1:apikeys"])
			if role == domain.RolePlatformAdmin {
				assert.Contains(t, accepted, "tenant:"+tenantB+":updates", "platform_admin may watch every tenant")
				assert.Contains(t, accepted, "tenant:"+tenantB+":pireps")
				assert.Contains(t, accepted, "platform:tenants")
				return
			}
			assert.Equal(t, "forbidden", reasons["tenant:"+tenantB+":updates"])
			assert.Equal(t, "forbidden", reasons["tenant:"+tenantB+":pireps"])
			assert.Equal(t, "forbidden", reasons["platform:tenants"])
			chs, err := f.st.Channels(context.Background(), "c")
			require.NoError(t, err)
			for _, ch := range chs {
				assert.NotContains(t, ch, tenantB)
			}
		})
	}
}

func TestSubscriptionLimit(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.connectAs(t, "c", domain.Principal{UserID: userA, TenantID: tenantA, Role: domain.RolePlatformAdmin})
	// 3 automatic + 47 tenants = 50; then 3 more are rejected with "limit".
	var chans []string
	for i := range 50 {
		chans = append(chans, fmt.Sprintf("tenant:01JDA0000000000000000T%04d:pireps", i))
	}
	b, _ := json.Marshal(map[string]any{"action": "subscribe", "id": "big", "channels": chans})
	ack := f.send(t, "c", string(b))
	assert.Len(t, ack["accepted"], 47)
	rej := ack["rejected"].([]any)
	require.Len(t, rej, 3)
	assert.Equal(t, "limit", rej[0].(map[string]any)["reason"])
	chs, err := f.st.Channels(context.Background(), "c")
	require.NoError(t, err)
	assert.Len(t, chs, connections.MaxSubscriptions)
}

func TestRateLimitedMessagesAreNotActedOn(t *testing.T) {
	t.Parallel()
	f := setup(t) // clock at 13:00:01, window [13:00:00, 13:00:10)
	f.connectAs(t, "c", domain.Principal{UserID: userA, TenantID: tenantA, Role: domain.RolePilot})
	for i := range connections.RateLimit {
		assert.Equal(t, "pong", f.send(t, "c", fmt.Sprintf(`{"action":"ping","id":"p%d"}`, i))["type"])
	}
	f.clk.Add(2 * time.Second)
	got := f.send(t, "c", `{"action":"subscribe","id":"s","channels":["tenant:`+tenantA+`:pireps"]}`)
	assert.Equal(t, map[string]any{"type": "error", "code": "rate_limited", "retry_after_ms": float64(7000),
		"message": "more than 10 control messages in 10s; not acted on"}, got)
	chs, err := f.st.Channels(context.Background(), "c")
	require.NoError(t, err)
	assert.NotContains(t, chs, "tenant:"+tenantA+":pireps", "not acted on")
	assert.Contains(t, f.emf.String(), `"RateLimited":1`)
	f.clk.Add(7 * time.Second)
	assert.Equal(t, "ack", f.send(t, "c", `{"action":"subscribe","id":"s","channels":["tenant:`+tenantA+`:pireps"]}`)["type"])
}

func TestUnknownConnectionGetsErrorFrame(t *testing.T) {
	t.Parallel()
	f := setup(t)
	got := f.send(t, "ghost", `{"action":"subscribe","id":"s","channels":["platform:tenants"]}`)
	assert.Equal(t, "unknown_connection", got["code"])
}

func TestGoneReplyRemovesConnection(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.connectAs(t, "c", domain.Principal{UserID: userA, TenantID: tenantA, Role: domain.RolePilot})
	f.srv.SetGone("c")
	req := golden(t, "message_subscribe.json")
	req.RequestContext.ConnectionID = "c"
	req.Body = `{"action":"ping"}`
	_, err := f.h.Default(context.Background(), req)
	require.NoError(t, err)
	_, err = f.st.Get(context.Background(), "c")
	assert.ErrorIs(t, err, connections.ErrNotFound)
}

func TestNoSecretIsLogged(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, err := f.h.Connect(ctx, golden(t, "connect.json"))
	require.NoError(t, err)
	bad := golden(t, "connect.json")
	bad.RequestContext.ConnectionID = "other"
	bad.RequestContext.Authorizer = nil
	_, err = f.h.Connect(ctx, bad)
	require.NoError(t, err)
	_, err = f.h.Default(ctx, golden(t, "message_subscribe.json"))
	require.NoError(t, err)
	req := golden(t, "message_subscribe.json")
	req.Body = `{"action":"sk_01JDA0000000000000000KEYA1_GoldenSecretDoNotLog"}`
	_, err = f.h.Default(ctx, req)
	require.NoError(t, err)
	_, err = f.h.Disconnect(ctx, golden(t, "disconnect.json"))
	require.NoError(t, err)
	logs := f.logs.String() + f.emf.String()
	require.NotEmpty(t, f.logs.String())
	for _, secret := range []string{"GoldenSecretDoNotLog", "GoldenTicketDoNotLog", "dGhlIHNhbXBsZSBub25jZQ"} {
		assert.NotContains(t, logs, secret)
	}
	assert.Contains(t, f.logs.String(), connID, "logs carry the connection id")
	assert.Contains(t, f.logs.String(), "QkB1aFq8DoEFhKQ=", "and the request id as correlation id")
}

// End to end through the handlers and the notifier: a connection stops
// receiving a channel's frames the moment it unsubscribed.
func TestNoFrameAfterUnsubscribeEndToEnd(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	f.connectAs(t, "c", domain.Principal{UserID: userA, TenantID: tenantA, Role: domain.RoleViewer, KeyID: keyA})
	ch := "tenant:" + tenantA + ":pireps"
	f.send(t, "c", `{"action":"subscribe","id":"s","channels":["`+ch+`"]}`)
	n := notify.New(notify.Deps{Routes: wire.NotifyRoutes(), Store: f.st, Client: f.srv.Client(4)})
	pirep := func(v int64) events.Envelope {
		return events.Envelope{EventID: fmt.Sprintf("01JDAEVT00000000000000000%d", v), StreamID: "pirep-01JDA0000000000000000PXRP1", Version: v,
			Type: pirep.EventSubmitted, Schema: 1, TenantID: tenantA, OccurredAt: f.clk.Now(), Actor: userA,
			Data: json.RawMessage(`{"id":"01JDA0000000000000000PXRP1","tenant_id":"` + tenantA + `","type":"UA"}`)}
	}
	require.NoError(t, n.Notify(ctx, []events.Envelope{pirep(1)}))
	frames := f.srv.Frames("c")
	require.Len(t, frames, 2) // ack + event
	assert.Contains(t, string(frames[1]), `"event_type":"pirep.submitted"`)
	f.send(t, "c", `{"action":"unsubscribe","id":"u","channels":["`+ch+`"]}`)
	require.NoError(t, n.Notify(ctx, []events.Envelope{pirep(2)}))
	assert.Len(t, f.srv.Frames("c"), 3, "only the unsubscribe ack; no event after it")
}

func TestPlatformAdminCannotSubscribeToNonexistentTenants(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.h = wsapi.New(wsapi.Deps{Store: f.st, Client: f.srv.Client(4), Now: f.clk.Now,
		Log: metrics.NewLogger(f.logs, slog.LevelDebug), Metrics: metrics.New(f.emf, "ws"),
		TenantExists: func(_ context.Context, id string) (bool, error) { return id == tenantB, nil }})
	f.connectAs(t, "c", domain.Principal{UserID: userA, TenantID: tenantA, Role: domain.RolePlatformAdmin})
	const ghost = "01JDA0000000000000000GH0ST"
	ack := f.send(t, "c", `{"action":"subscribe","id":"x","channels":["tenant:`+tenantB+`:pireps","tenant:`+ghost+`:pireps","tenant:`+ghost+`:updates","tenant:`+tenantA+`:pireps"]}`)
	assert.ElementsMatch(t, []any{"tenant:" + tenantB + ":pireps", "tenant:" + tenantA + ":pireps"}, ack["accepted"])
	assert.ElementsMatch(t, []any{
		map[string]any{"channel": "tenant:" + ghost + ":pireps", "reason": "not_found"},
		map[string]any{"channel": "tenant:" + ghost + ":updates", "reason": "not_found"},
	}, ack["rejected"])
	chs, err := f.st.Channels(context.Background(), "c")
	require.NoError(t, err)
	for _, ch := range chs {
		assert.NotContains(t, ch, ghost)
	}
}

func TestDisconnectLogsTheReason(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, err := f.h.Connect(ctx, golden(t, "connect.json"))
	require.NoError(t, err)
	_, err = f.h.Disconnect(ctx, golden(t, "disconnect.json"))
	require.NoError(t, err)
	assert.Contains(t, f.logs.String(), `"reason":"Going away"`)
	assert.NotContains(t, f.logs.String(), `"reason":"0x`)
}
