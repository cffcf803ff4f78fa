package readmodel_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/readmodel/readmodeltest"
)

func TestEmbeddedContract(t *testing.T) {
	t.Parallel()
	readmodeltest.Run(t, func(*testing.T) readmodel.Store { return readmodel.NewEmbedded() })
}

func TestDynamoContract(t *testing.T) {
	t.Parallel()
	readmodeltest.Run(t, func(t *testing.T) readmodel.Store {
		c, prefix := awstest.Tables(t, spec.ReadModel)
		return readmodel.NewDynamo(c, readmodel.TableFor(prefix))
	})
}

// Overwrite replaces an item of the same version (Put does not), never a
// newer one, and writes tombstones that Get treats as missing.
func TestDynamoOverwrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := awstest.Tables(t, spec.ReadModel)
	d := readmodel.NewDynamo(c, readmodel.TableFor(prefix))
	item := func(v int64, body string) readmodel.Item {
		return readmodel.Item{PK: "a", SK: "x", SourceStream: "user-a", SourceVersion: v, Body: []byte(body)}
	}
	ok, err := d.Put(ctx, item(2, `{"n":"projected"}`))
	require.NoError(t, err)
	require.True(t, ok)
	tests := []struct {
		name    string
		it      readmodel.Item
		deleted bool
		wrote   bool
		body    string
	}{
		{name: "same version replaced", it: item(2, `{"n":"rebuilt"}`), wrote: true, body: `{"n":"rebuilt"}`},
		{name: "older version refused", it: item(1, `{"n":"stale"}`), body: `{"n":"rebuilt"}`},
		{name: "tombstone at the same version", it: item(2, `{}`), deleted: true, wrote: true},
	}
	for _, tc := range tests { // in order: each case builds on the last
		ok, err := d.Overwrite(ctx, tc.it, tc.deleted)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.wrote, ok, tc.name)
		got, err := d.Get(ctx, "a", "x")
		if tc.body == "" {
			assert.True(t, readmodel.IsNotFound(err), tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		assert.JSONEq(t, tc.body, string(got.Body), tc.name)
	}
}

func TestEmbeddedDumpRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := readmodel.NewEmbedded()
	for i, pk := range []string{"b", "a", "c"} {
		_, err := e.Put(ctx, readmodel.Item{PK: pk, SK: "x", GSI1PK: "g", GSI1SK: pk, SourceStream: "user-" + pk,
			SourceVersion: int64(i + 1), Body: []byte(`{"k":"` + pk + `"}`)})
		require.NoError(t, err)
	}
	_, err := e.Delete(ctx, "a", "x", "user-a", 5)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, e.Dump(&buf))
	back, err := readmodel.LoadDump(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	var buf2 bytes.Buffer
	require.NoError(t, back.Dump(&buf2))
	assert.Equal(t, buf.String(), buf2.String())
	ok, err := back.Put(ctx, readmodel.Item{PK: "a", SK: "x", SourceStream: "user-a", SourceVersion: 4, Body: []byte(`{}`)})
	require.NoError(t, err)
	assert.False(t, ok, "the tombstone survives the dump")
	p, err := back.Query(ctx, readmodel.Query{Index: readmodel.IndexGSI1, PK: "g"})
	require.NoError(t, err)
	require.Len(t, p.Items, 2)
	_, err = readmodel.LoadDump(bytes.NewReader([]byte("{\"item\":{\"pk\":\"\"}}\n")))
	assert.Error(t, err)
}

func BenchmarkEmbeddedPut(b *testing.B) {
	ctx := context.Background()
	e := readmodel.NewEmbedded()
	body := []byte(`{"id":"x","name":"n"}`)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = e.Put(ctx, readmodel.Item{PK: "p", SK: string(rune('a' + i%26)), SourceStream: "user-x", SourceVersion: int64(i + 1), Body: body})
	}
}
