package dynamo_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/storetest"
	"github.com/skyledger/skyledger/internal/awstest"
)

// BenchmarkAppendMoto is the latency of one TransactWriteItems append
// (1 and 10 events, after the first: with the version ConditionCheck) on
// the awstest endpoint. For reference only: moto is a Python emulator, not
// DynamoDB.
func BenchmarkAppendMoto(b *testing.B) {
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			e := setup(b)
			b.Logf("against %s", awstest.Endpoint(b))
			stream := storetest.NewStreamID("pirep")
			batches := make([][]events.Envelope, b.N)
			for i := range batches {
				batches[i] = storetest.Events(stream, int64(i*n+1), n)
			}
			b.ResetTimer()
			for i, evs := range batches {
				_, err := e.store.Append(context.Background(), events.AppendRequest{StreamID: stream, ExpectedVersion: int64(i * n), Events: evs})
				require.NoError(b, err)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/append")
		})
	}
}
