package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/wire"
)

// EnvPIIKey carries the personal-data master key material for a replay of
// a DynamoDB source (the stage's PIIKey secret) when -pii-key-file is not
// given.
const EnvPIIKey = "SKYLEDGER_PII_KEY"

// upcasters builds the readers' upcasters for a replay: the personal-data
// master key (keyFile, else <events-dir>/../pii-key for an embedded
// source, else $SKYLEDGER_PII_KEY) and the data keys (keysDir, else
// <events-dir>/../keys for an embedded source, else records, the source's
// Records table). A replay without the master key is refused: sealed
// fields could not be opened, and an erased user's plaintext written before
// the migration could not be told from a live one.
func upcasters(eventsDir, keyFile, keysDir string, records events.Records) (*events.Upcasters, error) {
	var material string
	switch {
	case keyFile != "":
		b, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, fmt.Errorf("personal-data master key: %w", err)
		}
		material = string(b)
	case eventsDir != "":
		p := filepath.Join(filepath.Dir(filepath.Clean(eventsDir)), "pii-key")
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("personal-data master key (-pii-key-file, default %s): %w", p, err)
		}
		material = string(b)
	default:
		material = os.Getenv(EnvPIIKey)
		if material == "" {
			return nil, errors.New("personal-data master key: set -pii-key-file or " + EnvPIIKey + " (the stage's PIIKey secret)")
		}
	}
	mk, err := pii.MasterKeyFrom(material)
	if err != nil {
		return nil, fmt.Errorf("personal-data master key: %w", err)
	}
	var keys pii.KeyStore
	switch {
	case keysDir != "":
		keys = &pii.FileKeys{Dir: keysDir}
	case eventsDir != "":
		keys = &pii.FileKeys{Dir: filepath.Join(filepath.Dir(filepath.Clean(eventsDir)), "keys")}
	default:
		keys = &pii.RecordKeys{Records: records}
	}
	_, up := wire.PersonalData(wire.Adapters{Keys: keys}, wire.Settings{PIIMasterKey: mk})
	return up, nil
}
