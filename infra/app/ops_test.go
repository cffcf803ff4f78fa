package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
)

// configFor runs the path main takes: context -> Config -> ValidateConfig.
func configFor(t *testing.T, ctx map[string]any) (Config, error) {
	t.Helper()
	full := map[string]any{"assetDir": assetDir}
	for k, v := range ctx {
		full[k] = v
	}
	c, err := configFromContext(newApp(t, full))
	if err != nil {
		return c, err
	}
	return c, ValidateConfig(c)
}

// TestProdSynthNeedsAlarmDestination is the mutation test of the alarm
// destination: a prod synth without one fails; either destination passes.
func TestProdSynthNeedsAlarmDestination(t *testing.T) {
	_, err := configFor(t, map[string]any{"stage": "prod"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "prod needs an alarm destination")
	_, err = configFor(t, map[string]any{"stage": "prod", "alarmEmail": "ops@example.com"})
	assert.NoError(t, err)
	_, err = configFor(t, map[string]any{"stage": "prod", "alarmTopicArn": "arn:aws:sns:us-east-1:123456789012:pager"})
	assert.NoError(t, err)
	_, err = configFor(t, map[string]any{"stage": "dev"})
	assert.NoError(t, err, "dev may run without a destination (a synth warning says so)")
}

// TestProdSynthBinaryFailsWithoutAlarmDestination runs the app binary as
// scripts/synth.sh does: exit status 1 and the reason on stderr.
func TestProdSynthBinaryFailsWithoutAlarmDestination(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "app")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	run := func(ctx map[string]any) (string, error) {
		b, _ := json.Marshal(ctx)
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "CDK_CONTEXT_JSON="+string(b), "CDK_OUTDIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out2, err := run(map[string]any{"stage": "prod", "assetDir": assetDir, "webDir": webDir})
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "prod synth without an alarm destination must fail: %s", out2)
	assert.Equal(t, 1, exit.ExitCode())
	assert.Contains(t, out2, "prod needs an alarm destination")
}

func TestValidateOps(t *testing.T) {
	ok := func(mut func(*Config)) Config {
		c := Config{Stage: StageProd, AssetDir: assetDir, AlarmEmail: "ops@example.com", Ops: DefaultOps(StageProd)}
		mut(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", ok(func(*Config) {}), ""},
		{"topic instead of e-mail", ok(func(c *Config) { c.AlarmEmail = ""; c.Ops.AlarmTopicArn = "arn:aws:sns:eu-west-1:1:t" }), ""},
		{"no destination", ok(func(c *Config) { c.AlarmEmail = "" }), "alarm destination"},
		{"bad e-mail", ok(func(c *Config) { c.AlarmEmail = "ops at example" }), "not an e-mail address"},
		{"bad topic", ok(func(c *Config) { c.Ops.AlarmTopicArn = "pager" }), "SNS topic ARN"},
		{"domain without cert", ok(func(c *Config) { c.Ops.DomainName = "app.example.com" }), "go together"},
		{"cert outside us-east-1", ok(func(c *Config) {
			c.Ops.DomainName, c.Ops.CertificateArn = "app.example.com", "arn:aws:acm:eu-west-1:1:certificate/x"
		}), "us-east-1"},
		{"waf in another region", ok(func(c *Config) { c.Env = &awsEnvEU }), "wafWebAclArn"},
		{"external waf in another region", ok(func(c *Config) {
			c.Env = &awsEnvEU
			c.Ops.WAFWebACLArn = "arn:aws:wafv2:us-east-1:1:global/webacl/x/y"
		}), ""},
		{"bad waf arn", ok(func(c *Config) { c.Ops.WAFWebACLArn = "arn:aws:s3:::x" }), "WAFv2"},
		{"copy without backup", ok(func(c *Config) {
			c.Ops.Backup = false
			c.Ops.BackupCopyVaultArn = "arn:aws:backup:eu-west-1:1:backup-vault:v"
		}), "backup=true"},
		{"origins bypass the edge", ok(func(c *Config) { c.WebOrigins = []string{"https://a.example"} }), "originSecret"},
		{"origins without origin secret", ok(func(c *Config) {
			c.WebOrigins = []string{"https://a.example"}
			c.Ops.OriginSecret = false
		}), ""},
		{"log level", ok(func(c *Config) { c.Ops.WSLogLevel = "DEBUG" }), "ERROR or INFO"},
		{"log expiry", ok(func(c *Config) { c.Ops.LogsExpireDays = 0 }), "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateConfig(tt.cfg)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestOpsFromContext(t *testing.T) {
	c, err := configFor(t, map[string]any{"stage": "prod", "alarmEmail": "ops@example.com", "waf": "false",
		"backup": "false", "wsLogLevel": "info", "logsExpireDays": "30"})
	require.NoError(t, err)
	assert.False(t, c.Ops.WAF)
	assert.False(t, c.Ops.Backup)
	assert.True(t, c.Ops.OriginSecret, "prod default kept")
	assert.Equal(t, "INFO", c.Ops.WSLogLevel)
	assert.Equal(t, 30, c.Ops.LogsExpireDays)
	_, err = configFor(t, map[string]any{"waf": "maybe"})
	assert.ErrorContains(t, err, "-c waf=")
	_, err = configFor(t, map[string]any{"logsExpireDays": "a month"})
	assert.ErrorContains(t, err, "logsExpireDays")
	d, err := configFor(t, map[string]any{})
	require.NoError(t, err)
	assert.Equal(t, DefaultOps(StageDev), d.Ops)
	assert.False(t, d.Ops.WAF || d.Ops.Backup || d.Ops.ReservedConcurrency || d.Ops.OriginSecret, "dev stays cheap")
	p := DefaultOps(StageProd)
	assert.True(t, p.WAF && p.Backup && p.ReservedConcurrency && p.OriginSecret, "prod protects by default")
}

// throttleProblems lists what is wrong with the unauthenticated routes'
// throttles in a synthesized template.
func throttleProblems(t *testing.T, f *fixture) []string {
	t.Helper()
	var problems []string
	stg := f.props(t, f.lid(f.stack.HTTPStage))
	settings, _ := stg["RouteSettings"].(map[string]any)
	for _, r := range spec.Routes {
		if r.Auth {
			continue
		}
		rs, ok := settings[r.Key()].(map[string]any)
		if !ok {
			problems = append(problems, r.Key()+": no route throttle")
			continue
		}
		rate, _ := rs["ThrottlingRateLimit"].(float64)
		burst, _ := rs["ThrottlingBurstLimit"].(float64)
		if rate <= 0 || rate >= spec.ThrottleRateLimit || burst <= 0 || burst >= spec.ThrottleBurstLimit {
			problems = append(problems, r.Key()+": throttle not below the stage's")
		}
	}
	deps := list(f.resource(t, f.lid(f.stack.HTTPStage))["DependsOn"])
	for _, r := range f.stack.HTTPRoutes {
		if !slices.Contains(deps, f.lid(r)) {
			problems = append(problems, "stage does not depend on route "+f.lid(r))
		}
	}
	return problems
}

// TestRouteThrottles checks both stages, then mutates the declaration (no
// route throttles) and checks that the same check fails.
func TestRouteThrottles(t *testing.T) {
	for _, stage := range stages {
		assert.Empty(t, throttleProblems(t, stageFixture(t, stage)), stage)
	}
	for _, rt := range spec.RouteThrottles {
		found := false
		for _, r := range spec.Routes {
			found = found || (r.Key() == rt.RouteKey && !r.Auth)
		}
		assert.True(t, found, "%s throttles an unauthenticated route", rt.RouteKey)
	}
	saved := spec.RouteThrottles
	spec.RouteThrottles = nil
	defer func() { spec.RouteThrottles = saved }()
	mutated := synthFixture(t, Config{Stage: StageDev, AssetDir: assetDir, Ops: DefaultOps(StageDev)})
	problems := throttleProblems(t, mutated)
	assert.Contains(t, problems, "POST /api/auth/login: no route throttle")
	assert.Contains(t, problems, "POST /api/bootstrap: no route throttle")
}

func TestReservedConcurrency(t *testing.T) {
	// Unauthenticated entry points are capped, the projector reserved.
	for _, fn := range []string{spec.FnAuthorizer, spec.FnCommands, spec.FnWSConnect, spec.FnProjector} {
		assert.Positive(t, spec.ReservedConcurrency[fn], fn)
	}
	total := 0
	for _, n := range spec.ReservedConcurrency {
		total += n
	}
	assert.LessOrEqual(t, total, 900, "leaves the default 1000 quota's 100 unreserved")
	prod := stageFixture(t, StageProd)
	p := prod.props(t, prod.lid(prod.stack.Functions[spec.FnCommands]))
	assert.EqualValues(t, spec.ReservedConcurrency[spec.FnCommands], p["ReservedConcurrentExecutions"])
	dev := stageFixture(t, StageDev)
	assert.NotContains(t, dev.props(t, dev.lid(dev.stack.Functions[spec.FnCommands])), "ReservedConcurrentExecutions")
}

func TestLogs(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		// HTTP access log: who (the authorizer's principal) and which
		// request (the id the functions log, and Lambda's).
		line := map[string]string{}
		require.NoError(t, json.Unmarshal([]byte(HTTPAccessLogFormat), &line))
		assert.Equal(t, "$context.authorizer.user_id", line["userId"])
		assert.Equal(t, "$context.authorizer.tenant_id", line["tenantId"])
		assert.Equal(t, "$context.requestId", line["requestId"])
		assert.Equal(t, "$context.awsEndpointRequestId", line["lambdaRequestId"])

		ws := f.props(t, f.lid(f.stack.WSStage))
		logs := ws["AccessLogSettings"].(map[string]any)
		assert.Equal(t, "${"+f.lid(f.stack.WSAccessLogs)+".Arn}", render(logs["DestinationArn"]))
		wsLine := map[string]string{}
		require.NoError(t, json.Unmarshal([]byte(logs["Format"].(string)), &wsLine))
		assert.Equal(t, "$context.requestId", wsLine["requestId"])
		assert.Equal(t, "$context.connectionId", wsLine["connectionId"])
		assert.Equal(t, "$context.authorizer.principalId", wsLine["userId"])
		assert.NotContains(t, strings.ToLower(logs["Format"].(string)), "header")
		assert.NotContains(t, logs["Format"], "querystring", "tickets travel in the query string")
		assert.Contains(t, list(f.resource(t, f.lid(f.stack.WSStage))["DependsOn"]), f.lid(f.stack.APIGWAccount),
			"execution logging needs the account's CloudWatch role first")
		acct := f.props(t, f.lid(f.stack.APIGWAccount))
		role := strings.TrimSuffix(strings.TrimPrefix(render(acct["CloudWatchRoleArn"]), "${"), ".Arn}")
		assert.Contains(t, list(f.props(t, role)["ManagedPolicyArns"])[0], "AmazonAPIGatewayPushToCloudWatchLogs")
		days := 7.0
		if stage == StageProd {
			days = 90
		}
		assert.Equal(t, days, f.props(t, f.lid(f.stack.WSAccessLogs))["RetentionInDays"])

		// CloudFront access logs, expiring.
		dist := f.props(t, f.lid(f.stack.Distribution))["DistributionConfig"].(map[string]any)
		lg := dist["Logging"].(map[string]any)
		assert.Equal(t, "${"+f.lid(f.stack.LogsBucket)+".RegionalDomainName}", render(lg["Bucket"]))
		assert.Equal(t, "cloudfront/", lg["Prefix"])
		b := f.props(t, f.lid(f.stack.LogsBucket))
		rules := asList(b["LifecycleConfiguration"].(map[string]any)["Rules"])
		require.Len(t, rules, 1)
		assert.EqualValues(t, f.cfg.Ops.LogsExpireDays, rules[0].(map[string]any)["ExpirationInDays"])
		assert.Equal(t, []any{map[string]any{"ObjectOwnership": "BucketOwnerPreferred"}},
			b["OwnershipControls"].(map[string]any)["Rules"])
		assert.Equal(t, map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true,
			"IgnorePublicAcls": true, "RestrictPublicBuckets": true}, b["PublicAccessBlockConfiguration"])
	}
}

func TestDashboard(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		dbs := f.ofType("AWS::CloudWatch::Dashboard")
		require.Len(t, dbs, 1, "one dashboard per stage")
		for _, d := range dbs {
			p := d["Properties"].(map[string]any)
			assert.Equal(t, DashboardName(stage), p["DashboardName"])
			body := render(p["DashboardBody"])
			assert.Contains(t, body, `"type":"alarm"`)
			for _, a := range f.stack.Alarms {
				assert.Contains(t, body, f.lid(a), "alarm status widget shows every alarm")
			}
			for _, m := range EMFMetrics {
				assert.Contains(t, body, `["SkyLedger","`+m.Name+`","Function","`+m.Function+`"`)
			}
			for _, want := range []string{"IteratorAge", "ApproximateNumberOfMessagesVisible", "ConsumedReadCapacityUnits",
				"ReadThrottleEvents", "MessageCount", "ConnectCount", "Duration", "Throttles", "5xx"} {
				assert.Contains(t, body, want)
			}
			for _, ts := range spec.Tables {
				assert.Contains(t, body, f.lid(f.stack.Tables[ts.Name]))
			}
		}
	}
}

func TestEdgeProtection(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		dist := f.props(t, f.lid(f.stack.Distribution))["DistributionConfig"].(map[string]any)
		def := dist["DefaultCacheBehavior"].(map[string]any)
		assert.Equal(t, "${"+f.lid(f.stack.ConsoleHeaders)+"}", render(def["ResponseHeadersPolicyId"]))
		api := asList(dist["CacheBehaviors"])[0].(map[string]any)
		assert.Equal(t, "${"+f.lid(f.stack.APIHeaders)+"}", render(api["ResponseHeadersPolicyId"]))

		console := f.props(t, f.lid(f.stack.ConsoleHeaders))["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
		csp := render(console["ContentSecurityPolicy"].(map[string]any)["ContentSecurityPolicy"])
		assert.Contains(t, csp, "script-src 'self';")
		assert.Contains(t, csp, "frame-ancestors 'none'")
		assert.Contains(t, csp, "connect-src 'self' wss://${"+f.lid(f.stack.WSAPI)+"}.execute-api.${AWS::Region}.${AWS::URLSuffix};")
		assert.NotContains(t, csp, "unsafe-inline")
		assert.Equal(t, "DENY", console["FrameOptions"].(map[string]any)["FrameOption"])
		assert.EqualValues(t, 365*24*3600, console["StrictTransportSecurity"].(map[string]any)["AccessControlMaxAgeSec"])
		apiHdr := f.props(t, f.lid(f.stack.APIHeaders))["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
		assert.Equal(t, spec.APICSP, apiHdr["ContentSecurityPolicy"].(map[string]any)["ContentSecurityPolicy"])

		var apiOrigin map[string]any
		for _, o := range asList(dist["Origins"]) {
			if _, ok := o.(map[string]any)["CustomOriginConfig"]; ok {
				apiOrigin = o.(map[string]any)
			}
		}
		require.NotNil(t, apiOrigin)
		waf, hasWAF := dist["WebACLId"]
		if stage == StageProd {
			// WAF: managed common rules, bad inputs, per-IP rate limit.
			require.True(t, hasWAF)
			assert.Equal(t, "${"+f.lid(f.stack.WebACL)+".Arn}", render(waf))
			acl := f.props(t, f.lid(f.stack.WebACL))
			assert.Equal(t, "CLOUDFRONT", acl["Scope"])
			rules := render(acl["Rules"])
			assert.Contains(t, rules, `"Name":"AWSManagedRulesCommonRuleSet","VendorName":"AWS"`)
			assert.Contains(t, rules, `"RateBasedStatement":{"AggregateKeyType":"IP","Limit":2000}`)
			// The origin secret travels as a dynamic reference.
			hdrs := asList(apiOrigin["OriginCustomHeaders"])
			require.Len(t, hdrs, 1)
			h := hdrs[0].(map[string]any)
			assert.Equal(t, spec.OriginVerifyHeader, h["HeaderName"])
			assert.Equal(t, "{{resolve:secretsmanager:${"+f.lid(f.stack.OriginSecret)+"}:SecretString:::}}", render(h["HeaderValue"]))
		} else {
			assert.False(t, hasWAF, "dev: no WAF by default")
			assert.Empty(t, f.ofType("AWS::WAFv2::WebACL"))
			assert.NotContains(t, apiOrigin, "OriginCustomHeaders")
		}
	}
}

// TestProdOptions synthesizes prod with every optional destination given:
// an existing alarm topic, a custom domain, an existing web ACL, a backup
// copy to another region.
func TestProdOptions(t *testing.T) {
	c := Config{Stage: StageProd, AssetDir: assetDir, WebDir: webDir, Ops: DefaultOps(StageProd)}
	c.Ops.AlarmTopicArn = "arn:aws:sns:us-east-1:123456789012:pager"
	c.Ops.DomainName = "skyledger.example.com"
	c.Ops.CertificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
	c.Ops.WAFWebACLArn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/shared/1"
	c.Ops.BackupCopyVaultArn = "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr"
	f := synthFixture(t, c)

	assert.Empty(t, f.ofType("AWS::SNS::Topic"), "the existing topic is used")
	for _, r := range f.ofType("AWS::CloudWatch::Alarm") {
		p := r["Properties"].(map[string]any)
		assert.Equal(t, []string{c.Ops.AlarmTopicArn}, list(p["AlarmActions"]))
		assert.Equal(t, []string{c.Ops.AlarmTopicArn}, list(p["OKActions"]))
	}
	dist := f.props(t, f.lid(f.stack.Distribution))["DistributionConfig"].(map[string]any)
	assert.Equal(t, []any{"skyledger.example.com"}, dist["Aliases"])
	vc := dist["ViewerCertificate"].(map[string]any)
	assert.Equal(t, c.Ops.CertificateArn, vc["AcmCertificateArn"])
	assert.Equal(t, "TLSv1.2_2021", vc["MinimumProtocolVersion"])
	assert.Equal(t, "sni-only", vc["SslSupportMethod"])
	assert.Equal(t, c.Ops.WAFWebACLArn, dist["WebACLId"])
	assert.Empty(t, f.ofType("AWS::WAFv2::WebACL"))
	plan := render(f.props(t, f.lid(f.stack.BackupPlan))["BackupPlan"])
	assert.Contains(t, plan, `"CopyActions":[{"DestinationBackupVaultArn":"`+c.Ops.BackupCopyVaultArn+`","Lifecycle":{"DeleteAfterDays":35}}]`)
}

func TestBackup(t *testing.T) {
	prod := stageFixture(t, StageProd)
	plan := prod.props(t, prod.lid(prod.stack.BackupPlan))["BackupPlan"].(map[string]any)
	rules := asList(plan["BackupPlanRule"])
	require.Len(t, rules, 1)
	r := rules[0].(map[string]any)
	assert.Equal(t, "cron(0 3 * * ? *)", r["ScheduleExpression"], "daily")
	assert.EqualValues(t, BackupRetentionDays, r["Lifecycle"].(map[string]any)["DeleteAfterDays"])
	assert.NotContains(t, r, "CopyActions", "no copy unless a vault is given")
	assert.Equal(t, "${"+prod.lid(prod.stack.BackupVault)+".BackupVaultName}", render(r["TargetBackupVault"]))
	assert.Equal(t, "Retain", prod.resource(t, prod.lid(prod.stack.BackupVault))["DeletionPolicy"])
	sels := prod.ofType("AWS::Backup::BackupSelection")
	require.Len(t, sels, 1)
	for _, s := range sels {
		res := render(s["Properties"].(map[string]any)["BackupSelection"].(map[string]any)["Resources"])
		assert.Contains(t, res, prod.lid(prod.stack.Tables[spec.Events.Name]))
		assert.Contains(t, res, prod.lid(prod.stack.Tables[spec.Records.Name]))
		assert.NotContains(t, res, prod.lid(prod.stack.Tables[spec.ReadModel.Name]), "read models are rebuilt, not restored")
	}
	dev := stageFixture(t, StageDev)
	assert.Empty(t, dev.ofType("AWS::Backup::BackupPlan"))
}

func TestPhysicalNamesAndRetention(t *testing.T) {
	for _, stage := range stages {
		f := stageFixture(t, stage)
		for _, ts := range spec.Tables {
			assert.Equal(t, spec.StageTableName(stage, ts), f.props(t, f.lid(f.stack.Tables[ts.Name]))["TableName"])
		}
		assert.Equal(t, spec.StageDeadLetterQueueName(stage), f.props(t, f.lid(f.stack.DeadLetters))["QueueName"])
		outs := f.doc["Outputs"].(map[string]any)
		assert.Equal(t, "${"+f.lid(f.stack.Functions[spec.FnProjector])+"}", render(outs["ProjectorFunctionName"].(map[string]any)["Value"]))
		want := "Delete"
		if stage == StageProd {
			want = "Retain"
		}
		for _, s := range []string{f.lid(f.stack.BootstrapSecret), f.lid(f.stack.CursorKeySecret), f.lid(f.stack.PIIKeySecret)} {
			assert.Equal(t, want, f.resource(t, s)["DeletionPolicy"], "secret %s", s)
		}
	}
}

// recommendedFlags reads the recommended feature flags shipped in the
// aws-cdk-lib bundle of the Go module (what `cdk init` writes).
func recommendedFlags(t *testing.T) map[string]any {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-cdk-go/awscdk/v2").Output()
	require.NoError(t, err)
	dir := strings.TrimSpace(string(out))
	matches, err := filepath.Glob(filepath.Join(dir, "jsii", "aws-cdk-lib-*.tgz"))
	require.NoError(t, err)
	require.Len(t, matches, 1, "the jsii bundle of aws-cdk-lib")
	fh, err := os.Open(matches[0])
	require.NoError(t, err)
	defer fh.Close()
	gz, err := gzip.NewReader(fh)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if h.Name == "package/recommended-feature-flags.json" {
			var flags map[string]any
			require.NoError(t, json.NewDecoder(tr).Decode(&flags))
			return flags
		}
	}
	t.Fatal("recommended-feature-flags.json not in the aws-cdk-lib bundle")
	return nil
}

// TestFeatureFlagsSetExplicitly fails when aws-cdk-lib recommends a flag
// cdk.json does not set (a CDK upgrade): set it, review the diff of the
// synthesized templates, and commit both.
func TestFeatureFlagsSetExplicitly(t *testing.T) {
	rec := recommendedFlags(t)
	require.Greater(t, len(rec), 50)
	ctx := cdkJSONContext(t)
	for k, v := range rec {
		got, ok := ctx[k]
		if assert.True(t, ok, "cdk.json does not set the recommended feature flag %s (recommended: %v)", k, v) {
			assert.Equal(t, v, got, "cdk.json sets %s differently from the recommendation", k)
		}
	}
}

var awsEnvEU = awscdk.Environment{Region: jsii.String("eu-west-1")}
