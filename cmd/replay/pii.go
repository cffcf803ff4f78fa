package main

import (
	"path/filepath"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/wire"
)

// upcasters builds the readers' upcasters for a replay: the personal-data
// master key (pii.ReadMasterKey: keyFile, else <events-dir>/../pii-key for
// an embedded source, else $SKYLEDGER_PII_KEY) and the data keys (keysDir, else
// <events-dir>/../keys for an embedded source, else records, the source's
// Records table). A replay without the master key is refused: sealed
// fields could not be opened, and an erased user's plaintext written before
// the migration could not be told from a live one.
func upcasters(eventsDir, keyFile, keysDir string, records events.Records) (*events.Upcasters, error) {
	dataDir := filepath.Dir(filepath.Clean(eventsDir))
	mk, err := pii.ReadMasterKey(keyFile, dataDir, eventsDir == "")
	if err != nil {
		return nil, err
	}
	var keys pii.KeyStore
	switch {
	case keysDir != "":
		keys = &pii.FileKeys{Dir: keysDir}
	case eventsDir != "":
		keys = &pii.FileKeys{Dir: wire.LocalKeysDir(dataDir)}
	default:
		keys = &pii.RecordKeys{Records: records}
	}
	_, up := wire.PersonalData(wire.Adapters{Keys: keys}, wire.Settings{PIIMasterKey: mk})
	return up, nil
}
