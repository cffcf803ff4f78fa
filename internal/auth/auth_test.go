package auth_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
)

// cheap argon2 parameters for tests (the format and code path are the same).
var testHasher = &auth.Hasher{Params: auth.Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}

type clock struct{ t atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.t.Add(int64(d)) }
func newClock() *clock {
	c := &clock{}
	c.t.Store(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

type fixture struct {
	recs *testRecords
	clk  *clock
	a    *auth.Authenticator
	user auth.UserCredential
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := newClock()
	recs := newRecords(t, clk.Now)
	hash, err := testHasher.Hash("correct horse battery")
	require.NoError(t, err)
	u := auth.UserCredential{UserID: auth.NewID(), TenantID: auth.NewID(), Email: "p@example.com",
		Role: domain.RolePilot, Status: identity.StatusActive, PasswordHash: hash, Version: 1}
	rec, err := auth.UserRecord(u)
	require.NoError(t, err)
	recs.put(t, rec)
	return &fixture{recs: recs, clk: clk, a: &auth.Authenticator{Records: recs, Now: clk.Now}, user: u}
}

// pilotWithNewKey gives the fixture's user a new key and returns the pilot
// principal acting with it.
func (f *fixture) pilotWithNewKey(t *testing.T) domain.Principal {
	t.Helper()
	_, cred := f.newKey(t, nil)
	return domain.Principal{UserID: f.user.UserID, TenantID: f.user.TenantID, Role: domain.RolePilot, KeyID: cred.KeyID}
}

// issueTicket issues a one-time WebSocket ticket for p at the fixture's
// clock and returns it with its expiry.
func (f *fixture) issueTicket(t *testing.T, p domain.Principal) (string, time.Time) {
	t.Helper()
	tk, exp, err := auth.IssueTicket(context.Background(), f.recs, p, f.clk.Now())
	require.NoError(t, err)
	return tk, exp
}

func (f *fixture) newKey(t *testing.T, expires *time.Time) (string, auth.KeyCredential) {
	t.Helper()
	id, secret, full, err := auth.NewKey()
	require.NoError(t, err)
	c := auth.KeyCredential{KeyID: id, OwnerID: f.user.UserID, TenantID: f.user.TenantID, SecretHash: auth.HashSecret(secret), ExpiresAt: expires}
	rec, err := auth.KeyRecord(auth.KindAPIKey, c)
	require.NoError(t, err)
	f.recs.put(t, rec)
	return full, c
}

func (f *fixture) setUser(t *testing.T, mut func(*auth.UserCredential)) {
	t.Helper()
	mut(&f.user)
	rec, err := auth.UserRecord(f.user)
	require.NoError(t, err)
	f.recs.put(t, rec)
}

func TestKeyFormat(t *testing.T) {
	t.Parallel()
	id, secret, full, err := auth.NewKey()
	require.NoError(t, err)
	assert.Len(t, full, auth.KeyLen)
	assert.True(t, strings.HasPrefix(full, "sk_"+id+"_"))
	gid, gsecret, err := auth.ParseKey(full)
	require.NoError(t, err)
	assert.Equal(t, id, gid)
	assert.Equal(t, secret, gsecret)
	assert.Len(t, auth.HashSecret(secret), 64)
	for _, bad := range []string{"", "sk_", full[:len(full)-1], full + "A", "xx" + full[2:], strings.Replace(full, "_", "-", 2)} {
		_, _, err := auth.ParseKey(bad)
		assert.ErrorIs(t, err, domain.ErrUnauthenticated, bad)
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	key, cred := f.newKey(t, nil)

	p, err := f.a.Authenticate(ctx, "Bearer "+key)
	require.NoError(t, err)
	assert.Equal(t, domain.Principal{UserID: f.user.UserID, TenantID: f.user.TenantID, Role: domain.RolePilot, KeyID: cred.KeyID}, p)

	// wrong secret, same id
	_, secret, _, _ := auth.NewKey()
	_, err = f.a.Authenticate(ctx, "Bearer sk_"+cred.KeyID+"_"+secret)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)
	// unknown key, garbage, empty
	other, _, _, _ := auth.NewKey()
	_, otherSecret, _, _ := auth.NewKey()
	for _, h := range []string{"", "Bearer", "Basic abc", "Bearer sk_" + other + "_" + otherSecret} {
		_, err = f.a.Authenticate(ctx, h)
		assert.ErrorIs(t, err, domain.ErrUnauthenticated, h)
	}

	// role change applies on the next request
	f.setUser(t, func(u *auth.UserCredential) { u.Role = domain.RoleViewer })
	p, err = f.a.Authenticate(ctx, "bearer "+key)
	require.NoError(t, err)
	assert.Equal(t, domain.RoleViewer, p.Role)

	// deactivation stops the key at once
	f.setUser(t, func(u *auth.UserCredential) { u.Status = identity.StatusDeactivated })
	_, err = f.a.Authenticate(ctx, "Bearer "+key)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)
	f.setUser(t, func(u *auth.UserCredential) { u.Status = identity.StatusActive })
	_, err = f.a.Authenticate(ctx, "Bearer "+key)
	require.NoError(t, err)

	// revocation stops the key at once
	now := f.clk.Now()
	cred.RevokedAt = &now
	rec, err := auth.KeyRecord(auth.KindAPIKey, cred)
	require.NoError(t, err)
	f.recs.put(t, rec)
	_, err = f.a.Authenticate(ctx, "Bearer "+key)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)
}

func TestAuthenticateExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	exp := f.clk.Now().Add(time.Hour)
	key, _ := f.newKey(t, &exp)
	_, err := f.a.Authenticate(context.Background(), key)
	require.NoError(t, err)
	f.clk.Advance(time.Hour)
	_, err = f.a.Authenticate(context.Background(), key)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)
}

func TestLastUsedAtAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	key, cred := f.newKey(t, nil)
	got, err := auth.LastUsed(ctx, f.recs, cred.KeyID)
	require.NoError(t, err)
	assert.Nil(t, got)

	_, err = f.a.Authenticate(ctx, key)
	require.NoError(t, err)
	first, err := auth.LastUsed(ctx, f.recs, cred.KeyID)
	require.NoError(t, err)
	require.NotNil(t, first)
	rec, _ := f.recs.GetRecord(ctx, auth.KeyRecordKey(cred.KeyID))
	rev := rec.Rev

	f.clk.Advance(30 * time.Second)
	_, err = f.a.Authenticate(ctx, key)
	require.NoError(t, err)
	rec, _ = f.recs.GetRecord(ctx, auth.KeyRecordKey(cred.KeyID))
	assert.Equal(t, rev, rec.Rev, "no write within a minute")

	f.clk.Advance(31 * time.Second)
	_, err = f.a.Authenticate(ctx, key)
	require.NoError(t, err)
	second, err := auth.LastUsed(ctx, f.recs, cred.KeyID)
	require.NoError(t, err)
	assert.True(t, second.After(*first))
}

func TestSessionsAndEpoch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	key, exp, err := auth.IssueSession(ctx, f.recs, f.user, f.clk.Now())
	require.NoError(t, err)
	assert.Equal(t, f.clk.Now().Add(auth.SessionTTL), exp)
	_, err = f.a.Authenticate(ctx, key)
	require.NoError(t, err)

	// a password change bumps the epoch: the old session stops
	f.setUser(t, func(u *auth.UserCredential) { u.SessionEpoch++ })
	_, err = f.a.Authenticate(ctx, key)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)

	key2, _, err := auth.IssueSession(ctx, f.recs, f.user, f.clk.Now())
	require.NoError(t, err)
	_, err = f.a.Authenticate(ctx, key2)
	require.NoError(t, err)
	f.clk.Advance(auth.SessionTTL)
	_, err = f.a.Authenticate(ctx, key2)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated, "sessions expire")
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h := testHasher
	phc, err := h.Hash("correct horse battery")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$"))
	ok, err := h.Verify("correct horse battery", phc)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = h.Verify("wrong horse battery", phc)
	require.NoError(t, err)
	assert.False(t, ok)
	phc2, _ := h.Hash("correct horse battery")
	assert.NotEqual(t, phc, phc2, "salted")
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=64,t=1,p=1$!!$AA"} {
		_, err := h.Verify("x", bad)
		assert.Error(t, err, bad)
	}
	h.VerifyDummy("anything") // must not panic
	// default parameters are the documented ones
	assert.Equal(t, auth.Params{MemoryKiB: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, auth.DefaultParams)
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	clk := newClock()
	th := auth.LoginThrottle{Records: &auth.MemoryRecords{Now: clk.Now}}
	ctx := context.Background()
	email, addr := "p@example.com", "192.0.2.1"
	for i := 0; i < auth.EmailFreeFailures-1; i++ {
		require.NoError(t, th.Check(ctx, email, addr, clk.Now()))
		require.NoError(t, th.Failure(ctx, email, addr, clk.Now()))
	}
	require.NoError(t, th.Check(ctx, email, addr, clk.Now()), "the first failures are free")
	require.NoError(t, th.Failure(ctx, email, addr, clk.Now()))
	err := th.Check(ctx, email, addr, clk.Now())
	var rl *domain.RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, 1, rl.RetryAfterSeconds)
	assert.NoError(t, th.Check(ctx, "other@example.com", "192.0.2.2", clk.Now()), "per e-mail")
	clk.Advance(time.Second)
	assert.NoError(t, th.Check(ctx, email, addr, clk.Now()), "delay over")

	require.NoError(t, th.Success(ctx, email, addr, clk.Now()))
	require.NoError(t, th.Success(ctx, email, addr, clk.Now()), "twice is fine")
	assert.NoError(t, th.Check(ctx, email, "192.0.2.200", clk.Now()), "a success clears the e-mail's failures")
}

func TestLoginDelay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		n, free int
		want    time.Duration
	}{
		{name: "free", n: 4, free: 5, want: 0},
		{name: "first", n: 5, free: 5, want: time.Second},
		{name: "doubles", n: 8, free: 5, want: 8 * time.Second},
		{name: "capped", n: 500, free: 5, want: auth.MaxLoginDelay},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, auth.LoginDelay(tc.n, tc.free)) })
	}
}

func TestLoginFailuresConcurrent(t *testing.T) {
	t.Parallel()
	clk := newClock()
	th := auth.LoginThrottle{Records: &auth.MemoryRecords{Now: clk.Now}}
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < auth.EmailFreeFailures-1; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, th.Failure(ctx, "c@example.com", "192.0.2.1", clk.Now()))
		}()
	}
	wg.Wait()
	assert.NoError(t, th.Check(ctx, "c@example.com", "192.0.2.1", clk.Now()))
	require.NoError(t, th.Failure(ctx, "c@example.com", "192.0.2.1", clk.Now()))
	assert.Error(t, th.Check(ctx, "c@example.com", "192.0.2.1", clk.Now()), "every concurrent failure counted")
}

func TestMemoryRecords(t *testing.T) {
	t.Parallel()
	clk := newClock()
	m := &auth.MemoryRecords{Now: clk.Now, Cap: 3}
	ctx := context.Background()
	exp := clk.Now().Add(time.Minute)
	r, err := m.CompareAndPut(ctx, events.Record{Key: "a", Kind: "k", Data: []byte(`{}`), ExpiresAt: &exp}, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(1), r.Rev)
	_, err = m.CompareAndPut(ctx, events.Record{Key: "a", Kind: "k", Data: []byte(`{}`)}, 0)
	assert.ErrorIs(t, err, events.ErrVersionConflict)
	_, err = m.GetRecord(ctx, "a")
	require.NoError(t, err)
	clk.Advance(time.Minute)
	_, err = m.GetRecord(ctx, "a")
	assert.ErrorIs(t, err, events.ErrNotFound, "expired")
	_, err = m.CompareAndPut(ctx, events.Record{Key: "a", Kind: "k", Data: []byte(`{}`)}, 0)
	assert.NoError(t, err, "an expired record counts as missing")
	_, err = m.TakeRecord(ctx, "a")
	assert.NoError(t, err)
	_, err = m.TakeRecord(ctx, "a")
	assert.ErrorIs(t, err, events.ErrNotFound)
	for i := 0; i < 10; i++ {
		_, err := m.CompareAndPut(ctx, events.Record{Key: strings.Repeat("x", i+1), Kind: "k", Data: []byte(`{}`)}, 0)
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, m.Len(), 3, "bounded")
}

func TestTickets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.pilotWithNewKey(t)

	tk, exp := f.issueTicket(t, p)
	assert.Equal(t, f.clk.Now().Add(60*time.Second), exp)
	got, err := f.a.ConsumeTicket(ctx, tk)
	require.NoError(t, err)
	assert.Equal(t, p, got)
	_, err = f.a.ConsumeTicket(ctx, tk)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated, "one time")

	tk, _ = f.issueTicket(t, p)
	f.clk.Advance(61 * time.Second)
	_, err = f.a.ConsumeTicket(ctx, tk)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated, "expired")

	tk, _ = f.issueTicket(t, p)
	f.setUser(t, func(u *auth.UserCredential) { u.Status = identity.StatusDeactivated })
	_, err = f.a.ConsumeTicket(ctx, tk)
	assert.ErrorIs(t, err, domain.ErrUnauthenticated, "owner deactivated")

	_, err = f.a.ConsumeTicket(ctx, "garbage")
	assert.ErrorIs(t, err, domain.ErrUnauthenticated)
}

func TestTicketConsumedOnceUnderRace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tk, _ := f.issueTicket(t, f.pilotWithNewKey(t))
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.a.ConsumeTicket(ctx, tk); err == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, ok.Load())
}

func FuzzParseKey(f *testing.F) {
	_, _, full, _ := auth.NewKey()
	for _, s := range []string{full, "sk_", "", "sk_01ARZ3NDEKTSV4RRFFQ69G5FAV_" + strings.Repeat("A", 43)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, secret, err := auth.ParseKey(s)
		if err == nil && "sk_"+id+"_"+secret != s {
			t.Fatalf("parse of %q does not round-trip", s)
		}
	})
}

func BenchmarkPasswordVerifyDefault(b *testing.B) {
	h := &auth.Hasher{}
	phc, err := h.Hash("correct horse battery")
	require.NoError(b, err)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = h.Verify("correct horse battery", phc)
	}
}

// BenchmarkAuthenticate measures one authorizer decision on the embedded
// store (two record reads; last_used_at writes at most once a minute).
func BenchmarkAuthenticate(b *testing.B) {
	clk := newClock()
	recs, err := openBenchRecords(b, clk.Now)
	require.NoError(b, err)
	f := &fixture{recs: recs, clk: clk, a: &auth.Authenticator{Records: recs, Now: clk.Now}}
	hash, _ := testHasher.Hash("correct horse battery")
	f.user = auth.UserCredential{UserID: auth.NewID(), TenantID: auth.NewID(), Email: "p@example.com",
		Role: domain.RolePilot, Status: identity.StatusActive, PasswordHash: hash, Version: 1}
	urec, _ := auth.UserRecord(f.user)
	_, err = recs.CompareAndPut(context.Background(), urec, 0)
	require.NoError(b, err)
	id, secret, full, _ := auth.NewKey()
	krec, _ := auth.KeyRecord(auth.KindAPIKey, auth.KeyCredential{KeyID: id, OwnerID: f.user.UserID, TenantID: f.user.TenantID, SecretHash: auth.HashSecret(secret)})
	_, err = recs.CompareAndPut(context.Background(), krec, 0)
	require.NoError(b, err)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.a.Authenticate(ctx, "Bearer "+full); err != nil {
			b.Fatal(err)
		}
	}
}
