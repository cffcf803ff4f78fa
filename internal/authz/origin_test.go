package authz_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/authz"
)

// TestOriginSecret: with origin secrets configured, only requests carrying
// one (CloudFront's) pass; public routes need nothing else, the others still
// need a valid key.
func TestOriginSecret(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	h := authz.New(authz.Deps{Records: f.store, OriginSecrets: []string{"current-secret", "previous-secret"},
		OriginHeader: "X-Origin-Verify", PublicRoutes: map[string]bool{"POST /api/auth/login": true}})

	tests := []struct {
		name, route, origin, authz string
		want                       bool
		wantErr                    error
	}{
		{"edge + key", "GET /api/users/me", "current-secret", "Bearer " + f.key, true, nil},
		{"previous secret during rotation", "GET /api/users/me", "previous-secret", "Bearer " + f.key, true, nil},
		{"direct call with a key", "GET /api/users/me", "", "Bearer " + f.key, false, nil},
		{"wrong secret", "GET /api/users/me", "current-secreT", "Bearer " + f.key, false, nil},
		{"edge without a valid key", "GET /api/users/me", "current-secret", "Bearer sk_nope", false, authz.ErrUnauthorized},
		{"public route through the edge", "POST /api/auth/login", "current-secret", "", true, nil},
		{"public route direct", "POST /api/auth/login", "", "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := f.httpReq(t, tt.authz)
			req.RouteKey = tt.route
			if tt.origin != "" {
				req.Headers["x-origin-verify"] = tt.origin // API Gateway lower-cases header names
			}
			resp, err := h.HTTP(ctx, req)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err, "a refused origin is a 403 (IsAuthorized=false), not an error")
			}
			assert.Equal(t, tt.want, resp.IsAuthorized)
			if tt.want && tt.route == "GET /api/users/me" {
				assert.Equal(t, f.userID, resp.Context[domain.CtxUserID])
			}
			if tt.route == "POST /api/auth/login" {
				assert.Empty(t, resp.Context, "a public route gets no principal")
			}
		})
	}
	// Without origin secrets nothing changes (local runtime, dev).
	resp, err := f.h.HTTP(ctx, f.httpReq(t, "Bearer "+f.key))
	require.NoError(t, err)
	assert.True(t, resp.IsAuthorized)
}
