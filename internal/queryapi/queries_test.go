package queryapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/queryapi"
	"github.com/skyledger/skyledger/internal/wire"
)

// TestRBACMatrix covers every role x every query route x (own tenant, other
// tenant, platform tenant) with the exact expected status.
func TestRBACMatrix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	roles := map[domain.Role]string{domain.RolePlatformAdmin: uRoot, domain.RoleTenantAdmin: uAAdmin,
		domain.RolePilot: uAPilot, domain.RoleViewer: uAViewer}
	// another user (not the caller) in each tenant
	otherUser := map[string]string{tP: uPOther, tA: uAPilot2, tB: uBPilot}
	type target struct{ name, tenant string }
	targets := func(p domain.Principal) []target {
		return []target{{"own", p.TenantID}, {"other", tB}, {"platform", tP}}
	}
	// expected statuses per route and role: [own, other, platform]
	type exp map[domain.Role][3]int
	all200 := exp{domain.RolePlatformAdmin: {200, 200, 200}, domain.RoleTenantAdmin: {200, 200, 200}, domain.RolePilot: {200, 200, 200}, domain.RoleViewer: {200, 200, 200}}
	routes := []struct {
		route  string
		params func(tg target, p domain.Principal) (path, query map[string]string)
		want   exp
	}{
		{"GET /api/tenants", func(target, domain.Principal) (map[string]string, map[string]string) { return nil, nil }, all200},
		{"GET /api/tenants/{id}", func(tg target, _ domain.Principal) (map[string]string, map[string]string) {
			return map[string]string{"id": tg.tenant}, nil
		}, exp{domain.RolePlatformAdmin: {200, 200, 200}, domain.RoleTenantAdmin: {200, 404, 404}, domain.RolePilot: {200, 404, 404}, domain.RoleViewer: {200, 404, 404}}},
		{"GET /api/tenants/{id}/users", func(tg target, _ domain.Principal) (map[string]string, map[string]string) {
			return map[string]string{"id": tg.tenant}, nil
		}, exp{domain.RolePlatformAdmin: {200, 200, 200}, domain.RoleTenantAdmin: {200, 404, 404}, domain.RolePilot: {403, 404, 404}, domain.RoleViewer: {403, 404, 404}}},
		{"GET /api/users/{id}", func(tg target, _ domain.Principal) (map[string]string, map[string]string) {
			return map[string]string{"id": otherUser[tg.tenant]}, nil
		}, exp{domain.RolePlatformAdmin: {200, 200, 200}, domain.RoleTenantAdmin: {200, 404, 404}, domain.RolePilot: {403, 404, 404}, domain.RoleViewer: {403, 404, 404}}},
		{"GET /api/users/me", func(target, domain.Principal) (map[string]string, map[string]string) { return nil, nil }, all200},
		{"GET /api/apikeys", func(tg target, _ domain.Principal) (map[string]string, map[string]string) {
			return nil, map[string]string{"owner_id": otherUser[tg.tenant]}
		}, exp{domain.RolePlatformAdmin: {200, 200, 200}, domain.RoleTenantAdmin: {200, 404, 404}, domain.RolePilot: {403, 404, 404}, domain.RoleViewer: {403, 404, 404}}},
	}
	cases := 0
	for _, rt := range routes {
		for _, role := range domain.Roles {
			p := f.users[roles[role]]
			for i, tg := range targets(p) {
				path, query := rt.params(tg, p)
				resp := f.do(t, request(&p, rt.route, path, query, nil))
				cases++
				assert.Equal(t, rt.want[role][i], resp.StatusCode, "%s as %s on %s tenant: %s", rt.route, role, tg.name, resp.Body)
			}
		}
	}
	t.Logf("RBAC matrix (queries): %d cases", cases)
	assert.Equal(t, len(routes)*len(domain.Roles)*3, cases)

	// self is always readable, and list scoping is exact
	for role, uid := range roles {
		resp := f.get(t, uid, "GET /api/users/{id}", map[string]string{"id": uid}, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, role)
		l := decodeList(t, f.get(t, uid, "GET /api/apikeys", nil, nil))
		require.Len(t, l.Items, 1, role)
		assert.Equal(t, uid, l.Items[0]["owner_id"], role)
		tl := decodeList(t, f.get(t, uid, "GET /api/tenants", nil, nil))
		if role == domain.RolePlatformAdmin {
			assert.Len(t, tl.Items, 3)
		} else {
			require.Len(t, tl.Items, 1, role)
			assert.Equal(t, f.users[uid].TenantID, tl.Items[0]["id"])
		}
	}
	ul := decodeList(t, f.get(t, uAAdmin, "GET /api/tenants/{id}/users", map[string]string{"id": tA}, nil))
	assert.Len(t, ul.Items, 4)
	for _, u := range ul.Items {
		assert.Equal(t, tA, u["tenant_id"])
	}
	me := f.get(t, uAPilot, "GET /api/users/me", nil, nil)
	var u map[string]any
	require.NoError(t, json.Unmarshal([]byte(me.Body), &u))
	assert.Equal(t, uAPilot, u["id"])
	assert.Equal(t, "pilot", u["role"])
}

func TestUnauthenticatedAndUnknown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	resp := f.do(t, request(nil, "GET /api/users/me", nil, nil, nil))
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = f.get(t, uRoot, "GET /api/users/{id}", map[string]string{"id": "01JN0SVCHVSER0000000000000"}, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp = f.get(t, uRoot, "GET /api/tenants/{id}/users", map[string]string{"id": "01JN0SVCHTENANT00000000000"}, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp = f.get(t, uRoot, "GET /api/apikeys", nil, map[string]string{"owner_id": "01JN0SVCHVSER0000000000000"})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestBadInputNamesTheField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name  string
		route string
		path  map[string]string
		query map[string]string
		field string
	}{
		{"limit zero", "GET /api/tenants", nil, map[string]string{"limit": "0"}, "limit"},
		{"limit too big", "GET /api/tenants/{id}/users", map[string]string{"id": tA}, map[string]string{"limit": "201"}, "limit"},
		{"limit not a number", "GET /api/apikeys", nil, map[string]string{"limit": "ten"}, "limit"},
		{"limit negative", "GET /api/apikeys", nil, map[string]string{"limit": "-1"}, "limit"},
		{"cursor garbage", "GET /api/tenants", nil, map[string]string{"cursor": "abc"}, "cursor"},
		{"cursor empty", "GET /api/tenants", nil, map[string]string{"cursor": ""}, "cursor"},
		{"cursor oversize", "GET /api/tenants", nil, map[string]string{"cursor": strings.Repeat("a", 5000)}, "cursor"},
		{"min_version zero", "GET /api/users/me", nil, map[string]string{"min_version": "0"}, "min_version"},
		{"min_version text", "GET /api/users/{id}", map[string]string{"id": uRoot}, map[string]string{"min_version": "x"}, "min_version"},
		{"min_version on tenant", "GET /api/tenants/{id}", map[string]string{"id": tP}, map[string]string{"min_version": "1.5"}, "min_version"},
		{"owner_id bad", "GET /api/apikeys", nil, map[string]string{"owner_id": "x y"}, "owner_id"},
	}
	for _, tc := range tests {
		p := f.users[uRoot]
		resp := f.do(t, request(&p, tc.route, tc.path, tc.query, nil))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, tc.name)
		assert.Equal(t, tc.field, errField(t, resp), tc.name)
	}
}

// A path id of another shape than an id names nothing: 404, as an unknown id.
func TestPathIDsOfAnotherShapeAreNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.users[uRoot]
	for _, tc := range []struct{ name, route, id string }{
		{"dot", "GET /api/users/{id}", "a.b"},
		{"oversize", "GET /api/tenants/{id}", strings.Repeat("A", 65)},
		{"lower case", "GET /api/tenants/{id}", strings.ToLower(tA)},
		{"letter U", "GET /api/pireps/{id}", "01JUUUUUUUUUUUUUUUUUUUUUUU"},
	} {
		resp := f.do(t, request(&p, tc.route, map[string]string{"id": tc.id}, nil, nil))
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, tc.name)
	}
}

func TestPaginationWithSealedCursors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var want []string
	for _, id := range []string{uAAdmin, uAPilot, uAViewer, uAPilot2} {
		want = append(want, id)
	}
	for i := 0; i < 5; i++ {
		id := "01JUSERAEXTRA" + string(rune('0'+i)) + "000000000000"
		f.user(t, id, tA, domain.RoleViewer)
		want = append(want, id)
	}
	sort.Strings(want)
	var got []string
	query := map[string]string{"limit": "4"}
	pages := 0
	var firstCursor string
	for {
		l := decodeList(t, f.get(t, uAAdmin, "GET /api/tenants/{id}/users", map[string]string{"id": tA}, query))
		pages++
		for _, it := range l.Items {
			got = append(got, it["id"].(string))
		}
		if l.NextCursor == nil {
			break
		}
		require.Len(t, l.Items, 4)
		if firstCursor == "" {
			firstCursor = *l.NextCursor
		}
		query = map[string]string{"limit": "4", "cursor": *l.NextCursor}
		require.Less(t, pages, 10)
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 3, pages)

	// tampering with either half, or using the cursor on another listing, is 400 "cursor"
	inner, sig, ok := strings.Cut(firstCursor, ".")
	require.True(t, ok)
	flip := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	forged := queryapi.Cursor{Key: []byte("another key, 32 bytes long......")}
	tests := []struct {
		name   string
		as     string
		route  string
		path   map[string]string
		cursor string
	}{
		{"altered adapter cursor", uAAdmin, "GET /api/tenants/{id}/users", map[string]string{"id": tA}, flip(inner) + "." + sig},
		{"altered mac", uAAdmin, "GET /api/tenants/{id}/users", map[string]string{"id": tA}, inner + "." + flip(sig)},
		{"no mac", uAAdmin, "GET /api/tenants/{id}/users", map[string]string{"id": tA}, inner},
		{"signed with another key", uAAdmin, "GET /api/tenants/{id}/users", map[string]string{"id": tA}, forged.Seal("x", "users|tenant#"+tA+"#users")},
		{"another tenant's listing", uRoot, "GET /api/tenants/{id}/users", map[string]string{"id": tB}, firstCursor},
		{"another route", uAAdmin, "GET /api/apikeys", nil, firstCursor},
		{"tenants listing", uRoot, "GET /api/tenants", nil, firstCursor},
	}
	for _, tc := range tests {
		resp := f.get(t, tc.as, tc.route, tc.path, map[string]string{"cursor": tc.cursor})
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, tc.name)
		assert.Equal(t, "cursor", errField(t, resp), tc.name)
	}

	// platform_admin pages over tenants too
	l := decodeList(t, f.get(t, uRoot, "GET /api/tenants", nil, map[string]string{"limit": "2"}))
	require.Len(t, l.Items, 2)
	require.NotNil(t, l.NextCursor)
	l2 := decodeList(t, f.get(t, uRoot, "GET /api/tenants", nil, map[string]string{"limit": "2", "cursor": *l.NextCursor}))
	require.Len(t, l2.Items, 1)
	assert.Nil(t, l2.NextCursor)
}

func TestETagAndIfNoneMatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.emit(t, identity.StreamUser(uAPilot), identity.UserRoleChanged, tA,
		identity.UserRoleChangedData{UserID: uAPilot, TenantID: tA, OldRole: domain.RolePilot, Role: domain.RoleViewer, ChangedBy: uAAdmin})
	resp := f.get(t, uAPilot, "GET /api/users/me", nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `"2"`, resp.Headers["ETag"])
	assert.Contains(t, resp.Body, `"version":2`)
	assert.Contains(t, resp.Body, `"role":"viewer"`)

	p := f.users[uAPilot]
	for _, tc := range []struct {
		name   string
		inm    string
		status int
	}{
		{"same version", `"2"`, http.StatusNotModified},
		{"weak tag", `W/"2"`, http.StatusNotModified},
		{"list containing it", `"1", "2"`, http.StatusNotModified},
		{"star", `*`, http.StatusNotModified},
		{"older version", `"1"`, http.StatusOK},
		{"garbage", `"abc"`, http.StatusOK},
	} {
		resp := f.do(t, request(&p, "GET /api/users/{id}", map[string]string{"id": uAPilot}, nil, map[string]string{"if-none-match": tc.inm}))
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
		assert.Equal(t, `"2"`, resp.Headers["ETag"], tc.name)
		if tc.status == http.StatusNotModified {
			assert.Empty(t, resp.Body, tc.name)
		}
	}
	// a foreign resource is 404 even with a matching If-None-Match
	resp = f.do(t, request(&p, "GET /api/tenants/{id}", map[string]string{"id": tB}, nil, map[string]string{"If-None-Match": `"1"`}))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestMinVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	resp := f.get(t, uRoot, "GET /api/tenants/{id}", map[string]string{"id": tA}, map[string]string{"min_version": "1"})
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	resp = f.get(t, uRoot, "GET /api/tenants/{id}", map[string]string{"id": tA}, map[string]string{"min_version": "2"})
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.NotEmpty(t, resp.Headers["Retry-After"])

	// the projection catches up while the request waits
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(30 * time.Millisecond)
		f.emit(t, identity.StreamTenant(tA), identity.TenantRenamed, tA, identity.TenantRenamedData{TenantID: tA, Name: "Acme 2", RenamedBy: uRoot})
	}()
	p := f.users[uRoot]
	req := request(&p, "GET /api/tenants/{id}", map[string]string{"id": tA}, map[string]string{"min_version": "2"}, nil)
	resp, err := queryapi.New(queryapi.Deps{Models: f.models, CursorKey: cursorKey, MinVersionWait: 5 * time.Second, Modules: wire.QueryModules()}).Router().Invoke(context.Background(), req)
	require.NoError(t, err)
	wg.Wait()
	assert.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	assert.Equal(t, `"2"`, resp.Headers["ETag"])
	assert.Contains(t, resp.Body, "Acme 2")

	// another tenant's resource is 404 at once, min_version or not; an
	// unknown one is 404 after the wait (never 503: existence is not revealed)
	resp = f.get(t, uAPilot, "GET /api/tenants/{id}", map[string]string{"id": tB}, map[string]string{"min_version": "9"})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp = f.get(t, uAPilot, "GET /api/users/{id}", map[string]string{"id": "01JN0TYET00000000000000000"}, map[string]string{"min_version": "1"})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// a user created while the request waits is served
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(20 * time.Millisecond)
		f.user(t, "01J1ATEVSER000000000000000", tA, domain.RolePilot)
	}()
	resp, err = queryapi.New(queryapi.Deps{Models: f.models, CursorKey: cursorKey, MinVersionWait: 5 * time.Second, Modules: wire.QueryModules()}).Router().Invoke(context.Background(),
		request(&p, "GET /api/users/{id}", map[string]string{"id": "01J1ATEVSER000000000000000"}, map[string]string{"min_version": "1"}, nil))
	require.NoError(t, err)
	wg.Wait()
	assert.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)

	// a cancelled wait is 503
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	resp, err = f.router.Invoke(ctx, request(&p, "GET /api/tenants/{id}", map[string]string{"id": tA}, map[string]string{"min_version": "99"}, nil))
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}

// records is a minimal events.Records holding key credentials (GetRecord
// only: the queries never write records).
type records struct {
	m   map[string]events.Record
	err error
}

func (r records) GetRecord(_ context.Context, key string) (events.Record, error) {
	if r.err != nil {
		return events.Record{}, r.err
	}
	rec, ok := r.m[key]
	if !ok {
		return events.Record{}, events.ErrNotFound
	}
	return rec, nil
}
func (records) CompareAndPut(context.Context, events.Record, int64) (events.Record, error) {
	return events.Record{}, errors.New("read only")
}
func (records) TakeRecord(context.Context, string) (events.Record, error) {
	return events.Record{}, errors.New("read only")
}

func TestAPIKeysShowLastUsedFromCredentialAndNoSecret(t *testing.T) {
	t.Parallel()
	used := t0.Add(42 * time.Minute)
	rec, err := auth.KeyRecord(auth.KindAPIKey, auth.KeyCredential{KeyID: keyID(uAPilot), OwnerID: uAPilot, TenantID: tA,
		SecretHash: strings.Repeat("ab", 32), LastUsedAt: &used})
	require.NoError(t, err)
	f := newFixture(t, func(d *queryapi.Deps) {
		d.Records = records{m: map[string]events.Record{auth.KeyRecordKey(keyID(uAPilot)): rec}}
	})
	resp := f.get(t, uAPilot, "GET /api/apikeys", nil, nil)
	l := decodeList(t, resp)
	require.Len(t, l.Items, 1)
	assert.Equal(t, used.Format(time.RFC3339), l.Items[0]["last_used_at"])
	assert.Nil(t, l.Items[0]["revoked_at"])
	assert.NotContains(t, resp.Body, "secret")
	assert.NotContains(t, resp.Body, strings.Repeat("ab", 32))

	// a key without a credential record, or a failing lookup, serves the read model
	resp = f.get(t, uAViewer, "GET /api/apikeys", nil, nil)
	l = decodeList(t, resp)
	require.Len(t, l.Items, 1)
	assert.Nil(t, l.Items[0]["last_used_at"])
	g := newFixture(t, func(d *queryapi.Deps) { d.Records = records{err: errors.New("throttled")} })
	l = decodeList(t, g.get(t, uAPilot, "GET /api/apikeys", nil, nil))
	require.Len(t, l.Items, 1)
	assert.Nil(t, l.Items[0]["last_used_at"])

	// revocation shows up
	f.emit(t, identity.StreamAPIKey(keyID(uAPilot)), identity.APIKeyRevoked, tA, identity.APIKeyRevokedData{KeyID: keyID(uAPilot),
		TenantID: tA, OwnerID: uAPilot, RevokedBy: uAPilot, RevokedAt: t0.Add(time.Hour)})
	l = decodeList(t, f.get(t, uAAdmin, "GET /api/apikeys", nil, map[string]string{"owner_id": uAPilot}))
	require.Len(t, l.Items, 1)
	assert.Equal(t, t0.Add(time.Hour).Format(time.RFC3339), l.Items[0]["revoked_at"])
}

// TestGoldenRequests replays the API Gateway payloads in testdata/.
func TestGoldenRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	files, err := filepath.Glob(filepath.Join("testdata", "*.request.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		var req lambdaevents.APIGatewayV2HTTPRequest
		require.NoError(t, json.Unmarshal(b, &req), file)
		var want struct {
			Status   int               `json:"status"`
			Headers  map[string]string `json:"headers"`
			Contains []string          `json:"contains"`
		}
		wb, err := os.ReadFile(strings.TrimSuffix(file, ".request.json") + ".expect.json")
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(wb, &want))
		resp := f.do(t, req)
		assert.Equal(t, want.Status, resp.StatusCode, "%s: %s", file, resp.Body)
		for k, v := range want.Headers {
			assert.Equal(t, v, resp.Headers[k], "%s: header %s", file, k)
		}
		for _, s := range want.Contains {
			assert.Contains(t, resp.Body, s, file)
		}
	}
}

func TestNewRefusesShortCursorKey(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() { queryapi.New(queryapi.Deps{CursorKey: []byte("short")}) })
}
