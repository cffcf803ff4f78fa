package wsapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/metrics"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/notify/notifytest"
	"github.com/skyledger/skyledger/internal/wire"
	"github.com/skyledger/skyledger/internal/wsapi"
)

// The whole real-time path on the DynamoDB adapter (moto): golden CONNECT,
// subscribe, a fanned-out event, key revocation closing the connection,
// DISCONNECT.
func TestDynamoEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := awstest.Tables(t, spec.Connections)
	st := connections.NewDynamo(c, spec.TableName(prefix, spec.Connections))
	srv := notifytest.New(t)
	log := metrics.NewLogger(os.Stderr, slog.LevelWarn)
	h := wsapi.New(wsapi.Deps{Store: st, Client: srv.Client(4), Log: log})
	n := notify.New(notify.Deps{Routes: wire.NotifyRoutes(), Store: st, Client: srv.Client(4), Log: log})

	resp, err := h.Connect(ctx, golden(t, "connect.json"))
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	resp, err = h.Default(ctx, golden(t, "message_subscribe.json"))
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, srv.Frames(connID), 1)
	assert.Contains(t, string(srv.Frames(connID)[0]), `"accepted":["tenant:`+tenantA+`:pireps"]`)

	now := time.Now().UTC()
	pirep := events.Envelope{EventID: "01JDAEVT000000000000000001", StreamID: "pirep-01JDA0000000000000000PXRP1", Version: 1,
		Type: pirep.EventSubmitted, Schema: 1, TenantID: tenantA, OccurredAt: now, Actor: userA,
		Data: json.RawMessage(`{"pirep_id":"01JDA0000000000000000PXRP1","tenant_id":"` + tenantA + `","type":"UUA","urgent":true}`)}
	require.NoError(t, n.Notify(ctx, []events.Envelope{pirep}))
	require.Len(t, srv.Frames(connID), 2)
	assert.Contains(t, string(srv.Frames(connID)[1]), `"urgent":true`)

	revokeData, _ := json.Marshal(identity.APIKeyRevokedData{KeyID: keyA, TenantID: tenantA, OwnerID: userA, RevokedBy: userA, RevokedAt: now})
	revoke := events.Envelope{EventID: "01JDAEVT000000000000000002", StreamID: identity.StreamAPIKey(keyA), Version: 2,
		Type: identity.APIKeyRevoked, Schema: 1, TenantID: tenantA, OccurredAt: now, Actor: userA, Data: revokeData}
	pirep.EventID, pirep.Version = "01JDAEVT000000000000000003", 2
	require.NoError(t, n.Notify(ctx, []events.Envelope{revoke, pirep}))
	assert.Len(t, srv.Frames(connID), 2, "nothing after the revocation")
	assert.Equal(t, 1, srv.Deleted(connID))
	_, err = st.Get(ctx, connID)
	require.ErrorIs(t, err, connections.ErrNotFound)
	subs, err := st.ByChannel(ctx, "tenant:"+tenantA+":pireps")
	require.NoError(t, err)
	assert.Empty(t, subs)

	resp, err = h.Disconnect(ctx, golden(t, "disconnect.json"))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
}
