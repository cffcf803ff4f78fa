package queryapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCursorKeyRotation(t *testing.T) {
	oldKey := []byte("old-key-0123456789abcdef")
	newKey := []byte("new-key-0123456789abcdef")
	before := Cursor{Key: oldKey}.Seal("inner", "users|t")

	rotated := Cursor{Key: newKey, Previous: [][]byte{oldKey}}
	got, err := rotated.Open(before, "users|t")
	require.NoError(t, err, "a cursor from the previous key opens during the grace period")
	assert.Equal(t, "inner", got)
	after := rotated.Seal("inner", "users|t")
	assert.NotEqual(t, before, after, "new cursors use the current key")
	_, err = Cursor{Key: oldKey}.Open(after, "users|t")
	assert.Error(t, err)

	_, err = rotated.Open(before, "users|other")
	assert.Error(t, err, "the previous key is scoped like the current one")
	_, err = Cursor{Key: newKey}.Open(before, "users|t")
	assert.ErrorContains(t, err, "cursor", "past the grace period (next rotation) the old cursor is refused")
}
