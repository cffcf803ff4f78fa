package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// Deployment targets (context key "target").
const (
	TargetAWS      = "aws"      // the default: real AWS
	TargetEmulator = "emulator" // an AWS emulator (MiniStack, LocalStack): see docs/emulator.md
)

// Lambda architectures (context key "lambdaArchitecture").
const (
	ArchARM64 = "arm64"
	ArchX8664 = "x86_64"
)

// Emulator is what a stack deployed into an AWS emulator needs. A nil
// *Emulator in Config is the AWS target, unchanged.
type Emulator struct {
	// Architecture of the Lambda functions ("arm64" or "x86_64"). An
	// emulator that runs provided.* functions as host processes needs the
	// host's; the zips must be built for it.
	Architecture string
	// ExecuteAPIEndpoint, when set, replaces the execute-api URLs the
	// stack derives from AWS::URLSuffix (which an emulator answers with
	// amazonaws.com): the HTTP API is <endpoint>/<apiId>/ (its $default
	// stage), the WebSocket API ws(s)://…/<apiId>/<stage> and its
	// @connections endpoint http(s)://…/<apiId>/<stage>. Both MiniStack and
	// LocalStack serve this path form, e.g.
	// http://127.0.0.1:4566/_aws/execute-api.
	ExecuteAPIEndpoint string
}

// emulatorFromContext reads the emulator context keys; it returns nil for
// the AWS target and refuses emulator keys given without target=emulator.
func emulatorFromContext(ctx func(string) string) (*Emulator, error) {
	target, arch, endpoint := ctx("target"), ctx("lambdaArchitecture"), ctx("executeApiEndpoint")
	switch target {
	case "", TargetAWS:
		if arch != "" || endpoint != "" {
			return nil, fmt.Errorf("lambdaArchitecture and executeApiEndpoint need -c target=%s", TargetEmulator)
		}
		return nil, nil
	case TargetEmulator:
		if arch == "" {
			arch = ArchARM64
		}
		return &Emulator{Architecture: arch, ExecuteAPIEndpoint: strings.TrimRight(endpoint, "/")}, nil
	}
	return nil, fmt.Errorf("target %q: want %q or %q (-c target=...)", target, TargetAWS, TargetEmulator)
}

func validateEmulator(e *Emulator) error {
	if e == nil {
		return nil
	}
	if e.Architecture != ArchARM64 && e.Architecture != ArchX8664 {
		return fmt.Errorf("lambdaArchitecture %q: want %q or %q", e.Architecture, ArchARM64, ArchX8664)
	}
	if e.ExecuteAPIEndpoint != "" {
		u, err := url.Parse(e.ExecuteAPIEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return fmt.Errorf("executeApiEndpoint %q: want an http(s) URL without query", e.ExecuteAPIEndpoint)
		}
	}
	return nil
}

// lambdaArchitecture is ARM64 on AWS, the configured one on an emulator.
func (c Config) lambdaArchitecture() awslambda.Architecture {
	if c.Emulator != nil && c.Emulator.Architecture == ArchX8664 {
		return awslambda.Architecture_X86_64()
	}
	return awslambda.Architecture_ARM_64()
}

// deploysWeb reports whether the stack hosts the web console (S3 +
// CloudFront + a bucket deployment). An emulator target skips it: the
// bucket deployment and auto-delete custom resources need a Lambda runtime
// with the Node SDK, which emulators running functions as host processes
// lack (the deploy then hangs until the custom resource times out).
func (c Config) deploysWeb() bool { return c.Emulator == nil }

// executeAPIBase is the configured execute-api endpoint, or "" for the
// stack's own (AWS) URLs.
func (c Config) executeAPIBase() string {
	if c.Emulator == nil {
		return ""
	}
	return c.Emulator.ExecuteAPIEndpoint
}

// wsURL is the WebSocket URL clients connect to (WS_URL, the WebSocketUrl
// output).
func (s *Stack) wsURL(c Config) *string {
	base := c.executeAPIBase()
	if base == "" {
		return s.WSStage.Url()
	}
	ws := "ws" + strings.TrimPrefix(base, "http") // http -> ws, https -> wss
	return jsii.String(ws + "/" + *s.WSAPI.ApiId() + "/" + c.Stage)
}

// wsCallbackURL is the @connections endpoint (WS_MANAGEMENT_ENDPOINT).
func (s *Stack) wsCallbackURL(c Config) *string {
	base := c.executeAPIBase()
	if base == "" {
		return s.WSStage.CallbackUrl()
	}
	return jsii.String(base + "/" + *s.WSAPI.ApiId() + "/" + c.Stage)
}

// httpURL is the HTTP API's base URL (the HttpApiUrl output; routes start
// with /api).
func (s *Stack) httpURL(c Config) *string {
	base := c.executeAPIBase()
	if base == "" {
		return s.HTTPStage.Url()
	}
	return jsii.String(base + "/" + *s.HTTPAPI.ApiId() + "/")
}

// emulatorOutputs adds what a test harness needs to adapt an emulator after
// deploy: the API ids (the harness calls UpdateAuthorizer on the WebSocket
// API, see docs/emulator.md).
func (s *Stack) emulatorOutputs(c Config, out func(id string, v *string, desc string)) {
	if c.Emulator == nil {
		return
	}
	out("HttpApiId", s.HTTPAPI.ApiId(), "HTTP API id")
	out("WebSocketApiId", s.WSAPI.ApiId(), "WebSocket API id")
}
