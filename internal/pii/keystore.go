package pii

import (
	"context"
	"errors"
)

// Errors of a KeyStore.
var (
	// ErrNoKey: the user never had a data key (a user written before
	// sealing existed, not yet migrated).
	ErrNoKey = errors.New("no data key")
	// ErrErased: the user's data key was erased; only a tombstone is left.
	ErrErased = errors.New("data key erased")
)

// KeyStore keeps one wrapped data key per user. The key material must be
// really gone after EraseKey: a store whose deletions leave the bytes
// readable (an append-only log) does not qualify. Implementations are safe
// for concurrent use. Adapters: RecordKeys (the Records table in AWS and
// on a DynamoDB endpoint) and FileKeys (one file per user in the local data
// directory); both pass the contract suite in keystoretest.
type KeyStore interface {
	// CreateKey stores wrapped as userID's key unless one exists, and
	// returns the stored wrapped key (the existing one when there was
	// one, so concurrent creators agree). ErrErased if the user's key was
	// erased: an erased user never gets a key again.
	CreateKey(ctx context.Context, userID string, wrapped []byte) ([]byte, error)
	// Key returns userID's wrapped key, ErrNoKey or ErrErased.
	Key(ctx context.Context, userID string) ([]byte, error)
	// EraseKey deletes userID's key and leaves a tombstone (so readers
	// tell "erased" from "never had one"). Erasing twice, or erasing a
	// user without a key, succeeds.
	EraseKey(ctx context.Context, userID string) error
}
