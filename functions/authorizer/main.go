// Command authorizer is the Lambda function behind both API Gateway authorizers (HTTP API payload 2.0 and WebSocket $connect REQUEST).
// It is built by wire.Authorizer, as in the local runtime.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/wire"
)

func main() {
	lambda.Start(wire.Authorizer(wire.Cloud(spec.FnAuthorizer)))
}
