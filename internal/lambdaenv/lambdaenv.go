// Package lambdaenv is the wiring every Lambda main repeats: a JSON slog
// logger at LOG_LEVEL (spec.EnvLogLevel) that redacts credentials, required
// environment variables that fail fast, and the AWS config and DynamoDB
// client. It only reads the environment and builds clients; a main stays a
// few lines of adapter wiring and lambda.Start.
//
// Failing fast means: log one error line naming the problem (never a value)
// and exit with status 1 during the Lambda init phase, so a misconfigured
// function never serves a request.
package lambdaenv

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/metrics"
)

// Env is one function's view of its environment. Build it with New (or
// NewWith in tests). It is meant for the single-goroutine init phase of a
// main and is not safe for concurrent use.
type Env struct {
	// Log is the function's logger: JSON to stdout, level from LOG_LEVEL
	// (debug, info, warn, error; default info), credentials redacted by
	// metrics.Redact, every line tagged with "function".
	Log *slog.Logger

	getenv func(string) string
	exit   func(int)
}

// New returns the Env of the named function (a spec.Fn* name), reading the
// process environment, logging to stdout and exiting the process on failure.
func New(function string) *Env {
	return NewWith(function, os.Stdout, os.Getenv, os.Exit)
}

// NewWith is New with the log writer, environment lookup and exit function
// supplied (tests pass a buffer, a map lookup and an exit that panics).
func NewWith(function string, w io.Writer, getenv func(string) string, exit func(int)) *Env {
	log := metrics.NewLogger(w, metrics.ParseLevel(getenv(spec.EnvLogLevel))).With("function", function)
	return &Env{Log: log, getenv: getenv, exit: exit}
}

// Require returns the value of the environment variable name, or fails
// fast (Fail) when it is unset or empty. The value is never logged.
func (e *Env) Require(name string) string {
	v := e.getenv(name)
	if v == "" {
		e.Fail("missing environment variable", "name", name)
	}
	return v
}

// Optional returns the value of the environment variable name, "" when
// unset.
func (e *Env) Optional(name string) string { return e.getenv(name) }

// Fail logs msg with args at error level and exits with status 1. Callers
// must not pass secret values in args.
func (e *Env) Fail(msg string, args ...any) {
	e.Log.Error(msg, args...)
	e.exit(1)
}

// AWS is the loaded AWS configuration and the DynamoDB client built from it.
// Config is kept for the other clients a function needs (Secrets Manager,
// the API Gateway management API).
type AWS struct {
	Config   aws.Config
	DynamoDB *dynamodb.Client
}

// AWS loads the default AWS configuration (environment, shared config, the
// Lambda execution role), with optFns applied, and builds the DynamoDB
// client; it fails fast when the configuration cannot be loaded.
func (e *Env) AWS(ctx context.Context, optFns ...func(*config.LoadOptions) error) AWS {
	cfg, err := config.LoadDefaultConfig(ctx, optFns...)
	if err != nil {
		e.Fail("aws config", "error", err.Error())
		return AWS{}
	}
	return AWS{Config: cfg, DynamoDB: dynamodb.NewFromConfig(cfg)}
}
