package auth

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHasherSlotsAndBusy(t *testing.T) {
	t.Parallel()
	h := &Hasher{Params: Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		MemoryBudget: 3 << 20, Wait: 20 * time.Millisecond}
	require.Equal(t, 3, h.Slots(), "budget / memory per hash")
	phc, err := h.Hash("a long password")
	require.NoError(t, err)
	var held []func()
	for i := 0; i < 3; i++ {
		release, err := h.acquire(1024)
		require.NoError(t, err)
		held = append(held, release)
	}
	_, err = h.Verify("a long password", phc)
	assert.ErrorIs(t, err, ErrHasherBusy, "every slot taken")
	assert.ErrorIs(t, h.VerifyDummy("x"), ErrHasherBusy)
	_, err = h.Hash("another password")
	assert.ErrorIs(t, err, ErrHasherBusy)
	held[0]()
	ok, err := h.Verify("a long password", phc)
	require.NoError(t, err)
	assert.True(t, ok, "one slot free again")
	// a stored hash needing more memory takes as many slots
	big := &Hasher{Params: Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, MemoryBudget: 2 << 20, Wait: 20 * time.Millisecond}
	release, err := big.acquire(1024)
	require.NoError(t, err)
	_, err = big.acquire(2048)
	assert.ErrorIs(t, err, ErrHasherBusy, "a 2 MiB hash needs both slots")
	release()
	release, err = big.acquire(2048)
	require.NoError(t, err)
	release()
	held[1]()
	held[2]()
}
