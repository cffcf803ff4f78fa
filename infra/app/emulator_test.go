package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
)

const testExecuteAPI = "http://127.0.0.1:4566/_aws/execute-api"

// emulatorFixture synthesizes the dev stage for the emulator target (host
// architecture x86_64, an execute-api endpoint override), once.
func emulatorFixture(t *testing.T) *fixture {
	t.Helper()
	fixMu.Lock()
	defer fixMu.Unlock()
	const key = "emulator"
	if f, ok := fixtures[key]; ok {
		return f
	}
	cfg := Config{Stage: StageDev, AssetDir: assetDir, WebDir: webDir, WebOrigins: DevWebOrigins, Ops: DefaultOps(StageDev),
		Emulator: &Emulator{Architecture: ArchX8664, ExecuteAPIEndpoint: testExecuteAPI}}
	f := synthFixture(t, cfg)
	fixtures[key] = f
	return f
}

func fnEnv(p map[string]any) map[string]string {
	env := map[string]string{}
	for k, v := range p["Environment"].(map[string]any)["Variables"].(map[string]any) {
		env[k] = render(v)
	}
	return env
}

// TestEmulatorTarget: the emulator target changes exactly the Lambda
// architecture, the execute-api URLs and the web hosting; everything else (tables, IAM, routes, stream mapping) is
// the AWS stack's.
func TestEmulatorTarget(t *testing.T) {
	f := emulatorFixture(t)
	aws := stageFixture(t, StageDev)
	ws, httpAPI := "${"+f.lid(f.stack.WSAPI)+"}", "${"+f.lid(f.stack.HTTPAPI)+"}"

	for _, fs := range spec.Functions {
		t.Run(fs.Name, func(t *testing.T) {
			p := f.props(t, f.lid(f.stack.Functions[fs.Name]))
			assert.Equal(t, []any{"x86_64"}, p["Architectures"])
			env := fnEnv(p)
			awsEnv := fnEnv(aws.props(t, aws.lid(aws.stack.Functions[fs.Name])))
			if fs.ManagesWS {
				assert.Equal(t, testExecuteAPI+"/"+ws+"/dev", env[spec.EnvWSManagementURL])
			}
			if fs.WSURL {
				assert.Equal(t, "ws://127.0.0.1:4566/_aws/execute-api/"+ws+"/dev", env[spec.EnvWSURL])
			}
			// every other variable is the AWS target's.
			delete(env, spec.EnvWSManagementURL)
			delete(env, spec.EnvWSURL)
			delete(awsEnv, spec.EnvWSManagementURL)
			delete(awsEnv, spec.EnvWSURL)
			assert.Equal(t, awsEnv, env)
		})
	}

	outs := f.doc["Outputs"].(map[string]any)
	val := func(k string) string {
		o, ok := outs[k].(map[string]any)
		require.True(t, ok, "output %s", k)
		return render(o["Value"])
	}
	assert.Equal(t, testExecuteAPI+"/"+httpAPI+"/", val("HttpApiUrl"))
	assert.Equal(t, "ws://127.0.0.1:4566/_aws/execute-api/"+ws+"/dev", val("WebSocketUrl"))
	assert.Equal(t, testExecuteAPI+"/"+ws+"/dev", val("WebSocketManagementUrl"))
	assert.Equal(t, httpAPI, val("HttpApiId"))
	assert.Equal(t, ws, val("WebSocketApiId"))
	assert.NotContains(t, outs, "WebUrl")
	assert.NotContains(t, aws.doc["Outputs"], "HttpApiId", "the AWS target has no emulator outputs")

	// No web hosting: no bucket, distribution or custom resources an
	// emulator cannot run.
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::CloudFront::Distribution", "Custom::CDKBucketDeployment",
		"Custom::S3AutoDeleteObjects", "AWS::CloudFront::Function"} {
		assert.Empty(t, f.ofType(typ), typ)
		if typ != "Custom::S3AutoDeleteObjects" { // dev on AWS auto-deletes; prod retains
			assert.NotEmpty(t, aws.ofType(typ), "AWS target keeps %s", typ)
		}
	}
	for id, r := range f.doc["Resources"].(map[string]any) {
		assert.False(t, strings.HasPrefix(r.(map[string]any)["Type"].(string), "Custom::"), "custom resource %s", id)
	}

	// The same bootstrap version rule (cdklocal bootstraps the emulator).
	assert.Equal(t, aws.doc["Rules"], f.doc["Rules"])

	// Everything else is the same stack: same resource types and counts
	// apart from the web hosting.
	count := func(fx *fixture) map[string]int {
		c := map[string]int{}
		for _, r := range fx.doc["Resources"].(map[string]any) {
			c[r.(map[string]any)["Type"].(string)]++
		}
		return c
	}
	ec, ac := count(f), count(aws)
	for typ, n := range ac {
		switch {
		case strings.HasPrefix(typ, "AWS::CloudFront::"), strings.HasPrefix(typ, "AWS::S3::"), strings.HasPrefix(typ, "Custom::"),
			typ == "AWS::Lambda::LayerVersion": // the bucket deployment's AWS CLI layer
			continue
		case typ == "AWS::CloudWatch::Alarm":
			// metric-math alarms are left out for emulators.
			math := 0
			for _, r := range aws.ofType(typ) {
				if _, ok := r["Properties"].(map[string]any)["Metrics"]; ok {
					math++
				}
			}
			assert.Positive(t, math)
			assert.Equal(t, n-math, ec[typ], typ)
			for _, r := range f.ofType(typ) {
				assert.NotContains(t, r["Properties"], "Metrics", "no metric math for the emulator")
			}
			continue
		case typ == "AWS::Logs::LogGroup":
			// the bucket deployment's provider function has its own log group.
			web := 0
			for id := range aws.ofType(typ) {
				if strings.HasPrefix(id, "CustomCDKBucketDeployment") {
					web++
				}
			}
			assert.Equal(t, n-web, ec[typ], typ)
			continue
		case typ == "AWS::Lambda::Function", typ == "AWS::IAM::Role", typ == "AWS::IAM::Policy":
			// the AWS stack adds the custom resources' provider functions.
			assert.Equal(t, len(spec.Functions), ec["AWS::Lambda::Function"], "functions")
			continue
		}
		assert.Equal(t, n, ec[typ], typ)
	}
	for _, fs := range spec.Functions {
		assert.Equal(t, grants(expectedStatements(f, fs)), grants(roleStatements(t, f, f.lid(f.stack.Functions[fs.Name].Role()))), "IAM of %s", fs.Name)
	}
}

func TestEmulatorContext(t *testing.T) {
	ctx := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	e, err := emulatorFromContext(ctx(nil))
	require.NoError(t, err)
	assert.Nil(t, e, "no context: AWS target")
	e, err = emulatorFromContext(ctx(map[string]string{"target": "aws"}))
	require.NoError(t, err)
	assert.Nil(t, e)
	_, err = emulatorFromContext(ctx(map[string]string{"lambdaArchitecture": "x86_64"}))
	assert.ErrorContains(t, err, "target=emulator", "emulator keys without the emulator target")
	_, err = emulatorFromContext(ctx(map[string]string{"target": "localstack"}))
	assert.Error(t, err)
	e, err = emulatorFromContext(ctx(map[string]string{"target": "emulator", "executeApiEndpoint": testExecuteAPI + "/"}))
	require.NoError(t, err)
	assert.Equal(t, &Emulator{Architecture: ArchARM64, ExecuteAPIEndpoint: testExecuteAPI}, e)

	for _, bad := range []*Emulator{
		{Architecture: "amd64"},
		{Architecture: ArchX8664, ExecuteAPIEndpoint: "127.0.0.1:4566"},
		{Architecture: ArchX8664, ExecuteAPIEndpoint: "ftp://127.0.0.1/x"},
		{Architecture: ArchX8664, ExecuteAPIEndpoint: "http://127.0.0.1:4566/x?y=1"},
	} {
		assert.Error(t, validateEmulator(bad), "%+v", bad)
	}
	assert.NoError(t, validateEmulator(&Emulator{Architecture: ArchARM64, ExecuteAPIEndpoint: "https://h.example/_aws/execute-api"}))
	assert.NoError(t, validateEmulator(nil))
	cfg := Config{Stage: StageDev, AssetDir: assetDir, Ops: DefaultOps(StageDev), Emulator: &Emulator{Architecture: "sparc"}}
	assert.ErrorContains(t, ValidateConfig(cfg), "lambdaArchitecture")
}

// TestEmulatorTargetWithoutEndpoint keeps the stack's own execute-api URLs
// when no endpoint is given (LocalStack resolves them itself).
func TestEmulatorTargetWithoutEndpoint(t *testing.T) {
	cfg := Config{Stage: StageDev, AssetDir: assetDir, Emulator: &Emulator{Architecture: ArchARM64}}
	assert.Equal(t, "", cfg.executeAPIBase())
	assert.False(t, cfg.deploysWeb())
	assert.True(t, Config{Stage: StageDev}.deploysWeb())
}
