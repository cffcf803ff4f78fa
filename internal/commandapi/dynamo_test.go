package commandapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
)

// openDynamo opens the DynamoDB store on moto (fresh tables per test).
func openDynamo(t testing.TB, clk *clock) events.Store {
	t.Helper()
	c, prefix := awstest.Tables(t, spec.Events, spec.Records)
	return dynamo.New(c, spec.TableName(prefix, spec.Events), spec.TableName(prefix, spec.Records)).WithClock(clk.Now)
}

// The identity flow end to end on DynamoDB (moto): inline records,
// reservations, idempotency and conditional writes behave as on the
// embedded store.
func TestIdentityFlowOnDynamoDB(t *testing.T) {
	t.Parallel()
	e := newEnvOn(t, openDynamo)
	ctx := context.Background()
	b := e.bootstrap()
	resp := e.do(e.req("post_bootstrap"))
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "bootstrap once")

	t1 := e.createTenant(b.Key, "Acme")
	admin, adminKey := e.createUser(b.Key, t1, "admin@acme.example", domain.RoleTenantAdmin)
	assert.Equal(t, t1, admin.TenantID)
	pilot, pilotSession := e.createUser(adminKey, t1, "pilot@acme.example", domain.RolePilot)
	resp = e.do(e.req("post_tenant_users").as(e, adminKey).path(t1).body(map[string]any{
		"email": "Pilot@Acme.example", "password": "a long enough passphrase", "role": "viewer", "display_name": "Dup"}))
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "e-mail reservation")

	// idempotent key creation
	first := e.do(e.req("post_apikeys").as(e, pilotSession).header("idempotency-key", "dynamo-key-0001"))
	require.Equal(t, http.StatusCreated, first.StatusCode, first.Body)
	again := e.do(e.req("post_apikeys").as(e, pilotSession).header("idempotency-key", "dynamo-key-0001"))
	assert.JSONEq(t, first.Body, again.Body)
	key := decode[struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}](t, first)
	p, err := e.authn.Authenticate(ctx, "Bearer "+key.Key)
	require.NoError(t, err)
	assert.Equal(t, pilot.ID, p.UserID)

	// ticket: once
	resp = e.do(e.req("post_ws_ticket").as(e, key.Key))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	ticket := decode[struct{ Ticket string }](t, resp).Ticket
	_, err = e.authn.ConsumeTicket(ctx, ticket)
	require.NoError(t, err)
	_, err = e.authn.ConsumeTicket(ctx, ticket)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)

	// If-Match, deactivation stops keys at once
	resp = e.do(e.req("patch_user").as(e, adminKey).path(pilot.ID).header("if-match", `"9"`).body(map[string]any{"status": "deactivated"}))
	assert.Equal(t, http.StatusPreconditionFailed, resp.StatusCode)
	resp = e.do(e.req("patch_user").as(e, adminKey).path(pilot.ID).header("if-match", `"1"`).body(map[string]any{"status": "deactivated"}))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	_, err = e.authn.Authenticate(ctx, key.Key)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)

	// revoke; last platform admin
	resp = e.do(e.req("delete_apikey").as(e, adminKey).path(key.ID))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	resp = e.do(e.req("patch_user").as(e, b.Key).path(b.UserID).header("if-match", "").body(map[string]any{"role": "pilot"}))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	e.login(adminEmail, adminPassword)
}
