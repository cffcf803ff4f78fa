package commandapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/pii"
)

// TestEraseUser: the rules and effects of POST /api/users/{id}/erase on
// the command side (the read side is covered end to end in internal/e2e).
func TestEraseUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	_, ops := e.createUser(b.Key, t1, "ops@acme.example", domain.RoleTenantAdmin)
	pat, patKey := e.createUser(b.Key, t1, "pat@acme.example", domain.RolePilot)
	erase := func(key, id string) *call { return e.req("post_user_erase").as(e, key).path(id) }
	status := func(c *call) (int, errBody) {
		resp := e.do(c)
		var eb errBody
		if resp.StatusCode >= 400 {
			eb = decode[errBody](t, resp)
		}
		return resp.StatusCode, eb
	}

	// the sealed payload in the log, opened for readers
	evs, err := events.LoadAll(ctx, e.store, identity.StreamUser(pat.ID))
	require.NoError(t, err)
	assert.Equal(t, identity.SchemaV2, evs[0].Schema)
	assert.NotContains(t, string(evs[0].Data), "pat@acme.example")
	assert.Contains(t, string(evs[0].Data), `"pii":`)

	tests := []struct {
		name   string
		call   *call
		status int
		code   string
	}{
		{"an active user is 409", erase(ops, pat.ID), 409, "conflict"},
		{"a pilot erasing itself is 403", erase(patKey, pat.ID), 403, "forbidden"},
		{"a tenant admin erasing itself is 409 (it is active)", erase(ops, decode[struct{ User userOut }](t, e.do(e.req("post_login").body(map[string]any{"email": "ops@acme.example", "password": "a long enough passphrase"}))).User.ID), 409, "conflict"},
		{"a tenant admin and the platform admin of another tenant: 404", erase(ops, b.UserID), 404, "not_found"},
		{"unknown user", erase(ops, "01JDA00000000000000000NONE"), 404, "not_found"},
		{"not an id", erase(ops, "nope"), 404, "not_found"},
		{"a body with fields", erase(ops, pat.ID).body(map[string]any{"reason": "gdpr"}), 400, "validation"},
		{"a stale If-Match", erase(b.Key, pat.ID).header("if-match", `"7"`), 412, "precondition_failed"},
	}
	for _, tc := range tests {
		st, eb := status(tc.call)
		assert.Equal(t, tc.status, st, tc.name)
		assert.Equal(t, tc.code, eb.Error.Code, tc.name)
	}

	resp := e.do(e.req("patch_user").as(e, ops).path(pat.ID).header("if-match", "").body(map[string]any{"status": "deactivated"}))
	require.Equal(t, 200, resp.StatusCode, resp.Body)
	resp = e.do(erase(ops, pat.ID).body(map[string]any{}))
	require.Equal(t, 200, resp.StatusCode, resp.Body)
	got := decode[userOut](t, resp)
	assert.Equal(t, userOut{ID: pat.ID, TenantID: t1, Email: identity.Erased, DisplayName: identity.Erased, Role: "pilot",
		Status: identity.StatusErased, Version: 3}, got)
	assert.Equal(t, `"3"`, resp.Headers["ETag"])

	// the credential keeps no hash; the reservations are gone; the key is a tombstone
	rec, err := e.store.GetRecord(ctx, auth.UserRecordKey(pat.ID))
	require.NoError(t, err)
	var cred map[string]any
	require.NoError(t, json.Unmarshal(rec.Data, &cred))
	assert.Empty(t, cred["password_hash"])
	assert.NotContains(t, cred, "email")
	assert.Equal(t, "erased", cred["status"])
	for _, k := range []string{auth.EmailRecordKey("pat@acme.example"), auth.EmailSkeletonRecordKey(identity.EmailSkeleton("pat@acme.example"))} {
		_, err := e.store.GetRecord(ctx, k)
		require.ErrorIs(t, err, events.ErrNotFound, k)
	}
	_, err = (&pii.RecordKeys{Records: e.store}).Key(ctx, pat.ID)
	require.ErrorIs(t, err, pii.ErrErased)

	// again: 200, nothing appended
	before := e.eventCount()
	resp = e.do(erase(b.Key, pat.ID))
	require.Equal(t, 200, resp.StatusCode, resp.Body)
	assert.Equal(t, before, e.eventCount())
	// an erased user cannot be changed any more
	resp = e.do(e.req("patch_user").as(e, ops).path(pat.ID).header("if-match", "").body(map[string]any{"status": "active"}))
	assert.Equal(t, 409, resp.StatusCode, resp.Body)
	// the address can be registered again
	again, _ := e.createUser(b.Key, t1, "pat@acme.example", domain.RoleViewer)
	assert.NotEqual(t, pat.ID, again.ID)
	assert.Equal(t, "pat@acme.example", again.Email)
}

// keyOutage fails the first failures EraseKey calls, as a store outage
// between the append and the key deletion would.
type keyOutage struct {
	commandapi.PersonalData
	failures atomic.Int32
}

func (k *keyOutage) EraseKey(ctx context.Context, userID string) error {
	if k.failures.Add(-1) >= 0 {
		return errors.New("records table unavailable")
	}
	return k.PersonalData.EraseKey(ctx, userID)
}

// TestEraseRetryFinishesTheJob: when the data key cannot be deleted after
// user.erased is recorded, the answer is 503, and a retry (the same
// request, Idempotency-Key included) deletes the key: the route answers
// from what it does, never from a stored earlier answer.
func TestEraseRetryFinishesTheJob(t *testing.T) {
	t.Parallel()
	outage := &keyOutage{}
	outage.failures.Store(1)
	e := newEnvOn(t, openStore, func(d *commandapi.Deps) {
		outage.PersonalData = d.PII
		d.PII = outage
	})
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	pat, _ := e.createUser(b.Key, t1, "pat@acme.example", domain.RolePilot)
	resp := e.do(e.req("patch_user").as(e, b.Key).path(pat.ID).header("if-match", "").body(map[string]any{"status": "deactivated"}))
	require.Equal(t, 200, resp.StatusCode, resp.Body)

	erase := func() httpapi.Response {
		return e.do(e.req("post_user_erase").as(e, b.Key).path(pat.ID).header("Idempotency-Key", "erase-pat"))
	}
	resp = erase()
	require.Equal(t, 503, resp.StatusCode, resp.Body)
	_, err := (&pii.RecordKeys{Records: e.store}).Key(context.Background(), pat.ID)
	require.NoError(t, err, "the key outlived the failed call")

	resp = erase()
	require.Equal(t, 200, resp.StatusCode, resp.Body)
	assert.Equal(t, identity.Erased, decode[userOut](t, resp).Email)
	_, err = (&pii.RecordKeys{Records: e.store}).Key(context.Background(), pat.ID)
	assert.ErrorIs(t, err, pii.ErrErased)
}

// TestLoginFindsLegacyReservations: a reservation written before erasure
// existed (the address in its key) still signs its user in.
func TestLoginFindsLegacyReservations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	b := e.bootstrap()
	t1 := e.createTenant(b.Key, "Acme")
	e.createUser(b.Key, t1, "old@acme.example", domain.RolePilot)
	// rewrite the reservation as the old layout had it
	rec, err := e.store.TakeRecord(ctx, auth.EmailRecordKey("old@acme.example"))
	require.NoError(t, err)
	rec.Key, rec.Rev = auth.LegacyEmailRecordKey("old@acme.example"), 0
	_, err = e.store.CompareAndPut(ctx, rec, 0)
	require.NoError(t, err)
	e.login("old@acme.example", "a long enough passphrase")
}
