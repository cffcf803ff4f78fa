package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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

// liveItem is the Dynamo adapter's documented item layout (readmodel.Dynamo).
type liveItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	GSI1PK     string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK     string `dynamodbav:"gsi1sk,omitempty"`
	SrcStream  string `dynamodbav:"src_stream"`
	SrcVersion int64  `dynamodbav:"src_version"`
	Body       string `dynamodbav:"body"`
	Deleted    bool   `dynamodbav:"deleted,omitempty"`
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
	fresh := readmodel.NewEmbedded()
	snap := &snapshotSource{src: src, versions: map[string]int64{}}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n, err := projection.New(projection.Deps{Models: fresh, Projections: wire.Projections(), Log: log, Upcasters: up}).Rebuild(ctx, snap, batch)
	res.Events = n
	if err != nil {
		return res, err
	}

	have := map[[2]string]bool{}
	err = fresh.Scan(ctx, func(it readmodel.Item) error {
		have[[2]string{it.PK, it.SK}] = true
		ok, err := writeIfNotNewer(ctx, c, table, liveItem{PK: it.PK, SK: it.SK, GSI1PK: it.GSI1PK, GSI1SK: it.GSI1SK,
			SrcStream: it.SourceStream, SrcVersion: it.SourceVersion, Body: string(it.Body)})
		switch {
		case err != nil:
			return err
		case ok:
			res.Written++
		default:
			res.Skipped = append(res.Skipped, it.PK+"/"+it.SK)
		}
		return nil
	})
	if err != nil {
		return res, err
	}

	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return res, fmt.Errorf("scan %s: %w", table, err)
		}
		for _, av := range page.Items {
			var li liveItem
			if err := attributevalue.UnmarshalMap(av, &li); err != nil {
				return res, fmt.Errorf("decode %s item: %w", table, err)
			}
			if li.Deleted || have[[2]string{li.PK, li.SK}] {
				continue
			}
			v, known := snap.versions[li.SrcStream]
			if !known || li.SrcVersion > v {
				res.Skipped = append(res.Skipped, li.PK+"/"+li.SK)
				continue
			}
			ok, err := writeIfNotNewer(ctx, c, table, liveItem{PK: li.PK, SK: li.SK, SrcStream: li.SrcStream, SrcVersion: v, Body: "{}", Deleted: true})
			switch {
			case err != nil:
				return res, err
			case ok:
				res.Removed++
			default:
				res.Skipped = append(res.Skipped, li.PK+"/"+li.SK)
			}
		}
	}
	return res, nil
}

// writeIfNotNewer puts it unless the stored item has a greater src_version.
func writeIfNotNewer(ctx context.Context, c *dynamodb.Client, table string, it liveItem) (bool, error) {
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return false, err
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(table),
		Item:                      av,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR src_version <= :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: fmt.Sprint(it.SrcVersion)}},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("write %s/%s: %w", it.PK, it.SK, err)
	}
	return true, nil
}
