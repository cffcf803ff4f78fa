package pirepcli_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/pirepcli"
	"github.com/skyledger/skyledger/internal/wiretest"
)

// TestImportIntoTheLocalRuntime runs `pireps import` against the real local
// runtime (embedded store, every handler, the projector): accepted reports
// become PIREPs of the pilot's tenant with their warnings, refused lines
// are reported and skipped, and a rerun adds nothing.
func TestImportIntoTheLocalRuntime(t *testing.T) {
	t.Parallel()
	const token = "bt_pirepcli_test_token"
	api := wiretest.Start(t, t.TempDir(), token).RT.APIURL()
	call := func(method, path, key string, body any, want int) map[string]any {
		t.Helper()
		b, err := json.Marshal(body)
		require.NoError(t, err)
		req, err := http.NewRequest(method, api+path, bytes.NewReader(b))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, want, resp.StatusCode, string(raw))
		var out map[string]any
		require.NoError(t, json.Unmarshal(raw, &out))
		return out
	}
	boot := call("POST", "/api/bootstrap", "", map[string]any{"bootstrap_token": token, "tenant_name": "Platform",
		"email": "root@example.com", "password": "correct horse battery", "display_name": "Root"}, 201)
	root := boot["api_key"].(map[string]any)["key"].(string)
	tenant := call("POST", "/api/tenants", root, map[string]any{"name": "Acme Air"}, 201)["id"].(string)
	call("POST", "/api/tenants/"+tenant+"/users", root, map[string]any{"email": "pat@acme.example",
		"password": "Red-Kestrel-Glide-42", "role": "pilot", "display_name": "Pat"}, 201)
	pilot := call("POST", "/api/auth/login", "", map[string]any{"email": "pat@acme.example", "password": "Red-Kestrel-Glide-42"}, 200)["key"].(string)

	var out bytes.Buffer
	require.NoError(t, pirepcli.Run([]string{"import", "testdata/reports.tsv", "-api", api, "-key", pilot}, &out, &out))
	assert.Contains(t, out.String(), "7 reports: 4 created, 0 already imported, 3 refused, 0 failed", out.String())
	assert.Contains(t, out.String(), `line 7: refused: raw: /FL at byte 26: invalid altitude "1200"`)

	out.Reset()
	require.NoError(t, pirepcli.Run([]string{"import", "testdata/reports.tsv", "-api", api, "-key", pilot}, &out, &out))
	assert.Contains(t, out.String(), "7 reports: 0 created, 4 already imported, 3 refused, 0 failed", out.String())

	// the tenant holds exactly the four accepted reports, with their warnings
	var items []any
	require.Eventually(t, func() bool {
		req, _ := http.NewRequest("GET", api+"/api/pireps?limit=50", nil)
		req.Header.Set("Authorization", "Bearer "+pilot)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var list struct {
			Items []any `json:"items"`
		}
		if json.NewDecoder(resp.Body).Decode(&list) != nil {
			return false
		}
		items = list.Items
		return len(items) == 4
	}, 20*time.Second, 20*time.Millisecond, "four reports listed")
	warnings := 0
	for _, it := range items {
		w, ok := it.(map[string]any)["warnings"].([]any)
		require.True(t, ok, "every report carries its warnings list")
		warnings += len(w)
	}
	assert.Equal(t, 2, warnings, "the free-text position and the /TB kept as text")
}
