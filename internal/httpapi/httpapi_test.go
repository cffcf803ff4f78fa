package httpapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/httpapi"
)

func TestErrorResponseStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"missing table", fmt.Errorf("append: %w", &ddbtypes.ResourceNotFoundException{Message: new("Requested resource not found")}),
			http.StatusServiceUnavailable, `"unavailable"`},
		{"other AWS error", fmt.Errorf("append: %w", &ddbtypes.InternalServerError{}), http.StatusInternalServerError, `"internal"`},
		{"unavailable", fmt.Errorf("x: %w", domain.ErrUnavailable), http.StatusServiceUnavailable, `"unavailable"`},
		{"plain", errors.New("boom"), http.StatusInternalServerError, `"internal"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := httpapi.ErrorResponse(tc.err)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Contains(t, resp.Body, tc.code)
			if tc.status == http.StatusServiceUnavailable {
				assert.Equal(t, "1", resp.Headers["Retry-After"])
			}
		})
	}
}
