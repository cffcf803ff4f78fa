// Command replay rebuilds every read model from the event log into fresh
// storage, through the same projections (and the same stream-record code
// path) as the live projector, without notifying anyone.
//
//	replay -events-dir .data/events -out readmodel.jsonl
//	    embedded event log -> a new embedded read-model dump (JSON lines)
//	replay -source-prefix skyledger-dev- -target-prefix skyledger-dev-r2-
//	    DynamoDB Events table -> a new DynamoDB ReadModel table (created)
//
//	replay -stage prod -in-place
//	    a deployed stage's Events table -> its live ReadModel table, rebuilt
//	    in place (see inplace.go: what is served meanwhile)
//
// Any combination of source (-events-dir | -source-prefix | -stage) and
// target (-out | -target-prefix) works; -in-place is the target for a
// DynamoDB source. A -out or -target-prefix target must be fresh: an
// existing dump file or a non-empty ReadModel table is refused. DynamoDB
// uses the default AWS configuration (AWS_ENDPOINT_URL for moto or
// LocalStack).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/ddb"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/wire"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, defaultDynamo); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
}

func defaultDynamo(ctx context.Context) (*dynamodb.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	return dynamodb.NewFromConfig(cfg), nil
}

// run is the whole command; newDynamo is only called when a DynamoDB source
// or target is named.
func run(ctx context.Context, args []string, stdout, stderr io.Writer,
	newDynamo func(context.Context) (*dynamodb.Client, error)) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	eventsDir := fs.String("events-dir", "", "embedded event store directory (source)")
	srcPrefix := fs.String("source-prefix", "", "DynamoDB table prefix of the Events table (source)")
	out := fs.String("out", "", "new embedded read-model dump file (target)")
	dstPrefix := fs.String("target-prefix", "", "DynamoDB table prefix for a new ReadModel table (target)")
	stage := fs.String("stage", "", "deployed stage (dev, prod): its Events table is the source")
	inPlace := fs.Bool("in-place", false, "rebuild the source's own live ReadModel table (target)")
	batch := fs.Int("batch", spec.Projector.BatchSize, "records per projector batch")
	keyFile := fs.String("pii-key-file", "", "personal-data master key file (default: <events-dir>/../pii-key; a DynamoDB source: $"+pii.EnvMasterKey+")")
	keysDir := fs.String("keys-dir", "", "data-key directory (default: <events-dir>/../keys; a DynamoDB source: its Records table)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *stage != "" {
		if *srcPrefix != "" {
			return errors.New("name exactly one source: -events-dir, -source-prefix or -stage")
		}
		*srcPrefix = spec.StagePrefix(*stage)
	}
	if (*eventsDir == "") == (*srcPrefix == "") {
		return errors.New("name exactly one source: -events-dir, -source-prefix or -stage")
	}
	targets := 0
	for _, set := range []bool{*out != "", *dstPrefix != "", *inPlace} {
		if set {
			targets++
		}
	}
	if targets != 1 {
		return errors.New("name exactly one target: -out, -target-prefix or -in-place")
	}
	if *inPlace && *srcPrefix == "" {
		return errors.New("-in-place needs a DynamoDB source (-stage or -source-prefix)")
	}
	if *batch < 1 {
		return errors.New("-batch must be at least 1")
	}
	if *srcPrefix != "" && *srcPrefix == *dstPrefix {
		return errors.New("-target-prefix must differ from -source-prefix (the target must be fresh)")
	}
	var client *dynamodb.Client
	if *srcPrefix != "" || *dstPrefix != "" {
		c, err := newDynamo(ctx)
		if err != nil {
			return err
		}
		client = c
	}

	var src projection.EventSource
	var records events.Records
	if *eventsDir != "" {
		if _, err := os.Stat(*eventsDir); err != nil {
			return fmt.Errorf("events dir: %w", err)
		}
		s, err := embedded.Open(*eventsDir, embedded.Options{})
		if err != nil {
			return fmt.Errorf("open event store: %w", err)
		}
		defer s.Close()
		src = s
	} else {
		d := dynamo.New(client, spec.TableName(*srcPrefix, spec.Events), spec.TableName(*srcPrefix, spec.Records))
		src, records = d, d
	}
	up, err := upcasters(*eventsDir, *keyFile, *keysDir, records)
	if err != nil {
		return err
	}

	if *inPlace {
		res, err := RebuildInPlace(ctx, client, src, up, spec.TableName(*srcPrefix, spec.ReadModel), *batch, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "replayed %d events in place: %d items written, %d removed, %d skipped\n",
			res.Events, res.Written, res.Removed, len(res.Skipped))
		for _, k := range res.Skipped {
			fmt.Fprintln(stdout, "  skipped (the live projector moved past the replay; run again):", k)
		}
		return nil
	}

	var target readmodel.Store
	var dump *readmodel.Embedded
	if *out != "" {
		if _, err := os.Stat(*out); err == nil {
			return fmt.Errorf("%s exists: the target must be fresh", *out)
		}
		dump = readmodel.NewEmbedded()
		target = dump
	} else {
		if err := ddb.EnsureTables(ctx, client, *dstPrefix, spec.ReadModel); err != nil {
			return err
		}
		name := spec.TableName(*dstPrefix, spec.ReadModel)
		scan, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name), Limit: aws.Int32(1)})
		if err != nil {
			return fmt.Errorf("check %s: %w", name, err)
		}
		if len(scan.Items) > 0 {
			return fmt.Errorf("table %s is not empty: the target must be fresh", name)
		}
		target = readmodel.NewDynamo(client, name)
	}

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := projection.New(projection.Deps{Models: target, Projections: wire.Projections(), Log: log, Upcasters: up})
	n, err := h.Rebuild(ctx, src, *batch)
	if err != nil {
		return err
	}
	if dump != nil {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		if err := dump.Dump(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "replayed %d events\n", n)
	return nil
}
