// Command ws-connect is the WebSocket API's $connect integration (spec.FnWSConnect). It runs after the $connect authorizer (functions/authorizer) allowed the handshake and records the connection.
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
	env := lambdaenv.New(spec.FnWSConnect)
	table := env.Require(spec.Connections.EnvVar)
	cloud := env.AWS(context.Background())
	h := wsapi.New(wsapi.Deps{
		Store:   connections.NewDynamo(cloud.DynamoDB, table),
		Log:     env.Log,
		Metrics: metrics.New(os.Stdout, spec.FnWSConnect),
	})
	lambda.Start(h.Connect)
}
