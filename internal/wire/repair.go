package wire

import (
	"fmt"
	"path/filepath"

	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/localcloud"
)

// LogRepair is what RepairLog did.
type LogRepair struct {
	embedded.RepairReport
	// CheckpointFrom and CheckpointTo: the projector checkpoint before and
	// after (equal when it needed no rewind).
	CheckpointFrom, CheckpointTo uint64
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
	return out, nil
}
