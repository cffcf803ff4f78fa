package readmodel_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/skyledger/skyledger/internal/readmodel"
)

// FuzzQueryCursor: any cursor string is either accepted or a validation
// error; never a panic.
func FuzzQueryCursor(f *testing.F) {
	e := readmodel.NewEmbedded()
	ctx := context.Background()
	for _, sk := range []string{"a", "b", "c"} {
		_, _ = e.Put(ctx, readmodel.Item{PK: "p", SK: sk, GSI1PK: "g", GSI1SK: sk, SourceStream: "user-p", SourceVersion: 1, Body: []byte(`{}`)})
	}
	p, _ := e.Query(ctx, readmodel.Query{PK: "p", Limit: 1})
	f.Add(p.Next, false, false)
	f.Add("", true, true)
	f.Add("eyJwIjoicCIsInMiOiJ6In0", true, false)
	f.Add("!!", false, true)
	f.Fuzz(func(t *testing.T, cursor string, gsi, desc bool) {
		q := readmodel.Query{PK: "p", Cursor: cursor, Desc: desc, Limit: 2}
		if gsi {
			q.Index, q.PK = readmodel.IndexGSI1, "g"
		}
		page, err := e.Query(ctx, q)
		if err == nil && len(page.Items) > 2 {
			t.Fatalf("limit exceeded: %d", len(page.Items))
		}
	})
}

// FuzzLoadDump: arbitrary dump bytes load or fail cleanly.
func FuzzLoadDump(f *testing.F) {
	var buf bytes.Buffer
	e := readmodel.NewEmbedded()
	_, _ = e.Put(context.Background(), readmodel.Item{PK: "p", SK: "s", SourceStream: "user-p", SourceVersion: 1, Body: []byte(`{"a":1}`)})
	_ = e.Dump(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte("{\"item\":{},\"deleted\":true}\n"))
	f.Add([]byte("not json"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := readmodel.LoadDump(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := m.Dump(&out); err != nil {
			t.Fatal(err)
		}
	})
}
