package localcloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
)

// Source is a change feed read in order by one event source mapping.
type Source interface {
	// Fetch blocks until at least one change after the read position is
	// available (or ctx ends), returns up to max of them in order and
	// advances the read position past them.
	Fetch(ctx context.Context, max int) ([]events.Change, error)
	// Commit durably records that every change up to and including c has
	// been handled, so a restart resumes after it.
	Commit(ctx context.Context, c events.Change) error
}

// Mapping emulates Lambda's DynamoDB Streams event source mapping with the
// numbers of a spec.StreamSource: batches of at most BatchSize records
// gathered for up to BatchingWindow, batchItemFailures honoured (the batch
// is retried from the first failed record), bisection of a batch on a
// function error, at most MaxRetries retries, records older than
// MaxRecordAge skipped, and exhausted records written to the dead-letter
// file. Batches are delivered one at a time, in stream order (Lambda's
// ParallelizationFactor only ever runs different partition keys
// concurrently; locally one consumer keeps the per-stream order trivially).
//
// The sources emit events.Change; the mapping turns each batch into the
// DynamoDB Streams event Lambda would deliver (dynamo.ToLambdaEvent) and
// invokes the function with the Lambda signature through a JSON round trip.
// It does not call the consumer's core directly on purpose: batch item
// failures name sequence numbers of that event, and the function's own
// Lambda edge (decoding, failure reporting) is the code that runs in the
// cloud, so it is the code the local runtime exercises.
type Mapping struct {
	Spec   spec.StreamSource
	Source Source
	// Meta is the eventSourceARN and region of the records built
	// (EmbeddedStreamARN for the embedded store's feed). A Source with a
	// CurrentARN method names the ARN itself (a stream can be replaced).
	Meta    dynamo.StreamMeta
	Fn      StreamFunc
	DLQ     *DeadLetters // nil: exhausted records are logged and dropped
	Log     *slog.Logger
	Backoff func(attempt int) time.Duration // default: 10ms doubling, at most 1s
	// FetchBackoff is the wait after the n-th consecutive failed fetch
	// (default: 100 ms doubling up to 10 s, a random half of it added as
	// jitter).
	FetchBackoff func(n int) time.Duration
	Now          func() time.Time
}

func (m *Mapping) defaults() {
	if m.Log == nil {
		m.Log = slog.Default()
	}
	if m.Backoff == nil {
		m.Backoff = func(a int) time.Duration {
			d := 10 * time.Millisecond << min(a, 7)
			return min(d, time.Second)
		}
	}
	if m.FetchBackoff == nil {
		m.FetchBackoff = func(n int) time.Duration {
			d := min(100*time.Millisecond<<min(n, 7), 10*time.Second)
			return d/2 + rand.N(d/2+1) // jitter: pollers do not hit a restarted emulator in lockstep
		}
	}
	if m.Now == nil {
		m.Now = time.Now
	}
	if m.Spec.BatchSize <= 0 {
		m.Spec.BatchSize = 100
	}
}

// Run delivers batches until ctx ends. A batch in flight when ctx ends is
// finished first (ctx is not passed to the function), so shutdown never
// cuts an invocation in half; it is then committed.
//
// A failing fetch (the endpoint is down or restarting) is retried with
// jittered exponential backoff; it is logged when it starts failing, then
// at most every 30 s while it keeps failing, and once when it recovers.
func (m *Mapping) Run(ctx context.Context) error {
	m.defaults()
	failures := 0
	var lastLog time.Time
	for {
		changes, err := m.fetch(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			if failures == 1 || time.Since(lastLog) >= 30*time.Second {
				m.Log.Error("event source mapping: fetch failing; retrying with backoff", "function", m.Spec.Function,
					"failures", failures, "error", err.Error())
				lastLog = time.Now()
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(m.FetchBackoff(failures - 1)):
			}
			continue
		}
		if failures > 0 {
			m.Log.Info("event source mapping: fetch recovered", "function", m.Spec.Function, "failures", failures)
			failures = 0
		}
		if len(changes) == 0 {
			continue
		}
		meta := m.Meta
		if cur, ok := m.Source.(interface{ CurrentARN() string }); ok {
			meta.EventSourceARN = cur.CurrentARN()
		}
		batch := make([]lambdaevents.DynamoDBEventRecord, 0, len(changes))
		for _, c := range changes {
			r, err := dynamo.ToLambdaRecord(c, meta)
			if err != nil { // a change no Lambda could receive: nothing to retry
				m.Log.Error("event source mapping: change cannot be encoded; skipped", "function", m.Spec.Function,
					"seq", c.Seq, "error", err.Error())
				continue
			}
			batch = append(batch, r)
		}
		if len(batch) > 0 {
			m.process(context.WithoutCancel(ctx), batch, 0)
		}
		if err := m.Source.Commit(context.WithoutCancel(ctx), changes[len(changes)-1]); err != nil {
			m.Log.Error("event source mapping: commit", "function", m.Spec.Function, "error", err.Error())
		}
	}
}

// fetch gathers one batch: at least one change, then more until the batch
// is full or the batching window has passed.
func (m *Mapping) fetch(ctx context.Context) ([]events.Change, error) {
	batch, err := m.Source.Fetch(ctx, m.Spec.BatchSize)
	if err != nil || m.Spec.BatchingWindow <= 0 {
		return batch, err
	}
	deadline := time.Now().Add(m.Spec.BatchingWindow)
	for len(batch) < m.Spec.BatchSize && time.Now().Before(deadline) {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		more, err := m.Source.Fetch(wctx, m.Spec.BatchSize-len(batch))
		cancel()
		batch = append(batch, more...)
		if err != nil {
			break
		}
	}
	return batch, nil
}

// process delivers batch until it succeeds or its records are dead-lettered.
func (m *Mapping) process(ctx context.Context, batch []lambdaevents.DynamoDBEventRecord, depth int) {
	batch = m.dropExpired(batch)
	attempts := 0
	for len(batch) > 0 {
		resp, err := m.invoke(ctx, batch)
		if err == nil && len(resp.BatchItemFailures) == 0 {
			return
		}
		reason := ""
		if err != nil {
			reason = err.Error()
			if m.Spec.BisectOnError && len(batch) > 1 {
				half := len(batch) / 2
				m.Log.Warn("event source mapping: function error, bisecting", "function", m.Spec.Function,
					"records", len(batch), "error", reason)
				m.process(ctx, batch[:half], depth+1)
				m.process(ctx, batch[half:], depth+1)
				return
			}
		} else {
			idx := firstFailure(batch, resp.BatchItemFailures)
			reason = fmt.Sprintf("batchItemFailures: record %s failed", batch[idx].Change.SequenceNumber)
			batch = batch[idx:]
		}
		attempts++
		if attempts > m.Spec.MaxRetries {
			if m.Spec.BisectOnError && len(batch) > 1 {
				half := len(batch) / 2
				m.process(ctx, batch[:half], depth+1)
				m.process(ctx, batch[half:], depth+1)
				return
			}
			m.deadLetter(batch, attempts, reason)
			return
		}
		m.Log.Warn("event source mapping: retrying", "function", m.Spec.Function, "records", len(batch),
			"attempt", attempts, "reason", reason)
		time.Sleep(m.Backoff(attempts))
	}
}

// firstFailure is the index of the earliest reported failure; an unknown
// or empty identifier fails the whole batch, as in Lambda.
func firstFailure(batch []lambdaevents.DynamoDBEventRecord, fails []lambdaevents.DynamoDBBatchItemFailure) int {
	best := len(batch)
	for _, f := range fails {
		found := false
		for i, r := range batch {
			if r.Change.SequenceNumber == f.ItemIdentifier && f.ItemIdentifier != "" {
				found = true
				best = min(best, i)
				break
			}
		}
		if !found {
			return 0
		}
	}
	if best == len(batch) {
		return 0
	}
	return best
}

func (m *Mapping) invoke(ctx context.Context, batch []lambdaevents.DynamoDBEventRecord) (lambdaevents.DynamoDBEventResponse, error) {
	start := time.Now()
	timeout := 60 * time.Second
	if m.Spec.Function != "" {
		timeout = spec.FunctionByName(m.Spec.Function).Timeout
	}
	ictx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := invoke(ictx, m.Fn, lambdaevents.DynamoDBEvent{Records: batch})
	status := "ok"
	if err != nil {
		status = "error"
		var pe *PanicError
		if errors.As(err, &pe) {
			m.Log.Error("handler panic", "function", m.Spec.Function, "stack", string(pe.Stack))
		}
	} else if len(resp.BatchItemFailures) > 0 {
		status = "partial"
	}
	logInvoke(m.Log, err != nil, invokeAttrs(m.Spec.Function, "stream", status, start, newID(), err, "records", len(batch),
		"first_seq", batch[0].Change.SequenceNumber, "last_seq", batch[len(batch)-1].Change.SequenceNumber))
	return resp, err
}

// invokeAttrs are the attributes of the one "invoke" line each emulated
// invocation logs: function, route, status, duration since start, request
// id, then extra, then the error if any.
func invokeAttrs(fn, route string, status any, start time.Time, reqID string, err error, extra ...any) []any {
	attrs := append([]any{"function", fn, "route", route, "status", status,
		"duration", time.Since(start).Round(time.Microsecond).String(), "request_id", reqID}, extra...)
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	return attrs
}

// logInvoke writes the invoke line, at error level when the invocation
// failed.
func logInvoke(log *slog.Logger, failed bool, attrs []any) {
	if failed {
		log.Error("invoke", attrs...)
		return
	}
	log.Info("invoke", attrs...)
}

func (m *Mapping) dropExpired(batch []lambdaevents.DynamoDBEventRecord) []lambdaevents.DynamoDBEventRecord {
	if m.Spec.MaxRecordAge <= 0 {
		return batch
	}
	now := m.Now()
	out := batch[:0:0]
	for _, r := range batch {
		t := r.Change.ApproximateCreationDateTime.Time
		if !t.IsZero() && now.Sub(t) > m.Spec.MaxRecordAge {
			m.deadLetter([]lambdaevents.DynamoDBEventRecord{r}, 0, "record older than MaxRecordAge "+m.Spec.MaxRecordAge.String())
			continue
		}
		out = append(out, r)
	}
	return out
}

func (m *Mapping) deadLetter(batch []lambdaevents.DynamoDBEventRecord, attempts int, reason string) {
	for _, r := range batch {
		m.Log.Error("event source mapping: record dead-lettered", "function", m.Spec.Function,
			"seq", r.Change.SequenceNumber, "attempts", attempts, "reason", reason)
	}
	if m.DLQ == nil {
		return
	}
	now := m.Now().UTC()
	entries := make([]DeadLetter, 0, len(batch))
	for _, r := range batch {
		entries = append(entries, DeadLetter{ID: r.Change.SequenceNumber, FailedAt: now,
			Function: m.Spec.Function, Reason: reason, Attempts: attempts, Record: r})
	}
	if err := m.DLQ.Add(entries...); err != nil {
		m.Log.Error("event source mapping: write dead letter", "error", err.Error())
	}
}

// SeqNum parses a record's decimal sequence number (0 if not decimal).
func SeqNum(r lambdaevents.DynamoDBEventRecord) uint64 { return seqNum(r.Change.SequenceNumber) }
