// Package piimigrate brings personal data written in plaintext (schema 1
// user events, reservation keys holding the address, credential records
// holding it) under the erasure guarantee: `skyledger migrate pii` rewrites
// them in place to the sealed schema, offline, after a backup, with a
// verification pass. It is the one sanctioned rewrite of the event log
// (docs/operations.md, decision 27).
package piimigrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/pii"
)

// Report counts what a migration changed and verified.
type Report struct {
	Events          int // events read
	Sealed          int // schema-1 events sealed (schema 2 now)
	SealedErased    int // of those, of erased users (sealed under a key that is thrown away)
	KeysCreated     int // data keys created for users that had none
	Reservations    int // e-mail reservation keys rewritten to their digest
	Credentials     int // credential records that lost the e-mail
	Verified        int // personal events opened and compared in the verification pass
	BackupLocation  string
	AlreadyMigrated bool // nothing needed a change
}

func (r Report) String() string {
	return fmt.Sprintf("%d events read; %d sealed (%d of erased users); %d data keys created; %d reservations and %d credentials rewritten; %d personal events verified; backup: %s",
		r.Events, r.Sealed, r.SealedErased, r.KeysCreated, r.Reservations, r.Credentials, r.Verified, r.BackupLocation)
}

// ErrVerify: the verification pass found something the migration should
// have changed, or a changed event that no longer reads as before.
var ErrVerify = errors.New("verification failed")

// migrator is the store-independent part: how one event and one record
// change.
type migrator struct {
	codec *pii.Codec
	rep   *Report
}

// sealEvent seals a schema-1 event with personal fields under its user's
// data key (creating the key if the user has none). An erased user's
// event is sealed under a fresh key that is never stored: its fields then
// read "[erased]", as the user's other events do.
func (m *migrator) sealEvent(ctx context.Context, e events.Envelope) (events.Envelope, bool, error) {
	if len(identity.PersonalFields[e.Type]) == 0 || e.Schema != identity.SchemaV1 {
		return e, false, nil
	}
	uid := strings.TrimPrefix(e.StreamID, identity.StreamUser(""))
	had := true
	if _, err := m.codec.Keys.Key(ctx, uid); errors.Is(err, pii.ErrNoKey) {
		had = false
	} else if err != nil && !errors.Is(err, pii.ErrErased) {
		return e, false, err
	}
	dk, err := m.codec.EnsureKey(ctx, uid)
	switch {
	case errors.Is(err, pii.ErrErased):
		if dk, err = pii.NewDataKey(); err != nil {
			return e, false, err
		}
		m.rep.SealedErased++
	case err != nil:
		return e, false, fmt.Errorf("data key of %s: %w", uid, err)
	case !had:
		m.rep.KeysCreated++
	}
	out, err := pii.SealWith(dk, e)
	if err != nil {
		return e, false, err
	}
	m.rep.Sealed++
	return out, true, nil
}

// legacyReservation reports whether key is an e-mail reservation holding
// the address itself, and returns the key it becomes.
func legacyReservation(key string) (string, bool) {
	addr, ok := strings.CutPrefix(key, "email#")
	if !ok || !strings.Contains(addr, "@") {
		return key, false
	}
	return auth.EmailRecordKey(addr), true
}

// migrateRecord rewrites a record put: a legacy reservation key becomes its
// digest, a credential loses its "email".
func (m *migrator) migrateRecord(r events.Record) (events.Record, bool, error) {
	changed := false
	if k, ok := legacyReservation(r.Key); ok {
		r.Key, changed = k, true
		m.rep.Reservations++
	}
	if r.Kind == auth.KindUser && strings.HasPrefix(r.Key, "user#") {
		var d map[string]json.RawMessage
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return r, false, fmt.Errorf("credential %s: %w", r.Key, err)
		}
		if _, ok := d["email"]; ok {
			delete(d, "email")
			b, err := json.Marshal(d)
			if err != nil {
				return r, false, err
			}
			r.Data, changed = b, true
			m.rep.Credentials++
		}
	}
	return r, changed, nil
}

// verifyEvent checks one migrated event against its original: sealed if
// personal, and reading (through the upcasters) as the original did, or as
// erased for an erased user.
func verifyEvent(ctx context.Context, up *events.Upcasters, keys pii.KeyStore, orig, now events.Envelope) error {
	if len(identity.PersonalFields[now.Type]) == 0 {
		if string(orig.Data) != string(now.Data) || orig.Schema != now.Schema {
			return fmt.Errorf("%w: %s v%d changed but holds no personal data", ErrVerify, now.StreamID, now.Version)
		}
		return nil
	}
	if orig.Schema == identity.SchemaV2 { // sealed before: untouched, still opens
		if string(orig.Data) != string(now.Data) {
			return fmt.Errorf("%w: %s v%d was sealed already and changed", ErrVerify, now.StreamID, now.Version)
		}
		if _, err := up.Apply(ctx, now); err != nil {
			return fmt.Errorf("%w: %s v%d does not open: %w", ErrVerify, now.StreamID, now.Version, err)
		}
		return nil
	}
	if now.Schema != identity.SchemaV2 {
		return fmt.Errorf("%w: %s v%d (%s) is schema %d, not sealed", ErrVerify, now.StreamID, now.Version, now.Type, now.Schema)
	}
	for _, f := range identity.PersonalFields[now.Type] {
		if strings.Contains(string(now.Data), `"`+f+`":`) {
			return fmt.Errorf("%w: %s v%d still has a plaintext %q", ErrVerify, now.StreamID, now.Version, f)
		}
	}
	opened, err := up.Apply(ctx, now)
	if err != nil {
		return fmt.Errorf("%w: %s v%d does not open: %w", ErrVerify, now.StreamID, now.Version, err)
	}
	want := orig.Data
	if _, err := keys.Key(ctx, strings.TrimPrefix(now.StreamID, identity.StreamUser(""))); errors.Is(err, pii.ErrErased) {
		if want, err = identity.Redact(orig.Type, orig.Data); err != nil {
			return err
		}
	}
	if !sameJSON(want, opened.Data) {
		return fmt.Errorf("%w: %s v%d reads differently after sealing", ErrVerify, now.StreamID, now.Version)
	}
	return nil
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// decodeEmail returns the plaintext e-mail of a schema-1 user.created.
func decodeEmail(e events.Envelope) (string, error) {
	var d identity.UserCreatedData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return "", err
	}
	return d.Email, nil
}
