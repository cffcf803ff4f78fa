package main_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/syncbuf"
	"github.com/skyledger/skyledger/internal/testbin"
)

// TestBinaryStartsBootstrapsAndStopsGracefully builds cmd/skyledger, runs it
// on random ports with a fresh data dir, follows the printed bootstrap
// command's shape, and stops it with SIGTERM; a second start keeps the data.
func TestBinaryStartsBootstrapsAndStopsGracefully(t *testing.T) {
	t.Parallel()
	bin := testbin.Build(t, "./cmd/skyledger")
	data := t.TempDir()

	start := func() (*exec.Cmd, string, *syncbuf.Buffer) {
		cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-management-addr", "127.0.0.1:0", "-web-dir", t.TempDir())
		cmd.Env = append(os.Environ(), "SKYLEDGER_DATA_DIR="+data, "AWS_ENDPOINT_URL=", "SKYLEDGER_MODE=")
		var stderr syncbuf.Buffer
		cmd.Stderr = &stderr
		var out syncbuf.Buffer
		cmd.Stdout = &out
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		require.Eventually(t, func() bool {
			return strings.Contains(out.String(), "bootstrap_token") || strings.Contains(out.String(), "is bootstrapped")
		}, 60*time.Second,
			20*time.Millisecond, "no banner; stderr: %s", &stderr)
		banner := strings.Builder{}
		banner.WriteString(out.String())
		return cmd, banner.String(), &stderr
	}
	cmd, banner, stderr := start()
	m := regexp.MustCompile(`HTTP API\s+(http://127\.0\.0\.1:\d+)/api`).FindStringSubmatch(banner)
	require.Len(t, m, 2, banner)
	api := m[1]
	assert.Contains(t, banner, "ws://127.0.0.1:")
	assert.Contains(t, banner, "$(cat "+filepath.Join(data, "bootstrap-token")+")", "the banner names the token file, not the secret")
	tok, err := os.ReadFile(filepath.Join(data, "bootstrap-token"))
	require.NoError(t, err)
	assert.NotContains(t, banner, strings.TrimSpace(string(tok)))

	body, _ := json.Marshal(map[string]string{"bootstrap_token": strings.TrimSpace(string(tok)), "tenant_name": "Platform",
		"email": "admin@example.com", "password": "change-me-please-123", "display_name": "Admin"})
	resp, err := http.Post(api+"/api/bootstrap", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode)
	assert.FileExists(t, filepath.Join(data, "runtime.json"))
	var boot struct {
		APIKey struct{ Key string } `json:"api_key"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&boot))

	// `skyledger listen` prints the live frame of a tenant creation.
	lis := exec.Command(bin, "listen", "-api", api, "-key", boot.APIKey.Key, "-channel", "platform:tenants")
	var frames, lisErr syncbuf.Buffer
	lis.Stdout, lis.Stderr = &frames, &lisErr
	require.NoError(t, lis.Start())
	t.Cleanup(func() { _ = lis.Process.Kill() })
	require.Eventually(t, func() bool { return strings.Contains(frames.String(), `"type":"ack"`) }, 20*time.Second,
		20*time.Millisecond, "subscribe ack; stderr: %s", &lisErr)
	tb, _ := json.Marshal(map[string]string{"name": "Live Air"})
	treq, _ := http.NewRequest("POST", api+"/api/tenants", bytes.NewReader(tb))
	treq.Header.Set("Authorization", "Bearer "+boot.APIKey.Key)
	treq.Header.Set("Content-Type", "application/json")
	tresp, err := http.DefaultClient.Do(treq)
	require.NoError(t, err)
	tresp.Body.Close()
	require.Equal(t, 201, tresp.StatusCode)
	require.Eventually(t, func() bool { return strings.Contains(frames.String(), `"event_type":"tenant.created"`) }, 20*time.Second,
		20*time.Millisecond, "live frame; got: %s", &frames)
	_ = lis.Process.Signal(syscall.SIGTERM)
	_ = lis.Wait()

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	assert.Contains(t, stderr.String(), "stopped")
	assert.Contains(t, stderr.String(), `route="POST /api/bootstrap" status=201`, "one log line per invocation")
	assert.NoFileExists(t, filepath.Join(data, "runtime.json"))

	// same data dir: the bootstrap already happened.
	cmd2, banner2, _ := start()
	assert.Contains(t, banner2, "The platform is bootstrapped", "no bootstrap instructions once the platform exists")
	assert.NotContains(t, banner2, "bootstrap_token")
	api2 := regexp.MustCompile(`HTTP API\s+(http://127\.0\.0\.1:\d+)/api`).FindStringSubmatch(banner2)[1]
	resp, err = http.Post(api2+"/api/bootstrap", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 409, resp.StatusCode, "data kept across restarts")
	require.NoError(t, cmd2.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd2.Wait())
}
