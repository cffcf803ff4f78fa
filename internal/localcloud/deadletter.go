package localcloud

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
)

// DeadLetter is one stream record the event source mapping gave up on.
// Unlike Lambda's on-failure destination (which gets batch metadata only),
// the local file keeps the whole record so it can be redriven.
type DeadLetter struct {
	ID       string                           `json:"id"` // the record's sequence number
	FailedAt time.Time                        `json:"failed_at"`
	Function string                           `json:"function"`
	Reason   string                           `json:"reason"`
	Attempts int                              `json:"attempts"`
	Record   lambdaevents.DynamoDBEventRecord `json:"record"`
}

// DeadLetters is the local dead-letter file: JSON lines, appended and
// fsynced per write; safe for concurrent use within one process.
type DeadLetters struct {
	path string
	mu   sync.Mutex
}

// DeadLetterFile is the file name inside the data directory.
const DeadLetterFile = "deadletter.jsonl"

// OpenDeadLetters returns the dead-letter file at path (created on first
// write).
func OpenDeadLetters(path string) *DeadLetters { return &DeadLetters{path: path} }

// Add appends entries durably.
func (d *DeadLetters) Add(entries ...DeadLetter) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	lines, err := encodeLines(entries)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(d.path), 0o700); err != nil {
		return err
	}
	return writeSynced(d.path, os.O_APPEND, lines)
}

// encodeLines is entries as JSON lines, in order.
func encodeLines(entries []DeadLetter) ([]byte, error) {
	var buf bytes.Buffer
	for _, e := range entries {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode dead letter %s: %w", e.ID, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes(), nil
}

// writeSynced writes data to path (created 0600 if missing; flag adds
// os.O_APPEND or os.O_TRUNC) and fsyncs it before closing. The file is
// closed on every path.
func writeSynced(path string, flag int, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|flag, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// List returns the entries in file order; a later entry with the same ID
// replaces an earlier one. A missing file is an empty list; an undecodable
// line (a torn last write) is skipped.
func (d *DeadLetters) List() ([]DeadLetter, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.list()
}

func (d *DeadLetters) list() ([]DeadLetter, error) {
	f, err := os.Open(d.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []DeadLetter
	pos := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 8<<20)
	for sc.Scan() {
		var e DeadLetter
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.ID == "" {
			continue
		}
		if i, ok := pos[e.ID]; ok {
			out[i] = e
			continue
		}
		pos[e.ID] = len(out)
		out = append(out, e)
	}
	return out, sc.Err()
}

func (d *DeadLetters) rewrite(entries []DeadLetter) error {
	lines, err := encodeLines(entries)
	if err != nil {
		return err
	}
	tmp := d.path + ".tmp"
	if err := writeSynced(tmp, os.O_TRUNC, lines); err != nil {
		return err
	}
	return os.Rename(tmp, d.path)
}

// SetAsideAfter moves every entry whose ID (a sequence number) is above seq
// out of the file into <path>.orphaned-<UTC time>, which is fsynced before
// the file is rewritten (nothing is deleted). For a log that lost its tail
// or was repaired: those records' events are no longer at those positions,
// so redriving them would project events the log does not hold, and new
// records will take their IDs. It returns how many moved and where.
func (d *DeadLetters) SetAsideAfter(seq uint64, now time.Time) (int, string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	all, err := d.list()
	if err != nil {
		return 0, "", err
	}
	var keep, moved []DeadLetter
	for _, e := range all {
		if n, err := strconv.ParseUint(e.ID, 10, 64); err == nil && n > seq {
			moved = append(moved, e)
		} else {
			keep = append(keep, e)
		}
	}
	if len(moved) == 0 {
		return 0, "", nil
	}
	aside := OpenDeadLetters(d.path + ".orphaned-" + now.UTC().Format("20060102T150405.000000000Z"))
	if err := aside.Add(moved...); err != nil {
		return 0, "", fmt.Errorf("set dead letters aside: %w", err)
	}
	if err := d.rewrite(keep); err != nil {
		return 0, "", fmt.Errorf("rewrite dead-letter file: %w", err)
	}
	return len(moved), aside.path, nil
}

// RedriveResult says what a redrive did.
type RedriveResult struct {
	Redriven []string          `json:"redriven"`
	Failed   map[string]string `json:"failed,omitempty"` // id -> reason; the entry stays
}

// RequestRedrive asks the runtime whose management API is at mgmtURL to
// redrive the dead letters ids (all of them when ids is empty): the client
// of the management route that calls Redrive.
func RequestRedrive(ctx context.Context, mgmtURL string, ids []string) (RedriveResult, error) {
	var res RedriveResult
	body, err := json.Marshal(map[string]any{"ids": ids})
	if err != nil {
		return res, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, mgmtURL+"/_skyledger/deadletter/redrive", bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return res, fmt.Errorf("reach the runtime at %s: %w", mgmtURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("redrive: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return res, json.Unmarshal(b, &res)
}

// Redrive invokes fn once per entry (a batch of one record, in file order)
// for the given ids, or for all entries when ids is empty, and removes each
// entry whose invocation succeeded. Projections are idempotent per stream
// version, so redriving a record that was meanwhile applied changes nothing.
func (d *DeadLetters) Redrive(ctx context.Context, fn StreamFunc, ids ...string) (RedriveResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	res := RedriveResult{Failed: map[string]string{}}
	all, err := d.list()
	if err != nil {
		return res, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	keep := all[:0:0]
	for _, e := range all {
		if len(want) > 0 && !want[e.ID] {
			keep = append(keep, e)
			continue
		}
		delete(want, e.ID)
		resp, err := invoke(ctx, fn, lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{e.Record}})
		switch {
		case err != nil:
			res.Failed[e.ID] = err.Error()
		case len(resp.BatchItemFailures) > 0:
			res.Failed[e.ID] = "batchItemFailures reported the record"
		}
		if _, failed := res.Failed[e.ID]; failed {
			e.Attempts++
			e.Reason = "redrive: " + res.Failed[e.ID]
			keep = append(keep, e)
			continue
		}
		res.Redriven = append(res.Redriven, e.ID)
	}
	for id := range want {
		res.Failed[id] = "no such dead letter"
	}
	if len(res.Redriven) > 0 || len(keep) != len(all) {
		if err := d.rewrite(keep); err != nil {
			return res, fmt.Errorf("rewrite dead-letter file: %w", err)
		}
	}
	return res, nil
}
