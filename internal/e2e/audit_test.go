package e2e_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/wire"
)

func TestAuditEmbedded(t *testing.T) {
	t.Parallel()
	auditFlow(t, newSystem(t, wire.ModeEmbedded))
}

func TestAuditEndpoint(t *testing.T) {
	t.Parallel()
	auditFlow(t, newSystem(t, wire.ModeEndpoint))
}

// auditFlow: who may read a trail, what an entry says, filters, paging,
// exports, and that no entry carries a secret or a hash.
func auditFlow(t *testing.T, s *system) {
	root, _ := s.bootstrap()
	acme := str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Acme Air"})).body, "id")
	other := str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Other Air"})).body, "id")
	s.must(201, s.call("POST", "/api/tenants/"+acme+"/users", root, map[string]any{"email": "ops@acme.example",
		"password": "Blue-Heron-Cove-71", "role": "tenant_admin", "display_name": "Ops"}))
	patID := str(s.must(201, s.call("POST", "/api/tenants/"+acme+"/users", root, map[string]any{"email": "pat@acme.example",
		"password": "Red-Kestrel-Glide-42", "role": "pilot", "display_name": "Pat"})).body, "id")
	s.must(201, s.call("POST", "/api/tenants/"+other+"/users", root, map[string]any{"email": "olly@other.example",
		"password": "Green-Finch-Dawn-33", "role": "tenant_admin", "display_name": "Olly"}))
	ops := s.login("ops@acme.example", "Blue-Heron-Cove-71")
	pat := s.login("pat@acme.example", "Red-Kestrel-Glide-42")
	olly := s.login("olly@other.example", "Green-Finch-Dawn-33")
	s.must(201, s.call("POST", "/api/apikeys", pat, map[string]any{"name": "efb"}))
	pirepID := str(s.must(201, s.call("POST", "/api/pireps", pat, map[string]any{"raw": "DEN UA /OV DEN/TM 1200/FL080/TP C172/TB LGT"})).body, "id")
	s.must(200, s.call("POST", "/api/pireps/"+pirepID+"/retract", pat, map[string]any{"reason": "duplicate"}))
	s.must(200, s.call("PATCH", "/api/users/"+patID, ops, map[string]any{"role": "viewer"}))

	list := func(key, query string) []map[string]any {
		r := s.must(200, s.call("GET", "/api/audit"+query, key, nil))
		var out []map[string]any
		for _, it := range r.body["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	var all []map[string]any
	s.eventually(func() bool {
		all = list(ops, "?limit=200")
		return len(all) > 0 && all[0]["type"] == "user.role_changed"
	}, "the role change reaches the trail")

	// newest first; the sentence names both people
	for _, e := range all {
		t.Log(e["type"], ": ", e["summary"])
	}
	assert.Equal(t, "Ops changed Pat's role from pilot to viewer", all[0]["summary"])
	assert.Equal(t, map[string]any{"id": all[0]["actor"].(map[string]any)["id"], "display_name": "Ops", "kind": "user"}, all[0]["actor"])
	types := map[string]bool{}
	for i, e := range all {
		types[e["type"].(string)] = true
		assert.Equal(t, acme, e["tenant_id"], "only the tenant's own events")
		if i > 0 {
			assert.GreaterOrEqual(t, all[i-1]["occurred_at"], e["occurred_at"], "newest first")
		}
		// payloads never carry a secret or a hash
		b, _ := json.Marshal(e["data"])
		for _, bad := range []string{"hash", "secret", "password\"", "Red-Kestrel", "sk_"} {
			if bad == "sk_" && e["type"] == "apikey.created" {
				continue // the key's display prefix sk_<id> is not a secret
			}
			assert.NotContains(t, strings.ToLower(string(b)), strings.ToLower(bad), "%s: %s", e["type"], b)
		}
	}
	for _, want := range []string{"tenant.created", "user.created", "apikey.created", "pirep.submitted", "pirep.retracted", "user.role_changed"} {
		assert.True(t, types[want], "trail has %s", want)
	}

	// filters: stream, type (repeated), actor; paging keeps the filter
	stream := list(ops, "?stream_id=pirep-"+pirepID)
	require.Len(t, stream, 2)
	assert.Equal(t, "pirep.retracted", stream[0]["type"])
	assert.Equal(t, "Pat retracted a PIREP: duplicate", stream[0]["summary"])
	both := list(ops, "?type=pirep.submitted&type=user.role_changed")
	assert.Len(t, both, 2)
	byPat := list(ops, "?actor="+patID)
	for _, e := range byPat {
		assert.Equal(t, patID, e["actor"].(map[string]any)["id"])
	}
	assert.Len(t, byPat, 3, "key, submit, retract")
	page1 := s.must(200, s.call("GET", "/api/audit?limit=2", ops, nil))
	next := str(page1.body, "next_cursor")
	require.NotEmpty(t, next)
	page2 := s.must(200, s.call("GET", "/api/audit?limit=2&cursor="+url.QueryEscape(next), ops, nil))
	assert.Equal(t, all[2]["event_id"], page2.body["items"].([]any)[0].(map[string]any)["event_id"])
	s.must(400, s.call("GET", "/api/audit?limit=2&type=user.created&cursor="+url.QueryEscape(next), ops, nil))

	// exports: the same selection, unpaginated
	nd := s.must(200, s.callUnchecked("GET", "/api/audit?format=ndjson", ops, nil))
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(nd.raw))
	for sc.Scan() {
		var e map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		lines++
	}
	assert.Equal(t, len(all), lines)
	cv := s.must(200, s.callUnchecked("GET", "/api/audit?format=csv&stream_id=pirep-"+pirepID, ops, nil))
	rows, err := csv.NewReader(bytes.NewReader(cv.raw)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 3, "header + 2 entries")
	assert.Equal(t, "summary", rows[0][8])
	assert.Equal(t, "pirep.retracted", rows[1][4])

	// who may read: tenant_admin own (tenant_id optional), another tenant
	// 404, pilot/viewer 403, platform_admin any tenant
	s.must(404, s.call("GET", "/api/audit?tenant_id="+acme, olly, nil))
	s.must(403, s.call("GET", "/api/audit", pat, nil))
	assert.Equal(t, len(all), len(list(root, "?limit=200&tenant_id="+acme)))
	s.must(404, s.call("GET", "/api/audit?tenant_id=01JN0SVCHTENANT00000000000", root, nil))
	for _, tc := range []struct{ name, query, field string }{
		{"time", "?from=yesterday", "from"},
		{"type", "?type=nodot", "type"},
		{"actor", "?actor=x", "actor"},
		{"format", "?format=xml", "format"},
		{"stream", "?stream_id=nope", "stream_id"},
		{"stream id", "?stream_id=pirep-x", "stream_id"},
	} {
		r := s.must(400, s.call("GET", "/api/audit"+tc.query, ops, nil))
		assert.Equal(t, tc.field, str(r.body, "error", "details", "field"), tc.name)
	}
}

// bootstrap makes the platform (once per system) and returns the root API
// key and the platform tenant's id.
func (s *system) bootstrap() (rootKey, platformID string) {
	s.t.Helper()
	b := s.must(201, s.call("POST", "/api/bootstrap", "", map[string]any{"bootstrap_token": bootstrapToken,
		"tenant_name": "Platform", "email": "root@example.com", "password": "correct horse battery", "display_name": "Root"}))
	return str(b.body, "api_key", "key"), str(b.body, "tenant", "id")
}

// login returns a session key.
func (s *system) login(email, password string) string {
	s.t.Helper()
	return str(s.must(200, s.call("POST", "/api/auth/login", "", map[string]any{"email": email, "password": password})).body, "key")
}
