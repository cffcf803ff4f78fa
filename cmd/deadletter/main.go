// Command deadletter lists and redrives the local runtime's dead-lettered
// stream records (SKYLEDGER_DATA_DIR/deadletter.jsonl): records the
// projector still failed on after the event source mapping's retries.
//
//	go run ./cmd/deadletter list [-json]
//	go run ./cmd/deadletter redrive [-id SEQ ...]
//
// list reads the file directly. redrive asks the running runtime (found
// through <data-dir>/runtime.json) to invoke its projector again with each
// record; entries that succeed leave the file. Projections are idempotent
// per stream version, so a redrive never applies an event twice.
//
// aws-list and aws-redrive work on a deployed stage's SQS on-failure queue
// instead (aws.go; docs/operations.md); they use the default AWS
// configuration:
//
//	go run ./cmd/deadletter aws-list -stage prod [-json]
//	go run ./cmd/deadletter aws-redrive -stage prod [-max N]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/skyledger/skyledger/internal/envflag"
	"github.com/skyledger/skyledger/internal/localcloud"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if err := runWith(context.Background(), os.Args[1:], os.Stdout, DefaultAWS); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h: the help was printed; asking for it is not a failure
		}
		fmt.Fprintln(os.Stderr, "deadletter:", err)
		os.Exit(1)
	}
}

const usageText = "usage: deadletter list [-data-dir DIR] [-json] | deadletter redrive [-data-dir DIR] [-id SEQ ...]" +
	" | deadletter aws-list -stage STAGE [-json] | deadletter aws-redrive -stage STAGE [-max N]"

// runWith dispatches the AWS subcommands (newAWS is only called by them) and
// runs the local ones.
func runWith(ctx context.Context, args []string, out io.Writer, newAWS func(context.Context) (AWSClients, error)) error {
	if len(args) > 0 && (args[0] == "aws-list" || args[0] == "aws-redrive") {
		return runAWS(ctx, args[0], args[1:], out, newAWS)
	}
	return run(args, out)
}

func usage() error {
	return errors.New(usageText)
}

// flags is the flag set of a subcommand; its -h prints every flag.
func flags(name string, out io.Writer) (*flag.FlagSet, *string, *bool, *multi) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	dataDir := fs.String("data-dir", envflag.Default("SKYLEDGER_DATA_DIR", ".data"), "data directory of the runtime [SKYLEDGER_DATA_DIR]")
	asJSON := fs.Bool("json", false, "list: print JSON lines")
	var ids multi
	fs.Var(&ids, "id", "redrive: only this entry (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(out, usageText)
		fmt.Fprintln(out, "\nlist    prints the dead-lettered stream records of <data-dir>/deadletter.jsonl")
		fmt.Fprintln(out, "redrive asks the running runtime (<data-dir>/runtime.json) to invoke its projector again with them\n\nflags:")
		fs.PrintDefaults()
	}
	return fs, dataDir, asJSON, &ids
}

// run runs one subcommand; -h (also as the first argument) returns flag.ErrHelp after printing the help.
func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		return usage()
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fs, _, _, _ := flags("deadletter", out)
		fs.Usage()
		return flag.ErrHelp
	}
	fs, dataDir, asJSON, ids := flags(args[0], out)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if args[0] != "list" && args[0] != "redrive" {
		return usage()
	}
	// a missing data directory is a wrong -data-dir, not "no dead letters"
	if st, err := os.Stat(*dataDir); err != nil || !st.IsDir() {
		return fmt.Errorf("no data directory %s (pass -data-dir or SKYLEDGER_DATA_DIR as the runtime was started)", *dataDir)
	}
	if args[0] == "list" {
		return list(*dataDir, *asJSON, out)
	}
	return redrive(*dataDir, *ids, out)
}

func attr(r lambdaevents.DynamoDBEventRecord, name string) string {
	v, ok := r.Change.NewImage[name]
	if !ok {
		return ""
	}
	switch v.DataType() {
	case lambdaevents.DataTypeString:
		return v.String()
	case lambdaevents.DataTypeNumber:
		return v.Number()
	}
	return ""
}

func list(dataDir string, asJSON bool, out io.Writer) error {
	entries, err := localcloud.OpenDeadLetters(filepath.Join(dataDir, localcloud.DeadLetterFile)).List()
	if err != nil {
		return err
	}
	encode := func(enc *json.Encoder, e localcloud.DeadLetter) error { return enc.Encode(e) }
	row := func(tw io.Writer, e localcloud.DeadLetter) {
		ev := attr(e.Record, "stream_id") + " v" + attr(e.Record, "version") + " " + attr(e.Record, "type")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", e.ID, e.FailedAt.Format(time.RFC3339), e.Function, e.Attempts, ev, e.Reason)
	}
	return printList(out, entries, asJSON, encode, "ID\tFAILED AT\tFUNCTION\tATTEMPTS\tEVENT\tREASON", row)
}

// printList writes the dead letters items to out: with asJSON one JSON
// document a line, each written by encode; otherwise "no dead letters" for
// none, or an aligned table of the tab-separated header and one row an item,
// each written by row.
func printList[T any](out io.Writer, items []T, asJSON bool, encode func(*json.Encoder, T) error, header string, row func(io.Writer, T)) error {
	if asJSON {
		enc := json.NewEncoder(out)
		for _, it := range items {
			if err := encode(enc, it); err != nil {
				return err
			}
		}
		return nil
	}
	if len(items) == 0 {
		fmt.Fprintln(out, "no dead letters")
		return nil
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, it := range items {
		row(tw, it)
	}
	return tw.Flush()
}

func redrive(dataDir string, ids []string, out io.Writer) error {
	info, err := localcloud.ReadInfo(dataDir)
	if err != nil {
		return fmt.Errorf("the runtime does not seem to run on %s (start it with make run, then retry): %w", dataDir, err)
	}
	res, err := localcloud.RequestRedrive(context.Background(), info.ManagementURL, ids)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "redriven: %d\n", len(res.Redriven))
	for _, id := range res.Redriven {
		fmt.Fprintln(out, "  ok    ", id)
	}
	for id, why := range res.Failed {
		fmt.Fprintln(out, "  failed", id, why)
	}
	if len(res.Failed) > 0 {
		return fmt.Errorf("%d entries still failing", len(res.Failed))
	}
	return nil
}
