package metrics_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/metrics"
)

func TestEmitWritesOneEMFLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := metrics.New(&buf, "projector")
	r.Now = func() time.Time { return time.UnixMilli(1764158400123) }
	r.Emit(map[string]string{"correlation_id": "c-1"}, metrics.C(metrics.FramesSent, 3), metrics.Ms(metrics.FanoutDuration, 1500*time.Microsecond))
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 1)
	var got struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Function       string
		FramesSent     float64
		FanoutDuration float64
		CorrelationID  string `json:"correlation_id"`
	}
	require.NoError(t, json.Unmarshal(lines[0], &got))
	assert.EqualValues(t, 1764158400123, got.AWS.Timestamp)
	require.Len(t, got.AWS.CloudWatchMetrics, 1)
	m := got.AWS.CloudWatchMetrics[0]
	assert.Equal(t, "SkyLedger", m.Namespace)
	assert.Equal(t, [][]string{{"Function"}}, m.Dimensions)
	assert.Equal(t, []struct{ Name, Unit string }{{"FramesSent", "Count"}, {"FanoutDuration", "Milliseconds"}}, m.Metrics)
	assert.Equal(t, "projector", got.Function)
	assert.InDelta(t, 3, got.FramesSent, 0)
	assert.InDelta(t, 1.5, got.FanoutDuration, 1e-9)
	assert.Equal(t, "c-1", got.CorrelationID)
}

func TestNilRecorderIsANoOp(t *testing.T) {
	t.Parallel()
	var r *metrics.Recorder
	assert.NotPanics(t, func() { r.Emit(nil, metrics.C(metrics.Gone, 1)) })
}

func TestLoggerRedactsSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		attrs  []any
		secret string
	}{
		{"ticket attr", []any{"ticket", "tkt_Very5ecretTicket"}, "tkt_Very5ecretTicket"},
		{"authorization header", []any{"authorization", "Bearer sk_01JDA_s3cr3t"}, "s3cr3t"},
		{"key-looking value under any name", []any{"detail", "got sk_01JDAKEY_abcdefSECRET in header"}, "abcdefSECRET"},
		{"password", []any{"password", "hunter2hunter2"}, "hunter2hunter2"},
		{"grouped", []any{slog.Group("req", "token", "tok-123456")}, "tok-123456"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			metrics.NewLogger(&buf, slog.LevelDebug).Info("msg", tc.attrs...)
			assert.NotContains(t, buf.String(), tc.secret)
			assert.Contains(t, buf.String(), metrics.Redacted)
		})
	}
	var buf bytes.Buffer
	metrics.NewLogger(&buf, slog.LevelInfo).Info("ok", "key_id", "01JDAKEY", "connection_id", "abc=")
	assert.Contains(t, buf.String(), `"key_id":"01JDAKEY"`, "ids are not secrets")
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	assert.Equal(t, slog.LevelDebug, metrics.ParseLevel("debug"))
	assert.Equal(t, slog.LevelWarn, metrics.ParseLevel("WARN"))
	assert.Equal(t, slog.LevelInfo, metrics.ParseLevel("nonsense"))
}
