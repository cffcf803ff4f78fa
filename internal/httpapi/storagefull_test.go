package httpapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/httpapi"
)

func TestStorageFullIs503WithRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		code       string
		retryAfter string
	}{
		{name: "storage full, wrapped as the store does",
			err:    fmt.Errorf("append pirep-1: %w", fmt.Errorf("write /data/events/events.log: %w: %w", events.ErrStorageFull, syscall.ENOSPC)),
			status: 503, code: httpapi.CodeStorageFull, retryAfter: "5"},
		{name: "other store failures stay internal", err: errors.New("event store is closed"), status: 500, code: "internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := httpapi.ErrorResponse(tc.err)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.retryAfter, resp.Headers["Retry-After"])
			var body httpapi.ErrorBody
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
			assert.Equal(t, tc.code, body.Error.Code)
			assert.NotContains(t, body.Error.Message, "/data", "no file paths leak")
		})
	}
}
