package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/skyledger/skyledger/infra/spec"
)

// Stages the app knows. Each stage is one stack.
const (
	StageDev  = "dev"
	StageProd = "prod"
)

// Alarm thresholds (README, Deploying to AWS: Alarms).
const (
	IteratorAgeAlarmMillis = 60_000 // projector lag above one minute
	FunctionErrorsAlarm    = 5      // errors per 5 minutes
	AuthorizerErrorsAlarm  = 50     // the WS authorizer fails with an error on every refused handshake
	API5xxAlarm            = 5      // 5xx per 5 minutes
)

// HTTPAccessLogFormat is the HTTP API's access log line (JSON).
const HTTPAccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","routeKey":"$context.routeKey","status":"$context.status",` +
	`"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",` +
	`"integrationLatencyMs":"$context.integrationLatency","authorizerError":"$context.authorizer.error",` +
	`"integrationError":"$context.integrationErrorMessage"}`

// ReadActions are what spec.Read grants on a table; ReadWriteActions what
// spec.ReadWrite grants. Explicit lists: no wildcard action on data.
var (
	ReadActions      = []string{"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"}
	ReadWriteActions = []string{"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
		"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}
	IndexActions = []string{"dynamodb:Query"}
)

// Config parameterizes one stage's stack.
type Config struct {
	Stage      string   // StageDev or StageProd
	AssetDir   string   // holds <function>.zip (each with a `bootstrap`), as `make build` writes to dist/
	WebDir     string   // the built frontend (web/dist); missing or "" deploys a placeholder page
	AlarmEmail string   // optional e-mail subscribed to the alarm topic
	WebOrigins []string // extra CORS origins allowed to call the HTTP API directly
	Env        *awscdk.Environment
	Emulator   *Emulator // nil: AWS; else an emulator target (emulator.go)
}

// Stack is the synthesized SkyLedger stack with handles on the constructs the
// tests inspect.
type Stack struct {
	awscdk.Stack
	Tables          map[string]awsdynamodb.Table
	Functions       map[string]awslambda.Function
	HTTPAPI         awsapigatewayv2.HttpApi
	HTTPStage       awsapigatewayv2.HttpStage
	WSAPI           awsapigatewayv2.WebSocketApi
	WSStage         awsapigatewayv2.WebSocketStage
	BootstrapSecret awssecretsmanager.Secret
	CursorKeySecret awssecretsmanager.Secret
	DeadLetters     awssqs.Queue
	AlarmTopic      awssns.Topic
	WebBucket       awss3.Bucket
	Distribution    awscloudfront.Distribution
}

// StackName is the CloudFormation stack name of a stage.
func StackName(stage string) string { return "SkyLedger-" + stage }

// ValidateConfig checks a Config before any construct is created.
func ValidateConfig(c Config) error {
	if c.Stage != StageDev && c.Stage != StageProd {
		return fmt.Errorf("stage %q: want %q or %q (-c stage=...)", c.Stage, StageDev, StageProd)
	}
	if err := validateEmulator(c.Emulator); err != nil {
		return err
	}
	for _, f := range spec.Functions {
		zip := filepath.Join(c.AssetDir, f.Name+".zip")
		if _, err := os.Stat(zip); err != nil {
			return fmt.Errorf("function %s: %w (run `make build`, or pass -c assetDir=...)", f.Name, err)
		}
	}
	return nil
}

// NewStack builds one stage's stack from the shared declarations in
// infra/spec. It panics on a declaration the stack cannot honour (an unknown
// table or index name), since those are programming errors.
func NewStack(scope constructs.Construct, c Config) *Stack {
	prod := c.Stage == StageProd
	st := awscdk.NewStack(scope, jsii.String(StackName(c.Stage)), &awscdk.StackProps{
		Env:         c.Env,
		Description: jsii.String("SkyLedger " + c.Stage + ": event-sourced multi-tenant API, WebSocket fan-out and web frontend"),
	})
	awscdk.Tags_Of(st).Add(jsii.String("app"), jsii.String("skyledger"), nil)
	awscdk.Tags_Of(st).Add(jsii.String("stage"), jsii.String(c.Stage), nil)
	s := &Stack{Stack: st, Tables: map[string]awsdynamodb.Table{}, Functions: map[string]awslambda.Function{}}

	retainInProd := awscdk.RemovalPolicy_DESTROY
	logRetention := awslogs.RetentionDays_ONE_WEEK
	if prod {
		retainInProd = awscdk.RemovalPolicy_RETAIN
		logRetention = awslogs.RetentionDays_THREE_MONTHS
	}

	// ---- tables -----------------------------------------------------------
	for _, t := range spec.Tables {
		props := &awsdynamodb.TableProps{
			PartitionKey:  attr(t.PartitionKey),
			BillingMode:   awsdynamodb.BillingMode_PAY_PER_REQUEST,
			Encryption:    awsdynamodb.TableEncryption_AWS_MANAGED,
			RemovalPolicy: retainInProd,
		}
		if t.SortKey != nil {
			props.SortKey = attr(*t.SortKey)
		}
		if t.TTLAttribute != "" {
			props.TimeToLiveAttribute = jsii.String(t.TTLAttribute)
		}
		if t.StreamNewImg {
			props.Stream = awsdynamodb.StreamViewType_NEW_IMAGE
		}
		switch t.Name {
		case spec.Events.Name, spec.Records.Name:
			// The event log and the auth-critical inline records are the
			// system of record: always retained, recoverable to any second,
			// protected from deletion in prod. Read models and connections
			// are rebuildable.
			props.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
			props.PointInTimeRecoverySpecification = &awsdynamodb.PointInTimeRecoverySpecification{
				PointInTimeRecoveryEnabled: jsii.Bool(true),
			}
			props.DeletionProtection = jsii.Bool(prod)
		}
		tbl := awsdynamodb.NewTable(st, jsii.String(t.Name), props)
		for _, ix := range t.Indexes {
			gp := &awsdynamodb.GlobalSecondaryIndexProps{
				IndexName:      jsii.String(ix.Name),
				PartitionKey:   attr(ix.PartitionKey),
				ProjectionType: awsdynamodb.ProjectionType_ALL,
			}
			if ix.SortKey != nil {
				gp.SortKey = attr(*ix.SortKey)
			}
			tbl.AddGlobalSecondaryIndex(gp)
		}
		s.Tables[t.Name] = tbl
	}

	// ---- secrets, queues, topic ------------------------------------------
	s.BootstrapSecret = awssecretsmanager.NewSecret(st, jsii.String("BootstrapToken"), &awssecretsmanager.SecretProps{
		Description: jsii.String("SkyLedger " + c.Stage + ": one-time bootstrap token for POST /api/bootstrap"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(48), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
		},
	})
	s.CursorKeySecret = awssecretsmanager.NewSecret(st, jsii.String("CursorKey"), &awssecretsmanager.SecretProps{
		Description: jsii.String("SkyLedger " + c.Stage + ": key protecting opaque list cursors (queries)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(64), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
		},
	})
	s.DeadLetters = awssqs.NewQueue(st, jsii.String("ProjectorFailures"), &awssqs.QueueProps{
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	s.AlarmTopic = awssns.NewTopic(st, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("SkyLedger " + c.Stage + " alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if c.AlarmEmail != "" {
		s.AlarmTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(c.AlarmEmail), nil))
	}

	// ---- functions --------------------------------------------------------
	for _, f := range spec.Functions {
		logs := awslogs.NewLogGroup(st, jsii.String(f.Name+"-logs"), &awslogs.LogGroupProps{
			Retention:     logRetention,
			RemovalPolicy: retainInProd,
		})
		env := map[string]*string{spec.EnvLogLevel: jsii.String("info")}
		for name, acc := range f.Tables {
			t := s.table(name)
			if acc == spec.Read || acc == spec.ReadWrite {
				env[tableSpec(name).EnvVar] = t.TableName()
			}
		}
		for k, v := range f.Env {
			env[k] = jsii.String(v)
		}
		fn := awslambda.NewFunction(st, jsii.String(f.Name), &awslambda.FunctionProps{
			Description:  jsii.String("SkyLedger " + c.Stage + " " + f.Name),
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: c.lambdaArchitecture(),
			Handler:      jsii.String("bootstrap"),
			Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(c.AssetDir, f.Name+".zip")), nil),
			MemorySize:   jsii.Number(float64(f.MemoryMB)),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(f.Timeout.Seconds())),
			Tracing:      awslambda.Tracing_ACTIVE,
			LogGroup:     logs,
			Environment:  &env,
		})
		s.Functions[f.Name] = fn
		s.grantTables(f, fn)
		if f.ReadsSecret {
			s.BootstrapSecret.GrantRead(fn, nil)
			fn.AddEnvironment(jsii.String(spec.EnvBootstrapSecretARN), s.BootstrapSecret.SecretArn(), nil)
		}
		if f.CursorKey {
			// A CloudFormation dynamic reference: the template carries
			// {{resolve:secretsmanager:...}}, never the key itself.
			fn.AddEnvironment(jsii.String(spec.EnvCursorKey), s.CursorKeySecret.SecretValue().UnsafeUnwrap(), nil)
		}
	}

	// ---- projector event source ------------------------------------------
	src := spec.Projector
	if !tableSpec(src.Table).StreamNewImg {
		panic("spec: projector source table " + src.Table + " has no stream")
	}
	s.fn(src.Function).AddEventSource(awslambdaeventsources.NewDynamoEventSource(s.table(src.Table), &awslambdaeventsources.DynamoEventSourceProps{
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(float64(src.BatchSize)),
		MaxBatchingWindow:       awscdk.Duration_Seconds(jsii.Number(src.BatchingWindow.Seconds())),
		BisectBatchOnError:      jsii.Bool(src.BisectOnError),
		RetryAttempts:           jsii.Number(float64(src.MaxRetries)),
		MaxRecordAge:            awscdk.Duration_Seconds(jsii.Number(src.MaxRecordAge.Seconds())),
		ParallelizationFactor:   jsii.Number(float64(src.ParallelizationFactor)),
		ReportBatchItemFailures: jsii.Bool(src.ReportItemFailures),
		OnFailure:               awslambdaeventsources.NewSqsDlq(s.DeadLetters),
	}))

	// ---- WebSocket API ----------------------------------------------------
	wsAuth := awsapigatewayv2authorizers.NewWebSocketLambdaAuthorizer(jsii.String("WsAuthorizer"), s.fn(spec.WSAuthorizer),
		&awsapigatewayv2authorizers.WebSocketLambdaAuthorizerProps{
			AuthorizerName: jsii.String("skyledger-" + c.Stage + "-ws"),
			IdentitySource: &[]*string{}, // ?ticket= or Authorization: checked by the function itself
		})
	wsOpts := map[string]*awsapigatewayv2.WebSocketRouteOptions{}
	for _, r := range spec.WSRoutes {
		o := &awsapigatewayv2.WebSocketRouteOptions{
			Integration: awsapigatewayv2integrations.NewWebSocketLambdaIntegration(
				jsii.String("ws"+routeID(r.Key)), s.fn(r.Function), nil),
		}
		if r.Key == spec.WSConnect {
			o.Authorizer = wsAuth
		}
		wsOpts[r.Key] = o
	}
	s.WSAPI = awsapigatewayv2.NewWebSocketApi(st, jsii.String("WebSocketApi"), &awsapigatewayv2.WebSocketApiProps{
		ApiName:                  jsii.String("skyledger-" + c.Stage + "-ws"),
		RouteSelectionExpression: jsii.String(spec.WSRouteSelection),
		ConnectRouteOptions:      wsOpts[spec.WSConnect],
		DisconnectRouteOptions:   wsOpts[spec.WSDisconnect],
		DefaultRouteOptions:      wsOpts[spec.WSDefault],
	})
	// CDK writes an empty IdentitySource list; leave the property out so the
	// authorizer runs on every $connect and sees the query string and headers.
	wsAuthRes := s.WSAPI.Node().FindChild(jsii.String("WsAuthorizer")).Node().DefaultChild().(awscdk.CfnResource)
	wsAuthRes.AddPropertyDeletionOverride(jsii.String("IdentitySource"))
	for _, r := range spec.WSRoutes {
		switch r.Key {
		case spec.WSConnect, spec.WSDisconnect, spec.WSDefault:
		default:
			s.WSAPI.AddRoute(jsii.String(r.Key), wsOpts[r.Key])
		}
	}
	s.WSStage = awsapigatewayv2.NewWebSocketStage(st, jsii.String("WebSocketStage"), &awsapigatewayv2.WebSocketStageProps{
		WebSocketApi: s.WSAPI,
		StageName:    jsii.String(c.Stage),
		AutoDeploy:   jsii.Bool(true),
		Throttle:     throttle(),
	})
	for _, f := range spec.Functions {
		fn := s.fn(f.Name)
		if f.ManagesWS {
			awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
				Grantee: fn,
				Actions: jsii.Strings("execute-api:ManageConnections"),
				ResourceArns: &[]*string{
					s.connectionsArn(c.Stage, "POST"),
					s.connectionsArn(c.Stage, "DELETE"),
				},
			})
			fn.AddEnvironment(jsii.String(spec.EnvWSManagementURL), s.wsCallbackURL(c), nil)
		}
		if f.WSURL {
			fn.AddEnvironment(jsii.String(spec.EnvWSURL), s.wsURL(c), nil)
		}
	}

	// ---- HTTP API ---------------------------------------------------------
	var cors *awsapigatewayv2.CorsPreflightOptions
	if len(c.WebOrigins) > 0 {
		cors = &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: jsii.Strings(c.WebOrigins...),
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{
				awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST,
				awsapigatewayv2.CorsHttpMethod_PATCH, awsapigatewayv2.CorsHttpMethod_DELETE,
				awsapigatewayv2.CorsHttpMethod_OPTIONS,
			},
			AllowHeaders:  jsii.Strings("Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key"),
			ExposeHeaders: jsii.Strings("ETag", "X-Stream-Id", "X-Stream-Version", "Location"),
			MaxAge:        awscdk.Duration_Hours(jsii.Number(1)),
		}
	}
	s.HTTPAPI = awsapigatewayv2.NewHttpApi(st, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String("skyledger-" + c.Stage + "-http"),
		CreateDefaultStage: jsii.Bool(false),
		CorsPreflight:      cors,
	})
	s.HTTPStage = awsapigatewayv2.NewHttpStage(st, jsii.String("HttpStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    s.HTTPAPI,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle:   throttle(),
	})
	// Access log (JSON, one line per request; never a header or credential).
	accessLogs := awslogs.NewLogGroup(st, jsii.String("http-access-logs"), &awslogs.LogGroupProps{
		Retention: logRetention, RemovalPolicy: retainInProd,
	})
	s.HTTPStage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(HTTPAccessLogFormat),
	})
	httpAuth := awsapigatewayv2authorizers.NewHttpLambdaAuthorizer(jsii.String("HttpAuthorizer"), s.fn(spec.FnAuthorizer),
		&awsapigatewayv2authorizers.HttpLambdaAuthorizerProps{
			AuthorizerName:  jsii.String("skyledger-" + c.Stage + "-http"),
			IdentitySource:  jsii.Strings(spec.AuthorizerIdentitySource),
			ResponseTypes:   &[]awsapigatewayv2authorizers.HttpLambdaResponseType{awsapigatewayv2authorizers.HttpLambdaResponseType_SIMPLE},
			ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(spec.AuthorizerCacheTTL.Seconds())),
		})
	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range spec.Routes {
		in, ok := integrations[r.Function]
		if !ok {
			in = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("http-"+r.Function), s.fn(r.Function),
				&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
					PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
				})
			integrations[r.Function] = in
		}
		var auth awsapigatewayv2.IHttpRouteAuthorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
		if r.Auth {
			auth = httpAuth
		}
		s.HTTPAPI.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{httpMethod(r.Method)},
			Integration: in,
			Authorizer:  auth,
		})
	}

	// ---- web frontend -----------------------------------------------------
	if c.deploysWeb() {
		s.web(c, prod)
	}

	// ---- alarms -----------------------------------------------------------
	s.alarms()

	// ---- outputs ----------------------------------------------------------
	out := func(id string, v *string, desc string) {
		awscdk.NewCfnOutput(st, jsii.String(id), &awscdk.CfnOutputProps{Value: v, Description: jsii.String(desc)})
	}
	out("HttpApiUrl", s.httpURL(c), "HTTP API base URL (routes start with /api)")
	out("WebSocketUrl", s.wsURL(c), "WebSocket URL (append ?ticket=...)")
	out("WebSocketManagementUrl", s.wsCallbackURL(c), "@connections management endpoint")
	if c.deploysWeb() {
		out("WebUrl", jsii.String("https://"+*s.Distribution.DistributionDomainName()), "web frontend (also serves /api/*)")
	}
	s.emulatorOutputs(c, out)
	out("BootstrapSecretArn", s.BootstrapSecret.SecretArn(), "Secrets Manager secret holding the bootstrap token")
	out("AlarmTopicArn", s.AlarmTopic.TopicArn(), "SNS topic receiving the alarms")
	out("ProjectorDeadLetterQueueUrl", s.DeadLetters.QueueUrl(), "stream records the projector gave up on")
	for _, t := range spec.Tables {
		out(t.Name+"TableName", s.Tables[t.Name].TableName(), t.Name+" table ("+t.EnvVar+")")
	}
	return s
}

// grantTables gives fn exactly the access spec declares: the listed actions
// on each table's ARN and Query on each declared index. Stream access is
// granted by the event source mapping.
func (s *Stack) grantTables(f spec.Function, fn awslambda.Function) {
	names := make([]string, 0, len(f.Tables))
	for n := range f.Tables {
		names = append(names, n)
	}
	sort.Strings(names) // deterministic templates
	for _, name := range names {
		t := s.table(name)
		var actions []string
		switch f.Tables[name] {
		case spec.Read:
			actions = ReadActions
		case spec.ReadWrite:
			actions = ReadWriteActions
		case spec.StreamRead:
			if spec.Projector.Function != f.Name || spec.Projector.Table != name {
				panic("spec: " + f.Name + " declares StreamRead on " + name + " without an event source")
			}
			continue
		default:
			panic(fmt.Sprintf("spec: %s: unknown access %d on %s", f.Name, f.Tables[name], name))
		}
		awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
			Grantee: fn, Actions: jsii.Strings(actions...), ResourceArns: &[]*string{t.TableArn()},
		})
		if ixs := f.Indexes[name]; len(ixs) > 0 {
			arns := make([]*string, 0, len(ixs))
			for _, ix := range ixs {
				if !hasIndex(tableSpec(name), ix) {
					panic("spec: " + f.Name + " declares unknown index " + name + "." + ix)
				}
				arns = append(arns, jsii.String(*t.TableArn()+"/index/"+ix))
			}
			awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
				Grantee: fn, Actions: jsii.Strings(IndexActions...), ResourceArns: &arns,
			})
		}
	}
	for name := range f.Indexes {
		if _, ok := f.Tables[name]; !ok {
			panic("spec: " + f.Name + " declares indexes on " + name + " without table access")
		}
	}
}

// connectionsArn is the execute-api ARN of this stage's @connections for one
// HTTP method: arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/@connections/*.
func (s *Stack) connectionsArn(stage, method string) *string {
	return s.Stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("execute-api"),
		Resource:     s.WSAPI.ApiId(),
		ResourceName: jsii.String(stage + "/" + method + "/@connections/*"),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
}

// spaRouting rewrites extension-less paths to /index.html so deep links load
// the single-page app. It runs on the S3 behaviour only, so the API's own
// 403/404 answers under /api/* reach the client unchanged (a distribution-wide
// 403/404 -> /index.html error response would turn them into 200 HTML).
const spaRouting = `function handler(event) {
  var req = event.request;
  var last = req.uri.substring(req.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) { req.uri = '/index.html'; }
  return req;
}`

// PlaceholderPage is deployed when web/dist does not exist yet.
const PlaceholderPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SkyLedger</title></head>` +
	`<body><h1>SkyLedger</h1><p>The web frontend has not been built yet: run <code>make web-build</code> and deploy again. The API is live under <code>/api</code>.</p></body></html>`

func (s *Stack) web(c Config, prod bool) {
	st := s.Stack
	bp := &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	}
	if !prod {
		bp.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
		bp.AutoDeleteObjects = jsii.Bool(true)
	}
	s.WebBucket = awss3.NewBucket(st, jsii.String("WebBucket"), bp)
	spa := awscloudfront.NewFunction(st, jsii.String("SpaRouting"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(spaRouting)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String("SPA routing: extension-less paths -> /index.html"),
	})
	apiDomain := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), s.HTTPAPI.ApiEndpoint(), nil))
	s.Distribution = awscloudfront.NewDistribution(st, jsii.String("Web"), &awscloudfront.DistributionProps{
		Comment:           jsii.String("SkyLedger " + c.Stage + " web"),
		DefaultRootObject: jsii.String("index.html"),
		PriceClass:        awscloudfront.PriceClass_PRICE_CLASS_100,
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(s.WebBucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: awscloudfront.ResponseHeadersPolicy_SECURITY_HEADERS(),
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST, Function: spa,
			}},
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{
			// Same-origin API for the web app (it calls relative /api paths).
			"/api/*": {
				Origin: awscloudfrontorigins.NewHttpOrigin(apiDomain, &awscloudfrontorigins.HttpOriginProps{
					ProtocolPolicy: awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
				}),
				ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
				AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
				CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
				OriginRequestPolicy:  awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			},
		},
	})
	var source awss3deployment.ISource
	if hasBuiltWeb(c.WebDir) {
		source = awss3deployment.Source_Asset(jsii.String(c.WebDir), nil)
	} else {
		source = awss3deployment.Source_Data(jsii.String("index.html"), jsii.String(PlaceholderPage), nil)
	}
	awss3deployment.NewBucketDeployment(st, jsii.String("WebDeployment"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: s.WebBucket,
		Sources:           &[]awss3deployment.ISource{source},
		Distribution:      s.Distribution,
		DistributionPaths: jsii.Strings("/*"),
		Prune:             jsii.Bool(true),
	})
}

// hasBuiltWeb reports whether dir holds a built frontend (an index.html).
func hasBuiltWeb(dir string) bool {
	if dir == "" {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, "index.html"))
	return err == nil && fi.Mode().IsRegular()
}

func (s *Stack) alarms() {
	st := s.Stack
	action := awscloudwatchactions.NewSnsAction(s.AlarmTopic)
	five := awscdk.Duration_Minutes(jsii.Number(5))
	alarm := func(id string, m awscloudwatch.IMetric, threshold float64, desc string) {
		a := awscloudwatch.NewAlarm(st, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             m,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String(desc),
		})
		a.AddAlarmAction(action)
	}
	alarm("DeadLettersNotEmpty", s.DeadLetters.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Period: awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Maximum"),
	}), 1, "the projector gave up on stream records: inspect the dead-letter queue and replay")
	alarm("ProjectorIteratorAge", s.fn(spec.Projector.Function).Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{
		Period: awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Maximum"),
	}), IteratorAgeAlarmMillis, "the projector lags the Events stream by more than a minute")
	for _, f := range spec.Functions {
		fn := s.fn(f.Name)
		threshold := float64(FunctionErrorsAlarm)
		if f.Name == spec.WSAuthorizer {
			threshold = AuthorizerErrorsAlarm
		}
		alarm(f.Name+"-errors", fn.MetricErrors(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}),
			threshold, f.Name+": function errors")
		alarm(f.Name+"-throttles", fn.MetricThrottles(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}),
			1, f.Name+": throttled invocations")
	}
	alarm("HttpApi5xx", s.HTTPAPI.MetricServerError(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}),
		API5xxAlarm, "HTTP API answered 5xx")
}

func (s *Stack) table(name string) awsdynamodb.Table {
	t, ok := s.Tables[name]
	if !ok {
		panic("spec: unknown table " + name)
	}
	return t
}

func (s *Stack) fn(name string) awslambda.Function {
	f, ok := s.Functions[name]
	if !ok {
		panic("spec: unknown function " + name)
	}
	return f
}

func tableSpec(name string) spec.Table {
	for _, t := range spec.Tables {
		if t.Name == name {
			return t
		}
	}
	panic("spec: unknown table " + name)
}

func hasIndex(t spec.Table, name string) bool {
	for _, ix := range t.Indexes {
		if ix.Name == name {
			return true
		}
	}
	return false
}

func attr(k spec.Key) *awsdynamodb.Attribute {
	typ := awsdynamodb.AttributeType_STRING
	if k.Type == spec.N {
		typ = awsdynamodb.AttributeType_NUMBER
	}
	return &awsdynamodb.Attribute{Name: jsii.String(k.Name), Type: typ}
}

func throttle() *awsapigatewayv2.ThrottleSettings {
	return &awsapigatewayv2.ThrottleSettings{
		RateLimit:  jsii.Number(spec.ThrottleRateLimit),
		BurstLimit: jsii.Number(spec.ThrottleBurstLimit),
	}
}

func httpMethod(m string) awsapigatewayv2.HttpMethod {
	switch m {
	case "GET":
		return awsapigatewayv2.HttpMethod_GET
	case "POST":
		return awsapigatewayv2.HttpMethod_POST
	case "PUT":
		return awsapigatewayv2.HttpMethod_PUT
	case "PATCH":
		return awsapigatewayv2.HttpMethod_PATCH
	case "DELETE":
		return awsapigatewayv2.HttpMethod_DELETE
	}
	panic("spec: unsupported HTTP method " + m)
}

// routeID turns a WebSocket route key into a construct id ("$connect" -> "Connect").
func routeID(key string) string {
	k := strings.TrimPrefix(key, "$")
	return strings.ToUpper(k[:1]) + k[1:]
}
