package connections_test

import (
	"testing"
	"time"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/connections/connectionstest"
)

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
	connectionstest.Run(t, func(t *testing.T, now func() time.Time) connections.Store {
		c, prefix := awstest.Tables(t, spec.Connections)
		d := connections.NewDynamo(c, spec.TableName(prefix, spec.Connections))
		d.Now = now
		return d
	}, false)
}
