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
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
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

// HTTPAccessLogFormat is the HTTP API's access log line (JSON).
const HTTPAccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","routeKey":"$context.routeKey","status":"$context.status",` +
	`"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",` +
	`"integrationLatencyMs":"$context.integrationLatency","authorizerError":"$context.authorizer.error",` +
	`"integrationError":"$context.integrationErrorMessage","lambdaRequestId":"$context.awsEndpointRequestId",` +
	`"userId":"$context.authorizer.user_id","tenantId":"$context.authorizer.tenant_id","role":"$context.authorizer.role"}`

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
	AlarmEmail string   // e-mail subscribed to the alarm topic (prod needs it or Ops.AlarmTopicArn)
	WebOrigins []string // extra CORS origins allowed to call the HTTP API directly
	Env        *awscdk.Environment
	Ops        OpsConfig // alarms, edge protection, backups, domain (ops.go)
	Emulator   *Emulator // nil: AWS; else an emulator target (emulator.go)
}

// removalPolicy keeps prod's stateful resources when the stack goes; dev's
// go with it.
func (c Config) removalPolicy() awscdk.RemovalPolicy {
	if c.Stage == StageProd {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

// logRetention is how long the stage's logs are kept.
func (c Config) logRetention() awslogs.RetentionDays {
	if c.Stage == StageProd {
		return awslogs.RetentionDays_THREE_MONTHS
	}
	return awslogs.RetentionDays_ONE_WEEK
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
	// PIIKeySecret is the master key of the personal-data keys: losing it
	// makes every sealed e-mail and name unreadable, so it is retained in
	// prod like the tables.
	PIIKeySecret awssecretsmanager.Secret
	DeadLetters  awssqs.Queue
	AlarmTopic   awssns.ITopic
	WebBucket    awss3.Bucket
	Distribution awscloudfront.Distribution
	HTTPRoutes   []awsapigatewayv2.HttpRoute
	OpsHandles
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
	return validateOps(c)
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

	retainInProd, logRetention := c.removalPolicy(), c.logRetention()

	// ---- tables -----------------------------------------------------------
	for _, t := range spec.Tables {
		props := &awsdynamodb.TableProps{
			TableName:     jsii.String(spec.StageTableName(c.Stage, t)),
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
	// Generated alphanumeric secrets, kept in prod (a replaced cursor key
	// invalidates cursors; a replaced PII master key shreds every user's data).
	secret := func(id string, length float64, purpose string) awssecretsmanager.Secret {
		return awssecretsmanager.NewSecret(st, jsii.String(id), &awssecretsmanager.SecretProps{
			Description: jsii.String("SkyLedger " + c.Stage + ": " + purpose),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				PasswordLength: jsii.Number(length), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
			},
			RemovalPolicy: retainInProd,
		})
	}
	s.BootstrapSecret = secret("BootstrapToken", 48, "one-time bootstrap token for POST /api/bootstrap")
	s.CursorKeySecret = secret("CursorKey", 64, "key protecting opaque list cursors (queries)")
	s.PIIKeySecret = secret("PIIKey", 64, "master key wrapping the per-user keys of personal data (commands, projector)")
	s.DeadLetters = awssqs.NewQueue(st, jsii.String("ProjectorFailures"), &awssqs.QueueProps{
		QueueName:       jsii.String(spec.StageDeadLetterQueueName(c.Stage)),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	s.alarmTopic(c)

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
			FunctionName: jsii.String(spec.StageFunctionName(c.Stage, f.Name)),
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
			// The function reads the key (current and previous versions)
			// from Secrets Manager at cold start: no key in its configuration.
			s.CursorKeySecret.GrantRead(fn, nil)
			fn.AddEnvironment(jsii.String(spec.EnvCursorKeySecretARN), s.CursorKeySecret.SecretArn(), nil)
		}
		if f.PIIKey {
			s.PIIKeySecret.GrantRead(fn, nil)
			fn.AddEnvironment(jsii.String(spec.EnvPIIKeySecretARN), s.PIIKeySecret.SecretArn(), nil)
		}
	}
	s.protectFunctions(c)

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
			IdentitySource:  jsii.Strings(httpIdentitySources(c)...),
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
		auth := s.publicAuthorizer(c)
		if r.Auth {
			auth = httpAuth
		}
		s.HTTPRoutes = append(s.HTTPRoutes, *s.HTTPAPI.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{httpMethod(r.Method)},
			Integration: in,
			Authorizer:  auth,
		})...)
	}
	s.protectAPIs(c)

	// ---- web frontend -----------------------------------------------------
	if c.deploysWeb() {
		s.web(c, prod)
	}

	// ---- alarms, dashboard, backups -------------------------------------
	s.alarms(c)
	s.dashboard(c)
	if c.Ops.Backup {
		s.backup(c)
	}

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
	out("ProjectorFunctionName", s.fn(spec.FnProjector).FunctionName(), "the projector (cmd/deadletter aws-redrive invokes it)")
	out("DashboardName", jsii.String(DashboardName(c.Stage)), "CloudWatch dashboard of the stage")
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
