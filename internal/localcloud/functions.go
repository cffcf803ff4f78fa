// Package localcloud is SkyLedger's local cloud: it hosts the Lambda handlers
// in one process behind emulations of API Gateway's HTTP API (payload 2.0,
// Lambda authorizer with simple responses), API Gateway's WebSocket API
// ($connect/$disconnect/route selection, limits, the @connections
// management API) and Lambda's DynamoDB Streams event source mapping
// (batches, batchItemFailures, bisect, bounded retries, dead letters).
//
// Everything it routes comes from infra/spec, the declaration the CDK stack
// also builds from. The package knows no handler package: the composition
// root (internal/wire) hands it plain functions with the Lambda signatures.
package localcloud

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"runtime/debug"

	lambdaevents "github.com/aws/aws-lambda-go/events"
)

// Handler signatures, exactly those of the Lambda functions (aws-lambda-go
// typed events).
type (
	// HTTPFunc is an HTTP API (payload 2.0) integration.
	HTTPFunc func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error)
	// HTTPAuthorizerFunc is an HTTP API Lambda authorizer with simple responses.
	HTTPAuthorizerFunc func(context.Context, lambdaevents.APIGatewayV2CustomAuthorizerV2Request) (lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse, error)
	// WSAuthorizerFunc is a WebSocket API REQUEST authorizer on $connect.
	WSAuthorizerFunc func(context.Context, lambdaevents.APIGatewayCustomAuthorizerRequestTypeRequest) (lambdaevents.APIGatewayCustomAuthorizerResponse, error)
	// WSFunc is a WebSocket API route integration.
	WSFunc func(context.Context, lambdaevents.APIGatewayWebsocketProxyRequest) (lambdaevents.APIGatewayProxyResponse, error)
	// StreamFunc is a DynamoDB Streams consumer reporting batch item failures.
	StreamFunc func(context.Context, lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error)
)

// Functions are the handlers the runtime hosts, keyed by spec function name
// (spec.FnCommands, spec.FnWSDefault, ...). A route whose function is
// missing answers 500 (HTTP) or an error frame (WebSocket), as API Gateway
// does when its integration fails.
type Functions struct {
	HTTP         map[string]HTTPFunc
	Authorizer   HTTPAuthorizerFunc // required when any route has Auth
	WSAuthorizer WSAuthorizerFunc   // optional: nil lets $connect decide alone
	WS           map[string]WSFunc
}

// PanicError is what a recovered handler panic becomes.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("handler panic: %v", e.Value) }

// invoke runs fn like Lambda does: the event goes through its JSON
// encoding (so handlers see exactly what they would decode in the cloud and
// share no memory with the runtime), a panic becomes an error, and the
// response goes through JSON too.
func invoke[Req, Resp any](ctx context.Context, fn func(context.Context, Req) (Resp, error), req Req) (resp Resp, err error) {
	var in Req
	if err := roundTrip(req, &in); err != nil {
		return resp, fmt.Errorf("encode event: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	out, err := fn(ctx, in)
	if err != nil {
		return resp, err
	}
	if err := roundTrip(out, &resp); err != nil {
		return resp, fmt.Errorf("decode response: %w", err)
	}
	return resp, nil
}

func roundTrip(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// newID returns an id shaped like API Gateway's request and connection ids
// (12 random bytes, base64: 16 characters ending in "=" sometimes).
func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// newConnID returns an API Gateway-like connection id ("L0SM9cOFvHcCIhw=").
func newConnID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

const (
	localAccount = "000000000000"
	localAPIID   = "local"
	localStage   = "$default"
	localRegion  = "us-east-1"
)
