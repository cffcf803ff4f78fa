package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/smithy-go"
)

// Client is the part of the API Gateway Management API that the real-time
// functions use; *apigatewaymanagementapi.Client implements it.
type Client interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
	DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error)
}

var _ Client = (*apigatewaymanagementapi.Client)(nil)

// RequestTimeout bounds one management API call, so a hung endpoint cannot
// hold the projector until its Lambda timeout.
const RequestTimeout = 5 * time.Second

// NewClient returns a management API client whose BaseEndpoint is the
// WebSocket API's management URL (https://{api}.execute-api.{region}.amazonaws.com/{stage},
// or the local runtime's @connections endpoint). The SDK's own retries are
// off: the notifier retries throttling itself, with jitter and a bound, and
// counts every attempt. Its connection pool fits the fan-out concurrency.
// With aws.AnonymousCredentials in cfg (the local runtime's loopback
// endpoint, which checks no signature) the SDK sends calls unsigned; with
// any other credentials every call is SigV4-signed.
func NewClient(cfg aws.Config, endpoint string, concurrency int) *apigatewaymanagementapi.Client {
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	hc := awshttp.NewBuildableClient().WithTimeout(RequestTimeout).WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = 2 * concurrency
		t.MaxIdleConnsPerHost = 2 * concurrency
	})
	return apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.HTTPClient = oneWrite{next: hc}
		o.Retryer = aws.NopRetryer{}
	})
}

// maxOneWrite bounds the bodies oneWrite copies (a frame is at most 128 KB).
const maxOneWrite = 256 << 10

// oneWrite hands net/http the request body as a *bytes.Reader. The SDK's
// body is a stream net/http cannot tell is in memory, so it writes the
// headers and the body with two writes (two TCP segments: the server wakes
// twice, and reads twice); with a bytes.Reader it sends the request with
// one write. The request is otherwise untouched (a shallow copy with the
// new body; the SDK's stream is left as it was).
type oneWrite struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
}

func (c oneWrite) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength <= 0 || req.ContentLength > maxOneWrite {
		return c.next.Do(req)
	}
	b := make([]byte, req.ContentLength)
	if _, err := io.ReadFull(req.Body, b); err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	r2 := new(http.Request)
	*r2 = *req
	r2.Body = io.NopCloser(bytes.NewReader(b))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return c.next.Do(r2)
}

// Outcome classifies a management API result.
type Outcome int

// Outcomes.
const (
	Sent      Outcome = iota // 2xx
	Gone                     // 410 GoneException: the connection is gone for good
	Throttled                // 429: retry later
	Failed                   // anything else
)

// Classify maps a management API error to an Outcome.
func Classify(err error) Outcome {
	if err == nil {
		return Sent
	}
	var gone *types.GoneException
	var limit *types.LimitExceededException
	if errors.As(err, &gone) {
		return Gone
	}
	if errors.As(err, &limit) {
		return Throttled
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "GoneException":
			return Gone
		case "TooManyRequestsException", "ThrottlingException", "LimitExceededException":
			return Throttled
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusGone:
			return Gone
		case http.StatusTooManyRequests:
			return Throttled
		}
	}
	return Failed
}

// MaxConcurrency is the largest accepted fan-out concurrency.
const MaxConcurrency = 1024

// ParseConcurrency reads spec.EnvFanoutConcurrency: "" is
// DefaultConcurrency; anything but an integer in 1..MaxConcurrency is an
// error (functions fail fast on it).
func ParseConcurrency(s string) (int, error) {
	if s == "" {
		return DefaultConcurrency, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxConcurrency {
		return 0, fmt.Errorf("fan-out concurrency %q: want an integer in 1..%d", s, MaxConcurrency)
	}
	return n, nil
}
