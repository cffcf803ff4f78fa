// Command ws-default serves the WebSocket API's subscribe, unsubscribe, ping and $default routes (spec.FnWSDefault), replying through the management API.
// It only wires adapters; the logic is in internal/wsapi.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/lambdaenv"
	"github.com/skyledger/skyledger/internal/metrics"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/wsapi"
)

func main() {
	env := lambdaenv.New(spec.FnWSDefault)
	table := env.Require(spec.Connections.EnvVar)
	models := env.Require(spec.ReadModel.EnvVar)
	mgmt := env.Require(spec.EnvWSManagementURL)
	cloud := env.AWS(context.Background())
	h := wsapi.New(wsapi.Deps{
		Store:        connections.NewDynamo(cloud.DynamoDB, table),
		Client:       notify.NewClient(cloud.Config, mgmt, 4),
		Log:          env.Log,
		Metrics:      metrics.New(os.Stdout, spec.FnWSDefault),
		TenantExists: wsapi.TenantsIn(readmodel.NewDynamo(cloud.DynamoDB, models)),
	})
	lambda.Start(h.Default)
}
