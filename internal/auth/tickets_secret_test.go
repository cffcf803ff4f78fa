package auth_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
)

var errStoreDown = errors.New("store down")

// brokenRecords fails writes and takes the way the real stores do: the
// error names the record key (for a ticket, ticket#<sha256 of the ticket>).
type brokenRecords struct{ events.Records }

func (brokenRecords) CompareAndPut(_ context.Context, rec events.Record, _ int64) (events.Record, error) {
	return events.Record{}, fmt.Errorf("put record %s: %w", rec.Key, errStoreDown)
}

func (brokenRecords) TakeRecord(_ context.Context, key string) (events.Record, error) {
	return events.Record{}, fmt.Errorf("take record %s: %w", key, errStoreDown)
}

var sha256Hex = regexp.MustCompile(`[0-9a-f]{64}`)

// Ticket errors end up in logs (authorizer "store failure", httpapi
// "handler failed"): they never carry the ticket or its hash, and keep the
// store error in the chain.
func TestTicketErrorsHideTicketAndHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := domain.Principal{UserID: "01JDV3K5Q1W7ZJ8Y9X2M4N6P8A", TenantID: "01JDV3K5Q1W7ZJ8Y9X2M4N6P8B",
		Role: domain.RolePilot, KeyID: "01JDV3K5Q1W7ZJ8Y9X2M4N6P8C"}

	_, _, err := auth.IssueTicket(ctx, brokenRecords{}, p, now)
	require.Error(t, err)
	assert.ErrorIs(t, err, errStoreDown)
	assert.NotRegexp(t, sha256Hex, err.Error())
	assert.Contains(t, err.Error(), "ticket#<hash>", "the record kind stays readable")

	recs := newRecords(t, clock)
	ticket, _, err := auth.IssueTicket(ctx, recs, p, now)
	require.NoError(t, err)
	hash := auth.HashSecret(ticket)
	tests := []struct {
		name    string
		records events.Records
		prepare func(t *testing.T)
		wantIs  error
	}{
		{name: "take fails", records: brokenRecords{recs}, prepare: func(*testing.T) {}, wantIs: errStoreDown},
		{name: "record of another kind", records: recs, prepare: func(t *testing.T) {
			recs.put(t, events.Record{Key: "ticket#" + hash, Kind: auth.KindIdempotency, Data: []byte(`{}`)})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.prepare(t)
			_, err := (&auth.Authenticator{Records: tc.records, Now: clock}).ConsumeTicket(ctx, ticket)
			require.Error(t, err)
			if tc.wantIs != nil {
				assert.ErrorIs(t, err, tc.wantIs)
			}
			assert.NotContains(t, err.Error(), hash)
			assert.NotContains(t, err.Error(), ticket)
			assert.NotRegexp(t, sha256Hex, err.Error())
		})
	}
}
