package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
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

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

// history is the projector's golden identity history (7 streams, 14 events).
func history(t *testing.T) []events.Envelope {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "projection", "testdata", "identity_batch.json"))
	require.NoError(t, err)
	var ev lambdaevents.DynamoDBEvent
	require.NoError(t, json.Unmarshal(b, &ev))
	var out []events.Envelope
	for _, r := range ev.Records {
		c, err := dynamo.FromLambdaRecord(r)
		require.NoError(t, err)
		out = append(out, c.Envelope)
	}
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

func snapshot(t *testing.T, m readmodel.Store) []string {
	t.Helper()
	var out []string
	require.NoError(t, m.Scan(context.Background(), func(it readmodel.Item) error {
		var body any
		require.NoError(t, json.Unmarshal(it.Body, &body))
		it.Body = nil
		b, _ := json.Marshal(struct {
			Item readmodel.Item
			Body any
		}{it, body})
		out = append(out, string(b))
		return nil
	}))
	sort.Strings(out)
	return out
}

// live projects the embedded store's feed (what the local runtime delivers)
// into a fresh read model.
func live(t *testing.T, s *embedded.Store) []string {
	t.Helper()
	changes, err := s.Tail(context.Background(), 0, 1000)
	require.NoError(t, err)
	m := readmodel.NewEmbedded()
	require.NoError(t, projection.New(projection.Deps{Models: m, Projections: wire.Projections()}).Project(context.Background(), changes))
	return snapshot(t, m)
}

func noDynamo(context.Context) (*dynamodb.Client, error) { panic("no DynamoDB expected") }

func TestReplayEmbeddedEqualsLiveProjection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := embedded.Open(filepath.Join(dir, "events"), embedded.Options{})
	require.NoError(t, err)
	appendAll(t, store, history(t))
	want := live(t, store)
	require.Len(t, want, 7+14, "seven views and an audit entry per event")
	require.NoError(t, store.Close())

	out := filepath.Join(dir, "readmodel.jsonl")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-events-dir", filepath.Join(dir, "events"), "-out", out, "-batch", "3"}, &stdout, &stderr, noDynamo), stderr.String())
	assert.Equal(t, "replayed 14 events\n", stdout.String())
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	got, err := readmodel.LoadDump(f)
	require.NoError(t, err)
	assert.Equal(t, want, snapshot(t, got))

	err = run(context.Background(), []string{"-events-dir", filepath.Join(dir, "events"), "-out", out}, &stdout, &stderr, noDynamo)
	assert.ErrorContains(t, err, "fresh", "an existing dump is never overwritten")
}

func TestReplayDynamoEqualsLiveProjection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hist := history(t)

	es, err := embedded.Open(t.TempDir(), embedded.Options{})
	require.NoError(t, err)
	appendAll(t, es, hist)
	want := live(t, es)
	require.NoError(t, es.Close())

	c := awstest.DynamoDB(t)
	src := awstest.Prefix(t)
	require.NoError(t, ddb.EnsureTables(ctx, c, src, spec.Events, spec.Records))
	appendAll(t, dynamo.New(c, spec.TableName(src, spec.Events), spec.TableName(src, spec.Records)), hist)

	dst := src + "r2-"
	withClient := func(context.Context) (*dynamodb.Client, error) { return c, nil }
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(ctx, []string{"-source-prefix", src, "-target-prefix", dst}, &stdout, &stderr, withClient), stderr.String())
	assert.Equal(t, "replayed 14 events\n", stdout.String())
	assert.Equal(t, want, snapshot(t, readmodel.NewDynamo(c, spec.TableName(dst, spec.ReadModel))))

	err = run(ctx, []string{"-source-prefix", src, "-target-prefix", dst}, &stdout, &stderr, withClient)
	assert.ErrorContains(t, err, "not empty")
}

func TestReplayFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no source", []string{"-out", "x"}, "exactly one source"},
		{"two sources", []string{"-events-dir", "a", "-source-prefix", "p", "-out", "x"}, "exactly one source"},
		{"no target", []string{"-events-dir", "a"}, "exactly one target"},
		{"same prefix", []string{"-source-prefix", "p", "-target-prefix", "p"}, "must differ"},
		{"missing dir", []string{"-events-dir", "/nonexistent/skyledger", "-out", "x"}, "events dir"},
	}
	for _, tc := range tests {
		var o, e bytes.Buffer
		err := run(context.Background(), tc.args, &o, &e, noDynamo)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
}
