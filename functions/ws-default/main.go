// Command ws-default is the Lambda function of the WebSocket subscribe, unsubscribe, ping and $default routes.
// It is built by wire.WSDefault, as in the local runtime.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/wire"
)

func main() {
	lambda.Start(wire.WSDefault(wire.Cloud(spec.FnWSDefault)))
}
