package wire

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/skyledger/skyledger/contexts"
	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/queryapi"
	"github.com/skyledger/skyledger/internal/readmodel"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
)

// functions/<name>/main.go exists for exactly the functions spec declares
// (the Makefile builds one zip a folder).
func TestEveryFunctionHasOneMain(t *testing.T) {
	t.Parallel()
	dirs, err := os.ReadDir(filepath.Join("..", "..", "functions"))
	require.NoError(t, err)
	var got []string
	for _, d := range dirs {
		require.True(t, d.IsDir(), "functions/ holds only Lambda main folders, found %s", d.Name())
		_, err := os.Stat(filepath.Join("..", "..", "functions", d.Name(), "main.go"))
		require.NoError(t, err, "functions/%s/main.go", d.Name())
		got = append(got, d.Name())
	}
	var want []string
	for _, f := range spec.Functions {
		want = append(want, f.Name)
	}
	slices.Sort(want)
	assert.Equal(t, want, got)
}

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	token := func(context.Context) (string, error) { return "t", nil }
	key := []byte("0123456789abcdef")
	pk := make([]byte, 32)
	tests := []struct {
		name     string
		function string
		s        Settings
		wantErr  string
	}{
		{"commands ok", spec.FnCommands, Settings{BootstrapToken: token, WSURL: "ws://x", PIIMasterKey: pk}, ""},
		{"commands without token source", spec.FnCommands, Settings{WSURL: "ws://x", PIIMasterKey: pk}, "bootstrap token source missing"},
		{"commands without ws url", spec.FnCommands, Settings{BootstrapToken: token, PIIMasterKey: pk}, spec.EnvWSURL + " missing"},
		{"commands without personal-data key", spec.FnCommands, Settings{BootstrapToken: token, WSURL: "ws://x"}, spec.EnvPIIKeySecretARN + " (or " + spec.EnvPIIKey + ") missing"},
		{"projector ok", spec.FnProjector, Settings{PIIMasterKey: pk}, ""},
		{"projector with a short personal-data key", spec.FnProjector, Settings{PIIMasterKey: pk[:31]}, spec.EnvPIIKeySecretARN},
		{"queries ok", spec.FnQueries, Settings{CursorKey: key}, ""},
		{"queries short cursor key", spec.FnQueries, Settings{CursorKey: key[:15]}, spec.EnvCursorKey + " shorter than 16 bytes"},
		{"projector fan-out too high", spec.FnProjector, Settings{FanoutConcurrency: 5000}, spec.EnvFanoutConcurrency + " out of range"},
		{"authorizer needs nothing", spec.FnAuthorizer, Settings{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.s
			err := s.Validate(tt.function)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Positive(t, s.FanoutConcurrency, "default filled in")
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

// The commands and queries routers serve exactly the routes the contexts
// declare for their side, every module's: none missing, none extra.
func TestRoutersServeExactlyTheDeclaredRoutes(t *testing.T) {
	t.Parallel()
	store, err := embedded.Open(t.TempDir(), embedded.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	routers := map[domain.Side]*httpapi.Router{
		domain.SideCommand: commandapi.New(commandapi.Deps{Store: store, Modules: CommandModules()}).Router(),
		domain.SideQuery: queryapi.New(queryapi.Deps{Models: readmodel.NewEmbedded(), CursorKey: []byte("0123456789abcdef"),
			Modules: QueryModules()}).Router(),
	}
	for side, r := range routers {
		var want []string
		for _, rt := range contexts.Routes() {
			if rt.Side == side {
				want = append(want, rt.Key())
			}
		}
		got := r.RouteKeys()
		slices.Sort(want)
		slices.Sort(got)
		assert.Equal(t, want, got, side)
	}
}
