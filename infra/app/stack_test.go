package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
)

func TestTables(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		prod := stage == StageProd
		assertMatches(t, "table count", func() {
			f.tmpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(float64(len(spec.Tables))))
		})
		for _, ts := range spec.Tables {
			t.Run(stage+"/"+ts.Name, func(t *testing.T) {
				id := f.lid(f.stack.Tables[ts.Name])
				r := f.resource(t, id)
				p := f.props(t, id)
				assert.Equal(t, "PAY_PER_REQUEST", p["BillingMode"])
				keys := []any{map[string]any{"AttributeName": ts.PartitionKey.Name, "KeyType": "HASH"}}
				attrs := map[string]string{ts.PartitionKey.Name: ts.PartitionKey.Type}
				if ts.SortKey != nil {
					keys = append(keys, map[string]any{"AttributeName": ts.SortKey.Name, "KeyType": "RANGE"})
					attrs[ts.SortKey.Name] = ts.SortKey.Type
				}
				assert.Equal(t, keys, p["KeySchema"])

				var gsis []string
				for _, g := range asList(p["GlobalSecondaryIndexes"]) {
					gm := g.(map[string]any)
					gsis = append(gsis, gm["IndexName"].(string))
					assert.Equal(t, "ALL", gm["Projection"].(map[string]any)["ProjectionType"])
				}
				var want []string
				for _, ix := range ts.Indexes {
					want = append(want, ix.Name)
					attrs[ix.PartitionKey.Name] = ix.PartitionKey.Type
					if ix.SortKey != nil {
						attrs[ix.SortKey.Name] = ix.SortKey.Type
					}
				}
				assert.ElementsMatch(t, want, gsis, "GSIs")
				got := map[string]string{}
				for _, a := range asList(p["AttributeDefinitions"]) {
					am := a.(map[string]any)
					got[am["AttributeName"].(string)] = am["AttributeType"].(string)
				}
				assert.Equal(t, attrs, got, "attribute definitions")

				if ts.TTLAttribute != "" {
					assert.Equal(t, map[string]any{"AttributeName": ts.TTLAttribute, "Enabled": true}, p["TimeToLiveSpecification"])
				} else {
					assert.NotContains(t, p, "TimeToLiveSpecification")
				}
				if ts.StreamNewImg {
					assert.Equal(t, map[string]any{"StreamViewType": "NEW_IMAGE"}, p["StreamSpecification"])
				} else {
					assert.NotContains(t, p, "StreamSpecification")
				}

				systemOfRecord := ts.Name == spec.Events.Name || ts.Name == spec.Records.Name
				switch {
				case systemOfRecord:
					assert.Equal(t, "Retain", r["DeletionPolicy"])
					assert.Equal(t, "Retain", r["UpdateReplacePolicy"])
					assert.Equal(t, map[string]any{"PointInTimeRecoveryEnabled": true}, p["PointInTimeRecoverySpecification"])
					assert.Equal(t, prod, p["DeletionProtectionEnabled"], "deletion protection in prod only")
				case prod:
					assert.Equal(t, "Retain", r["DeletionPolicy"])
				default:
					assert.Equal(t, "Delete", r["DeletionPolicy"])
				}
			})
		}
		assertMatches(t, "events table via assertions.Match", func() {
			f.tmpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), obj(
				"StreamSpecification", obj("StreamViewType", "NEW_IMAGE"),
				"PointInTimeRecoverySpecification", obj("PointInTimeRecoveryEnabled", true),
				"DeletionProtectionEnabled", prod,
				"KeySchema", assertions.Match_ArrayWith(&[]any{obj("AttributeName", "stream_id", "KeyType", "HASH")}),
			))
		})
	}
}

func TestFunctions(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		assertMatches(t, "function count", func() {
			f.tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"),
				obj("Runtime", "provided.al2023"), jsii.Number(float64(len(spec.Functions))))
		})
		codeKeys := map[string]string{}
		for _, fs := range spec.Functions {
			t.Run(stage+"/"+fs.Name, func(t *testing.T) {
				id := f.lid(f.stack.Functions[fs.Name])
				p := f.props(t, id)
				assert.Equal(t, "provided.al2023", p["Runtime"])
				assert.Equal(t, []any{"arm64"}, p["Architectures"])
				assert.Equal(t, "bootstrap", p["Handler"])
				assert.EqualValues(t, fs.MemoryMB, p["MemorySize"])
				assert.EqualValues(t, fs.Timeout.Seconds(), p["Timeout"])
				assert.Equal(t, map[string]any{"Mode": "Active"}, p["TracingConfig"])

				key := render(p["Code"].(map[string]any)["S3Key"])
				assert.True(t, strings.HasSuffix(key, ".zip"), "code is the zip asset, got %s", key)
				for other, k := range codeKeys {
					assert.NotEqual(t, k, key, "%s shares %s's code asset", fs.Name, other)
				}
				codeKeys[fs.Name] = key

				lg := strings.Trim(render(p["LoggingConfig"].(map[string]any)["LogGroup"]), "${}")
				wantDays := 7.0
				if stage == StageProd {
					wantDays = 90
				}
				assert.Equal(t, wantDays, f.props(t, lg)["RetentionInDays"], "log retention")

				env := map[string]string{}
				for k, v := range p["Environment"].(map[string]any)["Variables"].(map[string]any) {
					env[k] = render(v)
				}
				want := map[string]string{spec.EnvLogLevel: "info"}
				for name, acc := range fs.Tables {
					if acc == spec.Read || acc == spec.ReadWrite {
						want[tableSpec(name).EnvVar] = "${" + f.lid(f.stack.Tables[name]) + "}"
					}
				}
				for k, v := range fs.Env {
					want[k] = v
				}
				ws := f.lid(f.stack.WSAPI)
				if fs.ManagesWS {
					want[spec.EnvWSManagementURL] = "https://${" + ws + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + stage
				}
				if fs.WSURL {
					want[spec.EnvWSURL] = "wss://${" + ws + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + stage
				}
				if fs.ReadsSecret {
					want[spec.EnvBootstrapSecretARN] = "${" + f.lid(f.stack.BootstrapSecret) + "}"
				}
				if fs.CursorKey {
					// The ARN only: the function reads the key at cold start.
					want[spec.EnvCursorKeySecretARN] = "${" + f.lid(f.stack.CursorKeySecret) + "}"
				}
				if fs.PIIKey {
					want[spec.EnvPIIKeySecretARN] = "${" + f.lid(f.stack.PIIKeySecret) + "}"
				}
				if fs.Name == spec.FnAuthorizer && f.cfg.Ops.OriginSecret {
					want[spec.EnvOriginSecretARN] = "${" + f.lid(f.stack.OriginSecret) + "}"
				}
				assert.Equal(t, want, env, "environment")
				for _, v := range env {
					assert.NotContains(t, v, "{{resolve:", "no secret value in a function's configuration")
				}
				assert.Equal(t, spec.StageFunctionName(stage, fs.Name), p["FunctionName"])
				if n := spec.ReservedConcurrency[fs.Name]; n > 0 && f.cfg.Ops.ReservedConcurrency {
					assert.EqualValues(t, n, p["ReservedConcurrentExecutions"])
				} else {
					assert.NotContains(t, p, "ReservedConcurrentExecutions")
				}
			})
		}
		// Only commands gets the bootstrap secret, the WS URL; only queries the cursor key.
		for _, fs := range spec.Functions {
			assert.Equal(t, fs.Name == spec.FnCommands, fs.ReadsSecret, fs.Name)
			assert.Equal(t, fs.Name == spec.FnQueries, fs.CursorKey, fs.Name)
			assert.Equal(t, fs.Name == spec.FnCommands || fs.Name == spec.FnProjector, fs.PIIKey, fs.Name)
		}
	}
}

// expectedStatements derives, independently of the stack code, every IAM
// statement a function's role must carry.
func expectedStatements(f *fixture, fs spec.Function) []string {
	want := []string{statement([]string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, []string{"*"})}
	for name, acc := range fs.Tables {
		arn := "${" + f.lid(f.stack.Tables[name]) + ".Arn}"
		switch acc {
		case spec.Read:
			want = append(want, statement([]string{"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"}, []string{arn}))
		case spec.ReadWrite:
			want = append(want, statement([]string{"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
				"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}, []string{arn}))
		case spec.StreamRead:
			want = append(want,
				statement([]string{"dynamodb:ListStreams"}, []string{"*"}),
				statement([]string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
					[]string{"${" + f.lid(f.stack.Tables[name]) + ".StreamArn}"}),
				statement([]string{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"},
					[]string{"${" + f.lid(f.stack.DeadLetters) + ".Arn}"}))
		}
		if ixs := fs.Indexes[name]; len(ixs) > 0 {
			var res []string
			for _, ix := range ixs {
				res = append(res, arn+"/index/"+ix)
			}
			want = append(want, statement([]string{"dynamodb:Query"}, res))
		}
	}
	if fs.ReadsSecret {
		want = append(want, statement([]string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			[]string{"${" + f.lid(f.stack.BootstrapSecret) + "}"}))
	}
	if fs.CursorKey {
		want = append(want, statement([]string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			[]string{"${" + f.lid(f.stack.CursorKeySecret) + "}"}))
	}
	if fs.PIIKey {
		want = append(want, statement([]string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			[]string{"${" + f.lid(f.stack.PIIKeySecret) + "}"}))
	}
	if fs.Name == spec.FnAuthorizer && f.cfg.Ops.OriginSecret {
		want = append(want, statement([]string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			[]string{"${" + f.lid(f.stack.OriginSecret) + "}"}))
	}
	if fs.ManagesWS {
		base := "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + f.lid(f.stack.WSAPI) + "}/" + f.cfg.Stage
		want = append(want, statement([]string{"execute-api:ManageConnections"},
			[]string{base + "/POST/@connections/*", base + "/DELETE/@connections/*"}))
	}
	sort.Strings(want)
	return want
}

// roleStatements renders every statement of every policy attached to a role.
func roleStatements(t *testing.T, f *fixture, roleID string) []string {
	t.Helper()
	var got []string
	for _, pol := range f.ofType("AWS::IAM::Policy") {
		p := pol["Properties"].(map[string]any)
		attached := false
		for _, r := range list(p["Roles"]) {
			attached = attached || r == "${"+roleID+"}"
		}
		if !attached {
			continue
		}
		for _, s := range asList(p["PolicyDocument"].(map[string]any)["Statement"]) {
			sm := s.(map[string]any)
			assert.Equal(t, "Allow", sm["Effect"])
			assert.NotContains(t, sm, "Condition")
			assert.NotContains(t, sm, "NotAction")
			assert.NotContains(t, sm, "NotResource")
			got = append(got, statement(list(sm["Action"]), list(sm["Resource"])))
		}
	}
	sort.Strings(got)
	return got
}

// grants expands rendered statements ("A,B on R1|R2") into sorted, unique
// "action on resource" pairs.
func grants(stmts []string) []string {
	seen := map[string]bool{}
	for _, st := range stmts {
		a, r, _ := strings.Cut(st, " on ")
		for _, action := range strings.Split(a, ",") {
			for _, res := range strings.Split(r, "|") {
				seen[action+" on "+res] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for g := range seen {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

func TestIAMLeastPrivilege(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		for _, fs := range spec.Functions {
			t.Run(stage+"/"+fs.Name, func(t *testing.T) {
				roleID := f.lid(f.stack.Functions[fs.Name].Role())
				got := roleStatements(t, f, roleID)
				// Compared as (action, resource) grants: the minimizePolicies
				// feature flag merges statements sharing actions or resources.
				assert.Equal(t, grants(expectedStatements(f, fs)), grants(got), "every grant of %s's role", fs.Name)
				for _, s := range got {
					actions := strings.SplitN(s, " on ", 2)[0]
					assert.NotContains(t, actions, "*", "wildcard action in %q", s)
				}
				role := f.props(t, roleID)
				managed := list(role["ManagedPolicyArns"])
				require.Len(t, managed, 1)
				assert.Equal(t, "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", managed[0])
				assert.NotContains(t, role, "Policies", "no inline role policies")
			})
		}
		t.Run(stage+"/bootstrap secret readable by commands alone", func(t *testing.T) {
			secret := "${" + f.lid(f.stack.BootstrapSecret) + "}"
			var readers []string
			for id, pol := range f.ofType("AWS::IAM::Policy") {
				for _, s := range asList(pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"]) {
					sm := s.(map[string]any)
					for _, r := range list(sm["Resource"]) {
						if r == secret || r == "*" && strings.Contains(strings.Join(list(sm["Action"]), ","), "secretsmanager") {
							readers = append(readers, strings.Join(list(pol["Properties"].(map[string]any)["Roles"]), ",")+"@"+id)
						}
					}
				}
			}
			require.Len(t, readers, 1, "policies naming the bootstrap secret: %v", readers)
			assert.Contains(t, readers[0], "${"+f.lid(f.stack.Functions[spec.FnCommands].Role())+"}")
			assert.Empty(t, f.ofType("AWS::SecretsManager::ResourcePolicy"))
			gen := f.props(t, f.lid(f.stack.BootstrapSecret))["GenerateSecretString"].(map[string]any)
			assert.Equal(t, 48.0, gen["PasswordLength"])
		})
	}
}

func TestHTTPAPI(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		api := f.lid(f.stack.HTTPAPI)
		auth, origin := "", ""
		for id, r := range f.ofType("AWS::ApiGatewayV2::Authorizer") {
			p := r["Properties"].(map[string]any)
			if render(p["ApiId"]) != "${"+api+"}" {
				continue
			}
			if strings.HasSuffix(p["Name"].(string), "-origin") {
				origin = id
			} else {
				auth = id
			}
		}
		require.NotEmpty(t, auth, "HTTP authorizer")
		if f.cfg.Ops.OriginSecret {
			require.NotEmpty(t, origin, "origin authorizer of the public routes")
			op := f.props(t, origin)
			assert.Equal(t, []any{"$request.header." + spec.OriginVerifyHeader}, op["IdentitySource"])
			assert.EqualValues(t, OriginAuthorizerCacheTTL, op["AuthorizerResultTtlInSeconds"])
			assert.Contains(t, render(op["AuthorizerUri"]), "${"+f.lid(f.stack.Functions[spec.FnAuthorizer])+".Arn}")
		} else {
			assert.Empty(t, origin)
		}
		ap := f.props(t, auth)
		assert.Equal(t, "REQUEST", ap["AuthorizerType"])
		assert.Equal(t, true, ap["EnableSimpleResponses"])
		assert.Equal(t, "2.0", ap["AuthorizerPayloadFormatVersion"])
		var idSources []any
		for _, s := range httpIdentitySources(f.cfg) {
			idSources = append(idSources, s)
		}
		assert.Equal(t, idSources, ap["IdentitySource"])
		assert.Len(t, idSources, map[bool]int{true: 2, false: 1}[f.cfg.Ops.OriginSecret])
		assert.EqualValues(t, spec.AuthorizerCacheTTL.Seconds(), ap["AuthorizerResultTtlInSeconds"])
		assert.Contains(t, render(ap["AuthorizerUri"]), "${"+f.lid(f.stack.Functions[spec.FnAuthorizer])+".Arn}")

		routes := map[string]map[string]any{}
		for _, r := range f.ofType("AWS::ApiGatewayV2::Route") {
			p := r["Properties"].(map[string]any)
			if render(p["ApiId"]) == "${"+api+"}" {
				routes[p["RouteKey"].(string)] = p
			}
		}
		assert.Len(t, routes, len(spec.Routes), "exactly the spec routes")
		for _, r := range spec.Routes {
			t.Run(stage+"/"+r.Key(), func(t *testing.T) {
				p, ok := routes[r.Key()]
				require.True(t, ok, "route missing")
				if r.Auth {
					assert.Equal(t, "CUSTOM", p["AuthorizationType"])
					assert.Equal(t, "${"+auth+"}", render(p["AuthorizerId"]))
				} else if f.cfg.Ops.OriginSecret {
					assert.Equal(t, "CUSTOM", p["AuthorizationType"])
					assert.Equal(t, "${"+origin+"}", render(p["AuthorizerId"]), "public routes check the origin secret")
				} else {
					assert.Equal(t, "NONE", p["AuthorizationType"])
					assert.NotContains(t, p, "AuthorizerId")
				}
				integ := strings.TrimSuffix(strings.TrimPrefix(render(p["Target"]), "integrations/${"), "}")
				ip := f.props(t, integ)
				assert.Equal(t, "AWS_PROXY", ip["IntegrationType"])
				assert.Equal(t, "2.0", ip["PayloadFormatVersion"])
				assert.Equal(t, "${"+f.lid(f.stack.Functions[r.Function])+".Arn}", render(ip["IntegrationUri"]))
			})
		}

		stg := f.props(t, f.lid(f.stack.HTTPStage))
		assert.Equal(t, "$default", stg["StageName"])
		assert.Equal(t, true, stg["AutoDeploy"])
		assert.Equal(t, map[string]any{"ThrottlingBurstLimit": float64(spec.ThrottleBurstLimit),
			"ThrottlingRateLimit": float64(spec.ThrottleRateLimit)}, stg["DefaultRouteSettings"])

		logs := stg["AccessLogSettings"].(map[string]any)
		assert.Regexp(t, `^\$\{http-?accesslogs[0-9A-F]{8}\.Arn\}$`, render(logs["DestinationArn"]))
		var line map[string]string
		require.NoError(t, json.Unmarshal([]byte(logs["Format"].(string)), &line), "access log format is JSON")
		assert.Equal(t, "$context.requestId", line["requestId"])
		assert.Equal(t, "$context.status", line["status"])
		assert.NotContains(t, strings.ToLower(logs["Format"].(string)), "header", "no header (credential) is logged")

		if len(f.cfg.WebOrigins) == 0 {
			assert.NotContains(t, f.props(t, api), "CorsConfiguration")
			continue
		}
		cors := f.props(t, api)["CorsConfiguration"].(map[string]any)
		var origins []string
		for _, o := range asList(cors["AllowOrigins"]) {
			origins = append(origins, o.(string))
		}
		assert.Equal(t, f.cfg.WebOrigins, origins)
		assert.Subset(t, asList(cors["AllowHeaders"]), []any{"Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key"})
		assert.Subset(t, asList(cors["ExposeHeaders"]), []any{"ETag", "X-Stream-Id", "X-Stream-Version"})
		assert.NotContains(t, cors, "AllowCredentials")

		// API Gateway may invoke the route functions and the authorizer.
		for _, fn := range []string{spec.FnCommands, spec.FnQueries, spec.FnAuthorizer} {
			assertMatches(t, "invoke permission "+fn, func() {
				f.tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), obj(
					"Action", "lambda:InvokeFunction",
					"Principal", "apigateway.amazonaws.com",
					"FunctionName", obj("Fn::GetAtt", []any{f.lid(f.stack.Functions[fn]), "Arn"}),
				))
			})
		}
	}
}

func TestWebSocketAPI(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		api := f.lid(f.stack.WSAPI)
		ap := f.props(t, api)
		assert.Equal(t, "WEBSOCKET", ap["ProtocolType"])
		assert.Equal(t, spec.WSRouteSelection, ap["RouteSelectionExpression"])

		auth := ""
		for id, r := range f.ofType("AWS::ApiGatewayV2::Authorizer") {
			if render(r["Properties"].(map[string]any)["ApiId"]) == "${"+api+"}" {
				auth = id
			}
		}
		require.NotEmpty(t, auth, "WebSocket authorizer")
		au := f.props(t, auth)
		assert.Equal(t, "REQUEST", au["AuthorizerType"])
		assert.NotContains(t, au, "IdentitySource", "credential is ?ticket= or Authorization: no identity source")
		assert.Contains(t, render(au["AuthorizerUri"]), "${"+f.lid(f.stack.Functions[spec.WSAuthorizer])+".Arn}")

		routes := map[string]map[string]any{}
		for _, r := range f.ofType("AWS::ApiGatewayV2::Route") {
			p := r["Properties"].(map[string]any)
			if render(p["ApiId"]) == "${"+api+"}" {
				routes[p["RouteKey"].(string)] = p
			}
		}
		assert.Len(t, routes, len(spec.WSRoutes))
		for _, r := range spec.WSRoutes {
			t.Run(stage+"/"+r.Key, func(t *testing.T) {
				p, ok := routes[r.Key]
				require.True(t, ok, "route missing")
				if r.Key == spec.WSConnect {
					assert.Equal(t, "CUSTOM", p["AuthorizationType"])
					assert.Equal(t, "${"+auth+"}", render(p["AuthorizerId"]))
				} else {
					assert.Equal(t, "NONE", p["AuthorizationType"])
				}
				integ := strings.TrimSuffix(strings.TrimPrefix(render(p["Target"]), "integrations/${"), "}")
				ip := f.props(t, integ)
				assert.Equal(t, "AWS_PROXY", ip["IntegrationType"])
				assert.Equal(t, "${"+f.lid(f.stack.Functions[r.Function])+".Arn}",
					strings.TrimSuffix(strings.TrimPrefix(render(ip["IntegrationUri"]),
						"arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"), "/invocations"))
			})
		}

		stg := f.props(t, f.lid(f.stack.WSStage))
		assert.Equal(t, stage, stg["StageName"])
		assert.Equal(t, true, stg["AutoDeploy"])
		assert.Equal(t, "${"+api+"}", render(stg["ApiId"]))
		assert.Equal(t, map[string]any{"ThrottlingBurstLimit": float64(spec.ThrottleBurstLimit),
			"ThrottlingRateLimit": float64(spec.ThrottleRateLimit), "LoggingLevel": f.cfg.Ops.WSLogLevel,
			"DataTraceEnabled": false}, stg["DefaultRouteSettings"])
	}
}

func TestProjectorEventSource(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		esms := f.ofType("AWS::Lambda::EventSourceMapping")
		require.Len(t, esms, 1)
		for _, r := range esms {
			p := r["Properties"].(map[string]any)
			src := spec.Projector
			assert.Equal(t, "${"+f.lid(f.stack.Functions[src.Function])+"}", render(p["FunctionName"]))
			assert.Equal(t, "${"+f.lid(f.stack.Tables[src.Table])+".StreamArn}", render(p["EventSourceArn"]))
			assert.EqualValues(t, src.BatchSize, p["BatchSize"])
			assert.EqualValues(t, src.BatchingWindow.Seconds(), p["MaximumBatchingWindowInSeconds"])
			assert.Equal(t, src.BisectOnError, p["BisectBatchOnFunctionError"])
			assert.EqualValues(t, src.MaxRetries, p["MaximumRetryAttempts"])
			assert.EqualValues(t, src.MaxRecordAge.Seconds(), p["MaximumRecordAgeInSeconds"])
			assert.EqualValues(t, src.ParallelizationFactor, p["ParallelizationFactor"])
			require.True(t, src.ReportItemFailures)
			assert.Equal(t, []any{"ReportBatchItemFailures"}, p["FunctionResponseTypes"])
			assert.Equal(t, "TRIM_HORIZON", p["StartingPosition"])
			assert.Equal(t, "${"+f.lid(f.stack.DeadLetters)+".Arn}",
				render(p["DestinationConfig"].(map[string]any)["OnFailure"].(map[string]any)["Destination"]))
		}
		q := f.props(t, f.lid(f.stack.DeadLetters))
		assert.EqualValues(t, 14*24*3600, q["MessageRetentionPeriod"])
		assert.Equal(t, true, q["SqsManagedSseEnabled"])
	}
}

func TestAlarms(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		topic := "${" + f.lid(f.stack.AlarmTopic) + "}"
		got := map[string]map[string]any{}
		for _, r := range f.ofType("AWS::CloudWatch::Alarm") {
			p := r["Properties"].(map[string]any)
			name := p["AlarmName"].(string)
			require.True(t, strings.HasPrefix(name, spec.StagePrefix(stage)), name)
			got[strings.TrimPrefix(name, spec.StagePrefix(stage))] = p
			assert.Equal(t, []string{topic}, list(p["AlarmActions"]), "%s notifies the topic", name)
			assert.Equal(t, []string{topic}, list(p["OKActions"]), "%s notifies when it clears", name)
			assert.Equal(t, "notBreaching", p["TreatMissingData"])
			assert.Contains(t, p["AlarmDescription"], "docs/operations.md#"+strings.TrimPrefix(name, spec.StagePrefix(stage)))
		}
		want := []string{"DeadLettersNotEmpty", "ProjectorIteratorAge", "HttpApi5xx", "WebSocket4xx", "WebSocket5xx", "WebSocketMessageFlood"}
		for _, fs := range spec.Functions {
			want = append(want, fs.Name+"-errors", fs.Name+"-throttles", fs.Name+"-duration")
		}
		for _, ts := range spec.Tables {
			want = append(want, ts.Name+"-throttles", ts.Name+"-system-errors")
		}
		var names []string
		for n := range got {
			names = append(names, n)
		}
		assert.ElementsMatch(t, want, names)

		metric := func(id string) (string, string, string) {
			p := got[id]
			require.NotNil(t, p, id)
			dims := asList(p["Dimensions"])
			require.NotEmpty(t, dims, id)
			return p["MetricName"].(string), p["Namespace"].(string), render(dims[0].(map[string]any)["Value"])
		}
		m, ns, dim := metric("DeadLettersNotEmpty")
		assert.Equal(t, []string{"ApproximateNumberOfMessagesVisible", "AWS/SQS", "${" + f.lid(f.stack.DeadLetters) + ".QueueName}"}, []string{m, ns, dim})
		assert.EqualValues(t, 1, got["DeadLettersNotEmpty"]["Threshold"])
		m, ns, dim = metric("ProjectorIteratorAge")
		assert.Equal(t, []string{"IteratorAge", "AWS/Lambda", "${" + f.lid(f.stack.Functions[spec.FnProjector]) + "}"}, []string{m, ns, dim})
		assert.EqualValues(t, IteratorAgeAlarmMillis, got["ProjectorIteratorAge"]["Threshold"])
		for _, fs := range spec.Functions {
			fn := "${" + f.lid(f.stack.Functions[fs.Name]) + "}"
			for suffix, metricName := range map[string]string{"-errors": "Errors", "-throttles": "Throttles", "-duration": "Duration"} {
				m, ns, dim := metric(fs.Name + suffix)
				assert.Equal(t, []string{metricName, "AWS/Lambda", fn}, []string{m, ns, dim}, fs.Name+suffix)
			}
			d := got[fs.Name+"-duration"]
			assert.Equal(t, "Maximum", d["Statistic"])
			assert.InDelta(t, DurationNearTimeout*float64(fs.Timeout.Milliseconds()), d["Threshold"], 0.001, "duration alarm at 80%% of the timeout")
		}
		for _, ts := range spec.Tables {

			th := got[ts.Name+"-throttles"]
			rendered := render(th["Metrics"])
			assert.Contains(t, rendered, "ReadThrottleEvents")
			assert.Contains(t, rendered, "WriteThrottleEvents")
			assert.Contains(t, rendered, f.lid(f.stack.Tables[ts.Name]))
			se := render(got[ts.Name+"-system-errors"]["Metrics"])
			assert.Equal(t, len(DynamoOperations), strings.Count(se, `"MetricName":"SystemErrors"`), ts.Name)
			assert.Contains(t, se, f.lid(f.stack.Tables[ts.Name]))
		}
		ws := render(got["WebSocket5xx"]["Metrics"])
		assert.Contains(t, ws, "IntegrationError")
		assert.Contains(t, ws, "ExecutionError")
		assert.Contains(t, ws, f.lid(f.stack.WSAPI))
		m, ns, _ = metric("WebSocket4xx")
		assert.Equal(t, []string{"ClientError", "AWS/ApiGateway"}, []string{m, ns})
		m, _, _ = metric("WebSocketMessageFlood")
		assert.Equal(t, "MessageCount", m)
		m, _, dim = metric("HttpApi5xx")
		assert.Equal(t, []string{"5xx", "${" + f.lid(f.stack.HTTPAPI) + "}"}, []string{m, dim})

		subs := f.ofType("AWS::SNS::Subscription")
		if f.cfg.AlarmEmail != "" {
			require.Len(t, subs, 1)
			for _, s := range subs {
				assert.Equal(t, "email", s["Properties"].(map[string]any)["Protocol"])
				assert.Equal(t, f.cfg.AlarmEmail, s["Properties"].(map[string]any)["Endpoint"])
			}
		} else {
			assert.Empty(t, subs)
		}
	}
}

func TestOutputs(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		outs := f.doc["Outputs"].(map[string]any)
		val := func(k string) string {
			o, ok := outs[k].(map[string]any)
			require.True(t, ok, "output %s", k)
			return render(o["Value"])
		}
		ws := "${" + f.lid(f.stack.WSAPI) + "}"
		assert.Equal(t, "https://${"+f.lid(f.stack.HTTPAPI)+"}.execute-api.${AWS::Region}.${AWS::URLSuffix}/", val("HttpApiUrl"))
		assert.Equal(t, "wss://"+ws+".execute-api.${AWS::Region}.${AWS::URLSuffix}/"+stage, val("WebSocketUrl"))
		assert.Equal(t, "${"+f.lid(f.stack.BootstrapSecret)+"}", val("BootstrapSecretArn"))
		assert.Equal(t, "https://${"+f.lid(f.stack.Distribution)+".DomainName}", val("WebUrl"))
		for _, ts := range spec.Tables {
			assert.Equal(t, "${"+f.lid(f.stack.Tables[ts.Name])+"}", val(ts.Name+"TableName"))
		}
	}
}

func TestWeb(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		b := f.props(t, f.lid(f.stack.WebBucket))
		assert.Equal(t, map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true,
			"IgnorePublicAcls": true, "RestrictPublicBuckets": true}, b["PublicAccessBlockConfiguration"])
		dist := f.props(t, f.lid(f.stack.Distribution))["DistributionConfig"].(map[string]any)
		assert.Equal(t, "index.html", dist["DefaultRootObject"])
		assert.NotContains(t, dist, "CustomErrorResponses", "SPA routing is the viewer-request function, so API 403/404 pass through")
		oac := f.ofType("AWS::CloudFront::OriginAccessControl")
		require.Len(t, oac, 1)
		origins := asList(dist["Origins"])
		require.Len(t, origins, 2)
		var s3, api map[string]any
		for _, o := range origins {
			om := o.(map[string]any)
			if _, ok := om["S3OriginConfig"]; ok {
				s3 = om
			} else {
				api = om
			}
		}
		require.NotNil(t, s3)
		require.NotNil(t, api)
		for id := range oac {
			assert.Equal(t, "${"+id+".Id}", render(s3["OriginAccessControlId"]), "S3 origin uses OAC")
		}
		assert.Equal(t, "https-only", api["CustomOriginConfig"].(map[string]any)["OriginProtocolPolicy"])
		assert.Contains(t, render(api["DomainName"]), f.lid(f.stack.HTTPAPI))

		def := dist["DefaultCacheBehavior"].(map[string]any)
		assert.Equal(t, "redirect-to-https", def["ViewerProtocolPolicy"])
		fa := asList(def["FunctionAssociations"])
		require.Len(t, fa, 1)
		assert.Equal(t, "viewer-request", fa[0].(map[string]any)["EventType"])
		beh := asList(dist["CacheBehaviors"])
		require.Len(t, beh, 1)
		bm := beh[0].(map[string]any)
		assert.Equal(t, "/api/*", bm["PathPattern"])
		assert.Equal(t, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", bm["CachePolicyId"], "CachingDisabled")
		assert.Equal(t, "b689b0a8-53d0-40ab-baf2-68738e2966ac", bm["OriginRequestPolicyId"], "AllViewerExceptHostHeader")
		assert.ElementsMatch(t, []any{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}, bm["AllowedMethods"])

		bp := f.ofType("AWS::S3::BucketPolicy")
		require.NotEmpty(t, bp)
		assertMatches(t, "bucket readable by this distribution only", func() {
			f.tmpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), obj("PolicyDocument", obj(
				"Statement", assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(obj(
					"Action", "s3:GetObject",
					"Effect", "Allow",
					"Principal", obj("Service", "cloudfront.amazonaws.com"),
					"Condition", obj("StringEquals", obj("AWS:SourceArn", assertions.Match_AnyValue())),
				))}))))
		})
		deps := f.ofType("Custom::CDKBucketDeployment")
		require.Len(t, deps, 1)
		for _, d := range deps {
			p := d["Properties"].(map[string]any)
			assert.Equal(t, []any{"/*"}, p["DistributionPaths"])
			assert.Len(t, asList(p["SourceObjectKeys"]), 1)
		}
	}
}

func TestWebSourceChoosesDistOrPlaceholder(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		want bool
	}{
		{"built frontend", webDir, true},
		{"missing dir", filepath.Join(webDir, "nope"), false},
		{"empty setting", "", false},
		{"dir without index.html", assetDir, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, hasBuiltWeb(tt.dir))
		})
	}
}

// TestSPARoutingFunction runs the CloudFront Function's code in node with
// viewer-request events.
func TestSPARoutingFunction(t *testing.T) {
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is needed by CDK anyway")
	tests := []struct{ name, uri, want string }{
		{"root", "/", "/index.html"},
		{"deep link", "/pireps/01HZX", "/index.html"},
		{"trailing slash", "/tenants/", "/index.html"},
		{"asset", "/assets/index-abc.js", "/assets/index-abc.js"},
		{"index", "/index.html", "/index.html"},
		{"favicon", "/favicon.ico", "/favicon.ico"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := spaRouting + "\nprocess.stdout.write(handler({request:{uri:" + jsString(tt.uri) + "}}).uri);"
			out, err := exec.Command(node, "-e", script).CombinedOutput()
			require.NoError(t, err, string(out))
			assert.Equal(t, tt.want, string(out))
		})
	}
}

func TestValidateConfig(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"ok dev", Config{Stage: StageDev, AssetDir: assetDir, Ops: DefaultOps(StageDev)}, ""},
		{"ok prod", Config{Stage: StageProd, AssetDir: assetDir, AlarmEmail: "ops@example.com", Ops: DefaultOps(StageProd)}, ""},
		{"unknown stage", Config{Stage: "staging", AssetDir: assetDir, Ops: DefaultOps(StageDev)}, `stage "staging"`},
		{"empty stage", Config{AssetDir: assetDir}, `stage ""`},
		{"missing zips", Config{Stage: StageDev, AssetDir: empty}, "make build"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateConfig(tt.cfg)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestSpecDeclarationsAreConsistent(t *testing.T) {
	// Every index a function may query exists on a table it can access.
	for _, fs := range spec.Functions {
		for table, ixs := range fs.Indexes {
			_, ok := fs.Tables[table]
			assert.True(t, ok, "%s: indexes on %s without table access", fs.Name, table)
			for _, ix := range ixs {
				assert.True(t, hasIndex(tableSpec(table), ix), "%s: %s.%s", fs.Name, table, ix)
			}
		}
	}
	// Route keys are unique and every route names a declared function.
	seen := map[string]bool{}
	for _, r := range spec.Routes {
		assert.False(t, seen[r.Key()], "duplicate route %s", r.Key())
		seen[r.Key()] = true
		assert.NotPanics(t, func() { spec.FunctionByName(r.Function) }, r.Key())
		assert.True(t, strings.HasPrefix(r.Path, "/api/"), r.Path)
	}
	for _, r := range spec.WSRoutes {
		assert.False(t, seen["ws "+r.Key], "duplicate WS route %s", r.Key)
		seen["ws "+r.Key] = true
		assert.NotPanics(t, func() { spec.FunctionByName(r.Function) }, r.Key)
	}
	assert.True(t, spec.FunctionByName(spec.FnProjector).ManagesWS)
	assert.True(t, spec.FunctionByName(spec.FnWSDefault).ManagesWS)
	_, err := os.Stat(filepath.Join(assetDir, spec.FnAuthorizer+".zip"))
	require.NoError(t, err)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func jsString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

func TestConfigFromContext(t *testing.T) {
	root, err := repoRoot()
	require.NoError(t, err)
	tests := []struct {
		name    string
		ctx     map[string]any
		stage   string
		assets  string
		web     string
		origins []string
		email   string
	}{
		{"defaults", map[string]any{}, StageDev, filepath.Join(root, "dist"), filepath.Join(root, "web", "dist"), DevWebOrigins, ""},
		{"prod has no default origins", map[string]any{"stage": "prod"}, StageProd, filepath.Join(root, "dist"), filepath.Join(root, "web", "dist"), nil, ""},
		{"relative dirs resolve against the repo root", map[string]any{"stage": "prod", "assetDir": "build/zips", "webDir": "/abs/web"},
			StageProd, filepath.Join(root, "build", "zips"), "/abs/web", nil, ""},
		{"explicit origins and e-mail", map[string]any{"webOrigins": " https://a.example , https://b.example,", "alarmEmail": "ops@example.com"},
			StageDev, filepath.Join(root, "dist"), filepath.Join(root, "web", "dist"), []string{"https://a.example", "https://b.example"}, "ops@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
			c, err := configFromContext(app)
			require.NoError(t, err)
			assert.Equal(t, tt.stage, c.Stage)
			assert.Equal(t, tt.assets, c.AssetDir)
			assert.Equal(t, tt.web, c.WebDir)
			assert.Equal(t, tt.origins, c.WebOrigins)
			assert.Equal(t, tt.email, c.AlarmEmail)
		})
	}
}

func TestNoCORSWithoutOrigins(t *testing.T) {
	app := awscdk.NewApp(nil)
	st := NewStack(app, Config{Stage: StageProd, AssetDir: assetDir, Ops: DefaultOps(StageProd)})
	tmpl := assertions.Template_FromStack(st.Stack, nil)
	assertMatches(t, "HTTP API without CorsConfiguration", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), obj(
			"ProtocolType", "HTTP", "CorsConfiguration", assertions.Match_Absent()))
	})
}
