// Command commands is the Lambda function serving every mutation route.
// It is built by wire.Commands, as in the local runtime.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/wire"
)

func main() {
	lambda.Start(wire.Commands(wire.Cloud(spec.FnCommands)))
}
