// Command ws-disconnect is the WebSocket API's $disconnect integration (spec.FnWSDisconnect): it removes the connection and its subscriptions.
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
	"github.com/skyledger/skyledger/internal/wsapi"
)

func main() {
	env := lambdaenv.New(spec.FnWSDisconnect)
	table := env.Require(spec.Connections.EnvVar)
	cloud := env.AWS(context.Background())
	h := wsapi.New(wsapi.Deps{
		Store:   connections.NewDynamo(cloud.DynamoDB, table),
		Log:     env.Log,
		Metrics: metrics.New(os.Stdout, spec.FnWSDisconnect),
	})
	lambda.Start(h.Disconnect)
}
