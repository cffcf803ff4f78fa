package projection_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skyledger/skyledger/internal/identityapp"
	"github.com/skyledger/skyledger/internal/readmodel/readmodeltest"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

type recorder struct {
	mu    sync.Mutex
	calls [][]events.Envelope
	check func([]events.Envelope)
	err   error
}

func (r *recorder) Notify(_ context.Context, envs []events.Envelope) error {
	if r.check != nil {
		r.check(envs)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, envs)
	return r.err
}

func stores(t *testing.T) map[string]func(t *testing.T) readmodel.Store {
	return map[string]func(t *testing.T) readmodel.Store{
		"embedded": func(*testing.T) readmodel.Store { return readmodel.NewEmbedded() },
		"dynamo": func(t *testing.T) readmodel.Store {
			c, prefix := awstest.Tables(t, spec.ReadModel)
			return readmodel.NewDynamo(c, readmodel.TableFor(prefix))
		},
	}
}

func get[T any](t *testing.T, m readmodel.Store, pk, sk string) (T, readmodel.Item) {
	t.Helper()
	it, err := m.Get(context.Background(), pk, sk)
	require.NoError(t, err, pk)
	var v T
	require.NoError(t, json.Unmarshal(it.Body, &v))
	return v, it
}

func TestHandleProjectsGoldenIdentityBatch(t *testing.T) {
	t.Parallel()
	for name, mk := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			m := mk(t)
			rec := &recorder{}
			rec.check = func(envs []events.Envelope) {
				// notified only after the read model holds every notified version
				for _, e := range envs {
					pk := map[string]string{"tenant": identityapp.TenantPK(""), "user": identityapp.UserPK(""), "apikey": identityapp.APIKeyPK("")}[strings.SplitN(e.StreamID, "-", 2)[0]]
					pk += strings.SplitN(e.StreamID, "-", 2)[1]
					p, err := m.Query(ctx, readmodel.Query{PK: pk})
					require.NoError(t, err)
					require.Len(t, p.Items, 1, pk)
					assert.GreaterOrEqual(t, p.Items[0].SourceVersion, e.Version)
				}
			}
			h := projection.New(projection.Deps{Models: m, Notifier: rec, Projections: coreProjections()})
			batch := identityBatch(t)
			resp, err := h.Handle(ctx, batch)
			require.NoError(t, err)
			assert.Empty(t, resp.BatchItemFailures)
			require.Len(t, rec.calls, 1)
			assert.Len(t, rec.calls[0], len(batch.Records))
			assert.Equal(t, identityHistory()[0].EventID, rec.calls[0][0].EventID)

			acme, it := get[identityapp.Tenant](t, m, identityapp.TenantPK(tAcme), identityapp.SKTenant)
			assert.Equal(t, "Acme Aviation", acme.Name)
			assert.Equal(t, int64(2), acme.Version)
			assert.Equal(t, "tenant-"+tAcme, it.SourceStream)
			assert.Equal(t, int64(2), it.SourceVersion)
			assert.Equal(t, t0.Add(time.Minute), acme.CreatedAt)

			pilot, _ := get[identityapp.User](t, m, identityapp.UserPK(uPilot), identityapp.SKUser)
			assert.Equal(t, identityapp.User{ID: uPilot, TenantID: tAcme, Email: "pilot@acme.example", DisplayName: "Pat P.",
				Role: "pilot", Status: "active", CreatedAt: t0.Add(2 * time.Minute), UpdatedAt: t0.Add(13 * time.Minute), Version: 4}, pilot)
			other, _ := get[identityapp.User](t, m, identityapp.UserPK(uOther), identityapp.SKUser)
			assert.Equal(t, "active", other.Status, "deactivated then reactivated")
			assert.Equal(t, int64(3), other.Version)

			key, kit := get[identityapp.APIKey](t, m, identityapp.APIKeyPK(kPilot), identityapp.SKAPIKey)
			require.NotNil(t, key.RevokedAt)
			assert.Equal(t, t0.Add(9*time.Minute), *key.RevokedAt)
			require.NotNil(t, key.ExpiresAt)
			assert.Equal(t, uPilot, key.OwnerID)
			assert.Equal(t, "sk_"+kPilot, key.Prefix)
			for _, bad := range []string{"hash", "secret", "password"} {
				assert.NotContains(t, strings.ToLower(string(kit.Body)), bad)
			}

			p, err := m.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: identityapp.GSI1Tenants})
			require.NoError(t, err)
			assert.Len(t, p.Items, 2)
			p, err = m.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: identityapp.TenantUsersGSI1PK(tAcme)})
			require.NoError(t, err)
			assert.Len(t, p.Items, 2)
			p, err = m.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: identityapp.UserAPIKeysGSI1PK(uPilot)})
			require.NoError(t, err)
			require.Len(t, p.Items, 1)
			assert.Equal(t, identityapp.APIKeyPK(kPilot), p.Items[0].PK)
		})
	}
}

// shuffleAcrossStreams interleaves the streams' records randomly while
// keeping each stream's own order (as DynamoDB Streams guarantees).
func shuffleAcrossStreams(rng *rand.Rand, recs []lambdaevents.DynamoDBEventRecord) []lambdaevents.DynamoDBEventRecord {
	per := map[string][]lambdaevents.DynamoDBEventRecord{}
	var keys []string
	for _, r := range recs {
		k := r.Change.Keys["stream_id"].String()
		if _, ok := per[k]; !ok {
			keys = append(keys, k)
		}
		per[k] = append(per[k], r)
	}
	var out []lambdaevents.DynamoDBEventRecord
	for len(keys) > 0 {
		i := rng.IntN(len(keys))
		k := keys[i]
		out = append(out, per[k][0])
		if per[k] = per[k][1:]; len(per[k]) == 0 {
			keys = append(keys[:i], keys[i+1:]...)
		}
	}
	return out
}

func TestRedeliveryLeavesReadModelsIdentical(t *testing.T) {
	t.Parallel()
	for name, mk := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			batch := identityBatch(t)

			once := mk(t)
			resp, err := projection.New(projection.Deps{Models: once, Projections: coreProjections()}).Handle(ctx, batch)
			require.NoError(t, err)
			require.Empty(t, resp.BatchItemFailures)
			want := readmodeltest.Snapshot(t, once)
			require.Len(t, want, 7)

			rng := rand.New(rand.NewPCG(7, 11))
			tests := []struct {
				name    string
				batches func() [][]lambdaevents.DynamoDBEventRecord
			}{
				{"delivered twice", func() [][]lambdaevents.DynamoDBEventRecord {
					return [][]lambdaevents.DynamoDBEventRecord{batch.Records, batch.Records}
				}},
				{"every record duplicated in place", func() [][]lambdaevents.DynamoDBEventRecord {
					var d []lambdaevents.DynamoDBEventRecord
					for _, r := range batch.Records {
						d = append(d, r, r)
					}
					return [][]lambdaevents.DynamoDBEventRecord{d}
				}},
				{"reordered across streams, then replayed reordered again", func() [][]lambdaevents.DynamoDBEventRecord {
					return [][]lambdaevents.DynamoDBEventRecord{shuffleAcrossStreams(rng, batch.Records), shuffleAcrossStreams(rng, batch.Records)}
				}},
				{"split at random and overlapping", func() [][]lambdaevents.DynamoDBEventRecord {
					r := shuffleAcrossStreams(rng, batch.Records)
					return [][]lambdaevents.DynamoDBEventRecord{r[:9], r[4:], r[:3], r}
				}},
			}
			for _, tc := range tests {
				m := mk(t)
				h := projection.New(projection.Deps{Models: m, Projections: coreProjections()})
				for _, b := range tc.batches() {
					resp, err := h.Handle(ctx, lambdaevents.DynamoDBEvent{Records: b})
					require.NoError(t, err, tc.name)
					assert.Empty(t, resp.BatchItemFailures, tc.name)
				}
				assert.Equal(t, want, readmodeltest.Snapshot(t, m), tc.name)
			}
		})
	}
}

func TestHandleStopsAtFirstFailureAndReportsIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := readmodel.NewEmbedded()
	rec := &recorder{}
	h := projection.New(projection.Deps{Models: m, Notifier: rec, Projections: coreProjections()})
	batch := poisonBatch(t)
	resp, err := h.Handle(ctx, batch)
	require.NoError(t, err)
	require.Len(t, resp.BatchItemFailures, 1)
	assert.Equal(t, batch.Records[2].Change.SequenceNumber, resp.BatchItemFailures[0].ItemIdentifier)
	require.Len(t, rec.calls, 1, "the records before the failure are notified")
	assert.Len(t, rec.calls[0], 2)
	_, err = m.Get(ctx, identityapp.TenantPK(tAcme), identityapp.SKTenant)
	assert.ErrorIs(t, err, readmodel.ErrNotFound, "records after the failure are not projected")
	_, err = m.Get(ctx, identityapp.UserPK(uAdmin), identityapp.SKUser)
	assert.NoError(t, err)
}

func TestHandleReportsGapAndRecoversOnRetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := readmodel.NewEmbedded()
	h := projection.New(projection.Deps{Models: m, Projections: coreProjections()})
	all := identityBatch(t).Records
	// user-uPilot v2 (role change, index 6) without its v1 (index 4)
	resp, err := h.Handle(ctx, lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{all[0], all[6], all[3]}})
	require.NoError(t, err)
	require.Len(t, resp.BatchItemFailures, 1)
	assert.Equal(t, all[6].Change.SequenceNumber, resp.BatchItemFailures[0].ItemIdentifier)
	_, err = m.Get(ctx, identityapp.UserPK(uPilot), identityapp.SKUser)
	assert.ErrorIs(t, err, readmodel.ErrNotFound)
	resp, err = h.Handle(ctx, lambdaevents.DynamoDBEvent{Records: all})
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)
	u, _ := get[identityapp.User](t, m, identityapp.UserPK(uPilot), identityapp.SKUser)
	assert.Equal(t, int64(4), u.Version)
}

func TestNotifierErrorDoesNotFailTheBatch(t *testing.T) {
	t.Parallel()
	rec := &recorder{err: errors.New("gateway down")}
	h := projection.New(projection.Deps{Models: readmodel.NewEmbedded(), Notifier: rec, Projections: coreProjections()})
	resp, err := h.Handle(context.Background(), identityBatch(t))
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)
	assert.Len(t, rec.calls, 1)
}

func TestFailingProjectionIsReported(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	batch := identityBatch(t)
	h := projection.New(projection.Deps{Models: readmodel.NewEmbedded(), Projections: append(identityapp.Projections,
		projection.Projection{Name: "failing", Match: func(e events.Envelope) bool { return e.Version == 2 },
			Apply: func(context.Context, readmodel.Store, events.Envelope) error { return boom }})})
	resp, err := h.Handle(context.Background(), batch)
	require.NoError(t, err)
	require.Len(t, resp.BatchItemFailures, 1)
	assert.Equal(t, batch.Records[6].Change.SequenceNumber, resp.BatchItemFailures[0].ItemIdentifier)
}

func BenchmarkHandleIdentityBatch(b *testing.B) {
	ev := toEvent(b, identityHistory(), 1)
	b.ReportAllocs()
	for b.Loop() {
		h := projection.New(projection.Deps{Models: readmodel.NewEmbedded(), Projections: coreProjections()})
		if _, err := h.Handle(context.Background(), ev); err != nil {
			b.Fatal(err)
		}
	}
}

type sliceSource []events.Envelope

func (s sliceSource) ReadAll(ctx context.Context, fn func(events.Envelope) error) error {
	for _, e := range s {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func TestRebuildEqualsLiveAndIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	live := readmodel.NewEmbedded()
	resp, err := projection.New(projection.Deps{Models: live, Projections: coreProjections()}).Handle(ctx, identityBatch(t))
	require.NoError(t, err)
	require.Empty(t, resp.BatchItemFailures)

	m := readmodel.NewEmbedded()
	h := projection.New(projection.Deps{Models: m, Projections: coreProjections()})
	for _, batch := range []int{1, 5, 0} {
		n, err := h.Rebuild(ctx, sliceSource(identityHistory()), batch)
		require.NoError(t, err)
		assert.Equal(t, len(identityHistory()), n)
		assert.Equal(t, readmodeltest.Snapshot(t, live), readmodeltest.Snapshot(t, m), "batch %d", batch)
	}
	// a source with a gap aborts
	_, err = projection.New(projection.Deps{Models: readmodel.NewEmbedded(), Projections: coreProjections()}).Rebuild(ctx, sliceSource(identityHistory()[6:]), 0)
	assert.Error(t, err)
}
