package queryapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/openapitest"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/queryapi"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/wire"
)

// The fixture: three tenants (platform P, A, B) and their users and keys.
const (
	tP = "01JTENANTP0000000000000000"
	tA = "01JTENANTA0000000000000000"
	tB = "01JTENANTB0000000000000000"

	uRoot    = "01JVSERR00T000000000000000"
	uPOther  = "01JVSERP0THER0000000000000"
	uAAdmin  = "01JVSERAADM1N0000000000000"
	uAPilot  = "01JVSERAP110T0000000000000"
	uAViewer = "01JVSERAV1EWER000000000000"
	uAPilot2 = "01JVSERAP110T2000000000000"
	uBAdmin  = "01JVSERBADM1N0000000000000"
	uBPilot  = "01JVSERBP110T0000000000000"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

var cursorKey = []byte("0123456789abcdef0123456789abcdef")

type fixture struct {
	models  readmodel.Store
	proj    *projection.Handler
	svc     *queryapi.Service
	router  *httpapi.Router
	seq     int
	version map[string]int64
	users   map[string]domain.Principal
}

func keyID(user string) string { return "K" + user[1:] }

func newFixture(t testing.TB, opts ...func(*queryapi.Deps)) *fixture {
	t.Helper()
	return newFixtureOn(t, readmodel.NewEmbedded(), opts...)
}

// newFixtureOn seeds the fixture into models through the real projector.
func newFixtureOn(t testing.TB, models readmodel.Store, opts ...func(*queryapi.Deps)) *fixture {
	t.Helper()
	f := &fixture{models: models, version: map[string]int64{}, users: map[string]domain.Principal{}}
	f.proj = projection.New(projection.Deps{Models: f.models, Projections: wire.Projections()})
	d := queryapi.Deps{Models: f.models, CursorKey: cursorKey, MinVersionWait: 300 * time.Millisecond, PollInterval: 5 * time.Millisecond,
		Modules: wire.QueryModules()}
	for _, o := range opts {
		o(&d)
	}
	f.svc = queryapi.New(d)
	f.router = f.svc.Router()
	f.tenant(t, tP, "Platform", true)
	f.tenant(t, tA, "Acme", false)
	f.tenant(t, tB, "Beta", false)
	f.user(t, uRoot, tP, domain.RolePlatformAdmin)
	f.user(t, uPOther, tP, domain.RoleViewer)
	f.user(t, uAAdmin, tA, domain.RoleTenantAdmin)
	f.user(t, uAPilot, tA, domain.RolePilot)
	f.user(t, uAViewer, tA, domain.RoleViewer)
	f.user(t, uAPilot2, tA, domain.RolePilot)
	f.user(t, uBAdmin, tB, domain.RoleTenantAdmin)
	f.user(t, uBPilot, tB, domain.RolePilot)
	return f
}

// emit projects one event through the real projector.
func (f *fixture) emit(t testing.TB, stream, typ, tenant string, data any) {
	t.Helper()
	f.emitThrough(t, f.proj, stream, typ, tenant, data)
}

// emitThrough projects one event, the stream's next version, through p.
func (f *fixture) emitThrough(t testing.TB, p *projection.Handler, stream, typ, tenant string, data any) {
	t.Helper()
	f.version[stream]++
	b, err := json.Marshal(data)
	require.NoError(t, err)
	f.seq++
	e := events.Envelope{EventID: fmt.Sprintf("01JEV%021d", f.seq), StreamID: stream, Version: f.version[stream], Type: typ,
		Schema: 1, TenantID: tenant, OccurredAt: t0.Add(time.Duration(f.seq) * time.Second), Actor: uRoot,
		CorrelationID: "c", CausationID: "c", Data: b}
	require.NoError(t, p.Project(context.Background(), []events.Change{{Envelope: e, Seq: fmt.Sprintf("%021d", f.seq), At: e.OccurredAt}}))
}

func (f *fixture) tenant(t testing.TB, id, name string, platform bool) {
	f.emit(t, identity.StreamTenant(id), identity.TenantCreated, id,
		identity.TenantCreatedData{TenantID: id, Name: name, Platform: platform, CreatedBy: "system", CreatedAt: t0})
}

func (f *fixture) user(t testing.TB, id, tenant string, role domain.Role) {
	f.emit(t, identity.StreamUser(id), identity.UserCreated, tenant, identity.UserCreatedData{UserID: id, TenantID: tenant,
		Email: id + "@example.com", DisplayName: "User " + id[5:9], Role: role, Status: "active", CreatedBy: uRoot, CreatedAt: t0})
	kid := keyID(id)
	f.emit(t, identity.StreamAPIKey(kid), identity.APIKeyCreated, tenant, identity.APIKeyCreatedData{KeyID: kid, TenantID: tenant,
		OwnerID: id, Name: "key of " + id, Prefix: "sk_" + kid, CreatedBy: id, CreatedAt: t0})
	f.users[id] = domain.Principal{UserID: id, TenantID: tenant, Role: role, KeyID: kid}
}

// request builds the API Gateway payload for a route key as the authorizer
// and the HTTP API would.
func request(p *domain.Principal, routeKey string, pathParams, query, headers map[string]string) lambdaevents.APIGatewayV2HTTPRequest {
	method, tmpl, _ := cut(routeKey)
	raw := tmpl
	for k, v := range pathParams {
		raw = replace(raw, "{"+k+"}", v)
	}
	req := lambdaevents.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: routeKey, RawPath: raw,
		PathParameters: pathParams, QueryStringParameters: query, Headers: headers}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.HTTP.Path = raw
	req.RequestContext.RequestID = "req-1"
	if p != nil {
		req.RequestContext.Authorizer = &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			Lambda: map[string]interface{}{domain.CtxUserID: p.UserID, domain.CtxTenantID: p.TenantID,
				domain.CtxRole: string(p.Role), domain.CtxKeyID: p.KeyID}}
	}
	return req
}

// do invokes the router and validates the response against docs/openapi.yaml.
func (f *fixture) do(t *testing.T, req lambdaevents.APIGatewayV2HTTPRequest) lambdaevents.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := f.router.Invoke(context.Background(), req)
	require.NoError(t, err)
	openapitest.ValidateV2(t, req, resp)
	return resp
}

func (f *fixture) get(t *testing.T, as string, routeKey string, path, query map[string]string) lambdaevents.APIGatewayV2HTTPResponse {
	t.Helper()
	p := f.users[as]
	return f.do(t, request(&p, routeKey, path, query, nil))
}

type list struct {
	Items      []map[string]any `json:"items"`
	NextCursor *string          `json:"next_cursor"`
}

func decodeList(t *testing.T, resp lambdaevents.APIGatewayV2HTTPResponse) list {
	t.Helper()
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	var l list
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &l))
	return l
}

func errField(t *testing.T, resp lambdaevents.APIGatewayV2HTTPResponse) string {
	t.Helper()
	var b httpapi.ErrorBody
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &b), resp.Body)
	f, _ := b.Error.Details["field"].(string)
	return f
}
