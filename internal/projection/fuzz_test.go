package projection_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// FuzzHandle: any stream payload is projected or reported per record; the
// handler never panics and never reports a record that is not in the batch.
func FuzzHandle(f *testing.F) {
	for _, name := range []string{"testdata/identity_batch.json", "testdata/poison_batch.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"Records":[{"eventName":"INSERT","dynamodb":{"NewImage":{"data":{"S":"{}"}},"SequenceNumber":"1"}}]}`))
	f.Add([]byte(`{"Records":[{"eventName":"INSERT","dynamodb":{"NewImage":{"version":{"N":"x"}},"SequenceNumber":"2"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev lambdaevents.DynamoDBEvent
		if json.Unmarshal(b, &ev) != nil {
			return
		}
		h := projection.New(projection.Deps{Models: readmodel.NewEmbedded(), Projections: coreProjections()})
		resp, err := h.Handle(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.BatchItemFailures) > 1 {
			t.Fatalf("more than one failure reported: %v", resp.BatchItemFailures)
		}
		for _, f := range resp.BatchItemFailures {
			found := false
			for _, r := range ev.Records {
				found = found || r.Change.SequenceNumber == f.ItemIdentifier
			}
			if !found {
				t.Fatalf("reported unknown record %q", f.ItemIdentifier)
			}
		}
	})
}
