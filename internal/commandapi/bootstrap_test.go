package commandapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
)

// A bootstrap that died after its first append (tenant + marker) is
// resumed by the next call with the planned ids, and then it is done.
func TestBootstrapResumesAfterCrash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tenantID, userID := auth.NewID(), auth.NewID()
	evs, err := identity.CreateTenant(tenantID, "Half done", true, "system", e.clk.Now())
	require.NoError(t, err)
	data, err := json.Marshal(evs[0].Data)
	require.NoError(t, err)
	marker, err := auth.BootstrapRecord(tenantID, userID, e.clk.Now())
	require.NoError(t, err)
	_, err = e.store.Append(ctx, events.AppendRequest{StreamID: identity.StreamTenant(tenantID), ExpectedVersion: events.ExpectNew,
		Events: []events.Envelope{{EventID: auth.NewID(), StreamID: identity.StreamTenant(tenantID), Version: 1, Type: evs[0].Type,
			Schema: 1, TenantID: tenantID, OccurredAt: e.clk.Now(), Actor: "system", Data: data}},
		Records: []events.RecordOp{{Mode: events.RecordPutIfAbsent, Record: marker}}})
	require.NoError(t, err)

	b := e.bootstrap()
	assert.Equal(t, tenantID, b.TenantID, "resumed with the planned tenant")
	assert.Equal(t, userID, b.UserID, "resumed with the planned user")
	_, err = e.authn.Authenticate(ctx, b.Key)
	require.NoError(t, err)
	assert.Equal(t, 3, e.eventCount())
	resp := e.do(e.req("post_bootstrap"))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
}
