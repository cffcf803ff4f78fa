package piimigrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/pii"
)

// Embedded migrates a stopped local runtime's data directory in place:
//
//  1. backup: eventsDir and keysDir are copied into backupDir, which must
//     not exist and must lie outside the data directory (it holds the
//     plaintext: delete it once the migration is verified);
//  2. rewrite: embedded.Rewrite seals every schema-1 personal event,
//     renames legacy reservation keys to their digest and drops the e-mail
//     from credential records, in every entry of the log (older versions
//     of a record included, so no copy of the address stays in the file);
//  3. verify: the log is read again and compared with the backup: the same
//     events in the same streams and versions, every personal event sealed
//     and reading as before (or as "[erased]" for an erased user), and no
//     original e-mail address anywhere in the log file.
//
// Running it again finds nothing to change and verifies again.
func Embedded(ctx context.Context, eventsDir, keysDir, backupDir string, codec *pii.Codec, log io.Writer) (Report, error) {
	rep := Report{BackupLocation: backupDir}
	if err := backup(eventsDir, keysDir, backupDir); err != nil {
		return rep, err
	}
	fmt.Fprintf(log, "backup written to %s\n", backupDir)
	m := &migrator{codec: codec, rep: &rep}
	res, err := embedded.Rewrite(eventsDir, func(e *embedded.Entry) error {
		for i := range e.Events {
			out, _, err := m.sealEvent(ctx, e.Events[i])
			if err != nil {
				return err
			}
			e.Events[i] = out
		}
		for i := range e.Puts {
			out, _, err := m.migrateRecord(e.Puts[i])
			if err != nil {
				return err
			}
			e.Puts[i] = out
		}
		for i, k := range e.Deletes {
			if nk, ok := legacyReservation(k); ok {
				e.Deletes[i] = nk
			}
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("rewrite (the log is unchanged; the backup is in %s): %w", backupDir, err)
	}
	rep.Events = res.Events
	rep.AlreadyMigrated = res.Changed == 0
	fmt.Fprintf(log, "rewritten: %d entries, %d changed\n", res.Entries, res.Changed)
	if err := verifyEmbedded(ctx, eventsDir, filepath.Join(backupDir, filepath.Base(eventsDir)), codec, &rep); err != nil {
		return rep, err
	}
	fmt.Fprintf(log, "verified: %d personal events\n", rep.Verified)
	return rep, nil
}

// backup copies the events and key directories into a new backupDir.
func backup(eventsDir, keysDir, backupDir string) error {
	if _, err := os.Stat(backupDir); err == nil {
		return fmt.Errorf("backup %s exists: name a new directory", backupDir)
	}
	data, err := filepath.Abs(filepath.Dir(filepath.Clean(eventsDir)))
	if err != nil {
		return err
	}
	b, err := filepath.Abs(backupDir)
	if err != nil {
		return err
	}
	if b == data || strings.HasPrefix(b, data+string(filepath.Separator)) {
		return fmt.Errorf("backup %s is inside the data directory %s: it holds the plaintext, keep it elsewhere", backupDir, data)
	}
	for _, d := range []string{eventsDir, keysDir} {
		if _, err := os.Stat(d); errors.Is(err, os.ErrNotExist) {
			continue
		}
		dst := filepath.Join(backupDir, filepath.Base(d))
		if err := os.MkdirAll(dst, 0o700); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := os.CopyFS(dst, os.DirFS(d)); err != nil {
			return fmt.Errorf("backup %s: %w", d, err)
		}
	}
	return nil
}

// verifyEmbedded compares the migrated log with the backup's.
func verifyEmbedded(ctx context.Context, eventsDir, backupEvents string, codec *pii.Codec, rep *Report) error {
	old, err := embedded.Open(backupEvents, embedded.Options{})
	if err != nil {
		return fmt.Errorf("verify: open backup: %w", err)
	}
	orig := map[string]events.Envelope{}
	var emails [][]byte
	err = old.ReadAll(ctx, func(e events.Envelope) error {
		orig[e.EventID] = e
		if e.Type == identity.UserCreated && e.Schema == identity.SchemaV1 {
			if d, err := decodeEmail(e); err == nil && d != "" {
				emails = append(emails, []byte(d))
			}
		}
		return nil
	})
	if cerr := old.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("verify: read backup: %w", err)
	}
	st, err := embedded.Open(eventsDir, embedded.Options{})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer st.Close()
	up := &events.Upcasters{}
	codec.Register(up)
	n := 0
	err = st.ReadAll(ctx, func(e events.Envelope) error {
		n++
		o, ok := orig[e.EventID]
		if !ok || o.StreamID != e.StreamID || o.Version != e.Version || o.Type != e.Type {
			return fmt.Errorf("%w: event %s (%s v%d) is not the backup's", ErrVerify, e.EventID, e.StreamID, e.Version)
		}
		if err := verifyEvent(ctx, up, codec.Keys, o, e); err != nil {
			return err
		}
		if len(identity.PersonalFields[e.Type]) > 0 {
			rep.Verified++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n != len(orig) {
		return fmt.Errorf("%w: %d events after, %d before", ErrVerify, n, len(orig))
	}
	return filepath.WalkDir(eventsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, em := range emails {
			if bytes.Contains(b, em) {
				return fmt.Errorf("%w: %s still holds a plaintext e-mail address", ErrVerify, p)
			}
		}
		return nil
	})
}
