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

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Tailer is the embedded store's change feed (events/embedded.Store.Tail):
// it blocks until at least one committed record with a sequence number
// above after exists (or ctx ends) and returns up to max in commit order.
type Tailer interface {
	Tail(ctx context.Context, after uint64, max int) ([]events.DynamoDBEventRecord, error)
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
	if txt := strings.TrimSpace(string(b)); txt != "" {
		n, err := strconv.ParseUint(txt, 10, 64)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("checkpoint %s: %w", path, err)
		}
		s.pos, s.done = n, n
	}
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
	txt := strings.TrimSpace(string(b))
	if txt != "" {
		if from, err = strconv.ParseUint(txt, 10, 64); err != nil {
			return 0, false, fmt.Errorf("checkpoint %s: %w", path, err)
		}
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
func (s *EmbeddedSource) Fetch(ctx context.Context, max int) ([]events.DynamoDBEventRecord, error) {
	s.mu.Lock()
	pos := s.pos
	s.mu.Unlock()
	recs, err := s.t.Tail(ctx, pos, max)
	if len(recs) > 0 {
		s.mu.Lock()
		s.pos = SeqNum(recs[len(recs)-1])
		s.mu.Unlock()
	}
	return recs, err
}

// Commit implements Source.
func (s *EmbeddedSource) Commit(_ context.Context, rec events.DynamoDBEventRecord) error {
	n := SeqNum(rec)
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

// Replay feeds every record with a sequence number in (0, upTo] to fn in
// batches, without retries or checkpoints: the embedded read models live in
// memory and are rebuilt this way at start, with a projector that does not
// notify. It stops early if the feed has nothing more for idle (a store whose
// torn tail was cut may end before upTo) and returns the last sequence
// number delivered.
func Replay(ctx context.Context, t Tailer, upTo uint64, batch int, idle time.Duration, fn StreamFunc) (uint64, error) {
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
		var in []events.DynamoDBEventRecord
		for _, r := range recs {
			if SeqNum(r) <= upTo {
				in = append(in, r)
			}
		}
		if len(in) > 0 {
			resp, err := invoke(ctx, fn, events.DynamoDBEvent{Records: in})
			if err != nil {
				return pos, fmt.Errorf("replay up to %s: %w", in[len(in)-1].Change.SequenceNumber, err)
			}
			if len(resp.BatchItemFailures) > 0 {
				return pos, fmt.Errorf("replay: record %s failed", resp.BatchItemFailures[0].ItemIdentifier)
			}
		}
		pos = min(SeqNum(recs[len(recs)-1]), upTo)
	}
	return pos, nil
}

// StreamsSource polls DynamoDB Streams like Lambda's poller: DescribeStream
// for shard discovery (children after their parents), GetShardIterator
// (AFTER_SEQUENCE_NUMBER from the checkpoint, else TRIM_HORIZON),
// GetRecords, and roll-over to child shards when a shard closes. The
// checkpoint (per shard: last committed sequence number, closed-and-done
// flag) is a JSON file.
type StreamsSource struct {
	Client    *dynamodbstreams.Client
	StreamARN string
	Path      string // checkpoint file
	Convert   func(streamtypes.Record) (events.DynamoDBEventRecord, error)
	Poll      time.Duration // idle poll interval (default 100 ms)

	mu       sync.Mutex
	cp       streamsCheckpoint
	shards   map[string]*shardState
	order    []string
	inflight map[string]string // sequence number -> shard id (fetched, not committed)
	lastDesc time.Time
}

type streamsCheckpoint struct {
	StreamARN string                 `json:"stream_arn"`
	Shards    map[string]shardCommit `json:"shards"`
}

type shardCommit struct {
	Seq  string `json:"seq,omitempty"`
	Done bool   `json:"done,omitempty"`
}

type shardState struct {
	id, parent string
	iter       *string
	fetched    string // last fetched sequence number
	closed     bool   // no more records (NextShardIterator was nil)
}

// Open loads the checkpoint. Call once before Fetch.
func (s *StreamsSource) Open() error {
	if s.Poll == 0 {
		s.Poll = 100 * time.Millisecond
	}
	s.shards, s.inflight = map[string]*shardState{}, map[string]string{}
	s.cp = streamsCheckpoint{StreamARN: s.StreamARN, Shards: map[string]shardCommit{}}
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

func (s *StreamsSource) discover(ctx context.Context) error {
	var start *string
	for {
		out, err := s.Client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{
			StreamArn: aws.String(s.StreamARN), ExclusiveStartShardId: start})
		if err != nil {
			return fmt.Errorf("describe stream: %w", err)
		}
		for _, sh := range out.StreamDescription.Shards {
			id := aws.ToString(sh.ShardId)
			if _, ok := s.shards[id]; ok || s.cp.Shards[id].Done {
				continue
			}
			s.shards[id] = &shardState{id: id, parent: aws.ToString(sh.ParentShardId), fetched: s.cp.Shards[id].Seq}
			s.order = append(s.order, id)
		}
		start = out.StreamDescription.LastEvaluatedShardId
		if start == nil {
			break
		}
	}
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

// Fetch implements Source: records from one shard at a time.
func (s *StreamsSource) Fetch(ctx context.Context, max int) ([]events.DynamoDBEventRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
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
			if sh.iter == nil {
				in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(s.StreamARN), ShardId: aws.String(id),
					ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon}
				if sh.fetched != "" {
					in.ShardIteratorType = streamtypes.ShardIteratorTypeAfterSequenceNumber
					in.SequenceNumber = aws.String(sh.fetched)
				}
				out, err := s.Client.GetShardIterator(ctx, in)
				if err != nil {
					var rnf *streamtypes.ResourceNotFoundException
					if errors.As(err, &rnf) { // shard trimmed away
						delete(s.shards, id)
						continue
					}
					return nil, fmt.Errorf("get shard iterator %s: %w", id, err)
				}
				sh.iter = out.ShardIterator
			}
			out, err := s.Client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: sh.iter, Limit: aws.Int32(int32(max))})
			if err != nil {
				var exp *streamtypes.ExpiredIteratorException
				if errors.As(err, &exp) {
					sh.iter = nil
					continue
				}
				return nil, fmt.Errorf("get records %s: %w", id, err)
			}
			sh.iter = out.NextShardIterator
			if sh.iter == nil {
				sh.closed = true
			}
			recs := make([]events.DynamoDBEventRecord, 0, len(out.Records))
			for _, r := range out.Records {
				lr, err := s.Convert(r)
				if err != nil {
					return nil, fmt.Errorf("convert stream record %s: %w", aws.ToString(r.Dynamodb.SequenceNumber), err)
				}
				lr.EventSourceArn = s.StreamARN
				recs = append(recs, lr)
				sh.fetched = lr.Change.SequenceNumber
				s.inflight[lr.Change.SequenceNumber] = id
			}
			if sh.closed && len(recs) == 0 {
				// nothing left on a closed shard: done, children may start.
				s.markDone(id)
				continue
			}
			if len(recs) > 0 {
				if sh.closed {
					s.inflight["done:"+recs[len(recs)-1].Change.SequenceNumber] = id
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

func (s *StreamsSource) markDone(id string) {
	c := s.cp.Shards[id]
	c.Done = true
	s.cp.Shards[id] = c
	delete(s.shards, id)
	_ = s.save()
}

// Commit implements Source.
func (s *StreamsSource) Commit(_ context.Context, rec events.DynamoDBEventRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := rec.Change.SequenceNumber
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
	if _, closed := s.inflight["done:"+seq]; closed {
		delete(s.inflight, "done:"+seq)
		c.Done = true
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
