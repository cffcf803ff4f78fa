package main

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The runtime's logger redacts credentials whatever the call site passes.
func TestLoggerRedacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []any
		secret string
	}{
		{name: "ticket attribute", args: []any{"ticket", "wst_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}, secret: "wst_abcdefghij"},
		{name: "api key in a value", args: []any{"detail", "Bearer sk_01JDV3K5Q1W7ZJ8Y9X2M4N6P8R_c2VjcmV0c2VjcmV0"}, secret: "c2VjcmV0c2VjcmV0"},
		{name: "password attribute", args: []any{"password", "hunter2hunter2"}, secret: "hunter2hunter2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			newLogger(&buf, slog.LevelInfo).Info("invoke", tc.args...)
			assert.NotContains(t, buf.String(), tc.secret)
			assert.Contains(t, buf.String(), "[REDACTED]")
		})
	}
}

// `skyledger listen`: a failed dial does not print the one-time ticket (the
// dial error quotes the whole URL).
func TestListenDialErrorHidesTicket(t *testing.T) {
	t.Parallel()
	const ticket = "wst_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	// a port with nothing listening
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "ws://" + l.Addr().String() + "/"
	require.NoError(t, l.Close())
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"ticket":"` + ticket + `","url":"` + dead + `"}`))
	}))
	t.Cleanup(api.Close)

	var out bytes.Buffer
	err = listen([]string{"-api", api.URL, "-key", "sk_01JDV3K5Q1W7ZJ8Y9X2M4N6P8R_c2VjcmV0"}, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connect "+dead)
	assert.NotContains(t, err.Error(), ticket)
}
