package embedded_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/embedded"
)

// An append names the version it expects; a second writer expecting the
// same version gets ErrVersionConflict. Committed events reach Tail in the
// shape Lambda receives from DynamoDB Streams.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "skyledger-example-")
	defer os.RemoveAll(dir)
	s, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()
	ev := events.Envelope{
		EventID: "01JEXAMPLE0000000000000001", StreamID: "tenant-01JEXAMPLETENANT0000000001", Version: 1,
		Type: "tenant.created", Schema: 1, TenantID: "01JEXAMPLETENANT0000000001",
		OccurredAt: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), Actor: "system",
		Data: json.RawMessage(`{"name":"Acme"}`),
	}
	res, err := s.Append(ctx, events.AppendRequest{StreamID: ev.StreamID, ExpectedVersion: events.ExpectNew, Events: []events.Envelope{ev}})
	fmt.Println(res.Version, err)

	_, err = s.Append(ctx, events.AppendRequest{StreamID: ev.StreamID, ExpectedVersion: events.ExpectNew, Events: []events.Envelope{ev}})
	fmt.Println(errors.Is(err, events.ErrVersionConflict))

	changes, _ := s.Tail(ctx, 0, 10)
	fmt.Println(changes[0].Type, changes[0].Seq)
	// Output:
	// 1 <nil>
	// true
	// tenant.created 000000000000000000001
}
