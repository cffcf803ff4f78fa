// Command commands is the Lambda function serving every mutation route
// (spec.FnCommands). It only wires adapters; the logic is in
// internal/commandapi.
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/lambdaenv"
	"github.com/skyledger/skyledger/internal/notify"
)

func main() {
	env := lambdaenv.New(spec.FnCommands)
	eventsTable := env.Require(spec.Events.EnvVar)
	recordsTable := env.Require(spec.Records.EnvVar)
	wsURL := env.Require(spec.EnvWSURL)
	connsTable := env.Require(spec.Connections.EnvVar)
	mgmtURL := env.Require(spec.EnvWSManagementURL)
	cloud := env.AWS(context.Background())

	var token func(context.Context) (string, error)
	switch arn, local := env.Optional(spec.EnvBootstrapSecretARN), env.Optional(spec.EnvBootstrapToken); {
	case arn != "":
		token = (&secretToken{client: secretsmanager.NewFromConfig(cloud.Config), arn: arn}).Get
	case local != "":
		token = func(context.Context) (string, error) { return local, nil }
	default:
		env.Fail("missing environment", "need", spec.EnvBootstrapSecretARN+" or "+spec.EnvBootstrapToken)
	}
	svc := commandapi.New(commandapi.Deps{
		Store:          dynamo.New(cloud.DynamoDB, eventsTable, recordsTable),
		Log:            env.Log,
		BootstrapToken: token,
		WSURL:          wsURL,
		// sign-out closes the session's sockets
		Sockets: notify.KeySockets{Store: connections.NewDynamo(cloud.DynamoDB, connsTable),
			Client: notify.NewClient(cloud.Config, mgmtURL, 4)},
		// throttle state: Store's Records table, whose records expire (TTL)
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
