package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/cputime"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/notify/notifytest"
	"github.com/skyledger/skyledger/internal/wire"
)

// BenchmarkFanout posts one PIREP event to N subscribed connections through
// the real management API client (SigV4, HTTP/1.1 keep-alive) against a
// loopback @connections server. One op is one whole fan-out. Reported:
// frames/s and the p99 duration of one fan-out.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) { benchFanout(b, n, false) })
	}
}

// BenchmarkFanoutUnsigned is BenchmarkFanout with aws.AnonymousCredentials,
// as the local runtime configures its client: the SDK skips SigV4.
// conns=1 is the notifier's share of one command's latency (make
// bench-e2e's (a)).
func BenchmarkFanoutUnsigned(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) { benchFanout(b, n, true) })
	}
}

func benchFanout(b *testing.B, n int, unsigned bool) {
	ctx := context.Background()
	srv := notifytest.New(b)
	srv.Discard = true
	st := connections.NewEmbedded()
	ch := connections.TenantPIREPs(tenantA)
	for i := range n {
		id := fmt.Sprintf("conn-%06d=", i)
		p := domain.Principal{UserID: fmt.Sprintf("01JDA0000000000000000%05d", i), TenantID: tenantA, Role: domain.RoleViewer}
		if err := st.Put(ctx, connections.New(id, p, time.Now())); err != nil {
			b.Fatal(err)
		}
		if _, err := st.Subscribe(ctx, id, ch); err != nil {
			b.Fatal(err)
		}
	}
	client := srv.Client(notify.DefaultConcurrency)
	if unsigned {
		client = notify.NewClient(aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}, srv.URL, notify.DefaultConcurrency)
	}
	nt := notify.New(notify.Deps{Routes: wire.NotifyRoutes(), Store: st, Client: client,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	data, _ := json.Marshal(map[string]any{"id": "01JDA0000000000000000PXRP1", "tenant_id": tenantA, "type": "UUA", "urgent": true,
		"raw": "UUA /OV DEN/TM 1200/FL100/TP B738/TB SEV"})
	env := events.Envelope{EventID: "01JDAEVT000000000000000001", StreamID: "pirep-01JDA0000000000000000PXRP1", Version: 1,
		Type: pirep.EventSubmitted, Schema: 1, TenantID: tenantA, OccurredAt: time.Now(), Actor: "system", Data: data}
	// warm the connection pool
	if err := nt.Notify(ctx, []events.Envelope{env}); err != nil {
		b.Fatal(err)
	}
	before := srv.Posts()
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	cpu0 := cputime.Process()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		if err := nt.Notify(ctx, []events.Envelope{env}); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(t0))
	}
	total := time.Since(start)
	cpu := cputime.Process() - cpu0
	b.StopTimer()
	if got := srv.Posts() - before; got != int64(n*b.N) {
		b.Fatalf("server got %d posts, want %d", got, n*b.N)
	}
	slices.Sort(durs)
	p99 := durs[min(len(durs)-1, (len(durs)*99+99)/100-1)]
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "frames/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	// Process CPU (client and loopback server together) per frame:
	// robust to a machine shared with other work, unlike wall time.
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/frame")
}

// BenchmarkPostUnsigned: one PostToConnection of a 500-byte frame with the
// local runtime's client configuration (unsigned) to a loopback server.
func BenchmarkPostUnsigned(b *testing.B) {
	srv := notifytest.New(b)
	srv.Discard = true
	c := notify.NewClient(aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}, srv.URL, 1)
	in := postInput("c1=")
	in.Data = make([]byte, 500)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.PostToConnection(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
