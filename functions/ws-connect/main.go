// Command ws-connect is the Lambda function of the WebSocket $connect route (after the authorizer).
// It is built by wire.WSConnect, as in the local runtime.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/wire"
)

func main() {
	lambda.Start(wire.WSConnect(wire.Cloud(spec.FnWSConnect)))
}
