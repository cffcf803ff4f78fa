package pii

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
)

// SealedField is the schema-2 payload field that carries the sealed
// personal fields: base64(nonce || AES-256-GCM ciphertext of a JSON object
// of those fields), the associated data binding the stream id and the
// event type.
const SealedField = "pii"

// Codec seals personal fields before an append and opens them on read.
// Safe for concurrent use.
type Codec struct {
	Keys   KeyStore
	Master *Master
}

// ErrNotUserStream: an event type with personal fields outside a user
// stream (the data key is found by the stream's user id).
var ErrNotUserStream = errors.New("personal data outside a user stream")

func ownerOf(e events.Envelope) (string, error) {
	id, ok := strings.CutPrefix(e.StreamID, identity.StreamUser(""))
	if !ok || id == "" {
		return "", fmt.Errorf("%s on %s: %w", e.Type, e.StreamID, ErrNotUserStream)
	}
	return id, nil
}

func sealAAD(e events.Envelope) []byte { return []byte(e.StreamID + "\x00" + e.Type) }

// memoKey finds the key memo of a read scope (Scope) in a context.
type memoKey struct{}

// keyMemo remembers, for one request or stream batch, each user's wrapped
// key or its definite absence (ErrNoKey, ErrErased); other errors are not
// remembered. Safe for concurrent use.
type keyMemo struct {
	mu sync.Mutex
	m  map[string]memoEntry
}

type memoEntry struct {
	wrapped []byte
	err     error
}

// Scope returns ctx with a fresh key memo (events.Upcasters.Scope): the
// key reads of the requests and batches run under it are made once per
// user. A memo lives only as long as its scope, so an erasure is seen by
// the next request or batch.
func Scope(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &keyMemo{m: map[string]memoEntry{}})
}

// key reads userID's wrapped key, through the scope's memo when ctx has
// one.
func (c *Codec) key(ctx context.Context, userID string) ([]byte, error) {
	memo, _ := ctx.Value(memoKey{}).(*keyMemo)
	if memo != nil {
		memo.mu.Lock()
		e, ok := memo.m[userID]
		memo.mu.Unlock()
		if ok {
			return e.wrapped, e.err
		}
	}
	wrapped, err := c.Keys.Key(ctx, userID)
	if memo != nil && (err == nil || errors.Is(err, ErrNoKey) || errors.Is(err, ErrErased)) {
		memo.remember(userID, wrapped, err)
	}
	return wrapped, err
}

func (m *keyMemo) remember(userID string, wrapped []byte, err error) {
	m.mu.Lock()
	m.m[userID] = memoEntry{wrapped, err}
	m.mu.Unlock()
}

// dataKey returns the user's data key, creating (and storing) one first
// when create is set and the user has none.
func (c *Codec) dataKey(ctx context.Context, userID string, create bool) ([]byte, error) {
	wrapped, err := c.key(ctx, userID)
	if errors.Is(err, ErrNoKey) && create {
		k, kerr := NewDataKey()
		if kerr != nil {
			return nil, kerr
		}
		w, kerr := c.Master.Wrap(userID, k)
		if kerr != nil {
			return nil, kerr
		}
		if wrapped, err = c.Keys.CreateKey(ctx, userID, w); err == nil {
			if memo, _ := ctx.Value(memoKey{}).(*keyMemo); memo != nil {
				memo.remember(userID, wrapped, nil)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return c.Master.Unwrap(userID, wrapped)
}

// EnsureKey makes sure userID has a data key (creating one if needed) and
// returns it; ErrErased for an erased user.
func (c *Codec) EnsureKey(ctx context.Context, userID string) ([]byte, error) {
	return c.dataKey(ctx, userID, true)
}

// Seal returns e with its personal fields sealed (schema 2) under the
// owner's data key, which is created and stored first if the user has
// none, so no sealed event exists without its key. Events without personal
// fields, and events not in schema 1, are returned unchanged.
func (c *Codec) Seal(ctx context.Context, e events.Envelope) (events.Envelope, error) {
	if len(identity.PersonalFields[e.Type]) == 0 || e.Schema != identity.SchemaV1 {
		return e, nil
	}
	uid, err := ownerOf(e)
	if err != nil {
		return e, err
	}
	dk, err := c.dataKey(ctx, uid, true)
	if err != nil {
		return e, fmt.Errorf("seal %s: %w", e.Type, err)
	}
	return SealWith(dk, e)
}

// SealWith seals e's personal fields under dataKey (schema 2); the
// migration uses it with keys it holds.
func SealWith(dataKey []byte, e events.Envelope) (events.Envelope, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(e.Data, &m); err != nil {
		return e, fmt.Errorf("seal %s: %w", e.Type, err)
	}
	if _, ok := m[SealedField]; ok {
		return e, fmt.Errorf("seal %s: payload already has a %q field", e.Type, SealedField)
	}
	personal := map[string]json.RawMessage{}
	for _, f := range identity.PersonalFields[e.Type] {
		if v, ok := m[f]; ok {
			personal[f] = v
			delete(m, f)
		}
	}
	plain, err := json.Marshal(personal)
	if err != nil {
		return e, err
	}
	a, err := newGCM(dataKey)
	if err != nil {
		return e, err
	}
	ct, err := seal(a, plain, sealAAD(e))
	if err != nil {
		return e, err
	}
	m[SealedField], _ = json.Marshal(base64.StdEncoding.EncodeToString(ct))
	if e.Data, err = json.Marshal(m); err != nil {
		return e, err
	}
	e.Schema = identity.SchemaV2
	return e, nil
}

// Register adds the identity context's upcasters: for every event type
// with personal fields, schema 1 (plaintext, written before sealing) and
// schema 2 (sealed) both become the plaintext shape readers decode, with
// identity.Erased in the personal fields of an erased user.
func (c *Codec) Register(r *events.Upcasters) {
	r.RegisterScope(Scope)
	for typ := range identity.PersonalFields {
		r.Register(typ, identity.SchemaV1, c.openV1)
		r.Register(typ, identity.SchemaV2, c.openV2)
	}
}

// openV1: plaintext stays, unless its user was erased (a user erased before
// the migration sealed its events).
func (c *Codec) openV1(ctx context.Context, e events.Envelope) (events.Envelope, error) {
	uid, err := ownerOf(e)
	if err != nil {
		return e, err
	}
	if _, err := c.key(ctx, uid); errors.Is(err, ErrErased) {
		e.Data, err = identity.Redact(e.Type, e.Data)
		return e, err
	} else if err != nil && !errors.Is(err, ErrNoKey) {
		return e, err
	}
	return e, nil
}

// openV2 decrypts the sealed fields with the owner's data key; with the
// key gone (erased) every personal field reads identity.Erased. A payload
// without the sealed field is already open and returned as it is.
func (c *Codec) openV2(ctx context.Context, e events.Envelope) (events.Envelope, error) {
	uid, err := ownerOf(e)
	if err != nil {
		return e, err
	}
	m, ct, err := splitSealed(e)
	if err != nil || m == nil {
		return e, err
	}
	dk, err := c.dataKey(ctx, uid, false)
	if errors.Is(err, ErrErased) || errors.Is(err, ErrNoKey) {
		erased, _ := json.Marshal(identity.Erased)
		for _, f := range identity.PersonalFields[e.Type] {
			m[f] = erased
		}
		e.Data, err = json.Marshal(m)
		return e, err
	}
	if err != nil {
		return e, err
	}
	return openWith(dk, e, m, ct)
}

// splitSealed parses a schema-2 payload into its open fields and the
// sealed bytes; (nil, nil, nil) when it has no sealed field.
func splitSealed(e events.Envelope) (map[string]json.RawMessage, []byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(e.Data, &m); err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", e.Type, err)
	}
	raw, ok := m[SealedField]
	if !ok {
		return nil, nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, nil, fmt.Errorf("open %s: %q is not a string: %w", e.Type, SealedField, ErrCorrupt)
	}
	ct, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %q is not base64: %w", e.Type, SealedField, ErrCorrupt)
	}
	delete(m, SealedField)
	return m, ct, nil
}

// openWith decrypts a sealed payload (m without the sealed field, ct the
// sealed bytes) with dataKey and returns e in the plaintext shape.
func openWith(dataKey []byte, e events.Envelope, m map[string]json.RawMessage, ct []byte) (events.Envelope, error) {
	a, err := newGCM(dataKey)
	if err != nil {
		return e, err
	}
	plain, err := open(a, ct, sealAAD(e))
	if err != nil {
		return e, fmt.Errorf("open %s of %s: %w", e.Type, e.StreamID, err)
	}
	var personal map[string]json.RawMessage
	if err := json.Unmarshal(plain, &personal); err != nil {
		return e, fmt.Errorf("open %s of %s: %w", e.Type, e.StreamID, ErrCorrupt)
	}
	for _, f := range identity.PersonalFields[e.Type] {
		if v, ok := personal[f]; ok {
			m[f] = v
		}
	}
	if e.Data, err = json.Marshal(m); err != nil {
		return e, err
	}
	return e, nil
}

// EraseKey deletes userID's data key (KeyStore.EraseKey); the rest of the
// scope then reads the user as erased.
func (c *Codec) EraseKey(ctx context.Context, userID string) error {
	if err := c.Keys.EraseKey(ctx, userID); err != nil {
		return err
	}
	if memo, _ := ctx.Value(memoKey{}).(*keyMemo); memo != nil {
		memo.remember(userID, nil, ErrErased)
	}
	return nil
}

// IsSealedRewrite reports whether e is what the personal-data migration
// writes over a schema-1 event: a sealed (schema 2) event of a type with
// personal fields (projection.Deps.Rewrite).
func IsSealedRewrite(e events.Envelope) bool {
	return len(identity.PersonalFields[e.Type]) > 0 && e.Schema == identity.SchemaV2
}
