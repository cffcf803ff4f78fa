package embedded_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/events/storetest"
)

// BenchmarkAppend measures durable (fdatasync'ed) appends: 1 and 10 events
// per commit, by 1 writer and by 16 concurrent writers (each on its own
// stream, so every commit succeeds; concurrent commits share fsyncs).
func BenchmarkAppend(b *testing.B) {
	for _, perCommit := range []int{1, 10} {
		for _, writers := range []int{1, 16} {
			b.Run(fmt.Sprintf("events=%d/writers=%d", perCommit, writers), func(b *testing.B) {
				s, err := embedded.Open(b.TempDir(), embedded.Options{})
				require.NoError(b, err)
				defer s.Close()
				// Pre-build the events so the benchmark measures the store.
				type job struct {
					stream  string
					batches [][]events.Envelope
				}
				jobs := make([]job, writers)
				per := (b.N + writers - 1) / writers
				for w := range jobs {
					stream := storetest.NewStreamID("pirep")
					jobs[w].stream = stream
					for i := 0; i < per; i++ {
						jobs[w].batches = append(jobs[w].batches, storetest.Events(stream, int64(i*perCommit+1), perCommit))
					}
				}
				var done atomic.Int64
				b.ResetTimer()
				var wg sync.WaitGroup
				for w := range jobs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						j := jobs[w]
						for i, evs := range j.batches {
							if done.Add(1) > int64(b.N) {
								return
							}
							_, err := s.Append(context.Background(), events.AppendRequest{StreamID: j.stream, ExpectedVersion: int64(i * perCommit), Events: evs})
							if err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				sec := b.Elapsed().Seconds()
				st := s.Stats()
				b.ReportMetric(float64(b.N)/sec, "commits/s")
				b.ReportMetric(float64(b.N*perCommit)/sec, "events/s")
				b.ReportMetric(float64(st.Commits)/sec, "fsyncs/s")
			})
		}
	}
}

// BenchmarkLoad1000 loads a 1,000-event stream in 500-event pages.
func BenchmarkLoad1000(b *testing.B) {
	s, err := embedded.Open(b.TempDir(), embedded.Options{})
	require.NoError(b, err)
	defer s.Close()
	stream := storetest.NewStreamID("tenant")
	for v := int64(0); v < 1000; v += 50 {
		_, err := s.Append(context.Background(), events.AppendRequest{StreamID: stream, ExpectedVersion: v, Events: storetest.Events(stream, v+1, 50)})
		require.NoError(b, err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		evs, err := events.LoadAll(context.Background(), s, stream)
		if err != nil || len(evs) != 1000 {
			b.Fatal(err, len(evs))
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
}
