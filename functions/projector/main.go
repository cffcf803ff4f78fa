// Command projector is the Lambda function on the Events table's stream
// (spec.Projector): it updates the read models, then notifies WebSocket
// subscribers. It only wires adapters; the logic is in
// functions/handlers/projector.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skyledger/skyledger/functions/connections"
	"github.com/skyledger/skyledger/functions/handlers/projector"
	"github.com/skyledger/skyledger/functions/metrics"
	"github.com/skyledger/skyledger/functions/notify"
	"github.com/skyledger/skyledger/functions/readmodel"
	"github.com/skyledger/skyledger/infra/spec"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: logLevel()}))
	readModelTable := mustEnv(log, spec.ReadModel.EnvVar)
	connectionsTable := mustEnv(log, spec.Connections.EnvVar)
	mgmtURL := mustEnv(log, spec.EnvWSManagementURL)
	concurrency, err := notify.ParseConcurrency(os.Getenv(spec.EnvFanoutConcurrency))
	if err != nil {
		log.Error("bad environment", "var", spec.EnvFanoutConcurrency, "error", err.Error())
		os.Exit(1)
	}

	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("aws config", "error", err.Error())
		os.Exit(1)
	}
	ddb := dynamodb.NewFromConfig(cfg)
	n := notify.New(notify.Deps{
		Store:       connections.NewDynamo(ddb, connectionsTable),
		Client:      notify.NewClient(cfg, mgmtURL, concurrency),
		Log:         log,
		Metrics:     metrics.New(os.Stdout, spec.FnProjector),
		Concurrency: concurrency,
	})
	h := projector.New(projector.Deps{
		Models:      readmodel.NewDynamo(ddb, readModelTable),
		Notifier:    n,
		Projections: projector.Default(),
		Log:         log,
	})
	lambda.Start(h.Handle)
}

func mustEnv(log *slog.Logger, name string) string {
	v := os.Getenv(name)
	if v == "" {
		log.Error("missing environment variable", "name", name)
		os.Exit(1)
	}
	return v
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv(spec.EnvLogLevel))); err != nil {
		return slog.LevelInfo
	}
	return l
}
