package embedded

import (
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
// On open the log is read front to back; the first entry that is incomplete
// or fails its checksum is the torn tail of a crash and is cut off
// (truncate + fsync) — unless a valid entry follows it, which means damage
// in the middle of the log: Open refuses with ErrCorrupt instead of
// silently dropping committed data.
const (
	magic      = "SKYLOG01"
	headerSize = 8
	// maxEntry bounds a declared length so garbage cannot make us allocate
	// gigabytes: 50 events x 400 KB + 99 records x 400 KB fits well below.
	maxEntry = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt means the log is damaged somewhere other than its tail.
var ErrCorrupt = errors.New("embedded event log is corrupt")

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

// readEntry decodes the entry at off in data. ok is false when the entry is
// incomplete or damaged.
func readEntry(data []byte, off int64) (e logEntry, next int64, ok bool) {
	rest := data[off:]
	if len(rest) < headerSize {
		return e, 0, false
	}
	n := int64(binary.LittleEndian.Uint32(rest[0:4]))
	sum := binary.LittleEndian.Uint32(rest[4:8])
	if n == 0 || n > maxEntry || int64(len(rest)) < headerSize+n {
		return e, 0, false
	}
	payload := rest[headerSize : headerSize+n]
	if crc32.Checksum(payload, castagnoli) != sum {
		return e, 0, false
	}
	if err := json.Unmarshal(payload, &e); err != nil {
		return e, 0, false
	}
	for _, ev := range e.Events {
		if ev.Validate() != nil {
			return e, 0, false
		}
	}
	return e, off + headerSize + n, true
}

// recoverLog reads every valid entry of f, cuts a torn tail and leaves the
// file offset at the end. apply is called for each entry in order.
func recoverLog(f *os.File, apply func(*logEntry)) (size int64, truncated int64, err error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return 0, 0, fmt.Errorf("read log: %w", err)
	}
	if len(data) == 0 {
		if _, err := f.Write([]byte(magic)); err != nil {
			return 0, 0, fmt.Errorf("write log header: %w", err)
		}
		if err := syncFile(f); err != nil {
			return 0, 0, fmt.Errorf("sync log header: %w", err)
		}
		return int64(len(magic)), 0, nil
	}
	if len(data) < len(magic) || string(data[:len(magic)]) != magic {
		if len(data) < len(magic) && string(data) == magic[:len(data)] {
			// A crash while writing the header of a new log.
			return rewriteHeader(f)
		}
		return 0, 0, fmt.Errorf("%w: %s has no %q header", ErrCorrupt, f.Name(), magic)
	}
	off := int64(len(magic))
	for off < int64(len(data)) {
		e, next, ok := readEntry(data, off)
		if !ok {
			if damagedInMiddle(data, off) {
				return 0, 0, fmt.Errorf("%w: %s: bad entry at offset %d is followed by valid entries", ErrCorrupt, f.Name(), off)
			}
			truncated = int64(len(data)) - off
			if err := f.Truncate(off); err != nil {
				return 0, 0, fmt.Errorf("cut torn tail: %w", err)
			}
			if err := syncFile(f); err != nil {
				return 0, 0, fmt.Errorf("sync after cutting torn tail: %w", err)
			}
			break
		}
		apply(&e)
		off = next
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return 0, 0, err
	}
	return off, truncated, nil
}

func rewriteHeader(f *os.File) (int64, int64, error) {
	if err := f.Truncate(0); err != nil {
		return 0, 0, err
	}
	if _, err := f.WriteAt([]byte(magic), 0); err != nil {
		return 0, 0, err
	}
	if _, err := f.Seek(int64(len(magic)), io.SeekStart); err != nil {
		return 0, 0, err
	}
	return int64(len(magic)), 0, syncFile(f)
}

// damagedInMiddle reports whether the damaged entry at off has a plausible
// length and a valid entry right after it. A torn tail never does: a crash
// only loses the end of the last write.
func damagedInMiddle(data []byte, off int64) bool {
	rest := data[off:]
	if len(rest) < headerSize {
		return false
	}
	n := int64(binary.LittleEndian.Uint32(rest[0:4]))
	next := off + headerSize + n
	if n == 0 || n > maxEntry || next >= int64(len(data)) {
		return false
	}
	_, _, ok := readEntry(data, next)
	return ok
}
