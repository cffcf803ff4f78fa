package envflag_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/internal/envflag"
)

// Not parallel: t.Setenv changes the process environment.
func TestDefault(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  string
	}{
		{name: "set", value: "from-env", want: "from-env"},
		{name: "empty counts as unset", value: "", want: "fallback"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SKYLEDGER_ENVFLAG_TEST", tc.value)
			assert.Equal(t, tc.want, envflag.Default("SKYLEDGER_ENVFLAG_TEST", "fallback"))
		})
	}
}
