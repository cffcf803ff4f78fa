package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skyledger/skyledger/internal/identityapp/identityapptest"
	"github.com/skyledger/skyledger/internal/readmodel/readmodeltest"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/ddb"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/wire"
)

// history is the golden identity history (7 streams, 14 events).
func history(t *testing.T) []events.Envelope {
	t.Helper()
	out := identityapptest.History()
	require.Len(t, out, 14)
	return out
}

func appendAll(t *testing.T, s events.Store, envs []events.Envelope) {
	t.Helper()
	for _, e := range envs {
		_, err := s.Append(context.Background(), events.AppendRequest{StreamID: e.StreamID, ExpectedVersion: e.Version - 1, Events: []events.Envelope{e}})
		require.NoError(t, err, "%s v%d", e.StreamID, e.Version)
	}
}

// live appends envs to a fresh embedded store in dir (closed again before
// it returns), projects the store's feed (what the local runtime delivers)
// into a fresh read model and returns the model's snapshot.
func live(t *testing.T, dir string, envs []events.Envelope) []string {
	t.Helper()
	s, err := embedded.Open(dir, embedded.Options{})
	require.NoError(t, err)
	appendAll(t, s, envs)
	changes, err := s.Tail(context.Background(), 0, 1000)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	m := readmodel.NewEmbedded()
	require.NoError(t, projection.New(projection.Deps{Models: m, Projections: wire.Projections()}).Project(context.Background(), changes))
	return readmodeltest.Snapshot(t, m)
}

func noDynamo(context.Context) (*dynamodb.Client, error) { panic("no DynamoDB expected") }

// piiKeyFile writes a personal-data master key file into dir.
func piiKeyFile(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "pii-key")
	require.NoError(t, os.WriteFile(p, []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"), 0o600))
	return p
}

func TestReplayEmbeddedEqualsLiveProjection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := live(t, filepath.Join(dir, "events"), history(t))
	require.Len(t, want, 7+14, "seven views and an audit entry per event")
	piiKeyFile(t, dir) // the data directory's pii-key, found next to events/

	out := filepath.Join(dir, "readmodel.jsonl")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-events-dir", filepath.Join(dir, "events"), "-out", out, "-batch", "3"}, &stdout, &stderr, noDynamo), stderr.String())
	assert.Equal(t, "replayed 14 events\n", stdout.String())
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	got, err := readmodel.LoadDump(f)
	require.NoError(t, err)
	assert.Equal(t, want, readmodeltest.Snapshot(t, got))

	err = run(context.Background(), []string{"-events-dir", filepath.Join(dir, "events"), "-out", out}, &stdout, &stderr, noDynamo)
	assert.ErrorContains(t, err, "fresh", "an existing dump is never overwritten")
}

func TestReplayDynamoEqualsLiveProjection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hist := history(t)

	want := live(t, t.TempDir(), hist)

	c, src := awstest.Tables(t, spec.Events, spec.Records)
	appendAll(t, dynamo.New(c, spec.TableName(src, spec.Events), spec.TableName(src, spec.Records)), hist)

	dst := src + "r2-"
	withClient := func(context.Context) (*dynamodb.Client, error) { return c, nil }
	var stdout, stderr bytes.Buffer
	kf := piiKeyFile(t, t.TempDir())
	require.NoError(t, run(ctx, []string{"-source-prefix", src, "-target-prefix", dst, "-pii-key-file", kf}, &stdout, &stderr, withClient), stderr.String())
	assert.Equal(t, "replayed 14 events\n", stdout.String())
	assert.Equal(t, want, readmodeltest.Snapshot(t, readmodel.NewDynamo(c, spec.TableName(dst, spec.ReadModel))))

	err := run(ctx, []string{"-source-prefix", src, "-target-prefix", dst, "-pii-key-file", kf}, &stdout, &stderr, withClient)
	assert.ErrorContains(t, err, "not empty")
}

func TestReplayInPlaceRepairsTheLiveTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hist := history(t)
	want := live(t, t.TempDir(), hist)

	c := awstest.DynamoDB(t)
	stage := strings.TrimSuffix(strings.TrimPrefix(awstest.Prefix(t), "t"), "-")[:8]
	prefix := spec.StagePrefix(stage)
	require.NoError(t, ddb.EnsureTables(ctx, c, prefix, spec.Events, spec.Records, spec.ReadModel))
	appendAll(t, dynamo.New(c, spec.TableName(prefix, spec.Events), spec.TableName(prefix, spec.Records)), hist)
	models := readmodel.NewDynamo(c, spec.TableName(prefix, spec.ReadModel))

	// The live table as a projection bug left it: items at their current
	// versions with wrong bodies (the live projector skips those forever),
	// a leftover item, an item the live projector wrote after the replay's
	// snapshot (newer version), and one of a stream the snapshot never saw.
	for _, w := range want {
		var x struct{ Item readmodel.Item }
		require.NoError(t, json.Unmarshal([]byte(w), &x))
		x.Item.Body = json.RawMessage(`{"buggy":true}`)
		_, err := models.Put(ctx, x.Item)
		require.NoError(t, err)
	}
	var one struct{ Item readmodel.Item }
	require.NoError(t, json.Unmarshal([]byte(want[0]), &one))
	leftover := readmodel.Item{PK: "junk#1", SK: "junk", SourceStream: one.Item.SourceStream, SourceVersion: 1, Body: json.RawMessage(`{}`)}
	newer := readmodel.Item{PK: "junk#2", SK: "junk", SourceStream: one.Item.SourceStream, SourceVersion: 99, Body: json.RawMessage(`{"new":1}`)}
	unknown := readmodel.Item{PK: "tenant#NEW", SK: "tenant", SourceStream: "tenant-NEW", SourceVersion: 1, Body: json.RawMessage(`{"new":2}`)}
	for _, it := range []readmodel.Item{leftover, newer, unknown} {
		_, err := models.Put(ctx, it)
		require.NoError(t, err)
	}

	withClient := func(context.Context) (*dynamodb.Client, error) { return c, nil }
	var stdout, stderr bytes.Buffer
	kf := piiKeyFile(t, t.TempDir())
	require.NoError(t, run(ctx, []string{"-stage", stage, "-in-place", "-batch", "5", "-pii-key-file", kf}, &stdout, &stderr, withClient), stderr.String())
	assert.Contains(t, stdout.String(), fmt.Sprintf("replayed 14 events in place: %d items written, 1 removed, 2 skipped", len(want)))
	assert.Contains(t, stdout.String(), "junk#2/junk")
	assert.Contains(t, stdout.String(), "tenant#NEW/tenant")

	got := readmodeltest.Snapshot(t, models)
	assert.Subset(t, got, want, "every rebuilt item is served")
	assert.Len(t, got, len(want)+2, "plus the two newer items, the leftover gone")
	_, err := models.Get(ctx, leftover.PK, leftover.SK)
	assert.True(t, readmodel.IsNotFound(err))
	// The live projector keeps working on top: the next version of a
	// stream still applies (the tombstone/overwrite used snapshot versions).
	applied, err := models.Put(ctx, readmodel.Item{PK: leftover.PK, SK: leftover.SK, SourceStream: leftover.SourceStream,
		SourceVersion: 100, Body: json.RawMessage(`{}`)})
	require.NoError(t, err)
	assert.True(t, applied)

	// A second run converges: nothing removed, the same items written
	// (the item put at v100 above is newer than the snapshot: skipped).
	stdout.Reset()
	require.NoError(t, run(ctx, []string{"-stage", stage, "-in-place", "-pii-key-file", kf}, &stdout, &stderr, withClient), stderr.String())
	assert.Contains(t, stdout.String(), fmt.Sprintf("%d items written, 0 removed, 3 skipped", len(want)))
}

func TestReplayFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no source", []string{"-out", "x"}, "exactly one source"},
		{"stage and prefix", []string{"-stage", "dev", "-source-prefix", "p", "-in-place"}, "exactly one source"},
		{"two targets", []string{"-stage", "dev", "-in-place", "-out", "x"}, "exactly one target"},
		{"in place needs dynamo", []string{"-events-dir", "a", "-in-place"}, "needs a DynamoDB source"},
		{"bad batch", []string{"-stage", "dev", "-in-place", "-batch", "0"}, "-batch must be at least 1"},
		{"two sources", []string{"-events-dir", "a", "-source-prefix", "p", "-out", "x"}, "exactly one source"},
		{"no target", []string{"-events-dir", "a"}, "exactly one target"},
		{"same prefix", []string{"-source-prefix", "p", "-target-prefix", "p"}, "must differ"},
		{"missing dir", []string{"-events-dir", "/nonexistent/skyledger", "-out", "x"}, "events dir"},
		{"no personal-data key next to the events", []string{"-events-dir", t.TempDir(), "-out", "x"}, "personal-data master key"},
		{"short personal-data key", []string{"-events-dir", t.TempDir(), "-out", "x", "-pii-key-file", "/dev/null"}, "at least 32"},
	}
	for _, tc := range tests {
		var o, e bytes.Buffer
		err := run(context.Background(), tc.args, &o, &e, noDynamo)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
}
