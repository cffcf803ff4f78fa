package wiretest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/wiretest"
)

// A started runtime answers on its API URL: a fresh one is not bootstrapped.
func TestStartServesTheAPI(t *testing.T) {
	t.Parallel()
	app := wiretest.Start(t, t.TempDir(), "bt_wiretest")
	resp, err := http.Get(app.RT.APIURL() + "/api/bootstrap")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var got struct{ Bootstrapped bool }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	assert.False(t, got.Bootstrapped)
	assert.Equal(t, "bt_wiretest", app.BootstrapToken)
}
