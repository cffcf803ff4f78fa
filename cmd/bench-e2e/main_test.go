package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBenchRunsEndToEnd runs the whole benchmark at a tiny size so the tool
// cannot rot; it asserts the report's shape, never a timing.
func TestBenchRunsEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bench-e2e")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
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
