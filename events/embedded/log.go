package embedded

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"

	"github.com/skyledger/skyledger/events"
)

// Log file format (events.log):
//
//	file   = magic entry*
//	magic  = "SKYLOG01"                      8 bytes
//	entry  = length crc payload
//	length = uint32 little endian            length of payload
//	crc    = uint32 little endian            CRC-32C (Castagnoli) of payload
//	payload= JSON of logEntry                one commit: events + record writes
//
// One entry is one commit (one Append, CompareAndPut or TakeRecord), so the
// events and the inline records of an append are durable together or not at
// all. A group commit writes several entries with one write and one fsync.
//
// Every payload starts with entryMark (`{"at":"`, the first field of
// logEntry), which serves as the per-entry magic when scanning damaged data
// for the next intact entry: a candidate is a position where entryMark
// follows 8 header bytes whose length and CRC-32C check out. A false match
// inside another entry's payload is impossible: the length field of any
// entry below maxEntry has a most significant byte of at most 0x04, a control
// character that encoding/json never writes unescaped.
//
// On open the log is read front to back. The first entry that is incomplete
// or fails its checks starts either a torn tail (nothing intact follows it
// anywhere in the rest of the file: a crash only ever loses the end of the
// last write), which is cut (truncate + fsync), or damage in the middle (an
// intact entry follows somewhere), for which Open refuses with a
// *CorruptError naming both offsets instead of dropping committed data.
// Repair (cmd/logrepair) salvages the intact entries after such damage.
const (
	magic      = "SKYLOG01"
	headerSize = 8
	// maxEntry bounds a declared length so garbage cannot make us allocate
	// gigabytes: 50 events x 400 KB + 99 records x 400 KB fits well below.
	maxEntry = 64 << 20
)

// entryMark is how every payload begins (json.Marshal of logEntry).
var entryMark = []byte(`{"at":"`)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt means the log is damaged somewhere other than its tail. Open
// returns it wrapped in a *CorruptError.
var ErrCorrupt = errors.New("embedded event log is corrupt")

// CorruptError is the reason Open refuses a log: damage that is not a torn
// tail. errors.Is(err, ErrCorrupt) holds.
type CorruptError struct {
	Path string
	// Offset is where the damaged entry starts (the byte after the last
	// intact entry), or where the stream-version inconsistency was found.
	Offset int64
	// NextIntact is the offset of the first intact entry after the damage
	// (-1 when not applicable).
	NextIntact int64
	// Reason says what is wrong at Offset.
	Reason string
}

func (e *CorruptError) Error() string {
	msg := fmt.Sprintf("%v: %s at offset %d: %s", ErrCorrupt, e.Path, e.Offset, e.Reason)
	if e.NextIntact >= 0 {
		msg += fmt.Sprintf(", and an intact entry follows at offset %d, so this is not a torn tail", e.NextIntact)
	}
	return msg + "; nothing was cut. With the runtime stopped, `go run ./cmd/logrepair -data-dir <data dir>` salvages the intact entries (damaged bytes are moved aside, not deleted)"
}

// Is makes errors.Is(err, ErrCorrupt) hold.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// logEntry is one commit.
type logEntry struct {
	At      time.Time         `json:"at"`
	Events  []events.Envelope `json:"events,omitempty"`
	Puts    []events.Record   `json:"puts,omitempty"`
	Deletes []string          `json:"deletes,omitempty"`
}

// appendEntry encodes e as a framed entry onto buf.
func appendEntry(buf []byte, e *logEntry) ([]byte, error) {
	payload, err := json.Marshal(e)
	if err != nil {
		return buf, fmt.Errorf("encode log entry: %w", err)
	}
	if len(payload) > maxEntry {
		return buf, fmt.Errorf("%w: log entry of %d bytes", events.ErrTooLarge, len(payload))
	}
	var h [headerSize]byte
	binary.LittleEndian.PutUint32(h[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[4:8], crc32.Checksum(payload, castagnoli))
	buf = append(buf, h[:]...)
	return append(buf, payload...), nil
}

// readEntry decodes the entry at off in data. When the entry is incomplete
// or damaged, reason says why and next is 0.
func readEntry(data []byte, off int64) (e logEntry, next int64, reason string) {
	rest := data[off:]
	if len(rest) < headerSize {
		return e, 0, fmt.Sprintf("incomplete entry header (%d of %d bytes)", len(rest), headerSize)
	}
	n := int64(binary.LittleEndian.Uint32(rest[0:4]))
	sum := binary.LittleEndian.Uint32(rest[4:8])
	switch {
	case n == 0:
		return e, 0, "entry length is 0"
	case n > maxEntry:
		return e, 0, fmt.Sprintf("entry length %d exceeds the %d-byte maximum", n, maxEntry)
	case int64(len(rest)) < headerSize+n:
		return e, 0, fmt.Sprintf("entry length %d runs past the end of the file (%d bytes left)", n, len(rest)-headerSize)
	}
	payload := rest[headerSize : headerSize+n]
	if got := crc32.Checksum(payload, castagnoli); got != sum {
		return e, 0, fmt.Sprintf("checksum mismatch (stored %08x, computed %08x over %d bytes)", sum, got, n)
	}
	if err := json.Unmarshal(payload, &e); err != nil {
		return e, 0, fmt.Sprintf("payload does not decode: %v", err)
	}
	for _, ev := range e.Events {
		if err := ev.Validate(); err != nil {
			return e, 0, fmt.Sprintf("invalid event: %v", err)
		}
	}
	return e, off + headerSize + n, ""
}

// nextIntact returns the offset of the first intact entry that starts after
// from, or -1. It looks only where entryMark occurs, so it is linear in the
// length of data.
func nextIntact(data []byte, from int64) int64 {
	pos := from + 1 + headerSize // earliest possible payload start
	for pos < int64(len(data)) {
		i := bytes.Index(data[pos:], entryMark)
		if i < 0 {
			return -1
		}
		off := pos + int64(i) - headerSize
		if _, _, reason := readEntry(data, off); reason == "" {
			return off
		}
		pos += int64(i) + 1
	}
	return -1
}

// versionCheck keeps the last version of every stream seen while reading a
// log, so an entry that does not continue its streams is caught: the index
// and Load assume gapless versions.
type versionCheck map[string]int64

// reason returns why e does not continue its streams ("" when it does),
// without recording anything.
func (v versionCheck) reason(e *logEntry) string {
	for i, ev := range e.Events {
		want := v[ev.StreamID] + 1
		for _, prev := range e.Events[:i] { // at most 50: no map per entry on Open
			if prev.StreamID == ev.StreamID {
				want++
			}
		}
		if ev.Version != want {
			return fmt.Sprintf("stream %s has version %d where %d is next (an earlier entry of the stream is missing)", ev.StreamID, ev.Version, want)
		}
	}
	return ""
}

func (v versionCheck) add(e *logEntry) {
	for _, ev := range e.Events {
		v[ev.StreamID] = ev.Version
	}
}

// recovery describes what Open found at the end of the log: what
// Store.Recovery reports, and the logical end of the log.
type recovery struct {
	Recovery
	size int64 // logical end: the end of the last intact entry
}

// recoverLog reads every intact entry of f, cuts a torn tail, refuses damage
// in the middle (*CorruptError) and leaves the file offset at the end. apply
// is called for each entry in order.
func recoverLog(f *os.File, apply func(*logEntry)) (recovery, error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return recovery{}, fmt.Errorf("read log: %w", err)
	}
	if len(data) == 0 {
		if _, err := f.Write([]byte(magic)); err != nil {
			if isNoSpace(err) {
				return recovery{}, fmt.Errorf("write log header: %w: %w", events.ErrStorageFull, err)
			}
			return recovery{}, fmt.Errorf("write log header: %w", err)
		}
		if err := syncFile(f); err != nil {
			return recovery{}, fmt.Errorf("sync log header: %w", err)
		}
		return recovery{size: int64(len(magic))}, nil
	}
	if len(data) < len(magic) || string(data[:len(magic)]) != magic {
		if len(data) < len(magic) && string(data) == magic[:len(data)] {
			// A crash while writing the header of a new log.
			return rewriteHeader(f)
		}
		return recovery{}, &CorruptError{Path: f.Name(), Offset: 0, NextIntact: nextIntact(data, -1), Reason: fmt.Sprintf("no %q header", magic)}
	}
	rec := recovery{size: int64(len(magic))}
	versions := versionCheck{}
	off := int64(len(magic))
	for off < int64(len(data)) {
		e, next, reason := readEntry(data, off)
		if reason == "" {
			reason = versions.reason(&e)
			if reason != "" {
				return recovery{}, &CorruptError{Path: f.Name(), Offset: off, NextIntact: -1, Reason: reason}
			}
		} else {
			if at := nextIntact(data, off); at >= 0 {
				return recovery{}, &CorruptError{Path: f.Name(), Offset: off, NextIntact: at, Reason: reason}
			}
			rec.CutAt, rec.CutBytes, rec.OnlyZeros = off, int64(len(data))-off, allZero(data[off:])
			if err := f.Truncate(off); err != nil {
				return recovery{}, fmt.Errorf("cut torn tail at offset %d: %w", off, err)
			}
			if err := syncFile(f); err != nil {
				return recovery{}, fmt.Errorf("sync after cutting torn tail: %w", err)
			}
			break
		}
		versions.add(&e)
		apply(&e)
		off = next
	}
	rec.size = off
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return recovery{}, err
	}
	return rec, nil
}

func rewriteHeader(f *os.File) (recovery, error) {
	if err := f.Truncate(0); err != nil {
		return recovery{}, err
	}
	if _, err := f.WriteAt([]byte(magic), 0); err != nil {
		return recovery{}, err
	}
	if _, err := f.Seek(int64(len(magic)), io.SeekStart); err != nil {
		return recovery{}, err
	}
	return recovery{size: int64(len(magic))}, syncFile(f)
}
