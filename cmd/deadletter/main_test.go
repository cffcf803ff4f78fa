package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/localcloud"
)

func TestListAndRedrive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dlq := localcloud.OpenDeadLetters(filepath.Join(dir, localcloud.DeadLetterFile))
	rec := lambdaevents.DynamoDBEventRecord{EventName: "INSERT", Change: lambdaevents.DynamoDBStreamRecord{SequenceNumber: "000000000000000000042",
		NewImage: map[string]lambdaevents.DynamoDBAttributeValue{"stream_id": lambdaevents.NewStringAttribute("tenant-X"),
			"version": lambdaevents.NewNumberAttribute("3"), "type": lambdaevents.NewStringAttribute("tenant.created")}}}
	require.NoError(t, dlq.Add(localcloud.DeadLetter{ID: "000000000000000000042", FailedAt: time.Now(), Function: "projector",
		Reason: "boom", Attempts: 6, Record: rec}))

	var out bytes.Buffer
	require.NoError(t, run([]string{"list", "-data-dir", dir}, &out))
	assert.Contains(t, out.String(), "000000000000000000042")
	assert.Contains(t, out.String(), "tenant-X v3 tenant.created")
	assert.Contains(t, out.String(), "boom")

	out.Reset()
	require.NoError(t, run([]string{"list", "-data-dir", dir, "-json"}, &out))
	var e localcloud.DeadLetter
	require.NoError(t, json.Unmarshal(out.Bytes(), &e))
	assert.Equal(t, 6, e.Attempts)

	// redrive goes through the running runtime's management endpoint.
	err := run([]string{"redrive", "-data-dir", dir}, &out)
	require.Error(t, err, "no runtime running")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/_skyledger/deadletter/redrive", r.URL.Path)
		var in struct{ IDs []string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		res, err := dlq.Redrive(context.Background(), func(context.Context, lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
			return lambdaevents.DynamoDBEventResponse{}, nil
		}, in.IDs...)
		require.NoError(t, err)
		_ = json.NewEncoder(w).Encode(res)
	}))
	defer srv.Close()
	require.NoError(t, localcloud.WriteInfo(dir, localcloud.Info{ManagementURL: srv.URL}))
	out.Reset()
	require.NoError(t, run([]string{"redrive", "-data-dir", dir, "-id", "000000000000000000042"}, &out))
	assert.Contains(t, out.String(), "redriven: 1")
	out.Reset()
	require.NoError(t, run([]string{"list", "-data-dir", dir}, &out))
	assert.Contains(t, out.String(), "no dead letters")
	assert.Error(t, run([]string{"bogus"}, &out))
}

func TestHelpAndMissingDataDir(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"help"}, {"list", "-h"}, {"redrive", "-help"}} {
		var out bytes.Buffer
		err := run(args, &out)
		require.ErrorIs(t, err, flag.ErrHelp, "%v", args)
		assert.Contains(t, out.String(), "-data-dir", "%v prints every flag", args)
	}
	var out bytes.Buffer
	err := run([]string{"list", "-data-dir", filepath.Join(t.TempDir(), "missing")}, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no data directory")
}
