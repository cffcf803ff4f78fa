package events_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/storetest"
)

func TestCheckAppend(t *testing.T) {
	t.Parallel()
	ev := func(v int64) events.Envelope { e := storetest.SampleEnvelope(); e.Version = v; return e }
	evs := func(from int64, n int) []events.Envelope {
		var out []events.Envelope
		for i := 0; i < n; i++ {
			out = append(out, ev(from+int64(i)))
		}
		return out
	}
	recs := func(n int) []events.RecordOp {
		var out []events.RecordOp
		for i := 0; i < n; i++ {
			out = append(out, events.RecordOp{Mode: events.RecordPut, Record: events.Record{Key: "k" + string(rune('a'+i%26)) + string(rune('a'+i/26))}})
		}
		return out
	}
	sid := storetest.SampleEnvelope().StreamID
	big := ev(1)
	big.Data = json.RawMessage(`{"x":"` + string(make([]byte, events.MaxDataBytes)) + `"}`)
	tests := []struct {
		name    string
		req     events.AppendRequest
		wantErr error
	}{
		{"ok", events.AppendRequest{StreamID: sid, ExpectedVersion: 6, Events: evs(7, 2)}, nil},
		{"ok any", events.AppendRequest{StreamID: sid, ExpectedVersion: events.ExpectAny, Events: evs(99, 2)}, nil},
		{"no events", events.AppendRequest{StreamID: sid}, events.ErrInvalid},
		{"gap", events.AppendRequest{StreamID: sid, ExpectedVersion: 6, Events: evs(8, 1)}, events.ErrInvalid},
		{"other stream", events.AppendRequest{StreamID: "user-1", ExpectedVersion: 6, Events: evs(7, 1)}, events.ErrInvalid},
		{"too many events", events.AppendRequest{StreamID: sid, Events: evs(1, events.MaxEventsPerAppend+1)}, events.ErrTooLarge},
		{"too many items", events.AppendRequest{StreamID: sid, Events: evs(1, 50), Records: recs(50)}, events.ErrTooLarge},
		{"max items", events.AppendRequest{StreamID: sid, Events: evs(1, 50), Records: recs(49)}, nil},
		{"big data", events.AppendRequest{StreamID: sid, Events: []events.Envelope{big}}, events.ErrTooLarge},
		{"bad mode", events.AppendRequest{StreamID: sid, Events: evs(1, 1), Records: []events.RecordOp{{Record: events.Record{Key: "k"}}}}, events.ErrInvalid},
		{"dup key", events.AppendRequest{StreamID: sid, Events: evs(1, 1), Records: append(recs(1), recs(1)...)}, events.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := events.CheckAppend(tc.req)
			if tc.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.wantErr)
			assert.True(t, errors.Is(err, events.ErrInvalid) || errors.Is(err, events.ErrTooLarge))
		})
	}
}
