// Command projector is the Lambda function on the Events table's stream
// (spec.Projector): it updates the read models, then notifies WebSocket
// subscribers. It only wires adapters; the logic is in
// internal/projection.
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
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
)

func main() {
	env := lambdaenv.New(spec.FnProjector)
	readModelTable := env.Require(spec.ReadModel.EnvVar)
	connectionsTable := env.Require(spec.Connections.EnvVar)
	mgmtURL := env.Require(spec.EnvWSManagementURL)
	concurrency, err := notify.ParseConcurrency(env.Optional(spec.EnvFanoutConcurrency))
	if err != nil {
		env.Fail("bad environment", "var", spec.EnvFanoutConcurrency, "error", err.Error())
	}
	cloud := env.AWS(context.Background())
	n := notify.New(notify.Deps{
		Store:       connections.NewDynamo(cloud.DynamoDB, connectionsTable),
		Client:      notify.NewClient(cloud.Config, mgmtURL, concurrency),
		Log:         env.Log,
		Metrics:     metrics.New(os.Stdout, spec.FnProjector),
		Concurrency: concurrency,
	})
	h := projection.New(projection.Deps{
		Models:      readmodel.NewDynamo(cloud.DynamoDB, readModelTable),
		Notifier:    n,
		Projections: projection.Default(),
		Log:         env.Log,
	})
	lambda.Start(h.Handle)
}
