// Package readmodel is the query side's storage port: a generic single-table
// read model (the spec.ReadModel table, or its embedded equivalent). Every
// item remembers the stream and version it was projected from, and every
// write is conditional on that version, so redelivered or duplicated stream
// records change nothing (exactly-once effect over at-least-once delivery).
//
// Adapters: Embedded (in memory, ordered) and Dynamo (DynamoDB). Both pass the
// contract suite in readmodeltest.
package readmodel

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/skyledger/skyledger/domain"
)

// IndexGSI1 is the one global secondary index of the ReadModel table.
const IndexGSI1 = "gsi1"

// Limits shared by the adapters.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
	MaxKeyBytes  = 1024
	// MaxBodyBytes keeps one item under DynamoDB's 400 KB item limit.
	MaxBodyBytes = 350 * 1024
)

// ErrNotFound is returned by Get for a missing or deleted item. It matches
// domain.ErrNotFound so the HTTP layer answers 404.
var ErrNotFound = fmt.Errorf("read model item %w", domain.ErrNotFound)

// Item is one read-model row. PK/SK is the primary key; GSI1PK/GSI1SK place
// the item in the gsi1 index (both empty: not indexed). Within one gsi1
// partition GSI1SK values should be unique (append the id) so that the order
// is total. Body is a JSON object, the resource as the queries serve it.
type Item struct {
	PK            string          `json:"pk"`
	SK            string          `json:"sk"`
	GSI1PK        string          `json:"gsi1pk,omitempty"`
	GSI1SK        string          `json:"gsi1sk,omitempty"`
	SourceStream  string          `json:"source_stream"`
	SourceVersion int64           `json:"source_version"`
	Body          json.RawMessage `json:"body"`
}

// Tombstone returns the item that Delete writes for pk/sk at source
// version v of stream (an empty body, marked deleted by the store), or the
// validation error of such an item (see Item.Validate).
func Tombstone(pk, sk, stream string, v int64) (Item, error) {
	tomb := Item{PK: pk, SK: sk, SourceStream: stream, SourceVersion: v, Body: json.RawMessage(`{}`)}
	if err := tomb.Validate(); err != nil {
		return Item{}, err
	}
	return tomb, nil
}

// Validate checks an item before any write.
func (it Item) Validate() error {
	switch {
	case it.PK == "" || len(it.PK) > MaxKeyBytes:
		return domain.Invalid("pk", "required, at most %d bytes", MaxKeyBytes)
	case it.SK == "" || len(it.SK) > MaxKeyBytes:
		return domain.Invalid("sk", "required, at most %d bytes", MaxKeyBytes)
	case (it.GSI1PK == "") != (it.GSI1SK == ""):
		return domain.Invalid("gsi1pk", "gsi1pk and gsi1sk are set together")
	case len(it.GSI1PK) > MaxKeyBytes || len(it.GSI1SK) > MaxKeyBytes:
		return domain.Invalid("gsi1sk", "at most %d bytes", MaxKeyBytes)
	case it.SourceStream == "":
		return domain.Invalid("source_stream", "required")
	case it.SourceVersion < 1:
		return domain.Invalid("source_version", "must be >= 1")
	case len(it.Body) == 0 || it.Body[0] != '{' || !json.Valid(it.Body):
		return domain.Invalid("body", "must be a JSON object")
	case len(it.Body) > MaxBodyBytes:
		return fmt.Errorf("read model body of %d bytes exceeds %d: %w", len(it.Body), MaxBodyBytes, domain.ErrTooLarge)
	}
	return nil
}

// Query selects items of one partition, in sort-key order. Index is "" (the
// table: PK/SK) or IndexGSI1 (GSI1PK/GSI1SK). At most one of SKPrefix and the
// range (SKFrom and/or SKTo, inclusive) may be set. Limit 0 means
// DefaultLimit. Cursor is Page.Next of the previous page of the same query.
type Query struct {
	Index    string
	PK       string
	SKPrefix string
	SKFrom   string
	SKTo     string
	Desc     bool
	Limit    int
	Cursor   string
}

// Validate checks the query's shape.
func (q Query) Validate() error {
	switch {
	case q.Index != "" && q.Index != IndexGSI1:
		return domain.Invalid("index", "unknown index %q", q.Index)
	case q.PK == "":
		return domain.Invalid("pk", "required")
	case q.SKPrefix != "" && (q.SKFrom != "" || q.SKTo != ""):
		return domain.Invalid("sk", "prefix and range are exclusive")
	case q.SKFrom != "" && q.SKTo != "" && q.SKFrom > q.SKTo:
		return domain.Invalid("sk", "range start after end")
	case q.Limit < 0 || q.Limit > MaxLimit:
		return domain.Invalid("limit", "must be between 1 and %d", MaxLimit)
	}
	return nil
}

// EffectiveLimit is Limit with the default applied.
func (q Query) EffectiveLimit() int {
	if q.Limit == 0 {
		return DefaultLimit
	}
	return q.Limit
}

// Page is one page of a query. Next is empty when no item follows.
type Page struct {
	Items []Item
	Next  string
}

// Store is the read-model port. Implementations are safe for concurrent use.
type Store interface {
	// Put writes it unless a stored item (or tombstone) with the same key has
	// SourceVersion >= it.SourceVersion; applied reports whether it wrote.
	// Putting the same item twice is therefore a no-op the second time.
	Put(ctx context.Context, it Item) (applied bool, err error)
	// Get returns the item, or ErrNotFound (missing or deleted).
	Get(ctx context.Context, pk, sk string) (Item, error)
	// Delete replaces the item with a tombstone carrying sourceVersion, under
	// the same condition as Put. A deleted item is invisible to Get and Query;
	// an older Put cannot resurrect it, a newer one can.
	Delete(ctx context.Context, pk, sk, sourceStream string, sourceVersion int64) (applied bool, err error)
	// Query returns one page of a partition in sort-key order (ties on
	// GSI1SK broken by PK, SK), skipping tombstones.
	Query(ctx context.Context, q Query) (Page, error)
	// Scan calls fn for every live item, in no particular order (replay
	// comparison, dumps).
	Scan(ctx context.Context, fn func(Item) error) error
}

// cursor is the adapter cursor: the key of the last item returned. Both
// adapters use the same format, base64url(JSON).
type cursor struct {
	PK     string `json:"p"`
	SK     string `json:"s"`
	GSI1PK string `json:"gp,omitempty"`
	GSI1SK string `json:"gs,omitempty"`
}

func encodeCursor(it Item, index string) string {
	c := cursor{PK: it.PK, SK: it.SK}
	if index == IndexGSI1 {
		c.GSI1PK, c.GSI1SK = it.GSI1PK, it.GSI1SK
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, q Query) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.PK == "" || c.SK == "" {
		return c, domain.Invalid("cursor", "malformed cursor")
	}
	if q.Index == IndexGSI1 {
		if c.GSI1PK != q.PK || c.GSI1SK == "" {
			return c, domain.Invalid("cursor", "cursor belongs to another query")
		}
	} else if c.PK != q.PK || c.GSI1PK != "" {
		return c, domain.Invalid("cursor", "cursor belongs to another query")
	}
	return c, nil
}

// IsNotFound reports whether err is a not-found error.
func IsNotFound(err error) bool { return errors.Is(err, domain.ErrNotFound) }

// inSK reports whether a sort key value matches the query's key condition.
func inSK(q Query, sk string) bool {
	if q.SKPrefix != "" {
		return strings.HasPrefix(sk, q.SKPrefix)
	}
	if q.SKFrom != "" && sk < q.SKFrom {
		return false
	}
	if q.SKTo != "" && sk > q.SKTo {
		return false
	}
	return true
}
