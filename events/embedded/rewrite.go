package embedded

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/skyledger/skyledger/events"
)

// Entry is one commit of the log as Rewrite hands it to its function: the
// events and the record writes of one Append, CompareAndPut or TakeRecord.
type Entry struct {
	At      time.Time
	Events  []events.Envelope
	Puts    []events.Record
	Deletes []string
}

// RewriteReport says what Rewrite did.
type RewriteReport struct {
	Entries int // entries read and written
	Events  int // events read and written
	Changed int // entries whose content fn changed
}

// ErrRewriteIdentity: a rewrite changed an event's identity (stream,
// version, event id, type), which no rewrite may.
var ErrRewriteIdentity = errors.New("a rewrite must keep every event's stream, version, id and type")

// Rewrite replaces the log of the store in dir with one in which every
// entry went through fn, in log order. It is the one sanctioned rewrite of
// the log (the personal-data migration, `skyledger migrate pii`); events
// stay immutable otherwise. It needs the directory to itself (it takes the
// lock like Open: the runtime must be stopped), refuses a damaged log (see
// Repair), may change event payloads, schemas and records but not any
// event's identity (ErrRewriteIdentity), writes the new log beside the old
// one, fsyncs it and renames it into place, so a crash leaves either the
// old log or the new one. fn must not keep the Entry.
func Rewrite(dir string, fn func(*Entry) error) (RewriteReport, error) {
	var rep RewriteReport
	st, err := Open(dir, Options{})
	if err != nil {
		return rep, err
	}
	defer st.Close()
	data := make([]byte, st.logSize)
	if _, err := st.f.ReadAt(data, 0); err != nil {
		return rep, fmt.Errorf("rewrite: read log: %w", err)
	}
	out := append(make([]byte, 0, len(data)), magic...)
	for off := int64(len(magic)); off < int64(len(data)); {
		e, next, reason := readEntry(data, off)
		if reason != "" {
			return rep, &CorruptError{Path: st.f.Name(), Offset: off, NextIntact: -1, Reason: reason}
		}
		before, err := appendEntry(nil, &e)
		if err != nil {
			return rep, err
		}
		// a conversion, not a copy field by field: a field added to the log
		// entry and not to Entry stops the build instead of being dropped
		x := Entry(e)
		ids := make([][4]string, len(e.Events))
		for i, ev := range e.Events {
			ids[i] = [4]string{ev.StreamID, fmt.Sprint(ev.Version), ev.EventID, ev.Type}
		}
		if err := fn(&x); err != nil {
			return rep, fmt.Errorf("rewrite entry at offset %d: %w", off, err)
		}
		if len(x.Events) != len(ids) {
			return rep, fmt.Errorf("rewrite entry at offset %d: %w", off, ErrRewriteIdentity)
		}
		for i, ev := range x.Events {
			if ids[i] != [4]string{ev.StreamID, fmt.Sprint(ev.Version), ev.EventID, ev.Type} {
				return rep, fmt.Errorf("rewrite entry at offset %d: %w", off, ErrRewriteIdentity)
			}
			if err := ev.Validate(); err != nil {
				return rep, fmt.Errorf("rewrite entry at offset %d: %w", off, err)
			}
		}
		for _, r := range x.Puts {
			if err := r.Validate(); err != nil {
				return rep, fmt.Errorf("rewrite entry at offset %d: %w", off, err)
			}
		}
		e = logEntry(x)
		n := len(out)
		if out, err = appendEntry(out, &e); err != nil {
			return rep, err
		}
		if string(out[n:]) != string(before) {
			rep.Changed++
		}
		rep.Entries++
		rep.Events += len(e.Events)
		off = next
	}
	tmp := filepath.Join(dir, LogFile+".rewrite")
	if err := writeDurable(tmp, out, os.O_TRUNC); err != nil {
		return rep, fmt.Errorf("rewrite: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, LogFile)); err != nil {
		_ = os.Remove(tmp)
		return rep, fmt.Errorf("rewrite: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return rep, fmt.Errorf("rewrite: %w", err)
	}
	return rep, nil
}
