// Command authorizer is the Lambda function behind both API Gateway
// authorizers: the HTTP API authorizer (payload 2.0, simple responses) and
// the WebSocket $connect REQUEST authorizer. One binary serves both: the
// handler inspects the payload shape (see dispatch).
package main

import (
	"context"
	"encoding/json"
	"fmt"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/authz"
	"github.com/skyledger/skyledger/internal/lambdaenv"
)

func main() {
	env := lambdaenv.New(spec.FnAuthorizer)
	eventsTable := env.Optional(spec.Events.EnvVar) // unused by the authorizer; the adapter needs a name
	recordsTable := env.Require(spec.Records.EnvVar)
	cloud := env.AWS(context.Background())
	h := authz.New(authz.Deps{
		Records: dynamo.New(cloud.DynamoDB, eventsTable, recordsTable),
		Log:     env.Log,
	})
	lambda.Start(dispatch(h))
}

// dispatch routes an invocation by payload: HTTP API payload 2.0 requests
// carry "version":"2.0"; WebSocket REQUEST authorizer payloads carry
// "type":"REQUEST" and a methodArn.
func dispatch(h *authz.Handler) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			Version   string `json:"version"`
			MethodArn string `json:"methodArn"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("authorizer payload: %w", err)
		}
		if probe.Version == "2.0" {
			var req lambdaevents.APIGatewayV2CustomAuthorizerV2Request
			if err := json.Unmarshal(raw, &req); err != nil {
				return nil, fmt.Errorf("http authorizer payload: %w", err)
			}
			return h.HTTP(ctx, req)
		}
		var req lambdaevents.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, fmt.Errorf("ws authorizer payload: %w", err)
		}
		return h.WebSocket(ctx, req)
	}
}
