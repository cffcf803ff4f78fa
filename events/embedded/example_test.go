package embedded_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// Damage followed by an intact entry is not a torn tail: Open refuses and
// names the offsets; Repair keeps the intact entries and moves the damaged
// bytes into a file beside the log.
func ExampleRepair() {
	dir, _ := os.MkdirTemp("", "skyledger-example-")
	defer os.RemoveAll(dir)
	s, _ := embedded.Open(dir, embedded.Options{})
	for _, id := range []string{"01JEXAMPLETENANT0000000001", "01JEXAMPLETENANT0000000002"} {
		ev := events.Envelope{EventID: "01JEXAMPLE000000000000000" + id[len(id)-1:], StreamID: "tenant-" + id, Version: 1,
			Type: "tenant.created", Schema: 1, TenantID: id, OccurredAt: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
			Actor: "system", Data: json.RawMessage(`{"name":"Acme"}`)}
		_, _ = s.Append(context.Background(), events.AppendRequest{StreamID: ev.StreamID, Events: []events.Envelope{ev}})
	}
	_ = s.Close()
	log, _ := os.ReadFile(filepath.Join(dir, embedded.LogFile))
	copy(log[8:16], make([]byte, 8)) // zero the first entry's header
	_ = os.WriteFile(filepath.Join(dir, embedded.LogFile), log, 0o640)

	_, err := embedded.Open(dir, embedded.Options{})
	var ce *embedded.CorruptError
	fmt.Println(errors.As(err, &ce), ce.Offset, ce.Reason)

	rep, _ := embedded.Repair(dir, embedded.RepairOptions{})
	fmt.Println(rep.Kept, rep.SetAside[0].Kind, rep.SetAside[0].Offset)
	s, err = embedded.Open(dir, embedded.Options{})
	fmt.Println(err, s.LastSeq())
	_ = s.Close()
	// Output:
	// true 8 entry length is 0
	// 1 damaged 8
	// <nil> 1
}
