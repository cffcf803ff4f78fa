package golden_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/golden"
)

// Without -update a golden file is only read and must match.
func TestEqualReadsTheGoldenFile(t *testing.T) {
	t.Parallel()
	require.False(t, golden.Update())
	path := filepath.Join(t.TempDir(), "out.golden")
	require.NoError(t, os.WriteFile(path, []byte("same\n"), 0o644))
	golden.Equal(t, path, []byte("same\n"))
}
