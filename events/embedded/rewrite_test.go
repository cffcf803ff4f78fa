package embedded_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
)

func rwEvent(stream string, v int64, data string) events.Envelope {
	return events.Envelope{EventID: stream + "-" + string(rune('0'+v)), StreamID: stream, Version: v, Type: "user.created",
		Schema: 1, TenantID: "T", OccurredAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Actor: "system", Data: json.RawMessage(data)}
}

func TestRewriteChangesPayloadsAndRecordsOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	_, err := s.Append(ctx, events.AppendRequest{StreamID: "user-A", ExpectedVersion: events.ExpectNew,
		Events:  []events.Envelope{rwEvent("user-A", 1, `{"email":"a@secret.example"}`)},
		Records: []events.RecordOp{{Mode: events.RecordPutIfAbsent, Record: events.Record{Key: "email#a@secret.example", Kind: "email", Data: json.RawMessage(`{}`)}}}})
	require.NoError(t, err)
	_, err = s.Append(ctx, events.AppendRequest{StreamID: "user-B", ExpectedVersion: events.ExpectNew,
		Events: []events.Envelope{rwEvent("user-B", 1, `{"email":"b@keep.example"}`)}})
	require.NoError(t, err)
	_, err = s.TakeRecord(ctx, "email#a@secret.example")
	require.NoError(t, err)
	require.NoError(t, s.Close())

	rep, err := embedded.Rewrite(dir, func(e *embedded.Entry) error {
		for i := range e.Events {
			if e.Events[i].StreamID == "user-A" {
				e.Events[i].Data, e.Events[i].Schema = json.RawMessage(`{"sealed":"x"}`), 2
			}
		}
		for i := range e.Puts {
			if e.Puts[i].Key == "email#a@secret.example" {
				e.Puts[i].Key = "email#hashed"
			}
		}
		for i, k := range e.Deletes {
			if k == "email#a@secret.example" {
				e.Deletes[i] = "email#hashed"
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, embedded.RewriteReport{Entries: 3, Events: 2, Changed: 2}, rep)

	b, err := os.ReadFile(filepath.Join(dir, embedded.LogFile))
	require.NoError(t, err)
	assert.NotContains(t, string(b), "a@secret.example")
	assert.Contains(t, string(b), "b@keep.example")
	s = open(t, dir)
	defer s.Close()
	got, err := events.LoadAll(ctx, s, "user-A")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, 2, got[0].Schema)
	assert.JSONEq(t, `{"sealed":"x"}`, string(got[0].Data))
	_, err = s.GetRecord(ctx, "email#hashed")
	require.ErrorIs(t, err, events.ErrNotFound, "the delete applies to the renamed key")
}

func TestRewriteRefusesIdentityChanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir)
	_, err := s.Append(context.Background(), events.AppendRequest{StreamID: "user-A", ExpectedVersion: events.ExpectNew,
		Events: []events.Envelope{rwEvent("user-A", 1, `{}`)}})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	before, err := os.ReadFile(filepath.Join(dir, embedded.LogFile))
	require.NoError(t, err)
	for name, fn := range map[string]func(*embedded.Entry) error{
		"version":   func(e *embedded.Entry) error { e.Events[0].Version = 2; return nil },
		"event id":  func(e *embedded.Entry) error { e.Events[0].EventID = "other"; return nil },
		"dropped":   func(e *embedded.Entry) error { e.Events = nil; return nil },
		"bad data":  func(e *embedded.Entry) error { e.Events[0].Data = json.RawMessage(`[]`); return nil },
		"fn failed": func(*embedded.Entry) error { return assert.AnError },
	} {
		_, err := embedded.Rewrite(dir, fn)
		require.Error(t, err, name)
		after, rerr := os.ReadFile(filepath.Join(dir, embedded.LogFile))
		require.NoError(t, rerr)
		assert.Equal(t, before, after, "%s: the log is untouched", name)
	}
}
