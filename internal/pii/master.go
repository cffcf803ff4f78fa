// Package pii keeps personal data in event payloads erasable
// (crypto-shredding): the personal fields of user events
// (identity.PersonalFields) are sealed with AES-256-GCM under a per-user
// data key; the data key is stored wrapped (AES-256-GCM) under a key
// derived from the master key, in a KeyStore. Erasing a user deletes its
// data key; from then on the sealed fields read as identity.Erased
// everywhere, while the events themselves stay immutable.
//
// The master key comes from configuration: a file in the data directory
// locally, a Secrets Manager secret in AWS (internal/wire). The Codec seals
// events before they are appended and registers the identity context's
// upcasters (schema 1 plaintext and schema 2 sealed -> the plaintext shape
// readers decode) with an events.Upcasters registry.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MasterKeyBytes is the master key's length (AES-256).
const MasterKeyBytes = 32

// DataKeyBytes is a data key's length (AES-256).
const DataKeyBytes = 32

// MinMasterSecretBytes is the shortest accepted master key material.
const MinMasterSecretBytes = 32

// ErrBadMasterKey: the configured master key material is too short.
var ErrBadMasterKey = fmt.Errorf("master key material must be at least %d characters", MinMasterSecretBytes)

// ErrCorrupt: a wrapped key or a sealed payload fails authentication (wrong
// master key, wrong user, tampered bytes).
var ErrCorrupt = errors.New("pii: authentication failed")

// EnvMasterKey carries the master key material for the offline tools
// (replay, migrate) working on a stage's DynamoDB tables (the stage's
// PIIKey secret) when no key file is named.
const EnvMasterKey = "SKYLEDGER_PII_KEY"

// MasterKeyFile is the master key's file in a local data directory (the
// runtime creates it on first start).
const MasterKeyFile = "pii-key"

// ReadMasterKey is the offline tools' lookup of the master key: file when
// named; else, for DynamoDB, $SKYLEDGER_PII_KEY; else the data directory's
// pii-key file.
func ReadMasterKey(file, dataDir string, dynamo bool) ([]byte, error) {
	switch {
	case file != "":
	case dynamo:
		if v := os.Getenv(EnvMasterKey); v != "" {
			return masterKey(v)
		}
		return nil, errors.New("personal-data master key: set -pii-key-file or " + EnvMasterKey + " (the stage's PIIKey secret)")
	default:
		file = filepath.Join(dataDir, MasterKeyFile)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("personal-data master key: %w (start the runtime once to create it)", err)
	}
	return masterKey(string(b))
}

func masterKey(material string) ([]byte, error) {
	mk, err := MasterKeyFrom(material)
	if err != nil {
		return nil, fmt.Errorf("personal-data master key: %w", err)
	}
	return mk, nil
}

// MasterKeyFrom turns the configured key material (a Secrets Manager
// secret string in AWS, the data directory's pii-key file locally; at least
// MinMasterSecretBytes characters, surrounding space ignored) into the
// MasterKeyBytes master key: its SHA-256.
func MasterKeyFrom(secret string) ([]byte, error) {
	s := strings.TrimSpace(secret)
	if len(s) < MinMasterSecretBytes {
		return nil, ErrBadMasterKey
	}
	k := sha256.Sum256([]byte(s))
	return k[:], nil
}

// Master wraps and unwraps data keys under a key derived (HKDF-SHA256)
// from the master key, so the master key itself encrypts nothing directly
// and other derivations stay independent.
type Master struct {
	wrap cipher.AEAD
}

// NewMaster derives the wrapping key from a MasterKeyBytes master key.
func NewMaster(master []byte) (*Master, error) {
	if len(master) != MasterKeyBytes {
		return nil, ErrBadMasterKey
	}
	k, err := hkdf.Key(sha256.New, master, nil, "skyledger pii data-key wrapping v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive wrapping key: %w", err)
	}
	a, err := newGCM(k)
	if err != nil {
		return nil, err
	}
	return &Master{wrap: a}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(b)
}

// seal returns nonce||ciphertext of plain under a with aad.
func seal(a cipher.AEAD, plain, aad []byte) ([]byte, error) {
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return a.Seal(nonce, nonce, plain, aad), nil
}

// open reverses seal.
func open(a cipher.AEAD, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < a.NonceSize()+a.Overhead() {
		return nil, ErrCorrupt
	}
	n := a.NonceSize()
	p, err := a.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return p, nil
}

func wrapAAD(userID string) []byte { return []byte("skyledger datakey\x00" + userID) }

// NewDataKey returns a fresh random data key.
func NewDataKey() ([]byte, error) {
	k := make([]byte, DataKeyBytes)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return k, nil
}

// Wrap seals userID's data key; the user id is bound as associated data,
// so a wrapped key moved to another user fails to unwrap.
func (m *Master) Wrap(userID string, dataKey []byte) ([]byte, error) {
	if len(dataKey) != DataKeyBytes {
		return nil, fmt.Errorf("data key of %d bytes, want %d", len(dataKey), DataKeyBytes)
	}
	return seal(m.wrap, dataKey, wrapAAD(userID))
}

// Unwrap opens a wrapped data key of userID (ErrCorrupt when it does not
// authenticate).
func (m *Master) Unwrap(userID string, wrapped []byte) ([]byte, error) {
	k, err := open(m.wrap, wrapped, wrapAAD(userID))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key of %s: %w", userID, err)
	}
	if len(k) != DataKeyBytes {
		return nil, fmt.Errorf("unwrap data key of %s: %w", userID, ErrCorrupt)
	}
	return k, nil
}
