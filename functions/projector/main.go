// Command projector is the Lambda function on the Events table stream: read models, then WebSocket notifications.
// It is built by wire.Projector, as in the local runtime.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/wire"
)

func main() {
	lambda.Start(wire.Projector(wire.Cloud(spec.FnProjector)))
}
