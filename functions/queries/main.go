// Command queries is the Lambda function serving every read route
// (spec.FnQueries). It only wires adapters; the logic is in
// internal/queryapi.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/lambdaenv"
	"github.com/skyledger/skyledger/internal/queryapi"
	"github.com/skyledger/skyledger/internal/readmodel"
)

func main() {
	env := lambdaenv.New(spec.FnQueries)
	readModelTable := env.Require(spec.ReadModel.EnvVar)
	recordsTable := env.Require(spec.Records.EnvVar)
	cursorKey := env.Require(spec.EnvCursorKey)
	if len(cursorKey) < 16 {
		env.Fail("cursor key too short", "var", spec.EnvCursorKey, "min_bytes", 16)
	}
	ddb := env.AWS(context.Background()).DynamoDB
	svc := queryapi.New(queryapi.Deps{
		Models: readmodel.NewDynamo(ddb, readModelTable),
		// Only GetRecord is used (key last_used_at); the function has no
		// access to the Events table.
		Records:   dynamo.New(ddb, "", recordsTable),
		CursorKey: []byte(cursorKey),
		Log:       env.Log,
	})
	lambda.Start(svc.Router().Invoke)
}
