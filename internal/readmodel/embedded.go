package readmodel

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
)

// Embedded is the in-memory read model used by the local runtime and tests.
// Partitions are kept sorted, so queries are ordered range scans. It is safe
// for concurrent use; Dump/LoadDump persist it as JSON lines.
type Embedded struct {
	mu    sync.RWMutex
	items map[key]entry
	table map[string][]string   // pk -> sorted sk of live items
	gsi1  map[string][]gsiEntry // gsi1pk -> sorted entries of live items
}

var _ Store = (*Embedded)(nil)

type key struct{ pk, sk string }

type entry struct {
	Item    Item `json:"item"`
	Deleted bool `json:"deleted,omitempty"`
}

type gsiEntry struct{ gsk, pk, sk string }

func (a gsiEntry) less(b gsiEntry) bool {
	if a.gsk != b.gsk {
		return a.gsk < b.gsk
	}
	if a.pk != b.pk {
		return a.pk < b.pk
	}
	return a.sk < b.sk
}

// NewEmbedded returns an empty embedded read model.
func NewEmbedded() *Embedded {
	return &Embedded{items: map[key]entry{}, table: map[string][]string{}, gsi1: map[string][]gsiEntry{}}
}

// Put implements Store.
func (e *Embedded) Put(ctx context.Context, it Item) (bool, error) {
	if err := it.Validate(); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	it.Body = append(json.RawMessage(nil), it.Body...)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.write(entry{Item: it}), nil
}

// Delete implements Store.
func (e *Embedded) Delete(ctx context.Context, pk, sk, sourceStream string, sourceVersion int64) (bool, error) {
	tomb, err := Tombstone(pk, sk, sourceStream, sourceVersion)
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.write(entry{Item: tomb, Deleted: true}), nil
}

// write applies the version condition and keeps the indexes; e.mu is held.
func (e *Embedded) write(n entry) bool {
	k := key{n.Item.PK, n.Item.SK}
	old, ok := e.items[k]
	if ok && old.Item.SourceVersion >= n.Item.SourceVersion {
		return false
	}
	if ok && !old.Deleted {
		e.unindex(old.Item)
	}
	e.items[k] = n
	if !n.Deleted {
		e.index(n.Item)
	}
	return true
}

func (e *Embedded) index(it Item) {
	s := e.table[it.PK]
	i := sort.SearchStrings(s, it.SK)
	s = append(s, "")
	copy(s[i+1:], s[i:])
	s[i] = it.SK
	e.table[it.PK] = s
	if it.GSI1PK != "" {
		g := e.gsi1[it.GSI1PK]
		ge := gsiEntry{it.GSI1SK, it.PK, it.SK}
		j := sort.Search(len(g), func(j int) bool { return !g[j].less(ge) })
		g = append(g, gsiEntry{})
		copy(g[j+1:], g[j:])
		g[j] = ge
		e.gsi1[it.GSI1PK] = g
	}
}

func (e *Embedded) unindex(it Item) {
	s := e.table[it.PK]
	if i := sort.SearchStrings(s, it.SK); i < len(s) && s[i] == it.SK {
		s = append(s[:i], s[i+1:]...)
	}
	if len(s) == 0 {
		delete(e.table, it.PK)
	} else {
		e.table[it.PK] = s
	}
	if it.GSI1PK != "" {
		g := e.gsi1[it.GSI1PK]
		ge := gsiEntry{it.GSI1SK, it.PK, it.SK}
		if j := sort.Search(len(g), func(j int) bool { return !g[j].less(ge) }); j < len(g) && g[j] == ge {
			g = append(g[:j], g[j+1:]...)
		}
		if len(g) == 0 {
			delete(e.gsi1, it.GSI1PK)
		} else {
			e.gsi1[it.GSI1PK] = g
		}
	}
}

// Get implements Store.
func (e *Embedded) Get(ctx context.Context, pk, sk string) (Item, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	n, ok := e.items[key{pk, sk}]
	if !ok || n.Deleted {
		return Item{}, fmt.Errorf("get %s/%s: %w", pk, sk, ErrNotFound)
	}
	return clone(n.Item), nil
}

func clone(it Item) Item {
	it.Body = append(json.RawMessage(nil), it.Body...)
	return it
}

// Query implements Store.
func (e *Embedded) Query(ctx context.Context, q Query) (Page, error) {
	if err := q.Validate(); err != nil {
		return Page{}, err
	}
	if err := ctx.Err(); err != nil {
		return Page{}, err
	}
	var c *cursor
	if q.Cursor != "" {
		cc, err := decodeCursor(q.Cursor, q)
		if err != nil {
			return Page{}, err
		}
		c = &cc
	}
	limit := q.EffectiveLimit()
	e.mu.RLock()
	defer e.mu.RUnlock()
	var keys []key
	if q.Index == IndexGSI1 {
		g := e.gsi1[q.PK]
		n := len(g)
		start := 0
		if c != nil {
			ce := gsiEntry{c.GSI1SK, c.PK, c.SK}
			if q.Desc {
				start = n - sort.Search(n, func(j int) bool { return !g[j].less(ce) })
			} else {
				start = sort.Search(n, func(j int) bool { return ce.less(g[j]) })
			}
		}
		for i := start; i < n && len(keys) <= limit; i++ {
			ge := g[i]
			if q.Desc {
				ge = g[n-1-i]
			}
			if inSK(q, ge.gsk) {
				keys = append(keys, key{ge.pk, ge.sk})
			}
		}
	} else {
		s := e.table[q.PK]
		n := len(s)
		start := 0
		if c != nil {
			if q.Desc {
				start = n - sort.SearchStrings(s, c.SK)
			} else {
				start = sort.Search(n, func(j int) bool { return s[j] > c.SK })
			}
		}
		for i := start; i < n && len(keys) <= limit; i++ {
			sk := s[i]
			if q.Desc {
				sk = s[n-1-i]
			}
			if inSK(q, sk) {
				keys = append(keys, key{q.PK, sk})
			}
		}
	}
	var p Page
	for i, k := range keys {
		if i == limit {
			p.Next = encodeCursor(p.Items[limit-1], q.Index)
			break
		}
		p.Items = append(p.Items, clone(e.items[k].Item))
	}
	return p, nil
}

// Scan implements Store.
func (e *Embedded) Scan(ctx context.Context, fn func(Item) error) error {
	e.mu.RLock()
	live := make([]Item, 0, len(e.items))
	for _, n := range e.items {
		if !n.Deleted {
			live = append(live, clone(n.Item))
		}
	}
	e.mu.RUnlock()
	for _, it := range live {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

// Dump writes every item and tombstone as JSON lines, sorted by key, so two
// equal read models dump to identical bytes.
func (e *Embedded) Dump(w io.Writer) error {
	e.mu.RLock()
	all := make([]entry, 0, len(e.items))
	for _, n := range e.items {
		all = append(all, n)
	}
	e.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool {
		if all[i].Item.PK != all[j].Item.PK {
			return all[i].Item.PK < all[j].Item.PK
		}
		return all[i].Item.SK < all[j].Item.SK
	})
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, n := range all {
		if err := enc.Encode(n); err != nil {
			return fmt.Errorf("dump read model: %w", err)
		}
	}
	return bw.Flush()
}

// LoadDump reads a Dump into a new Embedded.
func LoadDump(r io.Reader) (*Embedded, error) {
	e := NewEmbedded()
	dec := json.NewDecoder(r)
	for line := 1; ; line++ {
		var n entry
		err := dec.Decode(&n)
		if err == io.EOF {
			return e, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read model dump line %d: %w", line, err)
		}
		if err := n.Item.Validate(); err != nil {
			return nil, fmt.Errorf("read model dump line %d: %w", line, err)
		}
		e.write(n)
	}
}
