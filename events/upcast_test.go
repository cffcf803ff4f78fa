package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
)

func TestUpcasters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var nilReg *events.Upcasters
	e := events.Envelope{EventID: "E", StreamID: "user-1", Version: 2, Type: "user.created", Schema: 1, Data: json.RawMessage(`{"a":1}`)}
	got, err := nilReg.Apply(ctx, e)
	require.NoError(t, err)
	assert.Equal(t, e, got)

	var r events.Upcasters
	r.Register("user.created", 1, func(_ context.Context, e events.Envelope) (events.Envelope, error) {
		e.Data = json.RawMessage(`{"a":2}`)
		e.Version = 99 // identity is restored by Apply
		return e, nil
	})
	r.Register("user.created", 2, func(context.Context, events.Envelope) (events.Envelope, error) {
		return events.Envelope{}, errors.New("boom")
	})
	assert.True(t, r.Has("user.created", 1))
	assert.False(t, r.Has("user.created", 3))

	tests := []struct {
		name    string
		schema  int
		typ     string
		want    string
		wantErr bool
	}{
		{"registered", 1, "user.created", `{"a":2}`, false},
		{"other schema unchanged", 3, "user.created", `{"a":1}`, false},
		{"other type unchanged", 1, "user.deactivated", `{"a":1}`, false},
		{"failing upcaster names the event", 2, "user.created", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := e
			in.Schema, in.Type = tc.schema, tc.typ
			out, err := r.Apply(ctx, in)
			if tc.wantErr {
				require.ErrorContains(t, err, "user-1 v2")
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(out.Data))
			assert.Equal(t, int64(2), out.Version)
		})
	}
	assert.Panics(t, func() { r.Register("user.created", 1, nil) })
}
