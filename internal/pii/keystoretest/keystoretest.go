// Package keystoretest is the contract suite every pii.KeyStore adapter
// passes (FileKeys on a temporary directory, RecordKeys on DynamoDB under
// moto).
package keystoretest

import (
	"context"
	"sync"
	"testing"

	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/pii"
)

func newID() string { return ulid.Make().String() }

// Run runs the contract against stores made by newStore (each subtest gets
// its own store, or at least its own user ids).
func Run(t *testing.T, newStore func(t *testing.T) pii.KeyStore) {
	ctx := context.Background()
	t.Run("missing key is ErrNoKey", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Key(ctx, newID())
		require.ErrorIs(t, err, pii.ErrNoKey)
	})
	t.Run("create then read", func(t *testing.T) {
		s, u := newStore(t), newID()
		got, err := s.CreateKey(ctx, u, []byte("wrapped-1"))
		require.NoError(t, err)
		assert.Equal(t, []byte("wrapped-1"), got)
		got, err = s.Key(ctx, u)
		require.NoError(t, err)
		assert.Equal(t, []byte("wrapped-1"), got)
	})
	t.Run("second create returns the first key", func(t *testing.T) {
		s, u := newStore(t), newID()
		_, err := s.CreateKey(ctx, u, []byte("first"))
		require.NoError(t, err)
		got, err := s.CreateKey(ctx, u, []byte("second"))
		require.NoError(t, err)
		assert.Equal(t, []byte("first"), got)
	})
	t.Run("concurrent creators agree on one key", func(t *testing.T) {
		s, u := newStore(t), newID()
		const n = 8
		got := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { got[i], errs[i] = s.CreateKey(ctx, u, []byte{byte('a' + i)}) })
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			assert.Equal(t, got[0], got[i])
		}
		stored, err := s.Key(ctx, u)
		require.NoError(t, err)
		assert.Equal(t, got[0], stored)
	})
	t.Run("erase leaves a tombstone and is idempotent", func(t *testing.T) {
		s, u, other := newStore(t), newID(), newID()
		_, err := s.CreateKey(ctx, u, []byte("k"))
		require.NoError(t, err)
		_, err = s.CreateKey(ctx, other, []byte("o"))
		require.NoError(t, err)
		require.NoError(t, s.EraseKey(ctx, u))
		_, err = s.Key(ctx, u)
		require.ErrorIs(t, err, pii.ErrErased)
		require.NoError(t, s.EraseKey(ctx, u), "erasing twice succeeds")
		_, err = s.Key(ctx, u)
		require.ErrorIs(t, err, pii.ErrErased)
		got, err := s.Key(ctx, other)
		require.NoError(t, err, "other users keep their keys")
		assert.Equal(t, []byte("o"), got)
	})
	t.Run("an erased user never gets a key again", func(t *testing.T) {
		s, u := newStore(t), newID()
		_, err := s.CreateKey(ctx, u, []byte("k"))
		require.NoError(t, err)
		require.NoError(t, s.EraseKey(ctx, u))
		_, err = s.CreateKey(ctx, u, []byte("new"))
		require.ErrorIs(t, err, pii.ErrErased)
	})
	t.Run("erasing a user without a key leaves a tombstone", func(t *testing.T) {
		s, u := newStore(t), newID()
		require.NoError(t, s.EraseKey(ctx, u))
		_, err := s.Key(ctx, u)
		require.ErrorIs(t, err, pii.ErrErased)
	})
}
