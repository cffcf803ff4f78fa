package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/skyledger/skyledger/infra/spec"
)

// OpsHandles are the operational constructs the tests inspect.
type OpsHandles struct {
	Alarms         []awscloudwatch.Alarm
	Dashboard      awscloudwatch.Dashboard
	WSAccessLogs   awslogs.LogGroup
	APIGWAccount   awsapigateway.CfnAccount
	LogsBucket     awss3.Bucket
	ConsoleHeaders awscloudfront.ResponseHeadersPolicy
	APIHeaders     awscloudfront.ResponseHeadersPolicy
	WebACL         awswafv2.CfnWebACL
	OriginSecret   awssecretsmanager.Secret
	BackupVault    awsbackup.BackupVault
	BackupPlan     awsbackup.BackupPlan

	originAuthorizer awsapigatewayv2authorizers.HttpLambdaAuthorizer
}

// WSAccessLogFormat is the WebSocket stage's access log line (JSON): the
// request id the functions log, the connection, the route, the authorizer's
// principal and the errors.
const WSAccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","eventType":"$context.eventType","routeKey":"$context.routeKey",` +
	`"connectionId":"$context.connectionId","status":"$context.status","userId":"$context.authorizer.principalId",` +
	`"tenantId":"$context.authorizer.tenant_id","integrationLatencyMs":"$context.integrationLatency",` +
	`"authorizerError":"$context.authorizer.error","integrationError":"$context.integrationErrorMessage",` +
	`"lambdaRequestId":"$context.awsEndpointRequestId"}`

// protectFunctions reserves concurrency (spec.ReservedConcurrency): the
// unauthenticated entry points are capped, the projector keeps its share.
func (s *Stack) protectFunctions(c Config) {
	if !c.Ops.ReservedConcurrency {
		return
	}
	for _, f := range spec.Functions {
		if n := spec.ReservedConcurrency[f.Name]; n > 0 {
			s.fn(f.Name).Node().DefaultChild().(awslambda.CfnFunction).SetReservedConcurrentExecutions(jsii.Number(float64(n)))
		}
	}
}

// protectAPIs adds the per-route throttles of the unauthenticated routes,
// the WebSocket stage's access and execution logs, and the origin secret.
func (s *Stack) protectAPIs(c Config) {
	st := s.Stack
	retain, retention := c.removalPolicy(), c.logRetention()

	// Route throttles. A route setting names a route key that must exist
	// when the stage is updated, hence the dependency.
	settings := map[string]any{}
	for _, rt := range spec.RouteThrottles {
		settings[rt.RouteKey] = map[string]any{"ThrottlingRateLimit": rt.RateLimit, "ThrottlingBurstLimit": rt.BurstLimit}
	}
	httpStage := s.HTTPStage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	httpStage.SetRouteSettings(settings)
	for _, r := range s.HTTPRoutes {
		s.HTTPStage.Node().AddDependency(r)
	}

	// WebSocket logs. Execution logging needs the account-level CloudWatch
	// role of API Gateway (one per account and region; the stack sets it).
	role := awsiam.NewRole(st, jsii.String("ApiGatewayCloudWatchRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AmazonAPIGatewayPushToCloudWatchLogs")),
		},
	})
	s.APIGWAccount = awsapigateway.NewCfnAccount(st, jsii.String("ApiGatewayAccount"), &awsapigateway.CfnAccountProps{
		CloudWatchRoleArn: role.RoleArn(),
	})
	s.WSAccessLogs = awslogs.NewLogGroup(st, jsii.String("ws-access-logs"), &awslogs.LogGroupProps{
		Retention: retention, RemovalPolicy: retain,
	})
	wsStage := s.WSStage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	wsStage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: s.WSAccessLogs.LogGroupArn(),
		Format:         jsii.String(WSAccessLogFormat),
	})
	wsStage.AddPropertyOverride(jsii.String("DefaultRouteSettings.LoggingLevel"), jsii.String(c.Ops.WSLogLevel))
	// Full message bodies carry tickets and user data: never logged.
	wsStage.AddPropertyOverride(jsii.String("DefaultRouteSettings.DataTraceEnabled"), jsii.Bool(false))
	s.WSStage.Node().AddDependency(s.APIGWAccount)

	// The origin secret: CloudFront sends it (edge.go), both HTTP
	// authorizers require it as an identity source (a request without the
	// header is refused by API Gateway before any function runs) and
	// compare it with the secret.
	if c.Ops.OriginSecret {
		s.OriginSecret = awssecretsmanager.NewSecret(st, jsii.String("OriginSecret"), &awssecretsmanager.SecretProps{
			Description: jsii.String("SkyLedger " + c.Stage + ": value CloudFront sends in " + spec.OriginVerifyHeader + " to the HTTP API"),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				PasswordLength: jsii.Number(48), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
			},
			RemovalPolicy: retain,
		})
		fn := s.fn(spec.FnAuthorizer)
		s.OriginSecret.GrantRead(fn, nil)
		fn.AddEnvironment(jsii.String(spec.EnvOriginSecretARN), s.OriginSecret.SecretArn(), nil)
	}
}

// OriginAuthorizerCacheTTL caches the origin check of the public routes per
// header value: the secret is the same on every request CloudFront sends.
const OriginAuthorizerCacheTTL = 300

// httpIdentitySources are the HTTP authorizer's identity sources: the
// Authorization header, and the origin header when the origin secret is on
// (API Gateway answers 401 without invoking the authorizer when one is
// missing).
func httpIdentitySources(c Config) []string {
	if c.Ops.OriginSecret {
		return []string{spec.AuthorizerIdentitySource, "$request.header." + spec.OriginVerifyHeader}
	}
	return []string{spec.AuthorizerIdentitySource}
}

// publicAuthorizer guards the routes without authentication (login,
// bootstrap): none, or with the origin secret on, the authorizer function
// checking only the origin header (cached per header value).
func (s *Stack) publicAuthorizer(c Config) awsapigatewayv2.IHttpRouteAuthorizer {
	if !c.Ops.OriginSecret {
		return awsapigatewayv2.NewHttpNoneAuthorizer()
	}
	if s.originAuthorizer == nil {
		s.originAuthorizer = awsapigatewayv2authorizers.NewHttpLambdaAuthorizer(jsii.String("OriginAuthorizer"), s.fn(spec.FnAuthorizer),
			&awsapigatewayv2authorizers.HttpLambdaAuthorizerProps{
				AuthorizerName:  jsii.String("skyledger-" + c.Stage + "-origin"),
				IdentitySource:  jsii.Strings("$request.header." + spec.OriginVerifyHeader),
				ResponseTypes:   &[]awsapigatewayv2authorizers.HttpLambdaResponseType{awsapigatewayv2authorizers.HttpLambdaResponseType_SIMPLE},
				ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(OriginAuthorizerCacheTTL)),
			})
	}
	return s.originAuthorizer
}
