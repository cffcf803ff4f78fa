package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors of the Store port. Adapters wrap them with context
// (fmt.Errorf("append %s: %w", ...)); callers match with errors.Is / errors.As.
var (
	// ErrVersionConflict: the stream's current version is not the expected one.
	ErrVersionConflict = errors.New("version conflict")
	// ErrDuplicate: a reservation record (RecordPutIfAbsent) is already taken.
	ErrDuplicate = errors.New("duplicate")
	// ErrIdempotentReplay: the request's idempotency record already exists;
	// the *ReplayError carries the first result.
	ErrIdempotentReplay = errors.New("idempotent replay")
	// ErrNotFound: no such stream or record.
	ErrNotFound = errors.New("not found")
	// ErrTooLarge: a request exceeds an adapter limit (items per transaction,
	// item size). The message says which limit.
	ErrTooLarge = errors.New("too large")
	// ErrStorageFull: the store's storage has no space for the write (a
	// full disk under the embedded store). Nothing of the write was
	// committed; reads still work, and a retry succeeds once space returns.
	ErrStorageFull = errors.New("storage full")
)

// Transaction limits shared by every adapter so that local and cloud refuse
// the same requests: DynamoDB allows 100 items per TransactWriteItems; one is
// reserved for the expected-version ConditionCheck.
const (
	MaxEventsPerAppend  = 50
	MaxItemsPerAppend   = 99
	MaxRecordDataBytes  = 350 * 1024
	ExpectNew           = int64(0)  // the stream must not exist
	ExpectAny           = int64(-1) // no concurrency check (system streams only)
	DefaultLoadPageSize = 500
)

// RecordMode says how an inline record is written.
type RecordMode int

const (
	// RecordPut writes the record unconditionally (credentials, counters).
	RecordPut RecordMode = iota + 1
	// RecordPutIfAbsent fails the whole append with ErrDuplicate if the key
	// exists and has not expired (reservations: e-mail, bootstrap marker).
	RecordPutIfAbsent
	// RecordIdempotency is PutIfAbsent whose collision is ErrIdempotentReplay
	// carrying the stored record (idempotency keys).
	RecordIdempotency
	// RecordDelete removes the record if present (releasing a reservation).
	RecordDelete
)

// Record is an auth-critical key/value item written atomically with events
// ("inline projection") or on its own. Records never reach the projector.
type Record struct {
	Key       string          `json:"key" dynamodbav:"pk"`
	Kind      string          `json:"kind" dynamodbav:"kind"`
	Data      json.RawMessage `json:"data" dynamodbav:"data"`
	ExpiresAt *time.Time      `json:"expires_at,omitempty" dynamodbav:"-"`
	// Rev increases by one on every write; used by CompareAndPut.
	Rev int64 `json:"rev" dynamodbav:"rev"`
}

// RecordOp is one inline record write inside an Append.
type RecordOp struct {
	Mode   RecordMode
	Record Record
}

// AppendRequest appends Events to one stream and writes Records, all or
// nothing. Events must carry consecutive versions starting at
// ExpectedVersion+1 and the same StreamID.
type AppendRequest struct {
	StreamID        string
	ExpectedVersion int64 // ExpectNew, ExpectAny or the current version
	Events          []Envelope
	Records         []RecordOp
}

// AppendResult says what was written.
type AppendResult struct {
	StreamID string
	Version  int64 // the stream's version after the append
}

// ReplayError is returned (wrapping ErrIdempotentReplay) when an append's
// RecordIdempotency record already exists. Nothing was written.
type ReplayError struct {
	Record Record
}

func (e *ReplayError) Error() string { return fmt.Sprintf("idempotent replay of %s", e.Record.Key) }
func (e *ReplayError) Unwrap() error { return ErrIdempotentReplay }

// ConflictError is returned (wrapping ErrVersionConflict) when the expected
// version did not hold.
type ConflictError struct {
	StreamID string
	Expected int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("stream %s: expected version %d does not hold", e.StreamID, e.Expected)
}
func (e *ConflictError) Unwrap() error { return ErrVersionConflict }

// DuplicateError is returned (wrapping ErrDuplicate) when a reservation is
// already taken. Key names the record.
type DuplicateError struct{ Key string }

func (e *DuplicateError) Error() string { return fmt.Sprintf("record %s already exists", e.Key) }
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// Page is a slice of one stream's events in version order. Next is the
// version to pass as `from` for the following page, 0 when there is none.
type Page struct {
	Events []Envelope
	Next   int64
}

// Store is the event store port. Implementations are safe for concurrent
// use. Append is atomic: every event and record is written, or none.
type Store interface {
	Append(ctx context.Context, req AppendRequest) (AppendResult, error)
	// Load returns events of one stream with version >= from, at most limit
	// (0 means DefaultLoadPageSize). An unknown stream is ErrNotFound.
	Load(ctx context.Context, streamID string, from int64, limit int) (Page, error)
	// ReadAll calls fn for every event of every stream, each stream in
	// version order (order across streams is adapter-defined). For replay.
	ReadAll(ctx context.Context, fn func(Envelope) error) error
	Records
}

// Records is the key/value side of the store used outside appends
// (authorizer lookups, last_used_at, tickets, counters).
type Records interface {
	// GetRecord returns ErrNotFound for a missing or expired record.
	GetRecord(ctx context.Context, key string) (Record, error)
	// CompareAndPut writes rec if the stored Rev equals expectRev
	// (0: must not exist or be expired). Returns the stored record with its
	// new Rev, or ErrVersionConflict.
	CompareAndPut(ctx context.Context, rec Record, expectRev int64) (Record, error)
	// TakeRecord deletes and returns the record atomically; exactly one of
	// concurrent callers gets it, the others ErrNotFound (one-time tickets).
	TakeRecord(ctx context.Context, key string) (Record, error)
}

// LoadAll loads a whole stream by following pages.
func LoadAll(ctx context.Context, s Store, streamID string) ([]Envelope, error) {
	var out []Envelope
	from := int64(1)
	for {
		p, err := s.Load(ctx, streamID, from, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Events...)
		if p.Next == 0 {
			return out, nil
		}
		from = p.Next
	}
}
