package commandapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/pirepapp"
)

const aimText = "KCMH UA /OV APE 230010/TM 1516/FL085/TP BE20/SK BKN065/WX FV03SM HZ FU/TA 20/TB LGT"

func TestPirepSubmitAndRetract(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	pilot, pilotKey := e.createUser(b.Key, t1, "pilot@acme.example", domain.RolePilot)

	// text submission: canonical text, automatic type, /TM dated against receipt (12:00Z)
	resp := e.do(e.req("pirep_post").as(e, pilotKey).body(map[string]any{"raw": aimText + "="}))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	v := decode[pirepapp.Pirep](t, resp)
	assert.Equal(t, t1, v.TenantID)
	assert.Equal(t, pilot.ID, v.SubmittedBy)
	assert.Equal(t, pirep.Routine, v.Type)
	assert.False(t, v.Urgent)
	assert.Equal(t, "KCMH UA /OV APE230010/TM 1516/FL085/TP BE20/SK BKN065/WX FV03SM HZ FU/TA 20/TB LGT", v.Raw)
	assert.Equal(t, "2026-11-25T15:16:00Z", v.ObservedAt.Format("2006-01-02T15:04:05Z07:00"), "1516 is later than 12:00: previous day")
	assert.Equal(t, int64(1), v.Version)
	assert.Equal(t, pirep.StatusActive, v.Status)
	assert.Equal(t, `"1"`, resp.Headers["ETag"])
	assert.Equal(t, "pirep-"+v.ID, resp.Headers["X-Stream-Id"])
	assert.Equal(t, "/api/pireps/"+v.ID, resp.Headers["Location"])
	evs, err := events.LoadAll(context.Background(), e.store, "pirep-"+v.ID)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, pirep.EventSubmitted, evs[0].Type)
	assert.Equal(t, t1, evs[0].TenantID)
	var d pirep.SubmittedData
	require.NoError(t, json.Unmarshal(evs[0].Data, &d))
	assert.Equal(t, v.Raw, d.Raw)
	assert.Equal(t, "text", d.Source)
	assert.Equal(t, v.Report, d.Report)

	// structured submission: automatic UUA
	resp = e.do(e.req("pirep_post").as(e, pilotKey).body(map[string]any{
		"location": map[string]any{"points": []any{map[string]any{"fix": "KJFK"}}}, "time": "1130",
		"altitude": map[string]any{"level": 8}, "aircraft_type": "B738",
		"remarks": "LLWS -15 KT SFC-008 RY22"}))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	u := decode[pirepapp.Pirep](t, resp)
	assert.Equal(t, pirep.Urgent, u.Type)
	assert.True(t, u.Urgent)
	assert.Equal(t, []string{pirep.ReasonLLWS}, u.UrgentReasons)
	assert.Equal(t, "UUA /OV KJFK/TM 1130/FL008/TP B738/RM LLWS -15 KT SFC-008 RY22", u.Raw)
	require.NotNil(t, u.Position)

	// retract: reason required, If-Match honoured, then 200, then 409
	retract := func(key, id string, body any, ifMatch string) httpapi.Response {
		c := e.req("pirep_retract").as(e, key).path(id).body(body)
		if ifMatch != "" {
			c = c.header("if-match", ifMatch)
		}
		return e.do(c)
	}
	r := retract(pilotKey, v.ID, map[string]any{}, "")
	require.Equal(t, http.StatusBadRequest, r.StatusCode, r.Body)
	assert.Equal(t, "reason", decode[errBody](t, r).Error.Details["field"])
	r = retract(pilotKey, v.ID, map[string]any{"reason": "dup"}, `"7"`)
	require.Equal(t, http.StatusPreconditionFailed, r.StatusCode, r.Body)
	r = retract(pilotKey, v.ID, map[string]any{"reason": "duplicate report"}, `"1"`)
	require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
	rv := decode[pirepapp.Pirep](t, r)
	assert.Equal(t, pirep.StatusRetracted, rv.Status)
	assert.Equal(t, "duplicate report", *rv.RetractReason)
	assert.Equal(t, pilot.ID, *rv.RetractedBy)
	assert.Equal(t, int64(2), rv.Version)
	assert.Equal(t, `"2"`, r.Headers["ETag"])
	r = retract(pilotKey, v.ID, map[string]any{"reason": "again"}, "")
	assert.Equal(t, http.StatusConflict, r.StatusCode, r.Body)
	r = retract(pilotKey, "01JDV3K5Q1W7ZJ8Y9X2M4N6P8Z", map[string]any{"reason": "x"}, "")
	assert.Equal(t, http.StatusNotFound, r.StatusCode, r.Body)
	evs, err = events.LoadAll(context.Background(), e.store, "pirep-"+v.ID)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, pirep.EventRetracted, evs[1].Type)
	var rd pirep.RetractedData
	require.NoError(t, json.Unmarshal(evs[1].Data, &rd))
	assert.Equal(t, "duplicate report", rd.Reason)

	// "urgent": true is a manual upgrade of a routine report
	resp = e.do(e.req("pirep_post").as(e, pilotKey).body(map[string]any{"raw": aimText, "urgent": true}))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	up := decode[pirepapp.Pirep](t, resp)
	assert.Equal(t, pirep.Urgent, up.Type)
	assert.True(t, up.Urgent)
	assert.Empty(t, up.UrgentReasons)

	// Idempotency-Key returns the first result
	first := e.do(e.req("pirep_post").as(e, pilotKey).header("idempotency-key", "pirep-key-1").body(map[string]any{"raw": aimText}))
	require.Equal(t, http.StatusCreated, first.StatusCode, first.Body)
	n := e.eventCount()
	again := e.do(e.req("pirep_post").as(e, pilotKey).header("idempotency-key", "pirep-key-1").body(map[string]any{"raw": aimText}))
	assert.Equal(t, first.Body, again.Body)
	assert.Equal(t, n, e.eventCount())
}

// TestPirepSubmitWarnings: a report with parts the parser cannot decode
// is accepted (201) with the warnings; raw keeps those parts as written.
func TestPirepSubmitWarnings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	_, key := e.createUser(b.Key, t1, "pilot@acme.example", domain.RolePilot)
	resp := e.do(e.req("pirep_post").as(e, key).body(map[string]any{
		"raw": "KDEN UA /OV RY 17R SHORT FINAL /TM 1150 /FL008 /TP B738 /TB LGT UNKN /RM 15KT LOSS ON FINAL"}))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	v := decode[pirepapp.Pirep](t, resp)
	assert.Equal(t, "KDEN UUA /OV RY 17R SHORT FINAL/TM 1150/FL008/TP B738/TB LGT UNKN/RM 15KT LOSS ON FINAL", v.Raw)
	assert.Equal(t, pirep.Warnings{
		{Element: "/OV", Text: "RY 17R SHORT FINAL", Message: pirep.MsgPositionText},
		{Element: "/TB", Text: "LGT UNKN", Message: `turbulence layer not decoded: kept as written (at "UNKN")`},
	}, v.Warnings)
	assert.Equal(t, v.Warnings, v.Report.Warnings)
	assert.Equal(t, []string{pirep.ReasonAirspeed}, v.UrgentReasons, "airspeed loss on final: urgent")
	assert.Nil(t, v.Position, "a free-text position is unlocated")
	assert.Contains(t, resp.Body, `"warnings":[{"element":"/OV","text":"RY 17R SHORT FINAL"`)

	// a report without warnings carries an empty list
	resp = e.do(e.req("pirep_post").as(e, key).body(map[string]any{"raw": "KDEN UA /OV KDEN/TM 1150/FL080/TP B738/TB LGT"}))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	assert.Contains(t, resp.Body, `"warnings":[]`)
}

func TestPirepSubmitRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	_, key := e.createUser(b.Key, t1, "pilot@acme.example", domain.RolePilot)
	structured := func(extra map[string]any) map[string]any {
		m := map[string]any{"location": map[string]any{"points": []any{map[string]any{"fix": "KJFK"}}}, "time": "1130",
			"altitude": map[string]any{"level": 80}, "aircraft_type": "B738"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		body  any
		field string
		msg   string
	}{
		{"missing mandatory element", map[string]any{"raw": "UA /OV ABC/TM 1200/TP C172/TB LGT"}, "raw", "missing mandatory element /FL"},
		{"bad time", map[string]any{"raw": "UA /OV ABC/TM 2500/FL100/TP C172/TB LGT"}, "raw", "/TM at byte 14"},
		{"bad altitude", map[string]any{"raw": "UA /OV ABC/TM 1200/FL1X0/TP C172/TB LGT"}, "raw", "invalid altitude"},
		{"junk in a mandatory element", map[string]any{"raw": "UA /OV ABC/TM 1200/FL100/TP C172/XX 12/TB LGT"}, "raw", "/TP at byte 28: expected one aircraft type"},
		{"not a PIREP", map[string]any{"raw": "ABC123 4512S 17000E 0500 F350 MS45 280/40"}, "raw", "not a PIREP"},
		{"unreadable position", map[string]any{"raw": "UA /OV X/YZ/TM 1200/FL100/TP C172/TB LGT"}, "raw", "/OV at byte 7: unreadable position"},
		{"oversize remarks", map[string]any{"raw": "UA /OV ABC/TM 1200/FL100/TP C172/RM " + strings.Repeat("X", 300)}, "raw", "at most 256 bytes"},
		{"no weather element", map[string]any{"raw": "UA /OV ABC/TM 1200/FL100/TP C172"}, "raw", "no weather element"},
		{"empty raw", map[string]any{"raw": ""}, "raw", "required"},
		{"no body fields", map[string]any{}, "raw", "required"},
		{"raw and structure", map[string]any{"raw": "UA", "time": "1200"}, "raw", "not both"},
		{"unknown field", map[string]any{"raw": "UA", "color": "red"}, "color", "unknown field"},
		{"wrong JSON type", structured(map[string]any{"altitude": map[string]any{"level": "high"}}), "altitude.level", "number"},
		{"structured field", structured(map[string]any{"turbulence": []any{map[string]any{"intensity": "WILD"}}}), "turbulence[0].intensity", "invalid intensity"},
		{"structured no weather", structured(nil), "report", "no weather element"},
		{"downgrade refused", structured(map[string]any{"type": "UA", "icing": []any{map[string]any{"intensity": "SEV"}}}), "type", "urgent"},
		{"bad type", structured(map[string]any{"type": "XX", "temperature": 5}), "type", "invalid type"},
		{"not an object", "[]", "body", "JSON object"},
	}
	before := e.eventCount()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(e.req("pirep_post").as(e, key).body(tc.body))
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)
			eb := decode[errBody](t, resp)
			assert.Equal(t, "validation", eb.Error.Code)
			assert.Equal(t, tc.field, eb.Error.Details["field"], eb.Error.Message)
			assert.Contains(t, eb.Error.Message, tc.msg)
		})
	}
	assert.Equal(t, before, e.eventCount(), "refused submissions write nothing")
}

// TestPirepRBAC: every role x own/other/platform tenant for both PIREP
// commands (platform_admin's own tenant is the platform tenant).
func TestPirepRBAC(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	t2 := e.createTenant(b.Key, "Globex")
	const (
		PA = domain.RolePlatformAdmin
		TA = domain.RoleTenantAdmin
		PI = domain.RolePilot
		VI = domain.RoleViewer
	)
	keys := map[domain.Role]string{PA: b.Key}
	tenantOf := map[domain.Role]string{PA: b.TenantID}
	for i, r := range []domain.Role{TA, PI, VI} {
		_, keys[r] = e.createUser(b.Key, t1, fmt.Sprintf("m%d@acme.example", i), r)
		tenantOf[r] = t1
	}
	submitter := map[string]string{}
	for i, tn := range []string{b.TenantID, t1, t2} {
		_, submitter[tn] = e.createUser(b.Key, tn, fmt.Sprintf("sub%d@example.com", i), PI)
	}
	newPirep := func(tenant string) string {
		resp := e.do(e.req("pirep_post").as(e, submitter[tenant]).body(map[string]any{"raw": aimText}))
		require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
		return decode[struct{ ID string }](t, resp).ID
	}
	type exp map[domain.Role]int
	want := map[string]map[string]exp{
		"submit": {"own": {PA: 201, TA: 201, PI: 201, VI: 403}, "other": {PA: 201, TA: 404, PI: 404, VI: 404},
			"platform": {PA: 201, TA: 404, PI: 404, VI: 404}},
		"retract": {"own": {PA: 200, TA: 200, PI: 403, VI: 403}, "other": {PA: 200, TA: 404, PI: 404, VI: 404},
			"platform": {PA: 200, TA: 404, PI: 404, VI: 404}},
	}
	n := 0
	for _, w := range []string{"own", "other", "platform"} {
		for _, role := range domain.Roles {
			target := tenantOf[role]
			switch w {
			case "other":
				target = t2
			case "platform":
				target = b.TenantID
			}
			body := map[string]any{"raw": aimText}
			if w != "own" {
				body["tenant_id"] = target
			}
			resp := e.do(e.req("pirep_post").as(e, keys[role]).body(body))
			assert.Equal(t, want["submit"][w][role], resp.StatusCode, "submit %s as %s: %s", w, role, resp.Body)
			if resp.StatusCode == http.StatusCreated {
				assert.Equal(t, target, decode[pirepapp.Pirep](t, resp).TenantID)
			}
			id := newPirep(target)
			resp = e.do(e.req("pirep_retract").as(e, keys[role]).path(id).body(map[string]any{"reason": "test"}))
			assert.Equal(t, want["retract"][w][role], resp.StatusCode, "retract %s as %s: %s", w, role, resp.Body)
			n += 2
		}
	}
	// the submitter may retract its own report
	id := newPirep(t1)
	resp := e.do(e.req("pirep_retract").as(e, submitter[t1]).path(id).body(map[string]any{"reason": "mine"}))
	assert.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	// platform_admin into an unknown tenant: 404
	resp = e.do(e.req("pirep_post").as(e, b.Key).body(map[string]any{"raw": aimText, "tenant_id": "01JDV3K5Q1W7ZJ8Y9X2M4N6P8Z"}))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, resp.Body)
	t.Logf("PIREP RBAC: %d cases", n+2)
}

// FuzzPirepSubmitBody: no body makes POST /api/pireps fail with a 5xx, and
// every 400 names a field.
func FuzzPirepSubmitBody(f *testing.F) {
	for _, s := range []string{
		golden("pirep_post").Body, `{"raw":""}`, `{"":0}`, `{"Report":{}}`,
		`{"raw":"UA /OV ABC/TM 1200/FL100/TP C172/TB LGT","urgent":true}`,
		`{"location":{"points":[{"fix":"KJFK","radial":90,"distance":10}]},"time":"1150","altitude":{"level":80},"aircraft_type":"B738","icing":[{"intensity":"SEV"}]}`,
		`{"type":"UA","location":{"points":[{"lat":95}]},"time":"2400"}`,
	} {
		f.Add(s)
	}
	tg := newTargets(f)
	f.Fuzz(func(t *testing.T, body string) {
		checkFuzzResponse(t, tg, tg.request("pirep_post", body), body)
	})
}

// FuzzPirepRetractBody: the same for POST /api/pireps/{id}/retract on a
// real report.
func FuzzPirepRetractBody(f *testing.F) {
	for _, s := range []string{golden("pirep_retract").Body, `{"reason":""}`, `{"reason":1}`, `{}`, `{"":0}`} {
		f.Add(s)
	}
	tg := newTargets(f)
	resp, err := tg.e.router.Invoke(f.Context(), tg.request("pirep_post", golden("pirep_post").Body))
	if err != nil || resp.StatusCode != http.StatusCreated {
		f.Fatalf("submit: %v %d %s", err, resp.StatusCode, resp.Body)
	}
	var v struct{ ID string }
	if err := json.Unmarshal([]byte(resp.Body), &v); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := tg.request("pirep_retract", body)
		req.PathParameters = map[string]string{"id": v.ID}
		checkFuzzResponse(t, tg, req, body)
	})
}

func checkFuzzResponse(t *testing.T, tg *targets, req httpapi.Request, body string) {
	resp, err := tg.e.router.Invoke(t.Context(), req)
	if err != nil {
		t.Fatalf("router error: %v", err)
	}
	if resp.StatusCode >= 500 {
		t.Fatalf("%s with %q: %d %s", req.RouteKey, body, resp.StatusCode, resp.Body)
	}
	if resp.StatusCode == http.StatusBadRequest {
		var eb errBody
		if err := json.Unmarshal([]byte(resp.Body), &eb); err != nil {
			t.Fatalf("400 body is not the error envelope: %s", resp.Body)
		}
		if f, _ := eb.Error.Details["field"].(string); f == "" {
			t.Fatalf("400 without a field name: %s", resp.Body)
		}
	}
}
