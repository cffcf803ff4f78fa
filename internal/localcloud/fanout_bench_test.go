package localcloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/cputime"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/wire"
)

// BenchmarkRuntimeFanout is make bench-e2e's (b) inside one process: the
// real notifier with its unmodified SDK client posts one PIREP event over
// loopback HTTP to the runtime's @connections API, which writes it to 500
// real WebSocket clients; one op ends when every client has read the frame.
// cpu-µs/frame (process user+sys CPU per delivered frame: notifier, gateway
// and the clients together) is the figure that survives a loaded machine.
func BenchmarkRuntimeFanout(b *testing.B) {
	cases := []struct {
		creds string
		conc  int
	}{{"sigv4", 32}, {"anonymous", 4}, {"anonymous", 8}, {"anonymous", 16}, {"anonymous", 32}, {"anonymous", 64}}
	for _, tc := range cases {
		b.Run(fmt.Sprintf("creds=%s/conc=%d", tc.creds, tc.conc), func(b *testing.B) {
			var creds aws.CredentialsProvider = credentials.NewStaticCredentialsProvider("local", "local", "")
			if tc.creds == "anonymous" {
				creds = aws.AnonymousCredentials{}
			}
			benchRuntimeFanout(b, 500, creds, tc.conc)
		})
	}
}

func benchRuntimeFanout(b *testing.B, n int, creds aws.CredentialsProvider, conc int) {
	const tenant = "01JDA0000000000000000TENA1"
	ctx := context.Background()
	rt, ids := connectRuntime(b, n)

	var got atomic.Int64
	arrived := make(chan struct{}, 1)
	st := connections.NewEmbedded()
	ch := connections.TenantPIREPs(tenant)
	for i := range n {
		c, _, err := websocket.Dial(ctx, rt.WSURL(), nil)
		require.NoError(b, err)
		defer c.CloseNow()
		go func() {
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
				if got.Add(1)%int64(n) == 0 {
					arrived <- struct{}{}
				}
			}
		}()
		id := <-ids
		p := domain.Principal{UserID: fmt.Sprintf("01JDA0000000000000000%05d", i), TenantID: tenant, Role: domain.RoleViewer}
		require.NoError(b, st.Put(ctx, connections.New(id, p, time.Now())))
		_, err = st.Subscribe(ctx, id, ch)
		require.NoError(b, err)
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: creds}
	nt := notify.New(notify.Deps{Routes: wire.NotifyRoutes(), Store: st, Client: notify.NewClient(cfg, rt.ManagementURL(), conc), Concurrency: conc,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	data, _ := json.Marshal(map[string]any{"id": "01JDA0000000000000000PXRP1", "tenant_id": tenant, "type": "UUA", "urgent": true,
		"raw": "UUA /OV DEN/TM 1200/FL100/TP B738/TB SEV"})
	env := events.Envelope{EventID: "01JDAEVT000000000000000001", StreamID: "pirep-01JDA0000000000000000PXRP1", Version: 1,
		Type: pirep.EventSubmitted, Schema: 1, TenantID: tenant, OccurredAt: time.Now(), Actor: "system", Data: data}
	once := func() {
		if err := nt.Notify(ctx, []events.Envelope{env}); err != nil {
			b.Fatal(err)
		}
		select {
		case <-arrived:
		case <-time.After(30 * time.Second):
			b.Fatalf("only %d frames arrived", got.Load())
		}
	}
	once() // warm the connection pool
	b.ResetTimer()
	cpu0 := cputime.Process()
	for range b.N {
		once()
	}
	cpu := cputime.Process() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/frame")
}
