package openapitest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/openapitest"
)

func TestSpecCoversEverySpecRoute(t *testing.T) {
	t.Parallel()
	d := openapitest.Doc(t)
	for _, r := range spec.Routes {
		item := d.Paths.Value(r.Path)
		require.NotNil(t, item, r.Path)
		assert.NotNil(t, item.GetOperation(r.Method), r.Key())
		if !r.Auth {
			op := item.GetOperation(r.Method)
			require.NotNil(t, op)
			require.NotNil(t, op.Security, "%s: unauthenticated routes override security", r.Key())
			assert.Empty(t, *op.Security, r.Key())
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	etag := http.Header{"Etag": {`"3"`}}
	user := `{"id":"U1","tenant_id":"T1","email":"a@b.example","display_name":"A","role":"pilot","status":"active","created_at":"2026-11-26T12:00:00Z","version":3}`
	tests := []struct {
		name    string
		method  string
		path    string
		status  int
		headers http.Header
		body    string
		ok      bool
	}{
		{"valid user", "GET", "/api/users/U1", 200, etag, user, true},
		{"me is its own path", "GET", "/api/users/me?min_version=2", 200, etag, user, true},
		{"template path", "GET", "/api/users/{id}", 200, etag, user, true},
		{"missing etag", "GET", "/api/users/U1", 200, http.Header{}, user, false},
		{"bad role", "GET", "/api/users/U1", 200, etag, `{"id":"U1","tenant_id":"T1","email":"a@b.example","display_name":"A","role":"god","status":"active","created_at":"2026-11-26T12:00:00Z","version":3}`, false},
		{"missing field", "GET", "/api/users/U1", 200, etag, `{"id":"U1"}`, false},
		{"undocumented status", "GET", "/api/users/U1", 418, nil, `{}`, false},
		{"not modified", "GET", "/api/users/U1", 304, etag, ``, true},
		{"error body", "GET", "/api/users/U1", 404, nil, `{"error":{"code":"not_found","message":"x"}}`, true},
		{"bad error body", "GET", "/api/users/U1", 404, nil, `{"message":"x"}`, false},
		{"list with null cursor", "GET", "/api/tenants", 200, nil, `{"items":[],"next_cursor":null}`, true},
		{"list without cursor field", "GET", "/api/tenants", 200, nil, `{"items":[]}`, false},
		{"api key list must not leak key", "GET", "/api/apikeys", 200, nil, `{"items":[{"id":"K","name":"n","owner_id":"U","tenant_id":"T","created_at":"2026-11-26T12:00:00Z","expires_at":null,"last_used_at":null,"revoked_at":null,"key":"sk_K_s"}],"next_cursor":null}`, false},
		{"unknown path", "GET", "/api/nope", 200, nil, `{}`, false},
		{"unavailable needs retry-after", "GET", "/api/users/U1", 503, nil, `{"error":{"code":"unavailable","message":"x"}}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := openapitest.Check(t, tc.method, tc.path, tc.status, tc.headers, []byte(tc.body))
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}
