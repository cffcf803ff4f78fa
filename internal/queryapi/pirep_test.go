package queryapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skyledger/skyledger/internal/pirepapp"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// pirepFixture adds PIREPs to the identity fixture: a projector with the
// PIREP projections and a router with the PIREP routes.
type pirepFixture struct {
	*fixture
	pproj *projection.Handler
	ids   map[string]string // name -> id
}

func newPirepFixture(t *testing.T) *pirepFixture {
	t.Helper()
	return newPirepFixtureOn(t, readmodel.NewEmbedded())
}

func newPirepFixtureOn(t *testing.T, models readmodel.Store) *pirepFixture {
	t.Helper()
	f := &pirepFixture{fixture: newFixtureOn(t, models), ids: map[string]string{}}
	f.pproj = projection.New(projection.Deps{Models: f.models, Projections: pirepapp.Projections})
	r := httpapi.NewRouter(nil)
	pirepapp.Queries(f.svc, r) // the PIREP routes alone
	f.router = r
	return f
}

func (f *pirepFixture) emitPirep(t testing.TB, stream, typ, tenant string, data any) {
	t.Helper()
	f.emitThrough(t, f.pproj, stream, typ, tenant, data)
}

func (f *pirepFixture) submit(t testing.TB, name, user, raw string, at time.Time) string {
	t.Helper()
	id := fmt.Sprintf("01JP%022d", len(f.ids)+1)
	p := f.users[user]
	d, err := pirep.Submit(id, p.TenantID, p, pirep.Submission{Raw: raw}, at)
	require.NoError(t, err)
	f.emitPirep(t, pirep.Stream(id), pirep.EventSubmitted, p.TenantID, d)
	f.ids[name] = id
	return id
}

func (f *pirepFixture) retract(t testing.TB, name, user string) {
	t.Helper()
	id := f.ids[name]
	p := f.users[user]
	f.emitPirep(t, pirep.Stream(id), pirep.EventRetracted, p.TenantID,
		pirep.RetractedData{PirepID: id, TenantID: p.TenantID, RetractedBy: user, RetractedAt: t0, Reason: "test"})
}

func (f *pirepFixture) standard(t *testing.T) {
	f.submit(t, "P1", uAPilot, "KJFK UA /OV KJFK/TM 1150/FL080/TP B738/TB LGT", t0)
	f.submit(t, "P2", uAPilot, "PUB UA /OV PUB 243022/TM 1210/FL160/TP COL4/TB SEV", t0.Add(20*time.Minute))
	f.submit(t, "P3", uAAdmin, "UA /OV 3831N14418W/TM 1230/FLUNKN/TP C172/TA M05", t0.Add(40*time.Minute))
	f.submit(t, "P4", uAPilot2, "KCMH UA /OV APE 230010/TM 1300/FL085/TP BE20/TB LGT", t0.Add(60*time.Minute))
	f.retract(t, "P4", uAPilot2)
	f.submit(t, "P5", uBPilot, "UA /OV KDEN/TM 1200/FL100/TP PC12/TB MOD", t0.Add(30*time.Minute))
	f.submit(t, "P0", uRoot, "UA /OV KIAD/TM 1200/FL100/TP GLF5/TB LGT", t0.Add(30*time.Minute))
}

func (f *pirepFixture) names(t *testing.T, l list) []string {
	t.Helper()
	byID := map[string]string{}
	for n, id := range f.ids {
		byID[id] = n
	}
	out := []string{}
	for _, it := range l.Items {
		out = append(out, byID[it["id"].(string)])
	}
	return out
}

func TestPirepListFilters(t *testing.T) {
	t.Parallel()
	f := newPirepFixture(t)
	f.standard(t)
	tests := []struct {
		name  string
		query map[string]string
		want  []string
	}{
		{"default: newest first, retracted hidden", nil, []string{"P3", "P2", "P1"}},
		{"include retracted", map[string]string{"include_retracted": "true"}, []string{"P4", "P3", "P2", "P1"}},
		{"urgent", map[string]string{"urgent": "true"}, []string{"P2"}},
		{"routine", map[string]string{"urgent": "false"}, []string{"P3", "P1"}},
		{"min_fl", map[string]string{"min_fl": "100"}, []string{"P2"}},
		{"max_fl excludes UNKN", map[string]string{"max_fl": "100"}, []string{"P1"}},
		{"band", map[string]string{"min_fl": "50", "max_fl": "200"}, []string{"P2", "P1"}},
		{"aircraft type", map[string]string{"aircraft_type": "b738"}, []string{"P1"}},
		{"from", map[string]string{"from": "2026-11-26T12:00:00Z"}, []string{"P3", "P2"}},
		{"to", map[string]string{"to": "2026-11-26T12:00:00Z"}, []string{"P1"}},
		{"window", map[string]string{"from": "2026-11-26T12:05:00Z", "to": "2026-11-26T12:15:00Z"}, []string{"P2"}},
		{"bbox JFK", map[string]string{"bbox": "-75,40,-72,42"}, []string{"P1"}},
		{"bbox Pueblo radial", map[string]string{"bbox": "-106,37.5,-104.5,38.3"}, []string{"P2"}},
		{"bbox lat/long", map[string]string{"bbox": "-146,37,-143,40"}, []string{"P3"}},
		{"bbox nothing", map[string]string{"bbox": "0,0,10,10"}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := decodeList(t, f.get(t, uAViewer, "GET /api/pireps", nil, tc.query))
			assert.Equal(t, tc.want, f.names(t, l))
			assert.Nil(t, l.NextCursor)
		})
	}
}

func TestPirepListPaginationAndFormats(t *testing.T) {
	t.Parallel()
	f := newPirepFixture(t)
	f.standard(t)
	// limit 1 walks all pages; a cursor is bound to its filters
	var got []string
	q := map[string]string{"limit": "1"}
	var cursor string
	for i := 0; i < 10; i++ {
		l := decodeList(t, f.get(t, uAPilot, "GET /api/pireps", nil, q))
		got = append(got, f.names(t, l)...)
		if l.NextCursor == nil {
			break
		}
		cursor = *l.NextCursor
		q = map[string]string{"limit": "1", "cursor": cursor}
	}
	assert.Equal(t, []string{"P3", "P2", "P1"}, got)
	resp := f.get(t, uAPilot, "GET /api/pireps", nil, map[string]string{"limit": "1", "cursor": cursor, "urgent": "true"})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)
	assert.Equal(t, "cursor", errField(t, resp))

	// AWC
	resp = f.get(t, uAPilot, "GET /api/pireps", nil, map[string]string{"format": "awc", "urgent": "true"})
	var awc struct {
		Items []pirep.AWC `json:"items"`
	}
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &awc))
	require.Len(t, awc.Items, 1)
	assert.Equal(t, "Urgent PIREP", awc.Items[0].PirepType)
	assert.Equal(t, "SEV", awc.Items[0].TbInt1)
	assert.Equal(t, "PUB UUA /OV PUB243022/TM 1210/FL160/TP COL4/TB SEV", awc.Items[0].RawOb)
	assert.Equal(t, t0.Add(10*time.Minute).Unix(), awc.Items[0].ObsTime)

	// raw feed: ?format=raw and Accept: text/plain, one report per line
	for _, req := range []lambdaevents.APIGatewayV2HTTPRequest{
		request(ptrP(f.users[uAViewer]), "GET /api/pireps", nil, map[string]string{"format": "raw"}, nil),
		request(ptrP(f.users[uAViewer]), "GET /api/pireps", nil, nil, map[string]string{"accept": "text/plain"}),
	} {
		resp := f.do(t, req)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
		assert.Equal(t, "text/plain; charset=utf-8", resp.Headers["Content-Type"])
		assert.Equal(t, "UA /OV 3831N14418W/TM 1230/FLUNKN/TP C172/TA M05\n"+
			"PUB UUA /OV PUB243022/TM 1210/FL160/TP COL4/TB SEV\n"+
			"KJFK UA /OV KJFK/TM 1150/FL080/TP B738/TB LGT\n", resp.Body)
	}
	resp = f.get(t, uAViewer, "GET /api/pireps", nil, map[string]string{"format": "raw", "limit": "2"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 2, strings.Count(resp.Body, "\n"))
	assert.NotEmpty(t, resp.Headers["X-Next-Cursor"])
}

func ptrP[T any](v T) *T { return &v }

// TestPirepListScansPages: filtered pagination across read-model scan
// pages returns every match exactly once, in order.
func TestPirepListScansPages(t *testing.T) {
	t.Parallel()
	f := newPirepFixture(t)
	var want []string
	for i := 0; i < 230; i++ {
		tb := "LGT"
		if i%3 == 0 {
			tb = "SEV"
		}
		name := fmt.Sprintf("X%03d", i)
		f.submit(t, name, uAPilot, "UA /OV KJFK/TM 1150/FL080/TP B738/TB "+tb, t0.Add(time.Duration(i)*time.Second))
		if i%3 == 0 {
			want = append([]string{name}, want...)
		}
	}
	var got []string
	q := map[string]string{"limit": "7", "urgent": "true"}
	for pages := 0; pages < 100; pages++ {
		l := decodeList(t, f.get(t, uAPilot, "GET /api/pireps", nil, q))
		assert.LessOrEqual(t, len(l.Items), 7)
		got = append(got, f.names(t, l)...)
		if l.NextCursor == nil {
			break
		}
		q["cursor"] = *l.NextCursor
	}
	assert.Equal(t, want, got)
}

func TestPirepGet(t *testing.T) {
	t.Parallel()
	f := newPirepFixture(t)
	f.standard(t)
	path := map[string]string{"id": f.ids["P2"]}
	resp := f.get(t, uAViewer, "GET /api/pireps/{id}", path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	var v pirepapp.Pirep
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &v))
	assert.Equal(t, f.ids["P2"], v.ID)
	assert.Equal(t, tA, v.TenantID)
	assert.Equal(t, uAPilot, v.SubmittedBy)
	assert.True(t, v.Urgent)
	assert.Equal(t, `"1"`, resp.Headers["ETag"])
	assert.Equal(t, 160, *v.Report.Altitude.Level)

	p := f.users[uAViewer]
	resp = f.do(t, request(&p, "GET /api/pireps/{id}", path, nil, map[string]string{"if-none-match": `"1"`}))
	assert.Equal(t, http.StatusNotModified, resp.StatusCode)

	resp = f.get(t, uAViewer, "GET /api/pireps/{id}", path, map[string]string{"format": "raw"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "PUB UUA /OV PUB243022/TM 1210/FL160/TP COL4/TB SEV\n", resp.Body)

	resp = f.get(t, uAViewer, "GET /api/pireps/{id}", path, map[string]string{"format": "awc"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var a pirep.AWC
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &a))
	assert.Equal(t, "COL4", a.AcType)
	require.NotNil(t, a.Lat)

	resp = f.get(t, uAViewer, "GET /api/pireps/{id}", map[string]string{"id": f.ids["P4"]}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &v))
	assert.Equal(t, pirep.StatusRetracted, v.Status)
	assert.Equal(t, int64(2), v.Version)

	resp = f.get(t, uAViewer, "GET /api/pireps/{id}", map[string]string{"id": "01JP0000000000000000000099"}, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestPirepOldStoredReportReadsWithEmptyWarnings: a read model body
// written before warnings existed is served with "warnings": [] (single
// report and list).
func TestPirepOldStoredReportReadsWithEmptyWarnings(t *testing.T) {
	t.Parallel()
	f := newPirepFixture(t)
	f.standard(t)
	ctx := context.Background()
	it, err := f.models.Get(ctx, pirepapp.PirepPK(f.ids["P2"]), pirepapp.SKPirep)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(it.Body, &body))
	require.Contains(t, body, "warnings", "new bodies carry the list")
	delete(body, "warnings")
	it.Body, err = json.Marshal(body)
	require.NoError(t, err)
	it.SourceVersion++
	_, err = f.models.Put(ctx, it)
	require.NoError(t, err)

	resp := f.get(t, uAViewer, "GET /api/pireps/{id}", map[string]string{"id": f.ids["P2"]}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	assert.Contains(t, resp.Body, `"warnings":[]`)
	resp = f.get(t, uAViewer, "GET /api/pireps", nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	var list struct {
		Items []map[string]any `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &list))
	require.NotEmpty(t, list.Items)
	for _, item := range list.Items {
		assert.Equal(t, []any{}, item["warnings"])
	}
}

func TestPirepQueryBadInput(t *testing.T) {
	t.Parallel()
	f := newPirepFixture(t)
	tests := []struct {
		name  string
		query map[string]string
		field string
	}{
		{"from", map[string]string{"from": "yesterday"}, "from"},
		{"to before from", map[string]string{"from": "2026-11-26T12:00:00Z", "to": "2026-11-26T11:00:00Z"}, "to"},
		{"urgent", map[string]string{"urgent": "yes"}, "urgent"},
		{"min_fl", map[string]string{"min_fl": "1000"}, "min_fl"},
		{"max_fl below min_fl", map[string]string{"min_fl": "100", "max_fl": "50"}, "max_fl"},
		{"aircraft_type", map[string]string{"aircraft_type": "BOEING"}, "aircraft_type"},
		{"bbox", map[string]string{"bbox": "1,2,3"}, "bbox"},
		{"format", map[string]string{"format": "xml"}, "format"},
		{"limit", map[string]string{"limit": "0"}, "limit"},
		{"cursor", map[string]string{"cursor": "forged.cursor"}, "cursor"},
		{"tenant_id", map[string]string{"tenant_id": "a b"}, "tenant_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.get(t, uAPilot, "GET /api/pireps", nil, tc.query)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)
			assert.Equal(t, tc.field, errField(t, resp))
		})
	}
}

// TestPirepQueryRBAC: every role x own/other/platform tenant for both PIREP
// queries (platform_admin's own tenant is the platform tenant).
func TestPirepQueryRBAC(t *testing.T) {
	t.Parallel()
	f := newPirepFixture(t)
	f.standard(t)
	callers := map[string]string{"platform_admin": uRoot, "tenant_admin": uAAdmin, "pilot": uAPilot, "viewer": uAViewer}
	own := map[string]string{"platform_admin": "P0", "tenant_admin": "P1", "pilot": "P1", "viewer": "P1"}
	want := map[string]map[string]int{
		"list own":      {"platform_admin": 200, "tenant_admin": 200, "pilot": 200, "viewer": 200},
		"list other":    {"platform_admin": 200, "tenant_admin": 404, "pilot": 404, "viewer": 404},
		"get own":       {"platform_admin": 200, "tenant_admin": 200, "pilot": 200, "viewer": 200},
		"get other":     {"platform_admin": 200, "tenant_admin": 404, "pilot": 404, "viewer": 404},
		"list platform": {"platform_admin": 200, "tenant_admin": 404, "pilot": 404, "viewer": 404},
		"get platform":  {"platform_admin": 200, "tenant_admin": 404, "pilot": 404, "viewer": 404},
	}
	n := 0
	for role, user := range callers {
		resp := f.get(t, user, "GET /api/pireps", nil, nil)
		assert.Equal(t, want["list own"][role], resp.StatusCode, "list own as %s", role)
		resp = f.get(t, user, "GET /api/pireps", nil, map[string]string{"tenant_id": tB})
		assert.Equal(t, want["list other"][role], resp.StatusCode, "list other as %s", role)
		if resp.StatusCode == http.StatusOK {
			assert.Equal(t, []string{"P5"}, f.names(t, decodeList(t, resp)))
		}
		resp = f.get(t, user, "GET /api/pireps/{id}", map[string]string{"id": f.ids[own[role]]}, nil)
		assert.Equal(t, want["get own"][role], resp.StatusCode, "get own as %s", role)
		resp = f.get(t, user, "GET /api/pireps/{id}", map[string]string{"id": f.ids["P5"]}, nil)
		assert.Equal(t, want["get other"][role], resp.StatusCode, "get other as %s", role)
		resp = f.get(t, user, "GET /api/pireps", nil, map[string]string{"tenant_id": tP})
		assert.Equal(t, want["list platform"][role], resp.StatusCode, "list platform as %s", role)
		if resp.StatusCode == http.StatusOK {
			assert.Equal(t, []string{"P0"}, f.names(t, decodeList(t, resp)))
		}
		resp = f.get(t, user, "GET /api/pireps/{id}", map[string]string{"id": f.ids["P0"]}, nil)
		assert.Equal(t, want["get platform"][role], resp.StatusCode, "get platform as %s", role)
		n += 6
	}
	assert.Equal(t, 6*len(callers), n)
	t.Logf("PIREP query RBAC: %d cases", n)
}

// TestPirepQueriesOnDynamoDB runs the filtered, descending, time-bounded
// listing and the single GET against the DynamoDB adapter (moto).
func TestPirepQueriesOnDynamoDB(t *testing.T) {
	t.Parallel()
	c, prefix := awstest.Tables(t, spec.ReadModel)
	f := newPirepFixtureOn(t, readmodel.NewDynamo(c, readmodel.TableFor(prefix)))
	f.standard(t)
	for _, tc := range []struct {
		query map[string]string
		want  []string
	}{
		{nil, []string{"P3", "P2", "P1"}},
		{map[string]string{"from": "2026-11-26T12:05:00Z", "to": "2026-11-26T12:15:00Z"}, []string{"P2"}},
		{map[string]string{"urgent": "false", "include_retracted": "true"}, []string{"P4", "P3", "P1"}},
		{map[string]string{"bbox": "-75,40,-72,42"}, []string{"P1"}},
	} {
		assert.Equal(t, tc.want, f.names(t, decodeList(t, f.get(t, uAPilot, "GET /api/pireps", nil, tc.query))), "%v", tc.query)
	}
	var got []string
	q := map[string]string{"limit": "2"}
	for pages := 0; pages < 5; pages++ {
		l := decodeList(t, f.get(t, uAPilot, "GET /api/pireps", nil, q))
		got = append(got, f.names(t, l)...)
		if l.NextCursor == nil {
			break
		}
		q["cursor"] = *l.NextCursor
	}
	assert.Equal(t, []string{"P3", "P2", "P1"}, got)
	resp := f.get(t, uAViewer, "GET /api/pireps/{id}", map[string]string{"id": f.ids["P4"]}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	assert.Contains(t, resp.Body, `"status":"retracted"`)
	resp = f.get(t, uBPilot, "GET /api/pireps/{id}", map[string]string{"id": f.ids["P1"]}, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
