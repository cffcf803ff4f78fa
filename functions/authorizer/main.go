// Command authorizer is the Lambda function behind both API Gateway
// authorizers: the HTTP API authorizer (payload 2.0, simple responses) and
// the WebSocket $connect REQUEST authorizer. One binary serves both: the
// handler inspects the payload shape (see dispatch).
package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/functions/handlers/authorizer"
	"github.com/skyledger/skyledger/functions/lambdaenv"
	"github.com/skyledger/skyledger/infra/spec"
)

func main() {
	env := lambdaenv.New(spec.FnAuthorizer)
	eventsTable := env.Optional(spec.Events.EnvVar) // unused by the authorizer; the adapter needs a name
	recordsTable := env.Require(spec.Records.EnvVar)
	cloud := env.AWS(context.Background())
	d := authorizer.Deps{
		Records: dynamo.New(cloud.DynamoDB, eventsTable, recordsTable),
		Log:     env.Log,
	}
	// Behind CloudFront the HTTP API accepts only requests carrying the
	// origin secret (current or, through a rotation, previous value).
	if arn := env.Optional(spec.EnvOriginSecretARN); arn != "" {
		cur, prev := env.SecretVersions(context.Background(), secretsmanager.NewFromConfig(cloud.Config), arn)
		d.OriginSecrets = []string{cur}
		if prev != "" {
			d.OriginSecrets = append(d.OriginSecrets, prev)
		}
		d.OriginHeader = spec.OriginVerifyHeader
		d.PublicRoutes = map[string]bool{}
		for _, r := range spec.Routes {
			if !r.Auth {
				d.PublicRoutes[r.RouteKey()] = true
			}
		}
	}
	h := authorizer.New(d)
	lambda.Start(dispatch(h))
}

// dispatch routes an invocation by payload: HTTP API payload 2.0 requests
// carry "version":"2.0"; WebSocket REQUEST authorizer payloads carry
// "type":"REQUEST" and a methodArn.
func dispatch(h *authorizer.Handler) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			Version   string `json:"version"`
			MethodArn string `json:"methodArn"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("authorizer payload: %w", err)
		}
		if probe.Version == "2.0" {
			var req events.APIGatewayV2CustomAuthorizerV2Request
			if err := json.Unmarshal(raw, &req); err != nil {
				return nil, fmt.Errorf("http authorizer payload: %w", err)
			}
			return h.HTTP(ctx, req)
		}
		var req events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, fmt.Errorf("ws authorizer payload: %w", err)
		}
		return h.WebSocket(ctx, req)
	}
}
