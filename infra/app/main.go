// Command app is SkyLedger's CDK app: one stack per stage, built from the
// shared declarations in infra/spec.
//
//	cdk synth -c stage=dev            (cdk.json at the repo root builds and runs this from the root)
//	CDK_OUTDIR=cdk.out/dev CDK_CONTEXT_JSON='{"stage":"dev"}' go run .   (offline, no CDK CLI)
//
// Context keys: stage (dev|prod, default dev), assetDir (default <repo>/dist),
// webDir (default <repo>/web/dist), alarmEmail, webOrigins (comma-separated
// extra CORS origins; dev defaults to the Vite dev server); the
// operational keys of OpsConfig (ops.go): alarmTopicArn, waf, wafWebAclArn,
// reservedConcurrency, originSecret, backup, backupCopyVaultArn, domainName,
// certificateArn, wsLogLevel, logsExpireDays (a prod synth fails without
// alarmEmail or alarmTopicArn); for an emulator target (emulator.go):
// target=emulator, lambdaArchitecture (arm64|x86_64), executeApiEndpoint
// (e.g. http://127.0.0.1:4566/_aws/execute-api).
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	cfg, err := configFromContext(app)
	if err == nil {
		err = ValidateConfig(cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "skyledger infra:", err)
		os.Exit(1)
	}
	NewStack(app, cfg)
	app.Synth(nil)
}

// DevWebOrigins are the CORS origins the dev stage allows by default: the
// Vite dev server talking to the cloud API directly.
var DevWebOrigins = []string{"http://localhost:5173", "http://127.0.0.1:5173"}

func configFromContext(app awscdk.App) (Config, error) {
	ctx := func(k string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(k)).(string); ok {
			return strings.TrimSpace(v)
		}
		return ""
	}
	root, err := repoRoot()
	if err != nil {
		return Config{}, err
	}
	c := Config{
		Stage:      ctx("stage"),
		AssetDir:   ctx("assetDir"),
		WebDir:     ctx("webDir"),
		AlarmEmail: ctx("alarmEmail"),
	}
	if c.Emulator, err = emulatorFromContext(ctx); err != nil {
		return Config{}, err
	}
	if c.Stage == "" {
		c.Stage = StageDev
	}
	if c.Ops, err = opsFromContext(ctx, c.Stage); err != nil {
		return Config{}, err
	}
	if c.AssetDir == "" {
		c.AssetDir = filepath.Join(root, "dist")
	} else if !filepath.IsAbs(c.AssetDir) {
		c.AssetDir = filepath.Join(root, c.AssetDir)
	}
	if c.WebDir == "" {
		c.WebDir = filepath.Join(root, "web", "dist")
	} else if !filepath.IsAbs(c.WebDir) {
		c.WebDir = filepath.Join(root, c.WebDir)
	}
	if o := ctx("webOrigins"); o != "" {
		for _, s := range strings.Split(o, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.WebOrigins = append(c.WebOrigins, s)
			}
		}
	} else if c.Stage == StageDev {
		c.WebOrigins = DevWebOrigins
	}
	if acct, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION"); acct != "" || region != "" {
		c.Env = &awscdk.Environment{}
		if acct != "" {
			c.Env.Account = jsii.String(acct)
		}
		if region != "" {
			c.Env.Region = jsii.String(region)
		}
	}
	return c, nil
}

// repoRoot walks up from the working directory to the folder holding
// cdk.json (the CDK CLI runs the app from the root, scripts/synth.sh and the
// tests from infra/app).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "cdk.json")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cdk.json not found above the working directory")
		}
		dir = parent
	}
}
