package readmodel_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/readmodel/readmodeltest"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

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
