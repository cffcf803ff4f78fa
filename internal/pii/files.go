package pii

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

var _ KeyStore = (*FileKeys)(nil)

// FileKeys keeps each data key in its own file, <Dir>/<user_id>.key (mode
// 0600), and an erased user's tombstone as an empty <user_id>.erased. It is
// the local runtime's key store: erasing unlinks the key's file, so its
// bytes leave the data directory, which an overwritten record in the
// embedded event log never would.
type FileKeys struct {
	Dir string
}

// NewFileKeys creates dir (0700) if needed.
func NewFileKeys(dir string) (*FileKeys, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key directory: %w", err)
	}
	return &FileKeys{Dir: dir}, nil
}

func (s *FileKeys) paths(userID string) (key, tomb string, err error) {
	// user ids are ULIDs; anything else that is a plain alphanumeric
	// name is safe as a file name (no separator, no dot-dot)
	if !safeName(userID) {
		return "", "", fmt.Errorf("data key: user id %q is not an id", userID)
	}
	return filepath.Join(s.Dir, userID+".key"), filepath.Join(s.Dir, userID+".erased"), nil
}

// livePath is the path of the user's key file; ErrErased once the user's
// tombstone exists.
func (s *FileKeys) livePath(userID string) (string, error) {
	key, tomb, err := s.paths(userID)
	if err != nil {
		return "", err
	}
	if gone, err := exists(tomb); err != nil || gone {
		if err == nil {
			err = ErrErased
		}
		return "", err
	}
	return key, nil
}

func safeName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func exists(p string) (bool, error) {
	_, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// syncDir makes a directory's entries (created, linked, removed) durable.
func (s *FileKeys) syncDir() error {
	d, err := os.Open(s.Dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// CreateKey implements KeyStore: the key is written to a temporary file,
// synced, and hard-linked into place, which fails if the name exists, so
// concurrent creators agree on one key.
func (s *FileKeys) CreateKey(_ context.Context, userID string, wrapped []byte) ([]byte, error) {
	key, err := s.livePath(userID)
	if err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(key); err == nil {
		return b, nil
	}
	tmp, err := os.CreateTemp(s.Dir, ".tmp-"+userID+"-*")
	if err != nil {
		return nil, fmt.Errorf("data key of %s: %w", userID, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(wrapped); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("data key of %s: %w", userID, err)
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return nil, fmt.Errorf("data key of %s: %w", userID, err)
	}
	if err := os.Link(tmp.Name(), key); errors.Is(err, os.ErrExist) {
		return os.ReadFile(key)
	} else if err != nil {
		return nil, fmt.Errorf("data key of %s: %w", userID, err)
	}
	if err := s.syncDir(); err != nil {
		return nil, fmt.Errorf("data key of %s: %w", userID, err)
	}
	return wrapped, nil
}

// Key implements KeyStore.
func (s *FileKeys) Key(_ context.Context, userID string) ([]byte, error) {
	key, err := s.livePath(userID)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(key)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoKey
	}
	if err != nil {
		return nil, fmt.Errorf("data key of %s: %w", userID, err)
	}
	return b, nil
}

// EraseKey implements KeyStore: the tombstone is made durable first, then
// the key's file is unlinked.
func (s *FileKeys) EraseKey(_ context.Context, userID string) error {
	key, tomb, err := s.paths(userID)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(tomb, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("erase data key of %s: %w", userID, err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("erase data key of %s: %w", userID, err)
	}
	if err := os.Remove(key); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("erase data key of %s: %w", userID, err)
	}
	return s.syncDir()
}
