package connections_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/connections/connectionstest"
	"github.com/skyledger/skyledger/internal/ddb"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

func TestEmbeddedContract(t *testing.T) {
	t.Parallel()
	connectionstest.Run(t, func(t *testing.T, now func() time.Time) connections.Store {
		e := connections.NewEmbedded()
		e.Now = now
		return e
	}, true)
}

func TestDynamoContract(t *testing.T) {
	t.Parallel()
	c := awstest.DynamoDB(t)
	connectionstest.Run(t, func(t *testing.T, now func() time.Time) connections.Store {
		prefix := awstest.Prefix(t)
		require.NoError(t, ddb.EnsureTables(context.Background(), c, prefix, spec.Connections))
		d := connections.NewDynamo(c, spec.TableName(prefix, spec.Connections))
		d.Now = now
		return d
	}, false)
}
