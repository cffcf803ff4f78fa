package seed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/internal/seed"
	"github.com/skyledger/skyledger/internal/wiretest"
)

// Every demo report is a valid PIREP whose position resolves (it is on the
// map), its /TM is before "now", and the set has urgent ones of several kinds.
func TestReportsAreValidLocatedAndSpreadOverHours(t *testing.T) {
	now := time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC) // crosses midnight UTC
	reports := seed.Reports(now)
	require.GreaterOrEqual(t, len(reports), 30)
	urgent := 0
	for _, raw := range reports {
		r, err := pirep.Parse(raw)
		require.NoError(t, err, raw)
		_, ok := r.Position()
		assert.True(t, ok, "not on the map: %s", raw)
		if len(pirep.UrgentReasons(r)) > 0 || r.Type == pirep.Urgent {
			urgent++
		}
	}
	assert.GreaterOrEqual(t, urgent, 4)
	assert.Contains(t, reports[0], "/TM 2138/") // 352 min before 03:30
	assert.Contains(t, reports[len(reports)-1], "/TM 0326/")
}

// Seeding a fresh runtime bootstraps it, makes the tenant, its users, a key
// and the reports; the printed logins work; a rerun reuses tenant and users.
func TestRunAgainstTheLocalRuntime(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	api := wiretest.Start(t, dir, "bt_seed_test").RT.APIURL()

	var out bytes.Buffer
	code := seed.Main([]string{"-data-dir", dir, "-bootstrap-token", "bt_seed_test"}, &out, &out)
	require.Equal(t, 0, code, out.String())
	text := out.String()
	assert.Contains(t, text, "bootstrap   platform created")
	assert.Contains(t, text, "ops@demo.example")
	assert.Contains(t, text, "API key of ops@demo.example (shown once): sk_")

	// a rerun signs in instead of bootstrapping and adds a set of reports
	// before its own "now"; repeating that run adds nothing (idempotency keys)
	earlier := time.Now().Add(-10 * time.Minute)
	var res seed.Result
	var err error
	for range 2 {
		res, err = seed.Run(ctx, seed.Config{API: api, BootstrapToken: "bt_seed_test", Now: func() time.Time { return earlier }})
		require.NoError(t, err)
		assert.False(t, res.Bootstrapped)
	}
	require.Len(t, res.Logins, 4)

	// the pilot's login works and sees the tenant's reports, all located
	pilot := res.Logins[2]
	require.Equal(t, "pilot", pilot.Role)
	key := login(t, api, pilot.Email, pilot.Password)
	var page struct {
		Items []struct {
			Urgent   bool            `json:"urgent"`
			Position json.RawMessage `json:"position"`
			TenantID string          `json:"tenant_id"`
		} `json:"items"`
	}
	require.Eventually(t, func() bool {
		get(t, api+"/api/pireps?limit=200", key, &page)
		return len(page.Items) == 2*len(seed.Reports(time.Now()))
	}, 10*time.Second, 50*time.Millisecond, "two runs of reports in one tenant")
	urgent := 0
	for _, it := range page.Items {
		assert.Equal(t, res.TenantID, it.TenantID)
		assert.NotEqual(t, "null", string(it.Position))
		if it.Urgent {
			urgent++
		}
	}
	assert.Equal(t, 2*res.Urgent, urgent)
	if res.APIKey != "" {
		assert.Contains(t, text, res.APIKey, "a rerun's key request replays the first: no second key")
	}
}

func TestHelpExitsZeroAndBadFlagsTwo(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, 0, seed.Main([]string{"-h"}, &out, &out))
	assert.Contains(t, out.String(), "-admin-email")
	assert.Equal(t, 2, seed.Main([]string{"-nope"}, io.Discard, io.Discard))
	assert.Equal(t, 2, seed.Main([]string{"extra"}, io.Discard, io.Discard))
}

func TestUnreachableRuntimeIsAClearError(t *testing.T) {
	var out bytes.Buffer
	code := seed.Main([]string{"-data-dir", t.TempDir(), "-api", "http://127.0.0.1:1"}, io.Discard, &out)
	assert.Equal(t, 1, code)
	assert.Contains(t, out.String(), "seed: ")
	assert.Contains(t, out.String(), "127.0.0.1:1")
}

func login(t *testing.T, api, email, password string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := http.Post(api+"/api/auth/login", "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated/100, resp.StatusCode/100)
	var l struct{ Key string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&l))
	require.True(t, strings.HasPrefix(l.Key, "sk_"))
	return l.Key
}

func get(t *testing.T, url, key string, out any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
}
