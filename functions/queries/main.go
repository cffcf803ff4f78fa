// Command queries is the Lambda function serving every read route
// (spec.FnQueries). It only wires adapters; the logic is in
// functions/handlers/queries.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/functions/handlers/queries"
	"github.com/skyledger/skyledger/functions/readmodel"
	"github.com/skyledger/skyledger/infra/spec"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: logLevel()}))
	readModelTable := mustEnv(log, spec.ReadModel.EnvVar)
	recordsTable := mustEnv(log, spec.Records.EnvVar)
	cursorKey := mustEnv(log, spec.EnvCursorKey)
	if len(cursorKey) < 16 {
		log.Error("cursor key too short", "var", spec.EnvCursorKey, "min_bytes", 16)
		os.Exit(1)
	}

	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("aws config", "error", err.Error())
		os.Exit(1)
	}
	ddb := dynamodb.NewFromConfig(cfg)
	svc := queries.New(queries.Deps{
		Models: readmodel.NewDynamo(ddb, readModelTable),
		// Only GetRecord is used (key last_used_at); the function has no
		// access to the Events table.
		Records:   dynamo.New(ddb, "", recordsTable),
		CursorKey: []byte(cursorKey),
		Log:       log,
	})
	lambda.Start(svc.Router().Invoke)
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
