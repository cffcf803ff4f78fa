package projection_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/skyledger/skyledger/internal/pirepapp"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

const (
	pirep1 = "01JP1REP0000000000000000P1"
	pirep2 = "01JP1REP0000000000000000P2"
)

// pirepHistory: two reports in Acme (one urgent, then retracted) and one
// in the platform tenant, as the command side writes them.
func pirepHistory(t testing.TB) []events.Envelope {
	t.Helper()
	submit := func(id, tenant, user, raw string, at time.Time) pirep.SubmittedData {
		d, err := pirep.Submit(id, tenant, domain.Principal{UserID: user, TenantID: tenant, Role: domain.RolePilot}, pirep.Submission{Raw: raw}, at)
		require.NoError(t, err)
		return d
	}
	list := []evb{
		{"pirep-" + pirep1, pirep.EventSubmitted, tAcme, submit(pirep1, tAcme, uPilot, "PUB UA /OV PUB 243022/TM 1150/FL160/TP COL4/TB SEV/RM CWSU ZDV", t0)},
		{"pirep-" + pirep2, pirep.EventSubmitted, tPlatform, submit(pirep2, tPlatform, uAdmin, "KCMH UA /OV APE 230010/TM 1155/FL085/TP BE20/TB LGT", t0.Add(time.Minute))},
		{"pirep-" + pirep1, pirep.EventRetracted, tAcme, pirep.RetractedData{PirepID: pirep1, TenantID: tAcme, RetractedBy: uOther, RetractedAt: t0.Add(2 * time.Minute), Reason: "duplicate", Urgent: true}},
	}
	versions := map[string]int64{}
	var out []events.Envelope
	for i, b := range list {
		versions[b.stream]++
		data, err := json.Marshal(b.data)
		require.NoError(t, err)
		out = append(out, events.Envelope{
			EventID: fmt.Sprintf("01JPEVENT%017d", i+1), StreamID: b.stream, Version: versions[b.stream],
			Type: b.typ, Schema: pirep.SchemaV1, TenantID: b.tenant, OccurredAt: t0.Add(time.Duration(i) * time.Minute),
			Actor: uPilot, CorrelationID: fmt.Sprintf("corr-%d", i+1), CausationID: fmt.Sprintf("cause-%d", i+1), Data: data,
		})
	}
	return out
}

func TestPirepProjection(t *testing.T) {
	t.Parallel()
	batch := golden(t, "pirep_batch", func() lambdaevents.DynamoDBEvent { return toEvent(t, pirepHistory(t), 500) })
	for name, mk := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			m := mk(t)
			rec := &recorder{}
			h := projection.New(projection.Deps{Models: m, Notifier: rec, Projections: pirepapp.Projections})
			// first the two submissions only: the retraction is not yet applied
			resp, err := h.Handle(ctx, lambdaevents.DynamoDBEvent{Records: batch.Records[:2]})
			require.NoError(t, err)
			require.Empty(t, resp.BatchItemFailures)
			v, it := get[pirepapp.Pirep](t, m, pirepapp.PirepPK(pirep1), pirepapp.SKPirep)
			assert.Equal(t, pirep.StatusActive, v.Status)
			assert.True(t, v.Urgent)
			assert.Equal(t, pirep.Urgent, v.Type)
			assert.Equal(t, "PUB UUA /OV PUB243022/TM 1150/FL160/TP COL4/TB SEV/RM CWSU ZDV", v.Raw)
			assert.Equal(t, pirepapp.TenantPirepsGSI1PK(tAcme), it.GSI1PK)
			assert.Equal(t, pirepapp.PirepGSI1SK(t0, pirep1), it.GSI1SK)
			require.NotNil(t, v.Position)

			// the whole batch, redelivered: the retraction applies once
			for i := 0; i < 2; i++ {
				resp, err = h.Handle(ctx, batch)
				require.NoError(t, err)
				require.Empty(t, resp.BatchItemFailures)
			}
			v, it = get[pirepapp.Pirep](t, m, pirepapp.PirepPK(pirep1), pirepapp.SKPirep)
			assert.Equal(t, pirep.StatusRetracted, v.Status)
			assert.Equal(t, "duplicate", *v.RetractReason)
			assert.Equal(t, uOther, *v.RetractedBy)
			assert.Equal(t, int64(2), v.Version)
			assert.Equal(t, int64(2), it.SourceVersion)
			assert.Equal(t, "PUB UUA /OV PUB243022/TM 1150/FL160/TP COL4/TB SEV/RM CWSU ZDV", v.Raw, "retraction keeps the report")
			assert.Equal(t, []string{pirep.ReasonTurbulence}, v.UrgentReasons)

			page, err := m.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: pirepapp.TenantPirepsGSI1PK(tAcme), Desc: true})
			require.NoError(t, err)
			require.Len(t, page.Items, 1, "one report in Acme")
			page, err = m.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: pirepapp.TenantPirepsGSI1PK(tPlatform)})
			require.NoError(t, err)
			require.Len(t, page.Items, 1)
			assert.Contains(t, string(page.Items[0].Body), pirep2)
			assert.NotEmpty(t, rec.calls, "notified after projecting")
		})
	}
}

func TestPirepProjectionGap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := readmodel.NewEmbedded()
	h := projection.New(projection.Deps{Models: m, Projections: pirepapp.Projections})
	hist := pirepHistory(t)
	// the retraction (version 2) before the submission: reported, nothing written
	resp, err := h.Handle(ctx, toEvent(t, hist[2:], 900))
	require.NoError(t, err)
	require.Len(t, resp.BatchItemFailures, 1)
	_, err = m.Get(ctx, pirepapp.PirepPK(pirep1), pirepapp.SKPirep)
	assert.True(t, readmodel.IsNotFound(err))
	// after the submission it succeeds
	resp, err = h.Handle(ctx, toEvent(t, []events.Envelope{hist[0], hist[2]}, 901))
	require.NoError(t, err)
	require.Empty(t, resp.BatchItemFailures)
	v, _ := get[pirepapp.Pirep](t, m, pirepapp.PirepPK(pirep1), pirepapp.SKPirep)
	assert.Equal(t, pirep.StatusRetracted, v.Status)
}
