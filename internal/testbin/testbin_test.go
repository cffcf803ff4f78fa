package testbin_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/testbin"
)

// The built binary runs: cmd/deadletter without a subcommand prints its
// usage and exits non-zero.
func TestBuildMakesARunnableBinary(t *testing.T) {
	t.Parallel()
	bin := testbin.Build(t, "./cmd/deadletter")
	assert.FileExists(t, bin)
	out, err := exec.Command(bin).CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, string(out))
	assert.NotEmpty(t, out)
}
