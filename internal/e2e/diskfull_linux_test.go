package e2e_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skyledger/skyledger/internal/testfs"

	"github.com/coder/websocket"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/wire"
)

// TestDiskFullAnswers503AndRecovers runs the runtime on a 4 MB file system
// and fills it: writes answer 503 storage_full with Retry-After, reads keep
// working, /api/health says so, and once space is freed writes work again
// without a restart.
func TestDiskFullAnswers503AndRecovers(t *testing.T) {
	t.Parallel()
	mnt, ok := testfs.Tmpfs(t, "4m")
	if !ok {
		return
	}
	s := &system{t: t, mode: wire.ModeEmbedded, dir: mnt}
	s.start()
	t.Cleanup(s.stop) // runs before the unmount

	h := s.callUnchecked("GET", wire.HealthPath, "", nil)
	require.Equal(t, 200, h.status, "%s", h.raw)
	assert.Equal(t, "ok", h.body["status"])
	assert.Equal(t, "ok", str(h.body, "store", "status"))

	pilot := setupPilot(t, s)
	first := str(s.must(201, s.call("POST", "/api/pireps", pilot, map[string]any{"raw": pirepText})).body, "id")
	s.must(200, s.call("GET", "/api/pireps/"+first+"?min_version=1", pilot, nil))

	open := s.connect(pilot) // a socket opened before the disk fills up

	ballast := filepath.Join(mnt, "ballast")
	err := os.WriteFile(ballast, make([]byte, 4<<20), 0o600) // as much as fits
	require.True(t, errors.Is(err, syscall.ENOSPC), "the ballast fills the file system: %v", err)

	full := untilRefused(t, s, pilot)
	assert.Equal(t, "storage_full", str(full.body, "error", "code"))
	assert.Equal(t, "5", full.header.Get("Retry-After"))
	assert.NotContains(t, string(full.raw), mnt, "no paths leak")
	again := s.call("POST", "/api/pireps", pilot, map[string]any{"raw": pirepText})
	assert.Equal(t, 503, again.status, "and keep being refused: %s", again.raw)

	// Reads work: the session key authenticates, the PIREP is there.
	s.must(200, s.call("GET", "/api/pireps/"+first, pilot, nil))
	s.must(200, s.call("GET", "/api/pireps", pilot, nil))
	s.must(200, s.call("GET", "/api/users/me", pilot, nil))
	// Open sockets keep working, a ticket is still issued (tickets live in
	// the expiring store, not the log), and a new socket connects with the key.
	s.must(201, s.call("POST", "/api/ws/ticket", pilot, map[string]any{}))
	open.send(map[string]any{"action": "ping", "id": "p1"})
	open.next("pong", func(m map[string]any) bool { return m["type"] == "pong" && m["id"] == "p1" })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, s.app.RT.WSURL(), &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + pilot}}})
	require.NoError(t, err, "a WebSocket connects on a full disk")
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(`{"action":"ping","id":"p2"}`)))
	for {
		_, b, err := c.Read(ctx)
		require.NoError(t, err)
		if strings.Contains(string(b), `"pong"`) {
			break
		}
	}
	_ = c.CloseNow()

	h = s.callUnchecked("GET", wire.HealthPath, "", nil)
	assert.Equal(t, 503, h.status)
	assert.Equal(t, "degraded", h.body["status"])
	assert.Equal(t, "full", str(h.body, "store", "status"))
	assert.NotEmpty(t, h.header.Get("Retry-After"))

	// A restart on the full disk: the runtime starts, serves reads and
	// refuses writes the same way.
	s.restart()
	s.must(200, s.call("GET", "/api/pireps/"+first, pilot, nil))
	untilRefused(t, s, pilot)

	// Space returns: writes work again, no restart.
	require.NoError(t, os.Remove(ballast))
	id := str(s.must(201, s.call("POST", "/api/pireps", pilot, map[string]any{"raw": pirepText})).body, "id")
	s.must(200, s.call("GET", "/api/pireps/"+id+"?min_version=1", pilot, nil))
	h = s.callUnchecked("GET", wire.HealthPath, "", nil)
	assert.Equal(t, 200, h.status, "%s", h.raw)
	assert.Equal(t, "ok", str(h.body, "store", "status"))

	// And everything acknowledged survives a restart.
	s.restart()
	s.must(200, s.call("GET", "/api/pireps/"+first, pilot, nil))
	s.must(200, s.call("GET", "/api/pireps/"+id, pilot, nil))
}

// untilRefused submits PIREPs until one is refused with 503 (the log's
// preallocated, already allocated tail takes commits until it is used up)
// and returns that response.
func untilRefused(t *testing.T, s *system, key string) resp {
	t.Helper()
	var r resp
	n := 0
	for ; n < 2000 && r.status != 503; n++ {
		r = s.call("POST", "/api/pireps", key, map[string]any{"raw": pirepText})
		require.Contains(t, []int{201, 503}, r.status, "%s", r.raw)
	}
	require.Equal(t, 503, r.status, "writes are refused on a full disk")
	t.Logf("%d PIREPs fit in the preallocation after the file system filled up", n-1)
	return r
}
