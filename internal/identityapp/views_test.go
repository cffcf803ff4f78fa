package identityapp_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/identityapp"
	"github.com/skyledger/skyledger/internal/identityapp/identityapptest"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// failingGet is a read model whose reads fail.
type failingGet struct{ readmodel.Store }

func (failingGet) Get(context.Context, string, string) (readmodel.Item, error) {
	return readmodel.Item{}, errors.New("read failed")
}

func TestTenantExists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := readmodel.NewEmbedded()
	for _, e := range identityapptest.History() {
		for _, p := range identityapp.Projections {
			if p.Match(e) {
				require.NoError(t, p.Apply(ctx, m, e))
			}
		}
	}
	tests := []struct {
		name    string
		store   readmodel.Store
		id      string
		want    bool
		wantErr bool
	}{
		{"projected tenant", m, identityapptest.TenantAcme, true, false},
		{"unknown tenant", m, "01JDA0000000000000000NONE1", false, false},
		{"a user is no tenant", m, identityapptest.UserPilot, false, false},
		{"read failure", failingGet{m}, identityapptest.TenantAcme, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := identityapp.TenantExists(tt.store)(ctx, tt.id)
			assert.Equal(t, tt.wantErr, err != nil, "%v", err)
			assert.Equal(t, tt.want, ok)
		})
	}
}
