package pii_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/pii/keystoretest"
)

func TestContractFileKeys(t *testing.T) {
	t.Parallel()
	keystoretest.Run(t, func(t *testing.T) pii.KeyStore {
		s, err := pii.NewFileKeys(filepath.Join(t.TempDir(), "keys"))
		require.NoError(t, err)
		return s
	})
}

// TestContractRecordKeysOnMoto runs the contract on the DynamoDB Records
// table (moto), the store the cloud uses.
func TestContractRecordKeysOnMoto(t *testing.T) {
	t.Parallel()
	c, prefix := awstest.Tables(t, spec.Events, spec.Records)
	store := dynamo.New(c, spec.TableName(prefix, spec.Events), spec.TableName(prefix, spec.Records))
	keystoretest.Run(t, func(*testing.T) pii.KeyStore { return &pii.RecordKeys{Records: store} })
}

// TestFileKeysEraseRemovesTheBytes: after EraseKey no file of the key
// directory holds the wrapped key.
func TestFileKeysEraseRemovesTheBytes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "keys")
	s, err := pii.NewFileKeys(dir)
	require.NoError(t, err)
	u := ulid.Make().String()
	secret := []byte("wrapped-key-material-0123456789")
	_, err = s.CreateKey(context.Background(), u, secret)
	require.NoError(t, err)
	require.NoError(t, s.EraseKey(context.Background(), u))
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		require.NoError(t, err)
		if fi.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.False(t, bytes.Contains(b, secret), "%s still holds the key", p)
		return nil
	})
	require.NoError(t, err)
}

func TestFileKeysRefusesNonIDs(t *testing.T) {
	t.Parallel()
	s, err := pii.NewFileKeys(t.TempDir())
	require.NoError(t, err)
	for _, id := range []string{"../x", "", "a/b"} {
		_, err := s.Key(context.Background(), id)
		require.Error(t, err)
		require.NotErrorIs(t, err, pii.ErrNoKey)
	}
}
