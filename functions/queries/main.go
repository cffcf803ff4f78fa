// Command queries is the Lambda function serving every read route.
// It is built by wire.Queries, as in the local runtime.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/wire"
)

func main() {
	lambda.Start(wire.Queries(wire.Cloud(spec.FnQueries)))
}
