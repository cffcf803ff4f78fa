// Package golden compares what a test produced with a golden file, or
// rewrites the file when the test binary runs with -update
// (go test ./pkg -update). A test package that imports it must not define
// its own -update flag.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// Update reports whether the test binary runs with -update: golden files
// are to be written, not only read.
func Update() bool { return *update }

// Equal asserts that got is byte for byte the content of the file at path.
// With -update it first writes got there (creating the directory), so the
// comparison passes and the change shows in the diff.
func Equal(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *update {
		require.NoError(tb, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(tb, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(tb, err, "missing golden file %s; run the test with -update", path)
	assert.Equal(tb, string(want), string(got), path)
}
