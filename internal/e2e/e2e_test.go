// Package e2e runs SkyLedger whole with a real HTTP client and a real
// WebSocket client: through the local runtime on random loopback ports, in
// embedded mode and in endpoint mode (DynamoDB + Streams on moto), and,
// built with -tags emulator, through the synthesized stack deployed into an
// AWS emulator (deployed_test.go, run by `make test-integration`).
//
// The suite is target-agnostic: a target is an HTTP base URL, a WebSocket
// URL and a bootstrap token (plus, for the local runtime, a restart).
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/openapitest"
	"github.com/skyledger/skyledger/internal/syncbuf"
	"github.com/skyledger/skyledger/internal/wire"
)

const bootstrapToken = "bt_e2e_test_token"

// system is one running SkyLedger and how to restart it on the same data.
type system struct {
	t      *testing.T
	mode   string
	dir    string
	prefix string
	// endpoint, when set, is the AWS endpoint of endpoint mode instead of
	// awstest's serialised moto.
	endpoint string
	// bin, when set, is a built cmd/skyledger run as a process (with
	// AWS_ENDPOINT_URL=endpoint) instead of wire.Start in this process.
	bin   string
	proc  *exec.Cmd
	app   *wire.App
	api   string // HTTP API base URL
	wsURL string // WebSocket URL
	// serialPings sends the rate-limit check's pings one at a time: stock
	// moto applies concurrent conditional updates of one item
	// non-atomically and loses increments of the rate counter (DynamoDB,
	// the serialised moto and the embedded store do not).
	serialPings bool
	// deployed, when set, is a SkyLedger deployed elsewhere (api and wsURL
	// are its URLs); nothing is started or stopped here.
	deployed *deployedTarget
	// logw, when set, receives every log line of the in-process runtime
	// (debug level), for tests that inspect them.
	logw io.Writer
}

// deployedTarget is a SkyLedger deployed somewhere else (a stack in an AWS
// emulator or in AWS), known by its URLs and bootstrap token.
type deployedTarget struct {
	name           string // what it runs on, for messages
	api            string // HTTP base URL without a trailing slash; routes start with /api
	ws             string // WebSocket URL (without ?ticket=)
	bootstrapToken string
	// unauthorizedStatus is what the HTTP API answers when the authorizer
	// fails with "Unauthorized" (AWS: 401; an emulator may differ, see
	// docs/emulator.md).
	unauthorizedStatus int
}

// deployedSystem is the system of a deployed target.
func deployedSystem(t *testing.T, d *deployedTarget) *system {
	return &system{t: t, deployed: d, api: d.api, wsURL: d.ws}
}

func (s *system) token() string {
	if s.deployed != nil {
		return s.deployed.bootstrapToken
	}
	return bootstrapToken
}

// unauthorizedStatus is the HTTP status of a request whose credential the
// authorizer refuses with "Unauthorized".
func (s *system) unauthorizedStatus() int {
	if s.deployed != nil && s.deployed.unauthorizedStatus != 0 {
		return s.deployed.unauthorizedStatus
	}
	return 401
}

func logger(t *testing.T) *slog.Logger {
	if os.Getenv("E2E_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newSystem(t *testing.T, mode string) *system {
	s := &system{t: t, mode: mode, dir: t.TempDir()}
	if mode == wire.ModeEndpoint {
		s.prefix = awstest.Prefix(t)
	}
	s.start()
	t.Cleanup(func() { s.stop() })
	return s
}

func (s *system) start() {
	s.t.Helper()
	if s.bin != "" {
		s.startProcess()
		return
	}
	cfg := wire.Config{Addr: "127.0.0.1:0", ManagementAddr: "127.0.0.1:0", DataDir: s.dir,
		BootstrapToken: bootstrapToken, Mode: s.mode, TablePrefix: s.prefix, Log: logger(s.t)}
	if s.logw != nil {
		cfg.Log = slog.New(slog.NewTextHandler(s.logw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if s.mode == wire.ModeEndpoint {
		c := awstest.Config(s.t)
		if s.endpoint != "" {
			c.BaseEndpoint = aws.String(s.endpoint)
		}
		cfg.AWS = &c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	app, err := wire.Start(ctx, cfg)
	require.NoError(s.t, err)
	s.app, s.api, s.wsURL = app, app.RT.APIURL(), app.RT.WSURL()
}

// startProcess runs the binary as the README's endpoint-mode section does
// (AWS_ENDPOINT_URL set, nothing else about AWS) and reads its URLs from
// the banner.
func (s *system) startProcess() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "-addr", "127.0.0.1:0", "-management-addr", "127.0.0.1:0", "-web-dir", s.t.TempDir())
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+s.endpoint, "SKYLEDGER_MODE=", "SKYLEDGER_DATA_DIR="+s.dir,
		"SKYLEDGER_TABLE_PREFIX="+s.prefix, "SKYLEDGER_BOOTSTRAP_TOKEN="+bootstrapToken)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, stderr := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, stderr
	if os.Getenv("E2E_LOG") != "" {
		cmd.Stderr = io.MultiWriter(stderr, os.Stderr)
	}
	require.NoError(s.t, cmd.Start())
	s.proc = cmd
	re := regexp.MustCompile(`HTTP API\s+(http://\S+)/api\s+WebSocket\s+(ws://\S+)`)
	var m []string
	require.Eventually(s.t, func() bool { m = re.FindStringSubmatch(out.String()); return m != nil }, 2*time.Minute,
		20*time.Millisecond, "no banner; stderr: %s", stderr)
	s.api, s.wsURL = m[1], m[2]
}

func (s *system) stop() {
	if s.deployed != nil {
		return
	}
	if s.proc != nil {
		require.NoError(s.t, s.proc.Process.Signal(syscall.SIGTERM))
		assert.NoError(s.t, s.proc.Wait(), "graceful exit")
		s.proc = nil
		return
	}
	if s.app == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	assert.NoError(s.t, s.app.Shutdown(ctx))
	s.app = nil
}

// restart restarts the local runtime on the same data; a deployed target
// cannot be restarted from here (its functions' cold starts are measured
// by cmd/coldstart instead) and reports false.
func (s *system) restart() bool {
	if s.deployed != nil {
		s.t.Logf("e2e: %s: no restart (deployed stack)", s.deployed.name)
		return false
	}
	s.stop()
	s.start()
	return true
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (s *system) call(method, path, key string, body any, hdr ...string) resp {
	s.t.Helper()
	r := s.callUnchecked(method, path, key, body, hdr...)
	// every real response must match the published contract.
	openapitest.Validate(s.t, method, path, r.status, r.header, r.raw)
	return r
}

// gatewayCall is call for a request API Gateway itself answers (no
// Authorization header: 401 without calling the authorizer). The local
// runtime answers with the contract's error body; AWS and emulators with
// their own ({"message":"Unauthorized"}), which the contract does not list.
func (s *system) gatewayCall(method, path, key string, body any, hdr ...string) resp {
	s.t.Helper()
	if s.deployed != nil {
		return s.callUnchecked(method, path, key, body, hdr...)
	}
	return s.call(method, path, key, body, hdr...)
}

// callUnchecked is call without the OpenAPI check (for gateway answers the
// contract does not list).
func (s *system) callUnchecked(method, path, key string, body any, hdr ...string) resp {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(s.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.api+path, rd)
	require.NoError(s.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(s.t, err)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		require.NoError(s.t, json.Unmarshal(raw, &out.body), string(raw))
	}
	return out
}

func (s *system) must(status int, r resp) resp {
	s.t.Helper()
	require.Equal(s.t, status, r.status, "body: %s", r.raw)
	return r
}

func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[p]
	}
	s, _ := cur.(string)
	return s
}

// eventually retries a read until it holds (read models are eventually
// consistent with the command side).
func (s *system) eventually(cond func() bool, msg string) {
	s.t.Helper()
	require.Eventually(s.t, cond, 10*time.Second, 20*time.Millisecond, msg)
}

// ws is a WebSocket client with a frame inbox.
type ws struct {
	t      *testing.T
	c      *websocket.Conn
	frames chan map[string]any
	closed chan error
}

func (s *system) connect(key string) *ws {
	s.t.Helper()
	tk := s.must(201, s.call("POST", "/api/ws/ticket", key, map[string]any{}))
	url, ticket := str(tk.body, "url"), str(tk.body, "ticket")
	require.NotEmpty(s.t, ticket)
	require.Equal(s.t, s.wsURL, url, "the ticket names the target's WebSocket URL")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url+"?ticket="+ticket, nil)
	require.NoError(s.t, err)
	w := &ws{t: s.t, c: c, frames: make(chan map[string]any, 256), closed: make(chan error, 1)}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				w.closed <- err
				close(w.frames)
				return
			}
			var m map[string]any
			if json.Unmarshal(b, &m) == nil {
				w.frames <- m
			}
		}
	}()
	s.t.Cleanup(func() { _ = c.CloseNow() })
	return w
}

func (w *ws) send(v any) {
	w.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(w.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(w.t, w.c.Write(ctx, websocket.MessageText, b))
}

// next returns the first frame matching pred, skipping others.
func (w *ws) next(what string, pred func(map[string]any) bool) map[string]any {
	w.t.Helper()
	timeout := time.After(10 * time.Second)
	var skipped []map[string]any
	for {
		select {
		case m, ok := <-w.frames:
			require.True(w.t, ok, "socket closed while waiting for %s (skipped frames: %v)", what, skipped)
			if pred(m) {
				return m
			}
			skipped = append(skipped, m)
		case <-timeout:
			w.t.Fatalf("no %s within 10s (skipped frames: %v)", what, skipped)
		}
	}
}

func (w *ws) waitClosed() error {
	w.t.Helper()
	select {
	case err := <-w.closed:
		return err
	case <-time.After(10 * time.Second):
		w.t.Fatal("socket not closed within 10s")
		return nil
	}
}

func strs(v any) []string {
	var out []string
	if a, ok := v.([]any); ok {
		for _, x := range a {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func TestFlowEmbedded(t *testing.T) {
	t.Parallel()
	flow(t, newSystem(t, wire.ModeEmbedded))
}

func TestFlowEndpoint(t *testing.T) {
	t.Parallel()
	flow(t, newSystem(t, wire.ModeEndpoint))
}

// flow is the end-to-end scenario: bootstrap, tenant, users, login, a live
// WebSocket, commands and their frames, reads.
func flow(t *testing.T, s *system) {
	// bootstrap, once.
	boot := map[string]any{"bootstrap_token": s.token(), "tenant_name": "Platform", "email": "root@example.com",
		"password": "correct horse battery", "display_name": "Root"}
	b := s.must(201, s.call("POST", "/api/bootstrap", "", boot))
	root := str(b.body, "api_key", "key")
	require.True(t, strings.HasPrefix(root, "sk_"), "bootstrap returns an API key")
	s.must(409, s.call("POST", "/api/bootstrap", "", boot))
	s.must(401, s.gatewayCall("GET", "/api/tenants", "", nil))

	// a tenant, and another one whose channels the pilot must not get.
	acme := str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Acme Air"})).body, "id")
	other := str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Other Air"})).body, "id")
	require.NotEmpty(t, acme)

	// a tenant_admin and a pilot.
	s.must(201, s.call("POST", "/api/tenants/"+acme+"/users", root, map[string]any{"email": "ada@acme.example",
		"password": "Blue-Heron-Cove-71", "role": "tenant_admin", "display_name": "Ada"}))
	pilotID := str(s.must(201, s.call("POST", "/api/tenants/"+acme+"/users", root, map[string]any{"email": "pat@acme.example",
		"password": "Red-Kestrel-Glide-42", "role": "pilot", "display_name": "Pat"})).body, "id")
	require.NotEmpty(t, pilotID)
	admin := str(s.must(200, s.call("POST", "/api/auth/login", "", map[string]any{"email": "ada@acme.example", "password": "Blue-Heron-Cove-71"})).body, "key")

	// projections reach the queries.
	s.eventually(func() bool {
		r := s.call("GET", "/api/tenants/"+acme+"/users", admin, nil)
		items, _ := r.body["items"].([]any)
		return r.status == 200 && len(items) == 2
	}, "both users listed")

	// restart in the middle (local runtime): data and projections survive.
	s.restart()
	r := s.must(200, s.call("GET", "/api/tenants/"+acme+"/users", admin, nil))
	assert.Len(t, r.body["items"], 2, "projections kept")
	s.must(409, s.call("POST", "/api/bootstrap", "", boot))
	s.must(200, s.call("GET", "/api/users/me", admin, nil))

	// the pilot logs in, gets a ticket, connects: auto-subscribed.
	pilot := str(s.must(200, s.call("POST", "/api/auth/login", "", map[string]any{"email": "pat@acme.example", "password": "Red-Kestrel-Glide-42"})).body, "key")
	pw := s.connect(pilot)

	// subscribe / unsubscribe acks, another tenant's channel rejected.
	own, foreign := "tenant:"+acme+":pireps", "tenant:"+other+":pireps"
	pw.send(map[string]any{"action": "subscribe", "id": "c1", "channels": []string{own, foreign}})
	ack := pw.next("subscribe ack", func(m map[string]any) bool { return m["type"] == "ack" && m["id"] == "c1" })
	assert.Equal(t, "subscribe", ack["action"])
	assert.Equal(t, []string{own}, strs(ack["accepted"]))
	rej, _ := ack["rejected"].([]any)
	require.Len(t, rej, 1)
	assert.Equal(t, foreign, rej[0].(map[string]any)["channel"])
	assert.Equal(t, "forbidden", rej[0].(map[string]any)["reason"])

	// a PIREP submitted by the pilot arrives live on the tenant's channel.
	p := s.must(201, s.call("POST", "/api/pireps", pilot, map[string]any{"raw": "PUB UUA /OV PUB 243022/TM 0010/FL160/TP COL4/TB SEV/RM CWSU ZDV"}))
	pirepID := str(p.body, "id")
	require.NotEmpty(t, pirepID)
	pf := pw.next("pirep.submitted on "+own, func(m map[string]any) bool {
		return m["type"] == "event" && m["channel"] == own && m["event_type"] == "pirep.submitted"
	})
	assert.Equal(t, "pirep-"+pirepID, pf["stream_id"])
	assert.Equal(t, true, pf["urgent"], "severe turbulence is urgent")
	s.must(200, s.call("GET", "/api/pireps/"+pirepID, pilot, nil))

	pw.send(map[string]any{"action": "unsubscribe", "id": "c2", "channels": []string{own, "platform:tenants"}})
	ack = pw.next("unsubscribe ack", func(m map[string]any) bool { return m["type"] == "ack" && m["id"] == "c2" })
	assert.Equal(t, []string{own}, strs(ack["removed"]))
	assert.Equal(t, []string{"platform:tenants"}, strs(ack["missing"]))

	// the admin changes the pilot's role: the frame arrives on the pilot's
	// auto-subscribed channel, and a GET right after shows the new role.
	s.must(200, s.call("PATCH", "/api/users/"+pilotID, admin, map[string]any{"role": "viewer"}))
	userChan := "user:" + pilotID + ":updates"
	ev := pw.next("user.role_changed on "+userChan, func(m map[string]any) bool {
		return m["type"] == "event" && m["channel"] == userChan && m["event_type"] == "user.role_changed"
	})
	assert.Equal(t, "user-"+pilotID, ev["stream_id"])
	u := s.must(200, s.call("GET", "/api/users/"+pilotID, admin, nil))
	assert.Equal(t, "viewer", str(u.body, "role"), "read model updated before the notification")

	// a role change closes the user's sockets after the frame (the client
	// reconnects with its new rights): the pilot, now a viewer, reconnects.
	pw.waitClosed()

	// the pilot makes an API key and connects with it; the admin revokes
	// the key: the socket is closed and the key refused.
	k := s.must(201, s.call("POST", "/api/apikeys", pilot, map[string]any{"name": "cli"}))
	key, keyID := str(k.body, "key"), str(k.body, "id")
	require.True(t, strings.HasPrefix(key, "sk_"+keyID+"_"))
	pw = s.connect(key)
	s.must(200, s.call("GET", "/api/users/me", key, nil))
	rv := s.call("DELETE", "/api/apikeys/"+keyID, admin, nil)
	require.Contains(t, []int{200, 204}, rv.status, "revoke: %s", rv.raw)
	pw.waitClosed()
	// The authorizer answers a revoked key with the error "Unauthorized",
	// which API Gateway (and the runtime) turn into 401.
	gone := s.callUnchecked("GET", "/api/users/me", key, nil)
	assert.Equal(t, s.unauthorizedStatus(), gone.status, "revoked key refused: %s", gone.raw)
	if gone.status == 401 {
		openapitest.Validate(s.t, "GET", "/api/users/me", gone.status, gone.header, gone.raw)
	}
	s.must(200, s.call("GET", "/api/users/me", pilot, nil))

	// the admin deactivates the pilot: the pilot's open socket is closed
	// and its session key refused from then on.
	pw = s.connect(pilot)
	s.must(200, s.call("PATCH", "/api/users/"+pilotID, admin, map[string]any{"status": "deactivated"}))
	pw.waitClosed()
	off := s.callUnchecked("GET", "/api/users/me", pilot, nil)
	assert.Equal(t, s.unauthorizedStatus(), off.status, "deactivated user refused: %s", off.raw)

	// the 11th control message within 10 s is rate limited. The limit counts
	// in fixed windows (connections.RateWindow): start early in one, so
	// eleven messages through a slower target (an emulator's Lambda hops)
	// do not straddle two windows.
	aw := s.connect(admin)
	if left := connections.RateWindow - time.Duration(time.Now().UnixNano()%int64(connections.RateWindow)); left < connections.RateWindow/2 {
		time.Sleep(left)
	}
	if s.serialPings {
		for i := 1; i <= 10; i++ {
			id := fmt.Sprintf("p%d", i)
			aw.send(map[string]any{"action": "ping", "id": id})
			aw.next("pong "+id, func(m map[string]any) bool { return m["type"] == "pong" && m["id"] == id })
		}
		aw.send(map[string]any{"action": "ping", "id": "p11"})
	} else {
		for i := 1; i <= 11; i++ {
			aw.send(map[string]any{"action": "ping", "id": fmt.Sprintf("p%d", i)})
		}
		for i := 1; i <= 10; i++ {
			id := fmt.Sprintf("p%d", i)
			aw.next("pong "+id, func(m map[string]any) bool { return m["type"] == "pong" && m["id"] == id })
		}
	}
	rl := aw.next("rate_limited error", func(m map[string]any) bool { return m["type"] == "error" })
	assert.Equal(t, "rate_limited", rl["code"])
	assert.NotNil(t, rl["retry_after_ms"])
}
