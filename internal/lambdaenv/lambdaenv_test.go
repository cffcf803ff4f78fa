package lambdaenv_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/lambdaenv"
)

// exited is the panic value of the test exit func: it stops the caller the
// way os.Exit would.
type exited int

// harness builds an Env over a map environment and a log buffer.
func harness(env map[string]string) (*lambdaenv.Env, *bytes.Buffer) {
	var buf bytes.Buffer
	e := lambdaenv.NewWith("test-fn", &buf, func(k string) string { return env[k] }, func(code int) { panic(exited(code)) })
	return e, &buf
}

// exitCode runs f and returns the status it exited with, -1 if it returned.
func exitCode(f func()) (code int) {
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(exited)
			if !ok {
				panic(r)
			}
			code = int(c)
		}
	}()
	f()
	return -1
}

// logLines decodes the JSON log lines in buf.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func TestRequire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		wantExit int
		want     string
	}{
		{name: "set", env: map[string]string{"RECORDS_TABLE": "t1"}, wantExit: -1, want: "t1"},
		{name: "unset", env: map[string]string{}, wantExit: 1},
		{name: "empty", env: map[string]string{"RECORDS_TABLE": ""}, wantExit: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, buf := harness(tc.env)
			var got string
			code := exitCode(func() { got = e.Require("RECORDS_TABLE") })
			assert.Equal(t, tc.wantExit, code)
			if tc.wantExit == -1 {
				assert.Equal(t, tc.want, got)
				assert.Empty(t, buf.String(), "success logs nothing")
				return
			}
			lines := logLines(t, buf)
			require.Len(t, lines, 1)
			assert.Equal(t, "ERROR", lines[0]["level"])
			assert.Equal(t, "missing environment variable", lines[0]["msg"])
			assert.Equal(t, "RECORDS_TABLE", lines[0]["name"])
			assert.Equal(t, "test-fn", lines[0]["function"])
		})
	}
}

func TestOptional(t *testing.T) {
	t.Parallel()
	e, buf := harness(map[string]string{"A": "x"})
	assert.Equal(t, "x", e.Optional("A"))
	assert.Equal(t, "", e.Optional("B"))
	assert.Empty(t, buf.String())
}

// LOG_LEVEL picks the level; an unknown value means info.
func TestLogLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		level     string
		wantDebug bool
		wantInfo  bool
	}{
		{name: "default", level: "", wantDebug: false, wantInfo: true},
		{name: "debug", level: "debug", wantDebug: true, wantInfo: true},
		{name: "warn", level: "WARN", wantDebug: false, wantInfo: false},
		{name: "garbage", level: "loud", wantDebug: false, wantInfo: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, _ := harness(map[string]string{spec.EnvLogLevel: tc.level})
			ctx := context.Background()
			assert.Equal(t, tc.wantDebug, e.Log.Enabled(ctx, -4))
			assert.Equal(t, tc.wantInfo, e.Log.Enabled(ctx, 0))
		})
	}
}

// The logger redacts credentials whatever the call site passes.
func TestLogRedacts(t *testing.T) {
	t.Parallel()
	e, buf := harness(nil)
	e.Log.Info("login", "password", "hunter2", "detail", "bearer sk_01ABC_s3cr3tpart")
	out := buf.String()
	assert.NotContains(t, out, "hunter2")
	assert.NotContains(t, out, "s3cr3tpart")
	assert.Contains(t, out, "[REDACTED]")
}

func TestFail(t *testing.T) {
	t.Parallel()
	e, buf := harness(nil)
	code := exitCode(func() { e.Fail("cursor key too short", "min_bytes", 16) })
	assert.Equal(t, 1, code)
	lines := logLines(t, buf)
	require.Len(t, lines, 1)
	assert.Equal(t, "cursor key too short", lines[0]["msg"])
	assert.EqualValues(t, 16, lines[0]["min_bytes"])
}

// AWS builds a working DynamoDB client (against moto) from the loaded config.
func TestAWSDynamoDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := awstest.Config(t)
	_, prefix := awstest.Tables(t, spec.Records)

	e, _ := harness(nil)
	var got lambdaenv.AWS
	code := exitCode(func() {
		got = e.AWS(ctx,
			config.WithRegion(base.Region),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
			config.WithBaseEndpoint(aws.ToString(base.BaseEndpoint)))
	})
	require.Equal(t, -1, code)
	require.NotNil(t, got.DynamoDB)
	assert.Equal(t, base.Region, got.Config.Region)
	out, err := got.DynamoDB.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.Contains(t, out.TableNames, spec.TableName(prefix, spec.Records))
}

// A configuration that cannot load fails fast.
func TestAWSFailsFast(t *testing.T) {
	t.Parallel()
	e, buf := harness(nil)
	code := exitCode(func() {
		e.AWS(context.Background(), config.WithSharedConfigProfile("skyledger-no-such-profile"))
	})
	assert.Equal(t, 1, code)
	lines := logLines(t, buf)
	require.Len(t, lines, 1)
	assert.Equal(t, "aws config", lines[0]["msg"])
	assert.Contains(t, lines[0]["error"], "skyledger-no-such-profile")
}
