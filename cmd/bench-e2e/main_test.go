package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/testbin"
)

// TestBenchRunsEndToEnd runs the whole benchmark at a tiny size so the tool
// cannot rot; it asserts the report's shape, never a timing.
func TestBenchRunsEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := testbin.Build(t, "./cmd/bench-e2e")
	out := filepath.Join(dir, "report.md")
	cmd := exec.Command(bin, "-n", "20", "-clients", "5", "-events", "3", "-out", out)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	rep, err := os.ReadFile(out)
	require.NoError(t, err)
	for _, want := range []string{"(a) command HTTP request -> event frame", "(a) baseline", "(a) ratio",
		"(b) one event to 5 subscribed clients", "with 5 WebSocket connections open"} {
		assert.Contains(t, string(rep), want)
	}
}

// TestWaiterCountsClientsNotFrames: an admin's socket receives an event once
// per channel; (b) must wait until every client has it, not until as many
// frames as clients arrived.
func TestWaiterCountsClientsNotFrames(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	tests := []struct {
		name   string
		frames []int // client of each frame, in arrival order (1 ms apart)
		done   bool
		lastMs int
	}{
		{name: "two frames of one client are one client", frames: []int{0, 0}, done: false},
		{name: "both clients, duplicates ignored", frames: []int{0, 0, 1, 1}, done: true, lastMs: 2},
		{name: "each client once", frames: []int{1, 0}, done: true, lastMs: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWaiter(2)
			for i, c := range tc.frames {
				w.sink(c, "s", t0.Add(time.Duration(i)*time.Millisecond), 10)
			}
			at, err := w.wait("s", 10*time.Millisecond)
			if !tc.done {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, t0.Add(time.Duration(tc.lastMs)*time.Millisecond), at)
		})
	}
}

// TestAbuseRunsEndToEnd runs the abuse scenarios at a tiny size so the tool
// cannot rot; it asserts the report's shape, never a figure.
func TestAbuseRunsEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := testbin.Build(t, "./cmd/bench-e2e")
	out := filepath.Join(dir, "abuse.md")
	cmd := exec.Command(bin, "-abuse", "-logins", "10", "-bodies", "2", "-body-mb", "1", "-out", out)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	rep, err := os.ReadFile(out)
	require.NoError(t, err)
	for _, want := range []string{"10 concurrent failed logins", "2 concurrent 1 MB bodies", "401 × ", "413 × ", "goal < 300 MB: met",
		"signs in from the address it bootstrapped from (127.0.0.1): yes"} {
		assert.Contains(t, string(rep), want)
	}
}
