// Command ws-disconnect is the Lambda function of the WebSocket $disconnect route.
// It is built by wire.WSDisconnect, as in the local runtime.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/wire"
)

func main() {
	lambda.Start(wire.WSDisconnect(wire.Cloud(spec.FnWSDisconnect)))
}
