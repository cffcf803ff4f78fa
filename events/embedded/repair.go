package embedded

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// RepairOptions configure Repair. The zero value is fine.
type RepairOptions struct {
	// DryRun reports what Repair would do and changes nothing.
	DryRun bool
	// LockWait is how long Repair waits for the directory lock (default
	// 3s): a running store holds it, and a log must not be repaired under
	// a running store.
	LockWait time.Duration
	// Now names the set-aside files (default time.Now).
	Now func() time.Time
}

// Set-aside kinds in a RepairReport and in the set-aside file names.
const (
	// SetAsideDamaged: bytes that are not an intact entry.
	SetAsideDamaged = "damaged"
	// SetAsideOrphaned: an intact entry whose stream versions do not
	// continue the kept entries (an earlier entry of one of its streams was
	// lost in damaged bytes), which the gapless index cannot hold.
	SetAsideOrphaned = "orphaned"
)

// SetAside is one byte range of the original log moved into a file.
type SetAside struct {
	Kind   string // SetAsideDamaged or SetAsideOrphaned
	Offset int64  // in the original log
	Length int64
	Reason string
	File   string // the file holding exactly these bytes ("" in a dry run)
}

// RepairReport is what Repair found and did.
type RepairReport struct {
	Path string
	// Changed is false when the log needed no repair.
	Changed bool
	// Kept is the number of entries (commits) kept, Events the events in
	// them.
	Kept, Events int
	// StableEvents is how many events keep their feed sequence numbers:
	// those before the first set-aside range. Anything positioned on the
	// feed beyond it (a projector checkpoint) must be rewound to it.
	StableEvents uint64
	// SetAside lists the ranges moved out of the log, in log order.
	SetAside []SetAside
	// ZeroTail is the length of a zero-filled tail (preallocation left by a
	// crash) that was dropped; zeros carry no data.
	ZeroTail int64
}

// Repair salvages a log that Open refuses with a *CorruptError. It keeps
// every intact entry, in order and byte for byte; every other byte range
// (damage, and intact entries orphaned by it) is moved into its own file
// next to the log, named events.log.<kind>-<UTC time>-at-<offset>, and
// fsynced before the log is replaced (write to a temporary file, fsync,
// rename, fsync the directory), so nothing is ever deleted and a crash
// during Repair leaves either the old or the new log. It takes the
// directory lock, so it refuses to run beside an open store (ErrLocked).
// A log without damage is left alone (Changed false).
func Repair(dir string, o RepairOptions) (RepairReport, error) {
	if o.LockWait <= 0 {
		o.LockWait = 3 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	path := filepath.Join(dir, LogFile)
	rep := RepairReport{Path: path}
	if _, err := os.Stat(path); err != nil {
		return rep, fmt.Errorf("repair: no event log to repair: %w", err)
	}
	lock, err := lockDir(dir, o.LockWait)
	if errors.Is(err, ErrLocked) {
		return rep, fmt.Errorf("repair %s: %w (stop the runtime first)", dir, err)
	}
	if err != nil {
		return rep, fmt.Errorf("repair: %w", err)
	}
	defer lock.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		return rep, fmt.Errorf("repair: %w", err)
	}

	if len(data) == 0 {
		return rep, nil // a new log: Open writes its header
	}
	out := []byte(magic)
	versions := versionCheck{}
	off := int64(0)
	if bytes.HasPrefix(data, []byte(magic)) {
		off = int64(len(magic))
	} else {
		// A damaged header is a damaged range like any other.
		end := nextIntact(data, -1)
		if end < 0 {
			end = int64(len(data))
		}
		rep.SetAside = append(rep.SetAside, SetAside{Kind: SetAsideDamaged, Offset: 0, Length: end,
			Reason: fmt.Sprintf("no %q header", magic)})
		off = end
	}
	stable := len(rep.SetAside) == 0
	for off < int64(len(data)) {
		e, next, reason := readEntry(data, off)
		if reason == "" {
			if vr := versions.reason(&e); vr != "" {
				rep.SetAside = append(rep.SetAside, SetAside{Kind: SetAsideOrphaned, Offset: off, Length: next - off, Reason: vr})
				stable = false
			} else {
				versions.add(&e)
				out = append(out, data[off:next]...)
				rep.Kept++
				rep.Events += len(e.Events)
				if stable {
					rep.StableEvents += uint64(len(e.Events))
				}
			}
			off = next
			continue
		}
		end := nextIntact(data, off)
		if end < 0 {
			end = int64(len(data))
			if allZero(data[off:]) {
				rep.ZeroTail = end - off
				break
			}
		}
		rep.SetAside = append(rep.SetAside, SetAside{Kind: SetAsideDamaged, Offset: off, Length: end - off, Reason: reason})
		stable = false
		off = end
	}
	if len(rep.SetAside) == 0 {
		if rep.ZeroTail == 0 {
			return rep, nil // intact: leave it alone
		}
	}
	rep.Changed = true
	if o.DryRun {
		return rep, nil
	}

	stamp := o.Now().UTC().Format("20060102T150405Z")
	for i := range rep.SetAside {
		sa := &rep.SetAside[i]
		name := fmt.Sprintf("%s.%s-%s-at-%d", path, sa.Kind, stamp, sa.Offset)
		if err := writeDurable(name, data[sa.Offset:sa.Offset+sa.Length], os.O_EXCL); err != nil {
			return rep, fmt.Errorf("repair: move %s bytes at offset %d aside: %w", sa.Kind, sa.Offset, err)
		}
		sa.File = name
	}
	tmp := path + ".repair-tmp"
	if err := writeDurable(tmp, out, os.O_TRUNC); err != nil {
		return rep, fmt.Errorf("repair: write the repaired log: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return rep, fmt.Errorf("repair: replace the log: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return rep, fmt.Errorf("repair: %w", err)
	}
	return rep, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// writeDurable creates name with b and fsyncs it (flag: os.O_EXCL or
// os.O_TRUNC).
func writeDurable(name string, b []byte, flag int) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|flag, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// syncDir makes renames and creations in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
