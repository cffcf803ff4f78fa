package queryapi

import (
	"context"
	"encoding/json"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// ScanPosition is where a filtered listing continues: the read-model cursor
// of a scan page and how many of its items were already consumed. Its JSON
// is the inner value of the listing's sealed cursor.
type ScanPosition struct {
	C string `json:"c,omitempty"`
	S int    `json:"s,omitempty"`
}

// ParseScanPosition decodes a verified inner cursor ("" is the start) for
// scan pages of pageSize items.
func ParseScanPosition(inner string, pageSize int) (ScanPosition, error) {
	var pos ScanPosition
	if inner == "" {
		return pos, nil
	}
	if err := json.Unmarshal([]byte(inner), &pos); err != nil || pos.S < 0 || pos.S >= pageSize {
		return pos, domain.Invalid("cursor", "invalid or foreign cursor")
	}
	return pos, nil
}

// Scan reads q (q.Limit is the scan page size) from pos and calls keep on
// each item; keep reports whether the item is one of the results. Scan
// stops after limit results, or after maxScan examined items (0: no bound),
// and returns the inner cursor of the next page ("" when the listing ended).
// A filter that keeps few items therefore costs bounded reads per request.
func Scan(ctx context.Context, m readmodel.Store, q readmodel.Query, pos ScanPosition, limit, maxScan int,
	keep func(readmodel.Item) (bool, error)) (next string, err error) {
	found, scanned := 0, 0
	var at *ScanPosition
scan:
	for {
		q.Cursor = pos.C
		page, err := m.Query(ctx, q)
		if err != nil {
			return "", err
		}
		for i := pos.S; i < len(page.Items); i++ {
			scanned++
			ok, err := keep(page.Items[i])
			if err != nil {
				return "", err
			}
			if ok {
				found++
			}
			if found == limit {
				switch {
				case i+1 < len(page.Items):
					at = &ScanPosition{C: pos.C, S: i + 1}
				case page.Next != "":
					at = &ScanPosition{C: page.Next}
				}
				break scan
			}
		}
		if page.Next == "" {
			break
		}
		pos = ScanPosition{C: page.Next}
		if maxScan > 0 && scanned >= maxScan {
			at = &pos
			break
		}
	}
	if at == nil {
		return "", nil
	}
	b, err := json.Marshal(at)
	return string(b), err
}
