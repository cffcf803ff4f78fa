package pii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/pii"
)

func newCodec(t testing.TB) (*pii.Codec, *events.Upcasters) {
	t.Helper()
	keys, err := pii.NewFileKeys(t.TempDir())
	require.NoError(t, err)
	m, err := pii.NewMaster(bytes.Repeat([]byte{7}, pii.MasterKeyBytes))
	require.NoError(t, err)
	c := &pii.Codec{Keys: keys, Master: m}
	var r events.Upcasters
	c.Register(&r)
	return c, &r
}

func created(uid string) events.Envelope {
	return events.Envelope{EventID: ulid.Make().String(), StreamID: identity.StreamUser(uid), Version: 1, Type: identity.UserCreated,
		Schema: identity.SchemaV1, TenantID: "T", OccurredAt: time.Now().UTC(), Actor: "system",
		Data: json.RawMessage(`{"user_id":"` + uid + `","email":"pat@example.com","display_name":"Pat Plaintext","role":"pilot","status":"active"}`)}
}

func TestSealOpenErase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, r := newCodec(t)
	uid := ulid.Make().String()
	plain := created(uid)

	sealed, err := c.Seal(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, identity.SchemaV2, sealed.Schema)
	assert.NotContains(t, string(sealed.Data), "pat@example.com")
	assert.NotContains(t, string(sealed.Data), "Pat Plaintext")
	assert.Contains(t, string(sealed.Data), `"role":"pilot"`, "other fields stay readable")
	require.NoError(t, sealed.Validate())

	opened, err := r.Apply(ctx, sealed)
	require.NoError(t, err)
	assert.JSONEq(t, string(plain.Data), string(opened.Data))

	again, err := r.Apply(ctx, opened)
	require.NoError(t, err, "an opened payload passes through")
	assert.JSONEq(t, string(plain.Data), string(again.Data))

	v1, err := r.Apply(ctx, plain)
	require.NoError(t, err)
	assert.JSONEq(t, string(plain.Data), string(v1.Data), "schema 1 reads as it is while the user is not erased")

	require.NoError(t, c.Keys.EraseKey(ctx, uid))
	for _, e := range []events.Envelope{sealed, plain} {
		got, err := r.Apply(ctx, e)
		require.NoError(t, err)
		var d identity.UserCreatedData
		require.NoError(t, json.Unmarshal(got.Data, &d))
		assert.Equal(t, identity.Erased, d.Email, "schema %d", e.Schema)
		assert.Equal(t, identity.Erased, d.DisplayName)
		assert.Equal(t, "pilot", string(d.Role))
		assert.Equal(t, uid, d.UserID)
	}
	_, err = c.Seal(ctx, created(uid))
	require.ErrorIs(t, err, pii.ErrErased, "an erased user gets no new key")
}

// countingKeys counts the key reads that reach the store.
type countingKeys struct {
	pii.KeyStore
	reads atomic.Int32
}

func (k *countingKeys) Key(ctx context.Context, userID string) ([]byte, error) {
	k.reads.Add(1)
	return k.KeyStore.Key(ctx, userID)
}

// TestScopeReadsEachKeyOnce: within a read scope (a request, a batch) a
// user's events are opened with one key read; the next scope reads again,
// so an erasure is seen at once; an erasure inside the scope is seen by
// the rest of it.
func TestScopeReadsEachKeyOnce(t *testing.T) {
	t.Parallel()
	c, r := newCodec(t)
	keys := &countingKeys{KeyStore: c.Keys}
	c.Keys = keys
	uid := ulid.Make().String()
	sealed, err := c.Seal(context.Background(), created(uid))
	require.NoError(t, err)
	profile := created(uid)
	profile.Type, profile.Version = identity.UserProfileUpdated, 2
	profile.Data = json.RawMessage(`{"user_id":"` + uid + `","display_name":"Pat P."}`)
	sealedProfile, err := c.Seal(context.Background(), profile)
	require.NoError(t, err)

	keys.reads.Store(0)
	scope := r.Scope(context.Background())
	for _, e := range []events.Envelope{sealed, sealedProfile, sealed} {
		got, err := r.Apply(scope, e)
		require.NoError(t, err)
		assert.Contains(t, string(got.Data), "Pat P")
	}
	assert.Equal(t, int32(1), keys.reads.Load(), "one read for the user's three events")

	require.NoError(t, c.EraseKey(scope, uid))
	got, err := r.Apply(scope, sealed)
	require.NoError(t, err)
	assert.Contains(t, string(got.Data), identity.Erased, "erased within the scope")

	keys.reads.Store(0)
	got, err = r.Apply(r.Scope(context.Background()), sealed)
	require.NoError(t, err)
	assert.Contains(t, string(got.Data), identity.Erased, "erased for the next scope")
	assert.Equal(t, int32(1), keys.reads.Load())
}

func TestOpenRefusesTamperingAndMovedPayloads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, r := newCodec(t)
	a, b := ulid.Make().String(), ulid.Make().String()
	sa, err := c.Seal(ctx, created(a))
	require.NoError(t, err)
	_, err = c.Seal(ctx, created(b))
	require.NoError(t, err)

	moved := sa
	moved.StreamID = identity.StreamUser(b) // b's key, a's ciphertext
	_, err = r.Apply(ctx, moved)
	require.ErrorIs(t, err, pii.ErrCorrupt)

	retyped := sa
	retyped.Type = identity.UserProfileUpdated
	_, err = r.Apply(ctx, retyped)
	require.ErrorIs(t, err, pii.ErrCorrupt, "the event type is bound too")

	for _, bad := range []string{`{"pii":1}`, `{"pii":"!!"}`, `{"pii":"AAAA"}`} {
		e := sa
		e.Data = json.RawMessage(bad)
		_, err := r.Apply(ctx, e)
		require.ErrorIs(t, err, pii.ErrCorrupt, bad)
	}
}

func TestSealRefusesPersonalDataOutsideUserStreams(t *testing.T) {
	t.Parallel()
	c, _ := newCodec(t)
	e := created(ulid.Make().String())
	e.StreamID = "tenant-X"
	_, err := c.Seal(context.Background(), e)
	require.ErrorIs(t, err, pii.ErrNotUserStream)
}

func TestWrapBindsUser(t *testing.T) {
	t.Parallel()
	m, err := pii.NewMaster(bytes.Repeat([]byte{1}, 32))
	require.NoError(t, err)
	k, err := pii.NewDataKey()
	require.NoError(t, err)
	w, err := m.Wrap("U1", k)
	require.NoError(t, err)
	got, err := m.Unwrap("U1", w)
	require.NoError(t, err)
	assert.Equal(t, k, got)
	_, err = m.Unwrap("U2", w)
	require.ErrorIs(t, err, pii.ErrCorrupt)
	other, err := pii.NewMaster(bytes.Repeat([]byte{2}, 32))
	require.NoError(t, err)
	_, err = other.Unwrap("U1", w)
	require.ErrorIs(t, err, pii.ErrCorrupt)
	_, err = pii.NewMaster([]byte("short"))
	require.ErrorIs(t, err, pii.ErrBadMasterKey)
}

func TestMasterKeyFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"64 hex digits", strings.Repeat("ab", 32), true},
		{"trailing newline", strings.Repeat("ab", 32) + "\n", true},
		{"32 characters", strings.Repeat("x", 32), true},
		{"too short", "abcd", false},
		{"spaces do not count", "  " + strings.Repeat("x", 31) + "  ", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := pii.MasterKeyFrom(tc.in)
			if tc.ok {
				require.NoError(t, err)
				assert.Len(t, k, pii.MasterKeyBytes)
			} else {
				require.ErrorIs(t, err, pii.ErrBadMasterKey)
			}
		})
	}
	a, _ := pii.MasterKeyFrom(strings.Repeat("a", 40))
	b, _ := pii.MasterKeyFrom(strings.Repeat("a", 40) + "\n")
	assert.Equal(t, a, b)
}

// FuzzOpen feeds arbitrary schema-2 payloads to the read path: it returns
// an error or an envelope, never panics.
func FuzzOpen(f *testing.F) {
	c, r := newCodec(f)
	uid := ulid.Make().String()
	sealed, err := c.Seal(context.Background(), created(uid))
	require.NoError(f, err)
	f.Add(string(sealed.Data))
	f.Add(`{"pii":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`)
	f.Add(`{"user_id":"x"}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, data string) {
		e := sealed
		e.Data = json.RawMessage(data)
		_, _ = r.Apply(context.Background(), e)
	})
}
