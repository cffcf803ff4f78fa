package localcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
)

// Tailer is the embedded store's change feed (events/embedded.Store.Tail):
// it blocks until at least one committed change with a sequence number
// above after exists (or ctx ends) and returns up to max in commit order.
// Seq is the decimal sequence number.
type Tailer interface {
	Tail(ctx context.Context, after uint64, max int) ([]events.Change, error)
}

// EmbeddedStreamARN is the eventSourceARN of the records the event source
// mapping builds from the embedded store's feed.
const EmbeddedStreamARN = "arn:aws:dynamodb:us-east-1:000000000000:table/Events/stream/embedded"

// seqNum parses a decimal sequence number (0 if not decimal).
func seqNum(seq string) uint64 {
	n, _ := strconv.ParseUint(seq, 10, 64)
	return n
}

// EmbeddedSource reads a Tailer from a checkpoint kept in a small file. A
// commit overwrites the file's fixed-width content in place (one pwrite, no
// fsync: only an OS crash, not a process crash, can lose the last commits,
// which then replay: the projector is idempotent per stream version, but
// those notifications would go out twice). Close fsyncs it.
type EmbeddedSource struct {
	t      Tailer
	f      *os.File
	mu     sync.Mutex
	pos    uint64 // read position
	done   uint64 // committed
	ahead  uint64 // the checkpoint found on open, when it was past the log's end
	rewind bool
}

// CheckpointFile is the embedded projector's checkpoint in the data
// directory.
const CheckpointFile = "projection.checkpoint"

// LastSeqer is implemented by a Tailer that knows its newest sequence
// number (events/embedded.Store.LastSeq).
type LastSeqer interface{ LastSeq() uint64 }

// NewEmbeddedSource opens the checkpoint at path (absent: start at 0).
//
// When t is a LastSeqer the checkpoint is reconciled with the feed: a
// checkpoint past LastSeq (the log lost its tail: a torn tail cut, a
// repair) is rewound to LastSeq and fsynced before anything is read, because
// the next commits will take the positions the checkpoint claims as done
// and would otherwise never be delivered. Rewound reports it, so the caller
// rebuilds what was built from the lost events.
func NewEmbeddedSource(t Tailer, path string) (*EmbeddedSource, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open checkpoint: %w", err)
	}
	s := &EmbeddedSource{t: t, f: f}
	b, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	n, err := parseCheckpoint(path, b)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.pos, s.done = n, n
	if ls, ok := t.(LastSeqer); ok {
		if last := ls.LastSeq(); s.done > last {
			s.ahead, s.rewind = s.done, true
			if err := s.writeCheckpoint(last); err != nil {
				f.Close()
				return nil, err
			}
			if err := f.Sync(); err != nil {
				f.Close()
				return nil, fmt.Errorf("sync checkpoint: %w", err)
			}
			s.pos, s.done = last, last
		}
	}
	return s, nil
}

// RewindCheckpoint lowers the embedded checkpoint at path to at most to
// (fsynced), for tools that change the log under a stopped runtime
// (cmd/logrepair): feed positions after to may now hold other events. An
// absent checkpoint is left absent. It returns the checkpoint found.
func RewindCheckpoint(path string, to uint64) (from uint64, changed bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read checkpoint: %w", err)
	}
	if from, err = parseCheckpoint(path, b); err != nil {
		return 0, false, err
	}
	if from <= to {
		return from, false, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return from, false, fmt.Errorf("open checkpoint: %w", err)
	}
	s := &EmbeddedSource{f: f}
	if err := s.writeCheckpoint(to); err != nil {
		f.Close()
		return from, false, err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return from, false, fmt.Errorf("sync checkpoint: %w", err)
	}
	return from, true, nil
}

// parseCheckpoint reads a checkpoint file's content: a decimal feed
// position, or nothing (0: nothing delivered yet).
func parseCheckpoint(path string, b []byte) (uint64, error) {
	txt := strings.TrimSpace(string(b))
	if txt == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(txt, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return n, nil
}

// Rewound reports whether NewEmbeddedSource found the checkpoint past the
// feed's end, and the checkpoint it found (the events after Checkpoint up
// to it are gone; whatever was built from them must be rebuilt).
func (s *EmbeddedSource) Rewound() (from uint64, ok bool) { return s.ahead, s.rewind }

// writeCheckpoint overwrites the fixed-width checkpoint in place.
func (s *EmbeddedSource) writeCheckpoint(n uint64) error {
	if _, err := s.f.WriteAt([]byte(fmt.Sprintf("%020d\n", n)), 0); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	return nil
}

// Checkpoint is the last committed sequence number.
func (s *EmbeddedSource) Checkpoint() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// Fetch implements Source.
func (s *EmbeddedSource) Fetch(ctx context.Context, max int) ([]events.Change, error) {
	s.mu.Lock()
	pos := s.pos
	s.mu.Unlock()
	recs, err := s.t.Tail(ctx, pos, max)
	if len(recs) > 0 {
		s.mu.Lock()
		s.pos = seqNum(recs[len(recs)-1].Seq)
		s.mu.Unlock()
	}
	return recs, err
}

// Commit implements Source.
func (s *EmbeddedSource) Commit(_ context.Context, c events.Change) error {
	n := seqNum(c.Seq)
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= s.done {
		return nil
	}
	if err := s.writeCheckpoint(n); err != nil {
		return err
	}
	s.done = n
	return nil
}

// Close fsyncs and closes the checkpoint file.
func (s *EmbeddedSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.f.Sync(), s.f.Close())
}

func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ChangeFunc is the core of a stream consumer: it handles changes in order
// and returns an error at the first one it could not handle.
type ChangeFunc func(ctx context.Context, cs []events.Change) error

// Replay feeds every change with a sequence number in (0, upTo] to fn in
// batches, without retries or checkpoints: the embedded read models live in
// memory and are rebuilt this way at start, with a projector that does not
// notify. It calls the consumer's core directly, not through the Lambda
// shape: a rebuild needs none of the event source mapping's semantics and
// any failure aborts it. It stops early if the feed has nothing more for
// idle (a store whose torn tail was cut may end before upTo) and returns
// the last sequence number delivered.
func Replay(ctx context.Context, t Tailer, upTo uint64, batch int, idle time.Duration, fn ChangeFunc) (uint64, error) {
	var pos uint64
	for pos < upTo {
		tctx, cancel := context.WithTimeout(ctx, idle)
		recs, err := t.Tail(tctx, pos, batch)
		cancel()
		if len(recs) == 0 {
			if ctx.Err() != nil {
				return pos, ctx.Err()
			}
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return pos, err
			}
			return pos, nil
		}
		var in []events.Change
		for _, r := range recs {
			if seqNum(r.Seq) <= upTo {
				in = append(in, r)
			}
		}
		if len(in) > 0 {
			if err := fn(ctx, in); err != nil {
				return pos, fmt.Errorf("replay up to %s: %w", in[len(in)-1].Seq, err)
			}
		}
		pos = min(seqNum(recs[len(recs)-1].Seq), upTo)
	}
	return pos, nil
}

// StreamsSource polls DynamoDB Streams like Lambda's poller: DescribeStream
// for shard discovery (children after their parents), GetShardIterator,
// GetRecords, and roll-over to child shards when a shard closes. The
// checkpoint (per shard: last committed sequence number, closed-and-done
// flag, and the identities of the last records committed) is a JSON file.
//
// It also survives emulators that are not AWS:
//
//   - Re-anchoring. A chained iterator that has returned nothing for
//     Reanchor is replaced by a fresh one taken at the oldest of the
//     recently delivered records (AT_SEQUENCE_NUMBER), and so is every
//     iterator when DescribeStream shows the shard set changed. moto 5.2
//     restores a table from a deep copy when a TransactWriteItems is
//     cancelled, which replaces its stream shard (same id, same starting
//     sequence number, so DescribeStream cannot reveal it): an iterator
//     taken before keeps reading the old shard, which holds the cancelled
//     writes and nothing after them, and the new shard reuses their
//     sequence numbers for the next real writes. Reading again from before
//     the cancelled writes and skipping records already delivered (same
//     sequence number AND same stream record id) delivers those real writes
//     instead of skipping them as AFTER_SEQUENCE_NUMBER would. On AWS a
//     re-anchor costs one GetShardIterator per idle Reanchor interval and
//     delivers nothing twice.
//   - A stream that disappears (the emulator restarted with empty state):
//     Resolve, when set, returns the current stream ARN (wire re-creates the
//     tables on a local endpoint); a new ARN starts a new checkpoint at
//     TRIM_HORIZON.
//
// Records the emulator leaked from cancelled writes are delivered like any
// other; the projector drops those whose event is not in the event store.
type StreamsSource struct {
	Client    *dynamodbstreams.Client
	StreamARN string
	Path      string        // checkpoint file
	Poll      time.Duration // idle poll interval (default 100 ms)
	// Reanchor is how long a chained iterator may stay empty before it is
	// replaced (default 1 s).
	Reanchor time.Duration
	// Resolve returns the stream ARN to read after the current one is gone
	// (ResourceNotFoundException). Nil: the error is returned as is.
	Resolve func(ctx context.Context) (string, error)
	// Rewrite recognises the new image of a sanctioned in-place rewrite of
	// the log (the personal-data migration): its MODIFY record is
	// acknowledged without delivery, as the projector does in AWS
	// (projection.Deps.Rewrite). Nil: every MODIFY is an error (events are
	// immutable).
	Rewrite func(events.Envelope) bool

	mu       sync.Mutex
	cp       streamsCheckpoint
	shards   map[string]*shardState
	order    []string
	inflight map[string]string // sequence number -> shard id (fetched, not committed)
	lastDesc time.Time
	shardSet string // shard ids and starting numbers DescribeStream last showed
}

type streamsCheckpoint struct {
	StreamARN string                 `json:"stream_arn"`
	Shards    map[string]shardCommit `json:"shards"`
}

type shardCommit struct {
	Seq  string `json:"seq,omitempty"`
	Done bool   `json:"done,omitempty"`
	// Recent are the last committed records (oldest first), where a
	// re-anchored iterator starts reading again.
	Recent []seen `json:"recent,omitempty"`
}

// seen identifies one delivered stream record.
type seen struct {
	Seq string `json:"seq"`
	ID  string `json:"id"`
}

// recentMax bounds the re-read on a re-anchor: above the 50 events of one
// append, the most a cancelled transaction can leak.
const recentMax = 64

type shardState struct {
	id, parent string
	iter       *string
	fetched    string // last fetched sequence number
	closed     bool   // no more records (NextShardIterator was nil)
	recent     []seen // delivered records, oldest first (at most recentMax)
	lastData   time.Time
}

// Open loads the checkpoint. Call once before Fetch.
func (s *StreamsSource) Open() error {
	if s.Poll == 0 {
		s.Poll = 100 * time.Millisecond
	}
	if s.Reanchor == 0 {
		s.Reanchor = time.Second
	}
	s.reset(s.StreamARN)
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var cp streamsCheckpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return fmt.Errorf("streams checkpoint %s: %w", s.Path, err)
	}
	if cp.StreamARN == s.StreamARN && cp.Shards != nil {
		s.cp = cp
	}
	return nil
}

// CurrentARN is the stream being read (it changes when Resolve finds a new
// one); the event source mapping names it as the records' eventSourceARN.
func (s *StreamsSource) CurrentARN() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.StreamARN
}

// reset forgets every shard and starts a checkpoint for arn.
func (s *StreamsSource) reset(arn string) {
	s.StreamARN = arn
	s.shards, s.inflight, s.order, s.shardSet = map[string]*shardState{}, map[string]string{}, nil, ""
	s.cp = streamsCheckpoint{StreamARN: arn, Shards: map[string]shardCommit{}}
}

func (s *StreamsSource) discover(ctx context.Context) error {
	var start *string
	var set strings.Builder
	for {
		out, err := s.Client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{
			StreamArn: aws.String(s.StreamARN), ExclusiveStartShardId: start})
		if err != nil {
			return fmt.Errorf("describe stream: %w", err)
		}
		for _, sh := range out.StreamDescription.Shards {
			id := aws.ToString(sh.ShardId)
			if sh.SequenceNumberRange != nil {
				fmt.Fprintf(&set, "%s@%s;", id, aws.ToString(sh.SequenceNumberRange.StartingSequenceNumber))
			}
			if _, ok := s.shards[id]; ok || s.cp.Shards[id].Done {
				continue
			}
			c := s.cp.Shards[id]
			s.shards[id] = &shardState{id: id, parent: aws.ToString(sh.ParentShardId), fetched: c.Seq,
				recent: append([]seen(nil), c.Recent...)}
			s.order = append(s.order, id)
		}
		start = out.StreamDescription.LastEvaluatedShardId
		if start == nil {
			break
		}
	}
	if s.shardSet != "" && set.String() != s.shardSet {
		for _, sh := range s.shards { // the shard set changed: take every iterator again
			sh.iter = nil
		}
	}
	s.shardSet = set.String()
	s.lastDesc = time.Now()
	return nil
}

// eligible: parent unknown (trimmed), absent, or done.
func (s *StreamsSource) eligible(sh *shardState) bool {
	if sh.parent == "" || s.cp.Shards[sh.parent].Done {
		return true
	}
	_, known := s.shards[sh.parent]
	return !known
}

// gone reports whether err says the stream or its table no longer exists.
func gone(err error) bool {
	var rnf *streamtypes.ResourceNotFoundException
	return errors.As(err, &rnf)
}

// Fetch implements Source: changes from one shard at a time.
func (s *StreamsSource) Fetch(ctx context.Context, max int) ([]events.Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.fetch(ctx, max)
	if err != nil && gone(err) && s.Resolve != nil {
		arn, rerr := s.Resolve(ctx)
		if rerr != nil {
			return nil, fmt.Errorf("%w; resolving the stream again: %w", err, rerr)
		}
		if arn != s.StreamARN {
			s.reset(arn)
			if serr := s.save(); serr != nil {
				return nil, serr
			}
		}
	}
	return out, err
}

func (s *StreamsSource) fetch(ctx context.Context, max int) ([]events.Change, error) {
	max = min(max, 1000)
	for {
		if len(s.shards) == 0 || time.Since(s.lastDesc) > 10*time.Second {
			if err := s.discover(ctx); err != nil {
				return nil, err
			}
		}
		for _, id := range s.order {
			sh := s.shards[id]
			if sh == nil || sh.closed || !s.eligible(sh) {
				continue
			}
			if sh.iter != nil && len(sh.recent) > 0 && time.Since(sh.lastData) > s.Reanchor {
				sh.iter = nil // stayed empty: take it again (see the type's doc)
			}
			if sh.iter == nil {
				in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(s.StreamARN), ShardId: aws.String(id),
					ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon}
				switch {
				case len(sh.recent) > 0:
					in.ShardIteratorType = streamtypes.ShardIteratorTypeAtSequenceNumber
					in.SequenceNumber = aws.String(sh.recent[0].Seq)
				case sh.fetched != "":
					in.ShardIteratorType = streamtypes.ShardIteratorTypeAfterSequenceNumber
					in.SequenceNumber = aws.String(sh.fetched)
				}
				out, err := s.Client.GetShardIterator(ctx, in)
				if err != nil {
					var trimmed *streamtypes.TrimmedDataAccessException
					if errors.As(err, &trimmed) && len(sh.recent) > 0 {
						sh.recent = nil // the re-read point is gone: continue after the checkpoint
						continue
					}
					if gone(err) && !s.streamExists(ctx) {
						return nil, fmt.Errorf("get shard iterator %s: %w", id, err)
					}
					if gone(err) { // shard trimmed away
						delete(s.shards, id)
						continue
					}
					return nil, fmt.Errorf("get shard iterator %s: %w", id, err)
				}
				sh.iter, sh.lastData = out.ShardIterator, time.Now()
			}
			out, err := s.Client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: sh.iter, Limit: aws.Int32(int32(max))})
			if err != nil {
				var exp *streamtypes.ExpiredIteratorException
				if errors.As(err, &exp) {
					sh.iter = nil
					continue
				}
				if ctx.Err() != nil { // the caller gave up: the iterator is still good
					return nil, ctx.Err()
				}
				sh.iter = nil // an emulator that restarted forgets its iterators
				return nil, fmt.Errorf("get records %s: %w", id, err)
			}
			sh.iter = out.NextShardIterator
			if sh.iter == nil {
				sh.closed = true
			}
			recs := make([]events.Change, 0, len(out.Records))
			for _, r := range out.Records {
				seq := ""
				if r.Dynamodb != nil {
					seq = aws.ToString(r.Dynamodb.SequenceNumber)
				}
				rid := aws.ToString(r.EventID)
				if sh.delivered(seq, rid) {
					continue
				}
				if s.rewrite(r) {
					// the personal-data migration's in-place rewrite: the
					// read models already hold what the event says
					sh.remember(seen{Seq: seq, ID: rid})
					continue
				}
				c, err := dynamo.FromStreamsRecord(r)
				if err != nil {
					return nil, fmt.Errorf("convert stream record %s: %w", seq, err)
				}
				recs = append(recs, c)
				sh.fetched = c.Seq
				sh.remember(seen{Seq: seq, ID: rid})
				s.inflight[c.Seq] = id
			}
			if len(out.Records) > 0 {
				sh.lastData = time.Now()
			}
			if sh.closed && len(recs) == 0 {
				// nothing left on a closed shard: done, children may start.
				s.markDone(id)
				continue
			}
			if len(recs) > 0 {
				if sh.closed {
					s.inflight["done:"+recs[len(recs)-1].Seq] = id
				}
				return recs, nil
			}
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			s.mu.Lock()
			return nil, ctx.Err()
		case <-time.After(s.Poll):
		}
		s.mu.Lock()
	}
}

// streamExists tells a trimmed shard (the stream is there) from a stream
// that is gone.
func (s *StreamsSource) streamExists(ctx context.Context) bool {
	_, err := s.Client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(s.StreamARN)})
	return err == nil || !gone(err)
}

// delivered reports whether the record (seq, id) was delivered already.
func (sh *shardState) delivered(seq, id string) bool {
	for _, r := range sh.recent {
		if r.Seq == seq && r.ID == id {
			return true
		}
	}
	return false
}

func (sh *shardState) remember(r seen) {
	for i, x := range sh.recent {
		if x.Seq == r.Seq { // a sequence number reused by a replaced shard
			sh.recent = append(sh.recent[:i:i], r)
			return
		}
	}
	sh.recent = append(sh.recent, r)
	if len(sh.recent) > recentMax {
		sh.recent = sh.recent[len(sh.recent)-recentMax:]
	}
}

func (s *StreamsSource) markDone(id string) {
	c := s.cp.Shards[id]
	c.Done, c.Recent = true, nil
	s.cp.Shards[id] = c
	delete(s.shards, id)
	_ = s.save()
}

// Commit implements Source.
func (s *StreamsSource) Commit(_ context.Context, ch events.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := ch.Seq
	id, ok := s.inflight[seq]
	if !ok {
		return fmt.Errorf("commit of unknown sequence number %s", seq)
	}
	for k, v := range s.inflight {
		if v == id && !strings.HasPrefix(k, "done:") && seqLE(k, seq) {
			delete(s.inflight, k)
		}
	}
	c := s.cp.Shards[id]
	c.Seq = seq
	if sh := s.shards[id]; sh != nil {
		// Persist the delivered records up to this one: a restart re-reads
		// from them as a re-anchor does.
		c.Recent = nil
		for i, r := range sh.recent {
			if r.Seq == seq {
				c.Recent = append([]seen(nil), sh.recent[:i+1]...)
				break
			}
		}
	}
	if _, closed := s.inflight["done:"+seq]; closed {
		delete(s.inflight, "done:"+seq)
		c.Done, c.Recent = true, nil
		delete(s.shards, id)
	}
	s.cp.Shards[id] = c
	return s.save()
}

// seqLE compares decimal sequence numbers of any length.
func seqLE(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a <= b
}

func (s *StreamsSource) save() error {
	b, err := json.Marshal(s.cp)
	if err != nil {
		return err
	}
	return writeFileAtomic(s.Path, b)
}

// rewrite reports whether r is the MODIFY of a sanctioned in-place rewrite
// (Rewrite); any other MODIFY stays an error.
func (s *StreamsSource) rewrite(r streamtypes.Record) bool {
	if s.Rewrite == nil || r.EventName != streamtypes.OperationTypeModify {
		return false
	}
	insert := r
	insert.EventName = streamtypes.OperationTypeInsert
	c, err := dynamo.FromStreamsRecord(insert)
	return err == nil && s.Rewrite(c.Envelope)
}
