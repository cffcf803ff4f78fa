package wire

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/localcloud"
)

// LogRepair is what RepairLog did.
type LogRepair struct {
	embedded.RepairReport
	// CheckpointFrom and CheckpointTo: the projector checkpoint before and
	// after (equal when it needed no rewind).
	CheckpointFrom, CheckpointTo uint64
	// DeadLettersSetAside dead letters of positions after the stable
	// events were moved into DeadLetterFile.
	DeadLettersSetAside int
	DeadLetterFile      string
}

// RepairLog runs embedded.Repair on the data directory's event log (the
// runtime must be stopped: the log's lock is taken) and, when the log
// changed, rewinds the projector checkpoint to the events that kept their
// feed positions (those before the first set-aside range): every later
// position may now hold another event. Those events are then delivered
// again at the next start (at least once, as Lambda would).
func RepairLog(dataDir string, dryRun bool) (LogRepair, error) {
	rep, err := embedded.Repair(filepath.Join(dataDir, dirEvents), embedded.RepairOptions{DryRun: dryRun})
	out := LogRepair{RepairReport: rep}
	if err != nil || !rep.Changed || dryRun {
		return out, err
	}
	from, changed, err := localcloud.RewindCheckpoint(filepath.Join(dataDir, fileCheckpoint), rep.StableEvents)
	out.CheckpointFrom, out.CheckpointTo = from, from
	if changed {
		out.CheckpointTo = rep.StableEvents
	}
	if err != nil {
		return out, fmt.Errorf("log repaired, but the projector checkpoint was not rewound to %d: %w", rep.StableEvents, err)
	}
	out.DeadLettersSetAside, out.DeadLetterFile, err = setAside(dataDir, rep.StableEvents, time.Now())
	if err != nil {
		return out, fmt.Errorf("log repaired, but %w", err)
	}
	return out, nil
}

// setAside moves the dead letters of positions after last out of the way
// (their events are gone from the log; new records take their positions)
// into the file it names.
func setAside(dataDir string, last uint64, now time.Time) (int, string, error) {
	n, file, err := localcloud.OpenDeadLetters(filepath.Join(dataDir, localcloud.DeadLetterFile)).SetAsideAfter(last, now)
	if err != nil {
		return n, file, fmt.Errorf("dead letters after position %d were not set aside: %w", last, err)
	}
	return n, file, nil
}

// setAsideDeadLetters is setAside at start, logging what it moved.
func setAsideDeadLetters(dataDir string, last uint64, now time.Time, log *slog.Logger) error {
	n, file, err := setAside(dataDir, last, now)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Warn("dead letters of events no longer in the log set aside", "count", n, "file", file)
	}
	return nil
}
