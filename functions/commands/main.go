// Command commands is the Lambda function serving every mutation route
// (spec.FnCommands). It only wires adapters; the logic is in
// functions/handlers/commands.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/functions/handlers/commands"
	"github.com/skyledger/skyledger/infra/spec"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: logLevel()}))
	eventsTable := mustEnv(log, spec.Events.EnvVar)
	recordsTable := mustEnv(log, spec.Records.EnvVar)
	wsURL := mustEnv(log, spec.EnvWSURL)

	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Error("aws config", "error", err.Error())
		os.Exit(1)
	}
	var token func(context.Context) (string, error)
	switch {
	case os.Getenv(spec.EnvBootstrapSecretARN) != "":
		token = (&secretToken{client: secretsmanager.NewFromConfig(cfg), arn: os.Getenv(spec.EnvBootstrapSecretARN)}).Get
	case os.Getenv(spec.EnvBootstrapToken) != "":
		t := os.Getenv(spec.EnvBootstrapToken)
		token = func(context.Context) (string, error) { return t, nil }
	default:
		log.Error("missing environment", "need", spec.EnvBootstrapSecretARN+" or "+spec.EnvBootstrapToken)
		os.Exit(1)
	}
	svc := commands.New(commands.Deps{
		Store:          dynamo.New(dynamodb.NewFromConfig(cfg), eventsTable, recordsTable),
		Log:            log,
		BootstrapToken: token,
		WSURL:          wsURL,
	})
	lambda.Start(svc.Router().Invoke)
}

// secretToken reads the bootstrap token from Secrets Manager once and caches
// it for the life of the execution environment (a failure is not cached).
type secretToken struct {
	client *secretsmanager.Client
	arn    string

	mu    sync.Mutex
	value string
}

func (s *secretToken) Get(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.value != "" {
		return s.value, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.arn)})
	if err != nil {
		return "", fmt.Errorf("get bootstrap secret: %w", err)
	}
	s.value = aws.ToString(out.SecretString)
	return s.value, nil
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
