// Package embedded is SkyLedger's local default event store: an append-only
// file log in one directory (see log.go for the format) with an in-memory
// index, durable group commit and a change feed of events.Change (Tail),
// which the local event source mapping turns into the records Lambda
// receives from DynamoDB Streams.
//
// Concurrency: writes queue up; one caller at a time (the leader) decides
// every queued write in arrival order against the committed state plus the
// writes already decided in the same batch, writes the batch with one write
// and one fsync, and only then makes it visible to readers and answers the
// callers. Appenders that arrive while an fsync runs share the next one
// (group commit). Readers never see data that is not durable.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/skyledger/skyledger/events"
)

var _ events.Store = (*Store)(nil)

// ErrLocked: another process (or another Store in this process) has the
// directory open.
var ErrLocked = errors.New("event store directory is locked by another process")

// ErrClosed is returned by every call after Close, and after a write or
// fsync failure (the store cannot know what reached the disk; reopen it).
// A full disk is not such a failure: the write fails with
// events.ErrStorageFull, is taken back out of the file, and the store stays
// open (reads work, and every later write tries again).
var ErrClosed = errors.New("event store is closed")

// Options configure Open. The zero value is fine.
type Options struct {
	// Now is the clock for record expiry and commit times (default time.Now).
	Now func() time.Time
	// MaxBatch caps the commits written with one fsync (default 256).
	MaxBatch int
	// LockWait is how long Open retries a held directory lock before
	// failing with ErrLocked (default 3s). A forked child briefly shares
	// the lock's file description until it execs, so a lock released by
	// Close can look held for a moment when the process spawns commands
	// (seen for over 500ms on a loaded 2-core machine under -race).
	LockWait time.Duration
	// NoSync skips fsync. Only for benchmarks that compare against it; a
	// crash may then lose acknowledged commits.
	NoSync bool
}

// LogFile and LockFile are the names inside the directory.
const (
	LogFile  = "events.log"
	LockFile = "LOCK"
)

type fed struct {
	env events.Envelope
	at  time.Time
}

// Store is the embedded event store. Safe for concurrent use.
type Store struct {
	o    Options
	dir  string
	lock *os.File
	f    *os.File

	mu      sync.RWMutex
	feed    []fed               // committed events in commit order; seq = index+1
	streams map[string][]uint64 // stream -> seqs in version order
	records map[string]events.Record
	notify  chan struct{} // closed and replaced after each commit
	failed  error
	full    error // the last write failed for want of space (nil: writes work)

	closeMu sync.RWMutex
	closed  bool
	qmu     sync.Mutex // guards queue
	queue   []*request
	leader  chan struct{} // a token: holding it (sent) makes the caller the committing leader
	buf     []byte        // leader only

	commits, entries uint64 // stats, written under mu by the leader

	logSize    int64    // s.off as of the last commit, under mu
	rec        recovery // what Open found; immutable
	sweepAt    int      // sweep expired records when len(records) reaches this
	off, alloc int64    // logical end of the log, physical (zero-filled) size; leader only
}

// preallocChunk is how far the log is extended with zeros at a time, at most. Commits
// then overwrite already-allocated, already-written blocks, so fdatasync has
// no file-size or extent metadata to journal and is much cheaper (about 2x on
// ext4 here). Recovery treats the zeros as a torn tail and cuts them.
const preallocChunk = 4 << 20

// preallocSize is how far to extend the preallocation (now bytes long)
// when at least need more bytes are needed: geometric from 64 KB to
// preallocChunk, so a small store (every test opens one) stays small and
// cheap to create, but never more than half the free space (when known),
// so a nearly full disk still takes the commits that fit.
func preallocSize(now, need, free int64, known bool) int64 {
	grow := min(max(now, 64<<10), preallocChunk)
	if known {
		grow = min(grow, free/2)
	}
	return max(grow, need)
}

// writeAt writes buf at the log's logical end, extending the zero-filled
// preallocation first if needed. The caller's fdatasync covers both.
func (s *Store) writeAt(buf []byte) error {
	if need := s.off + int64(len(buf)); need > s.alloc {
		free, known := freeBytes(s.dir)
		grow := preallocSize(s.alloc, need-s.alloc, free, known)
		if _, err := s.f.WriteAt(make([]byte, grow), s.alloc); err != nil {
			return err
		}
		s.alloc += grow
	}
	if _, err := s.f.WriteAt(buf, s.off); err != nil {
		return err
	}
	s.off += int64(len(buf))
	return nil
}

// Open opens (creating if needed) the store in dir. It takes an exclusive
// flock on dir/LOCK, replays the log into memory and cuts a torn tail
// (Recovery reports it). Damage that is not a torn tail fails with a
// *CorruptError (errors.Is ErrCorrupt) and changes nothing; see Repair.
func Open(dir string, o Options) (*Store, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LockWait <= 0 {
		o.LockWait = 3 * time.Second
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("event store: %w", err)
	}
	lock, err := lockDir(dir, o.LockWait)
	if errors.Is(err, ErrLocked) {
		return nil, fmt.Errorf("open %s: %w (only one process may open an embedded store; stop the other one or use another directory)", dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("event store: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("event store: %w", err)
	}
	s := &Store{
		o: o, dir: dir, lock: lock, f: f,
		streams: map[string][]uint64{},
		records: map[string]events.Record{},
		notify:  make(chan struct{}),
		leader:  make(chan struct{}, 1),
	}
	rec, err := recoverLog(f, s.apply)
	if err != nil {
		f.Close()
		lock.Close()
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	s.rec = rec
	s.off, s.alloc, s.logSize = rec.size, rec.size, rec.size
	// Expired records need not stay in memory.
	s.sweepExpired(o.Now())
	return s, nil
}

// lockDir takes the lock of the store directory dir (creating LockFile),
// waiting up to wait for another holder to let go; the lock is held until
// the returned file is closed. It returns ErrLocked itself when another
// process still holds the lock after wait.
func lockDir(dir string, wait time.Duration) (*os.File, error) {
	lock, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, err
	}
	if err := flockWait(lock, wait); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return lock, nil
}

// flockWait takes an exclusive flock on f, retrying for up to wait.
func flockWait(f *os.File, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Close stops accepting writes, waits for in-flight commits, closes the log
// and releases the directory lock.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true // no submit is in flight: they hold closeMu.RLock
	s.closeMu.Unlock()
	s.mu.Lock()
	if s.failed == nil {
		s.failed = ErrClosed
	}
	close(s.notify) // wake Tail callers
	s.notify = make(chan struct{})
	s.mu.Unlock()
	// Give back the zero-filled preallocation (recovery would cut it too).
	err := s.f.Truncate(s.off)
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	return err
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// apply makes a durable entry visible. Caller holds mu (or is Open).
func (s *Store) apply(e *logEntry) {
	for _, ev := range e.Events {
		s.feed = append(s.feed, fed{env: ev, at: e.At})
		s.streams[ev.StreamID] = append(s.streams[ev.StreamID], uint64(len(s.feed)))
	}
	for _, r := range e.Puts {
		s.records[r.Key] = r
	}
	for _, k := range e.Deletes {
		delete(s.records, k)
	}
}

// ---- write path --------------------------------------------------------

type opKind int

const (
	opAppend opKind = iota + 1
	opCAS
	opTake
)

type request struct {
	kind      opKind
	append    events.AppendRequest
	rec       events.Record
	expectRev int64
	key       string

	// results
	res   events.AppendResult
	out   events.Record
	err   error
	reply chan struct{}
}

// submit queues r and waits for its durable result. Group commit without a
// background goroutine: whoever holds the leader lock commits everything
// queued so far with one write and one fsync; a caller whose request was
// committed by an earlier leader is woken directly, one whose request is
// still queued becomes the next leader when the token is free. A lone writer thus
// commits its own request with no goroutine hand-off.
func (s *Store) submit(ctx context.Context, r *request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.reply = make(chan struct{})
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	s.qmu.Lock()
	s.queue = append(s.queue, r)
	s.qmu.Unlock()
	// Once queued a request is decided and made durable even if ctx ends,
	// so the caller must learn its outcome: no early return on ctx.
	for {
		select {
		case <-r.reply:
			return r.err
		case s.leader <- struct{}{}:
		}
		select {
		case <-r.reply: // committed by the previous leader
			<-s.leader
			return r.err
		default:
		}
		s.qmu.Lock()
		n := min(len(s.queue), s.o.MaxBatch)
		batch := slices.Clone(s.queue[:n])
		s.queue = append(s.queue[:0], s.queue[n:]...)
		s.qmu.Unlock()
		s.commit(batch)
		<-s.leader
	}
}

// batchView is the committed state plus the writes decided earlier in the
// current batch.
type batchView struct {
	s       *Store
	version map[string]int64
	records map[string]*events.Record // nil value: deleted in this batch
}

func (v *batchView) streamVersion(id string) int64 {
	if n, ok := v.version[id]; ok {
		return n
	}
	return int64(len(v.s.streams[id]))
}

func (v *batchView) live(key string, now time.Time) (events.Record, bool) {
	if r, ok := v.records[key]; ok {
		if r == nil || r.Expired(now) {
			return events.Record{}, false
		}
		return *r, true
	}
	r, ok := v.s.records[key]
	if !ok || r.Expired(now) {
		return events.Record{}, false
	}
	return r, true
}

// commit decides, writes, syncs and publishes one batch. Caller holds the
// leader lock, which makes it the only writer of the state.
func (s *Store) commit(batch []*request) {
	s.mu.RLock()
	failed := s.failed
	s.mu.RUnlock()
	if failed != nil {
		for _, r := range batch {
			r.err = fmt.Errorf("%w: %w", ErrClosed, failed)
			close(r.reply)
		}
		return
	}
	// Decide. Only the leader mutates state, so reading it without mu is
	// safe here; readers only take RLock.
	now := s.o.Now()
	view := &batchView{s: s, version: map[string]int64{}, records: map[string]*events.Record{}}
	entries := make([]*logEntry, 0, len(batch))
	buf := s.buf[:0]
	for _, r := range batch {
		e := s.decide(view, r, now)
		if e == nil {
			entries = append(entries, nil)
			continue
		}
		var err error
		mark := len(buf)
		if buf, err = appendEntry(buf, e); err != nil {
			buf = buf[:mark]
			r.err = err
			entries = append(entries, nil)
			continue
		}
		entries = append(entries, e)
	}
	if cap(buf) <= 1<<20 {
		s.buf = buf
	}
	// Persist.
	var werr, full error
	if len(buf) > 0 {
		start := s.off
		if werr = s.writeAt(buf); werr == nil && !s.o.NoSync {
			werr = syncFile(s.f)
		}
		if werr != nil && isNoSpace(werr) {
			// Nothing of this batch is acknowledged: take it back out of
			// the file (the log ends at start again, and the freed space
			// helps), keep the store open for reads and let the next write
			// try again. Entries before start were fsynced by earlier
			// commits, so a failed fdatasync here cannot have lost them.
			full = fmt.Errorf("write %s: %w: %w", filepath.Join(s.dir, LogFile), events.ErrStorageFull, werr)
			s.off = start
			if terr := s.rollback(start); terr != nil {
				full, werr = nil, fmt.Errorf("%w; undoing the partial write: %w", werr, terr)
			}
		}
	}
	s.mu.Lock()
	if full != nil {
		s.full = full
	} else if werr != nil {
		s.failed = fmt.Errorf("write %s: %w", filepath.Join(s.dir, LogFile), werr)
	} else {
		if len(buf) > 0 {
			s.full = nil
		}
		for _, e := range entries {
			if e != nil {
				s.apply(e)
				s.entries++
			}
		}
		s.logSize = s.off
		if len(s.records) >= s.sweepAt {
			s.sweepExpired(now)
		}
		if len(buf) > 0 {
			s.commits++
			close(s.notify)
			s.notify = make(chan struct{})
		}
	}
	failed = s.failed
	s.mu.Unlock()
	for i, r := range batch {
		switch {
		case full != nil && entries[i] != nil:
			r.err = full
		case werr != nil && entries[i] != nil:
			r.err = fmt.Errorf("%w: %w", ErrClosed, failed)
		}
		close(r.reply)
	}
}

// isNoSpace: the file system is full (or the writer's quota is used up).
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// rollback cuts the log back to end (a failed batch and any preallocation
// behind it) and makes the cut durable. Leader only.
func (s *Store) rollback(end int64) error {
	if err := s.f.Truncate(end); err != nil {
		return err
	}
	s.alloc = end
	if s.o.NoSync {
		return nil
	}
	return syncFile(s.f)
}

// decide checks r against the view, records its effect in the view and
// returns the entry to write (nil when r fails; r.err is set).
func (s *Store) decide(v *batchView, r *request, now time.Time) *logEntry {
	switch r.kind {
	case opAppend:
		return s.decideAppend(v, r, now)
	case opCAS:
		cur, ok := v.live(r.rec.Key, now)
		if (r.expectRev == 0 && ok) || (r.expectRev != 0 && (!ok || cur.Rev != r.expectRev)) {
			r.err = fmt.Errorf("record %s: expected rev %d does not hold: %w", r.rec.Key, r.expectRev, events.ErrVersionConflict)
			return nil
		}
		rec := r.rec.Normalized()
		rec.Rev = r.expectRev + 1
		v.records[rec.Key] = &rec
		r.out = rec
		return &logEntry{At: now, Puts: []events.Record{rec}}
	case opTake:
		cur, ok := v.live(r.key, now)
		if !ok {
			r.err = fmt.Errorf("take record %s: %w", r.key, events.ErrNotFound)
			return nil
		}
		v.records[r.key] = nil
		r.out = cur
		return &logEntry{At: now, Deletes: []string{r.key}}
	}
	r.err = fmt.Errorf("unknown request kind %d", r.kind)
	return nil
}

func (s *Store) decideAppend(v *batchView, r *request, now time.Time) *logEntry {
	req := r.append
	// Precedence of failures, the same as the DynamoDB adapter's mapping of
	// cancellation reasons: idempotent replay, then a taken reservation,
	// then the version.
	for _, op := range req.Records {
		if op.Mode == events.RecordIdempotency {
			if cur, ok := v.live(op.Record.Key, now); ok {
				r.err = fmt.Errorf("append to %s: %w", req.StreamID, &events.ReplayError{Record: cur})
				return nil
			}
		}
	}
	for _, op := range req.Records {
		if op.Mode == events.RecordPutIfAbsent {
			if _, ok := v.live(op.Record.Key, now); ok {
				r.err = fmt.Errorf("append to %s: %w", req.StreamID, &events.DuplicateError{Key: op.Record.Key})
				return nil
			}
		}
	}
	cur := v.streamVersion(req.StreamID)
	evs := req.Events
	if req.ExpectedVersion == events.ExpectAny {
		evs = slices.Clone(evs)
		for i := range evs {
			evs[i].Version = cur + int64(i) + 1
		}
	} else if req.ExpectedVersion != cur {
		r.err = fmt.Errorf("append: %w", &events.ConflictError{StreamID: req.StreamID, Expected: req.ExpectedVersion})
		return nil
	}
	e := &logEntry{At: now, Events: make([]events.Envelope, len(evs))}
	for i, ev := range evs {
		ev.OccurredAt = ev.OccurredAt.UTC()
		e.Events[i] = ev
	}
	for _, op := range req.Records {
		switch op.Mode {
		case events.RecordDelete:
			e.Deletes = append(e.Deletes, op.Record.Key)
			v.records[op.Record.Key] = nil
		default:
			rec := op.Record.Normalized()
			rec.Rev = 1
			if op.Mode == events.RecordPut {
				if old, ok := v.live(rec.Key, now); ok {
					rec.Rev = old.Rev + 1
				}
			}
			e.Puts = append(e.Puts, rec)
			v.records[rec.Key] = &rec
		}
	}
	v.version[req.StreamID] = cur + int64(len(evs))
	r.res = events.AppendResult{StreamID: req.StreamID, Version: cur + int64(len(evs))}
	return e
}

// Append implements events.Store. It returns once the commit is durable
// (fsynced), sharing the fsync with concurrent appenders.
func (s *Store) Append(ctx context.Context, req events.AppendRequest) (events.AppendResult, error) {
	if err := events.CheckAppend(req); err != nil {
		return events.AppendResult{}, fmt.Errorf("append to %s: %w", req.StreamID, err)
	}
	r := &request{kind: opAppend, append: req}
	if err := s.submit(ctx, r); err != nil {
		return events.AppendResult{}, err
	}
	return r.res, nil
}

// CompareAndPut implements events.Records.
func (s *Store) CompareAndPut(ctx context.Context, rec events.Record, expectRev int64) (events.Record, error) {
	if err := events.ValidateCompareAndPut(rec, expectRev); err != nil {
		return events.Record{}, err
	}
	r := &request{kind: opCAS, rec: rec, expectRev: expectRev}
	if err := s.submit(ctx, r); err != nil {
		return events.Record{}, err
	}
	return r.out, nil
}

// TakeRecord implements events.Records.
func (s *Store) TakeRecord(ctx context.Context, key string) (events.Record, error) {
	if key == "" {
		return events.Record{}, &events.ValidationError{Field: "record.key", Reason: "required"}
	}
	r := &request{kind: opTake, key: key}
	if err := s.submit(ctx, r); err != nil {
		return events.Record{}, err
	}
	return r.out, nil
}

// ---- read path ---------------------------------------------------------

// GetRecord implements events.Records.
func (s *Store) GetRecord(ctx context.Context, key string) (events.Record, error) {
	if err := ctx.Err(); err != nil {
		return events.Record{}, err
	}
	s.mu.RLock()
	r, ok := s.records[key]
	s.mu.RUnlock()
	if !ok || r.Expired(s.o.Now()) {
		return events.Record{}, fmt.Errorf("record %s: %w", key, events.ErrNotFound)
	}
	return r, nil
}

// Load implements events.Store. The returned envelopes share their Data
// bytes with the in-memory index: read them, do not modify them.
func (s *Store) Load(ctx context.Context, streamID string, from int64, limit int) (events.Page, error) {
	if err := ctx.Err(); err != nil {
		return events.Page{}, err
	}
	if limit <= 0 {
		limit = events.DefaultLoadPageSize
	}
	if from < 1 {
		from = 1
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	seqs, ok := s.streams[streamID]
	if !ok {
		return events.Page{}, fmt.Errorf("stream %s: %w", streamID, events.ErrNotFound)
	}
	var p events.Page
	if from > int64(len(seqs)) {
		return p, nil
	}
	end := min(int64(len(seqs)), from-1+int64(limit))
	p.Events = make([]events.Envelope, 0, end-from+1)
	for _, seq := range seqs[from-1 : end] {
		p.Events = append(p.Events, s.feed[seq-1].env)
	}
	if end < int64(len(seqs)) {
		p.Next = end + 1
	}
	return p, nil
}

// ReadAll implements events.Store: every event in commit order (so each
// stream is in version order). It iterates a snapshot taken at the call, so
// fn may use the store.
func (s *Store) ReadAll(ctx context.Context, fn func(events.Envelope) error) error {
	s.mu.RLock()
	snap := s.feed[:len(s.feed):len(s.feed)]
	s.mu.RUnlock()
	for i := range snap {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := fn(snap[i].env); err != nil {
			return err
		}
	}
	return nil
}

// LastSeq is the sequence number of the newest committed event (0: none).
func (s *Store) LastSeq() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return uint64(len(s.feed))
}

// SequenceNumber formats a feed sequence number as in feed records: decimal,
// zero-padded to 21 digits (so it also sorts as a string).
func SequenceNumber(seq uint64) string { return fmt.Sprintf("%021d", seq) }

// Tail returns up to max committed events with sequence number > after, in
// commit order, as changes (Seq = SequenceNumber(seq), At = the commit
// time). It blocks until at least one such event exists, ctx ends
// (ctx.Err()) or the store closes (ErrClosed). A sequence number is the
// event's 1-based position in the log, so the changes of one stream come in
// version order and Seq increases along the feed.
func (s *Store) Tail(ctx context.Context, after uint64, max int) ([]events.Change, error) {
	if max <= 0 {
		max = 100
	}
	for {
		s.mu.RLock()
		n := uint64(len(s.feed))
		wait := s.notify
		failed := s.failed
		var snap []fed
		if n > after {
			end := min(n, after+uint64(max))
			snap = s.feed[after:end:end]
		}
		s.mu.RUnlock()
		if snap != nil {
			out := make([]events.Change, 0, len(snap))
			for i, f := range snap {
				out = append(out, events.Change{Envelope: f.env, Seq: SequenceNumber(after + uint64(i) + 1), At: f.at})
			}
			return out, nil
		}
		if failed != nil {
			return nil, fmt.Errorf("tail: %w", ErrClosed)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-wait:
		}
	}
}

// sweepExpired drops expired records from memory (they are absent for every
// operation anyway) and sets the next sweep at twice the live count, so the
// cost is amortised O(1) per record write. Caller holds mu (or is Open).
func (s *Store) sweepExpired(now time.Time) {
	for k, r := range s.records {
		if r.Expired(now) {
			delete(s.records, k)
		}
	}
	s.sweepAt = max(2*len(s.records), 1024)
}

// LogSize is the length of the committed log in bytes (the file itself may
// be longer: zero-filled preallocation, cut on Close and on Open).
func (s *Store) LogSize() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.logSize
}

// Store states (State.Status).
const (
	StatusOK     = "ok"     // reads and writes work
	StatusFull   = "full"   // the last write found no space; reads work, every write tries again
	StatusClosed = "closed" // closed, or failed on an I/O error other than a full disk: reopen
)

// State is the store's condition, for health reports.
type State struct {
	Status string `json:"status"`
	// Error is why the store is not StatusOK.
	Error string `json:"error,omitempty"`
	// LogBytes is the committed log's length.
	LogBytes int64 `json:"log_bytes"`
	// FreeBytes is the space left on the log's file system (absent when
	// unknown).
	FreeBytes *int64 `json:"free_bytes,omitempty"`
}

// State reports whether the store takes writes, and the space left.
func (s *Store) State() State {
	s.mu.RLock()
	st := State{Status: StatusOK, LogBytes: s.logSize}
	switch {
	case s.failed != nil:
		st.Status, st.Error = StatusClosed, s.failed.Error()
	case s.full != nil:
		st.Status, st.Error = StatusFull, s.full.Error()
	}
	s.mu.RUnlock()
	if free, ok := freeBytes(s.dir); ok {
		st.FreeBytes = &free
	}
	return st
}

// Recovery reports what Open found at the end of the log.
type Recovery struct {
	// CutAt is the offset where a torn tail was cut (0: none was).
	CutAt int64
	// CutBytes is how many bytes were cut, zero-filled preallocation
	// included (so a clean shutdown's log has none, a crash's usually some).
	CutBytes int64
	// OnlyZeros: every cut byte was zero, i.e. only preallocation left by a
	// crash was cut and no commit was torn.
	OnlyZeros bool
}

// Recovery returns what Open found: whether a torn tail was cut, so the
// caller can log it and reconcile anything positioned on the feed (a
// checkpoint past LastSeq names events that are gone).
func (s *Store) Recovery() Recovery {
	return s.rec.Recovery
}

// Stats are counters since Open: Commits is the number of fsyncs (group
// commits), Entries the number of commits they carried.
type Stats struct{ Commits, Entries uint64 }

// Stats returns the write counters.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return Stats{Commits: s.commits, Entries: s.entries}
}
