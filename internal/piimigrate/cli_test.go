package piimigrate_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/piimigrate"
)

func noDynamo(context.Context) (*dynamodb.Client, error) { panic("no DynamoDB expected") }

func TestMainEmbedded(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	keys, err := pii.NewFileKeys(filepath.Join(data, "keys"))
	require.NoError(t, err)
	s, err := embedded.Open(filepath.Join(data, "events"), embedded.Options{})
	require.NoError(t, err)
	legacy(t, s, keys)
	require.NoError(t, s.Close())
	require.NoError(t, os.WriteFile(filepath.Join(data, "pii-key"), []byte(strings.Repeat("k", 64)+"\n"), 0o600))

	var out, errw bytes.Buffer
	backup := filepath.Join(t.TempDir(), "bk")
	require.NoError(t, piimigrate.Main(context.Background(), []string{"pii", "-data-dir", data, "-backup", backup}, &out, &errw, noDynamo), errw.String())
	assert.Contains(t, out.String(), "4 sealed (2 of erased users)")
	assert.Contains(t, out.String(), "delete it once")
	b, err := os.ReadFile(filepath.Join(data, "events", embedded.LogFile))
	require.NoError(t, err)
	assert.NotContains(t, string(b), "kept@legacy.example")
}

func TestMainFlags(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "usage"},
		{"unknown subcommand", []string{"all"}, "usage"},
		{"no backup", []string{"pii", "-data-dir", data}, "-backup is required"},
		{"no key file", []string{"pii", "-data-dir", data, "-backup", "/tmp/x"}, "pii-key"},
		{"stage and prefix", []string{"pii", "-stage", "dev", "-table-prefix", "p", "-backup", "x"}, "not both"},
	}
	for _, tc := range tests {
		var o, e bytes.Buffer
		err := piimigrate.Main(context.Background(), tc.args, &o, &e, noDynamo)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
}
