package invoke_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/invoke"
)

func TestGenerateEverySample(t *testing.T) {
	for kind := range invoke.Samples {
		var out, errb bytes.Buffer
		require.NoError(t, invoke.Main(context.Background(), []string{"-generate", kind}, &out, &errb), kind)
		var v map[string]any
		require.NoError(t, json.Unmarshal(out.Bytes(), &v), "%s is a JSON object", kind)
		assert.NotEmpty(t, v, kind)
	}
	for _, f := range spec.Functions {
		assert.Contains(t, invoke.Samples, invoke.FunctionSample[f.Name], "function %s has a sample", f.Name)
	}
	err := invoke.Main(context.Background(), []string{"-generate", "nope"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "unknown sample")
}

func run(t *testing.T, dir, fn string, event []byte) (map[string]any, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(p, event, 0o600))
	var out, errb bytes.Buffer
	err := invoke.Main(context.Background(), []string{"-mode", "embedded", "-data-dir", dir, fn, p}, &out, &errb)
	if err != nil {
		return nil, err
	}
	var v map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &v), out.String())
	return v, nil
}

// TestInvokeAgainstTheEmbeddedStore: the commands handler bootstraps into
// the data directory's event log (201), a second invocation (a new wiring
// on the same log) is refused (409), and the login sample then signs in
// as the bootstrapped admin.
func TestInvokeAgainstTheEmbeddedStore(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SKYLEDGER_BOOTSTRAP_TOKEN", "test-bootstrap-token") // the fixture's token
	ev, err := invoke.Sample("http")
	require.NoError(t, err)
	boot, err := os.ReadFile("../commandapi/testdata/post_bootstrap.json")
	require.NoError(t, err)

	r, err := run(t, dir, spec.FnCommands, boot)
	require.NoError(t, err)
	require.EqualValues(t, 201, r["statusCode"], "bootstrap: %v", r["body"])
	var created map[string]any
	require.NoError(t, json.Unmarshal([]byte(r["body"].(string)), &created))
	tenant, _ := created["tenant"].(map[string]any)
	require.NotNil(t, tenant, "bootstrap response names the tenant: %v", created)

	r, err = run(t, dir, spec.FnCommands, boot)
	require.NoError(t, err)
	assert.EqualValues(t, 409, r["statusCode"], "second bootstrap on the same data dir")

	r, err = run(t, dir, spec.FnCommands, ev)
	require.NoError(t, err)
	require.EqualValues(t, 200, r["statusCode"], "login as the bootstrapped admin (the sample's credentials): %v", r["body"])
	assert.Contains(t, r["body"], `"key":"sk_`)

	// The HTTP authorizer refuses the sample's redacted key: a function error.
	az, err := invoke.Sample("http-authorizer")
	require.NoError(t, err)
	_, err = run(t, dir, spec.FnAuthorizer, az)
	assert.ErrorContains(t, err, "Unauthorized")

	// The projector takes the stream sample.
	st, err := invoke.Sample("stream")
	require.NoError(t, err)
	r, err = run(t, dir, spec.FnProjector, st)
	require.NoError(t, err)
	assert.Empty(t, r["batchItemFailures"])

	_, err = run(t, dir, "nope", ev)
	assert.ErrorContains(t, err, "unknown function")
}
