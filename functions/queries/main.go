// Command queries is the Lambda function serving every read route
// (spec.FnQueries). It only wires adapters; the logic is in
// functions/handlers/queries.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/functions/handlers/queries"
	"github.com/skyledger/skyledger/functions/lambdaenv"
	"github.com/skyledger/skyledger/functions/readmodel"
	"github.com/skyledger/skyledger/infra/spec"
)

func main() {
	env := lambdaenv.New(spec.FnQueries)
	readModelTable := env.Require(spec.ReadModel.EnvVar)
	recordsTable := env.Require(spec.Records.EnvVar)
	cloud := env.AWS(context.Background())
	ddb := cloud.DynamoDB
	// Cloud: the key is read from Secrets Manager at cold start (current
	// and previous version: the rotation's grace period); locally it is
	// the environment variable.
	var cursorKey, previousKey string
	if arn := env.Optional(spec.EnvCursorKeySecretARN); arn != "" {
		cursorKey, previousKey = env.SecretVersions(context.Background(), secretsmanager.NewFromConfig(cloud.Config), arn)
	} else {
		cursorKey = env.Require(spec.EnvCursorKey)
	}
	if len(cursorKey) < 16 {
		env.Fail("cursor key too short", "var", spec.EnvCursorKey, "min_bytes", 16)
	}
	var previous [][]byte
	if len(previousKey) >= 16 {
		previous = [][]byte{[]byte(previousKey)}
	}
	svc := queries.New(queries.Deps{
		Models: readmodel.NewDynamo(ddb, readModelTable),
		// Only GetRecord is used (key last_used_at); the function has no
		// access to the Events table.
		Records:            dynamo.New(ddb, "", recordsTable),
		CursorKey:          []byte(cursorKey),
		PreviousCursorKeys: previous,
		Log:                env.Log,
	})
	lambda.Start(svc.Router().Invoke)
}
