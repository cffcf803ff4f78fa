package e2e_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/localcloud"
	"github.com/skyledger/skyledger/internal/wire"
)

// setupPilot bootstraps s and returns a pilot's session key.
func setupPilot(t *testing.T, s *system) string {
	t.Helper()
	root, _ := s.bootstrap()
	acme := str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Acme Air"})).body, "id")
	s.must(201, s.call("POST", "/api/tenants/"+acme+"/users", root, map[string]any{"email": "pat@acme.example",
		"password": "Red-Kestrel-Glide-42", "role": "pilot", "display_name": "Pat"}))
	return s.login("pat@acme.example", "Red-Kestrel-Glide-42")
}

const pirepText = "PUB UA /OV PUB 243022/TM 0010/FL160/TP C172/TB LGT"

// TestNewWritesVisibleAfterTornTailCut: the last entry of the log is torn
// (its last 10 bytes lost) while the projector checkpoint already counts
// it. After the restart a new PIREP must be projected: its feed position is
// the one the lost event had.
func TestNewWritesVisibleAfterTornTailCut(t *testing.T) {
	t.Parallel()
	s := newSystem(t, wire.ModeEmbedded)
	pilot := setupPilot(t, s)
	lost := str(s.must(201, s.call("POST", "/api/pireps", pilot, map[string]any{"raw": pirepText})).body, "id")
	s.must(200, s.call("GET", "/api/pireps/"+lost+"?min_version=1", pilot, nil)) // projected: the checkpoint counts it
	s.stop()

	// The checkpoint counts every event; a dead letter of the last one (the
	// one about to be lost) and of the first.
	cp, err := os.ReadFile(filepath.Join(s.dir, localcloud.CheckpointFile))
	require.NoError(t, err)
	last, err := strconv.ParseUint(strings.TrimSpace(string(cp)), 10, 64)
	require.NoError(t, err)
	dl := localcloud.OpenDeadLetters(filepath.Join(s.dir, localcloud.DeadLetterFile))
	require.NoError(t, dl.Add(localcloud.DeadLetter{ID: embedded.SequenceNumber(1), Reason: "test"},
		localcloud.DeadLetter{ID: embedded.SequenceNumber(last), Reason: "test"}))

	path := filepath.Join(s.dir, "events", embedded.LogFile)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(path, st.Size()-10))

	s.start()
	s.must(404, s.call("GET", "/api/pireps/"+lost, pilot, nil)) // the torn commit is gone
	left, err := s.app.DeadLetters.List()
	require.NoError(t, err)
	require.Len(t, left, 1, "the lost event's dead letter is set aside: its position is taken next")
	require.Equal(t, embedded.SequenceNumber(1), left[0].ID)
	aside, err := filepath.Glob(filepath.Join(s.dir, localcloud.DeadLetterFile+".orphaned-*"))
	require.NoError(t, err)
	require.Len(t, aside, 1)
	id := str(s.must(201, s.call("POST", "/api/pireps", pilot, map[string]any{"raw": pirepText})).body, "id")
	s.must(200, s.call("GET", "/api/pireps/"+id+"?min_version=1", pilot, nil))
	s.must(200, s.call("GET", "/api/pireps/"+id, pilot, nil))

	// And across another restart.
	s.restart()
	s.must(200, s.call("GET", "/api/pireps/"+id, pilot, nil))
	id2 := str(s.must(201, s.call("POST", "/api/pireps", pilot, map[string]any{"raw": pirepText})).body, "id")
	s.must(200, s.call("GET", "/api/pireps/"+id2+"?min_version=1", pilot, nil))
}

// TestDamagedLogStopsTheRuntime: damage to the first entry (the bootstrap)
// with intact entries after it must stop the start instead of cutting the
// log (which made POST /api/bootstrap work again); the explicit repair then
// lets it start.
func TestDamagedLogStopsTheRuntime(t *testing.T) {
	t.Parallel()
	s := newSystem(t, wire.ModeEmbedded)
	pilot := setupPilot(t, s)
	id := str(s.must(201, s.call("POST", "/api/pireps", pilot, map[string]any{"raw": pirepText})).body, "id")
	s.must(200, s.call("GET", "/api/pireps/"+id+"?min_version=1", pilot, nil))
	s.stop()

	path := filepath.Join(s.dir, "events", embedded.LogFile)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	clear(data[8:16]) // the first entry's header
	require.NoError(t, os.WriteFile(path, data, 0o640))

	_, err = wire.Start(t.Context(), wire.Config{Addr: "127.0.0.1:0", ManagementAddr: "127.0.0.1:0", DataDir: s.dir,
		BootstrapToken: bootstrapToken, Log: logger(t)})
	require.ErrorIs(t, err, embedded.ErrCorrupt)
	require.ErrorContains(t, err, "offset 8")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, data, after, "nothing was cut")

	rep, err := wire.RepairLog(s.dir, false)
	require.NoError(t, err)
	require.True(t, rep.Changed)
	require.Equal(t, uint64(0), rep.CheckpointTo, "no event kept its position")
	s.start()
	// The PIREP's stream did not lose anything: it is salvaged and projected.
	s.must(200, s.call("GET", "/api/pireps/"+id+"?min_version=1", pilot, nil))
}
