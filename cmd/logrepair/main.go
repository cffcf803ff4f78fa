// Command logrepair salvages the local runtime's embedded event log
// (<data-dir>/events/events.log) after the runtime refused to start with
// "embedded event log is corrupt": damage that is not a torn tail.
//
//	go run ./cmd/logrepair [-data-dir .data] [-dry-run]
//
// It keeps every intact entry (length, CRC-32C and content check out), in
// order and byte for byte, and moves every other byte range into its own
// file beside the log, events.log.<kind>-<UTC time>-at-<offset>: "damaged"
// for bytes that are no intact entry, "orphaned" for intact entries whose
// stream lost an earlier version in the damage. Nothing is deleted. It then
// rewinds the projector checkpoint to the events that kept their feed
// positions and moves the dead letters of later positions into
// deadletter.jsonl.orphaned-<UTC time>. Stop the runtime first (the log's lock is taken; a running
// runtime makes it fail). -dry-run prints the same report and changes
// nothing. Exit status 0: repaired or nothing to repair; 1: error.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/envflag"
	"github.com/skyledger/skyledger/internal/wire"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "logrepair:", err)
		os.Exit(1)
	}
}

func run(args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("logrepair", flag.ContinueOnError)
	fs.SetOutput(errOut)
	dataDir := fs.String("data-dir", envflag.Default("SKYLEDGER_DATA_DIR", ".data"), "the runtime's data directory [SKYLEDGER_DATA_DIR]")
	dry := fs.Bool("dry-run", false, "report what would be done, change nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (usage: logrepair [-data-dir DIR] [-dry-run])", fs.Arg(0))
	}
	rep, err := wire.RepairLog(*dataDir, *dry)
	if err != nil {
		return err
	}
	report(out, rep, *dry)
	return nil
}

func report(out io.Writer, rep wire.LogRepair, dry bool) {
	if !rep.Changed {
		fmt.Fprintf(out, "%s: intact, %d entries (%d events); nothing to repair\n", rep.Path, rep.Kept, rep.Events)
		return
	}
	verb := "moved aside"
	if dry {
		verb = "would move aside"
	}
	for _, sa := range rep.SetAside {
		fmt.Fprintf(out, "%s %d bytes at offset %d (%s): %s", verb, sa.Length, sa.Offset, sa.Kind, sa.Reason)
		if sa.File != "" {
			fmt.Fprintf(out, " -> %s", sa.File)
		}
		fmt.Fprintln(out)
	}
	if rep.ZeroTail > 0 {
		fmt.Fprintf(out, "dropped a zero-filled tail of %d bytes (preallocation, no data)\n", rep.ZeroTail)
	}
	kept := "kept"
	if dry {
		kept = "would keep"
	}
	fmt.Fprintf(out, "%s: %s %d intact entries (%d events); the first %d events keep their feed positions\n",
		rep.Path, kept, rep.Kept, rep.Events, rep.StableEvents)
	if dry {
		return
	}
	if rep.CheckpointTo != rep.CheckpointFrom {
		fmt.Fprintf(out, "projector checkpoint rewound from %d to %d: later events are projected and notified again at the next start\n",
			rep.CheckpointFrom, rep.CheckpointTo)
	}
	if rep.DeadLettersSetAside > 0 {
		fmt.Fprintf(out, "%d dead letters of later positions moved to %s (their positions now hold other events)\n",
			rep.DeadLettersSetAside, rep.DeadLetterFile)
	}
	if n := countKind(rep.SetAside, embedded.SetAsideOrphaned); n > 0 {
		fmt.Fprintf(out, "%d intact entries were orphaned (an earlier version of their stream was damaged); their bytes are kept in the files above\n", n)
	}
}

func countKind(ss []embedded.SetAside, kind string) int {
	n := 0
	for _, s := range ss {
		if s.Kind == kind {
			n++
		}
	}
	return n
}
