package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/wire"
)

// An in-place rebuild repairs the live ReadModel table of a deployed stage
// (the table the functions read; a rebuild into a new table would not be
// served). It runs while the stage serves traffic:
//
//  1. Every event is replayed through the projections into memory (the
//     fresh model), remembering each stream's last version (the snapshot).
//  2. Each fresh item is written over the live one unless the live item is
//     newer (src_version greater): the live projector moved past the
//     snapshot, and its item is kept and reported as skipped.
//  3. Each live item the fresh model does not have (a projection bug's
//     leftover) becomes a tombstone at its stream's snapshot version, unless
//     its stream is newer than the snapshot or unknown to it (created after
//     the replay started): skipped.
//
// Meanwhile the queries serve the live table: every item is either its old
// or its rebuilt state (one conditional write per item, never a gap: no
// item is removed before it is replaced), so a list may briefly mix old and
// rebuilt items. New events keep being projected by the live projector;
// the version conditions guarantee the replay never overwrites a newer
// item. Skipped items are reported; running the replay again (after the
// projector caught up) converges. The projector's own conditional writes
// (src_version strictly lower) are unaffected.

// InPlaceResult counts what an in-place rebuild did.
type InPlaceResult struct {
	Events  int
	Written int
	Removed int
	Skipped []string // "pk/sk" of the items left as they were
}

// snapshotSource records each stream's last version while it is replayed.
type snapshotSource struct {
	src      projection.EventSource
	versions map[string]int64
}

func (s *snapshotSource) ReadAll(ctx context.Context, fn func(events.Envelope) error) error {
	return s.src.ReadAll(ctx, func(e events.Envelope) error {
		if e.Version > s.versions[e.StreamID] {
			s.versions[e.StreamID] = e.Version
		}
		return fn(e)
	})
}

// RebuildInPlace rebuilds the live read-model table from src (see above).
// up are the readers' upcasters (personal data opened or erased).
func RebuildInPlace(ctx context.Context, c *dynamodb.Client, src projection.EventSource, up *events.Upcasters, table string, batch int, logw io.Writer) (InPlaceResult, error) {
	var res InPlaceResult
	if _, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}); err != nil {
		return res, fmt.Errorf("live read model %s: %w", table, err)
	}
	live := readmodel.NewDynamo(c, table)
	fresh := readmodel.NewEmbedded()
	snap := &snapshotSource{src: src, versions: map[string]int64{}}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n, err := projection.New(projection.Deps{Models: fresh, Projections: wire.Projections(), Log: log, Upcasters: up}).Rebuild(ctx, snap, batch)
	res.Events = n
	if err != nil {
		return res, err
	}

	// overwrite writes it over the live item and counts it in n, or as
	// skipped when the live item is newer.
	overwrite := func(it readmodel.Item, deleted bool, n *int) error {
		ok, err := live.Overwrite(ctx, it, deleted)
		switch {
		case err != nil:
			return err
		case ok:
			*n++
		default:
			res.Skipped = append(res.Skipped, it.PK+"/"+it.SK)
		}
		return nil
	}
	have := map[[2]string]bool{}
	err = fresh.Scan(ctx, func(it readmodel.Item) error {
		have[[2]string{it.PK, it.SK}] = true
		return overwrite(it, false, &res.Written)
	})
	if err != nil {
		return res, err
	}

	err = live.Scan(ctx, func(li readmodel.Item) error { // tombstones are passed over
		if have[[2]string{li.PK, li.SK}] {
			return nil
		}
		v, known := snap.versions[li.SourceStream]
		if !known || li.SourceVersion > v {
			res.Skipped = append(res.Skipped, li.PK+"/"+li.SK)
			return nil
		}
		tomb, err := readmodel.Tombstone(li.PK, li.SK, li.SourceStream, v)
		if err != nil {
			return err
		}
		return overwrite(tomb, true, &res.Removed)
	})
	return res, err
}
