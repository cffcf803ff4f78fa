// Command ws-disconnect is the WebSocket API's $disconnect integration (spec.FnWSDisconnect): it removes the connection and its subscriptions.
// It only wires adapters; the logic is in functions/handlers/wsapi.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skyledger/skyledger/functions/connections"
	"github.com/skyledger/skyledger/functions/handlers/wsapi"
	"github.com/skyledger/skyledger/functions/metrics"
	"github.com/skyledger/skyledger/infra/spec"
)

func main() {
	log := metrics.NewLogger(os.Stdout, metrics.ParseLevel(os.Getenv(spec.EnvLogLevel))).With("function", spec.FnWSDisconnect)
	table := mustEnv(log, spec.Connections.EnvVar)
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("aws config", "error", err.Error())
		os.Exit(1)
	}
	h := wsapi.New(wsapi.Deps{
		Store:   connections.NewDynamo(dynamodb.NewFromConfig(cfg), table),
		Log:     log,
		Metrics: metrics.New(os.Stdout, spec.FnWSDisconnect),
	})
	lambda.Start(h.Disconnect)
}

func mustEnv(log *slog.Logger, name string) string {
	v := os.Getenv(name)
	if v == "" {
		log.Error("missing environment variable", "name", name)
		os.Exit(1)
	}
	return v
}
