package wire

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/infra/spec"
)

// stackEnv is the environment infra/app gives a function (TestFunctions in
// infra/app asserts the stack against the same rules): the variable of
// each table it reads or writes, LOG_LEVEL, and the URLs and secrets its
// spec.Function declares.
func stackEnv(f spec.Function) []string {
	env := []string{spec.EnvLogLevel + "=info", "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x"}
	for name, acc := range f.Tables {
		if acc == spec.Read || acc == spec.ReadWrite {
			for _, t := range spec.Tables {
				if t.Name == name {
					env = append(env, t.EnvVar+"=table-"+name)
				}
			}
		}
	}
	for k, v := range f.Env {
		env = append(env, k+"="+v)
	}
	if f.ManagesWS {
		env = append(env, spec.EnvWSManagementURL+"=https://api.example/dev")
	}
	if f.WSURL {
		env = append(env, spec.EnvWSURL+"=wss://api.example/dev")
	}
	if f.ReadsSecret {
		env = append(env, spec.EnvBootstrapSecretARN+"=arn:aws:secretsmanager:us-east-1:0:secret:x")
	}
	if f.CursorKey {
		env = append(env, spec.EnvCursorKey+"=0123456789abcdef0123456789abcdef")
	}
	if f.PIIKey {
		env = append(env, spec.EnvPIIKey+"=0123456789abcdef0123456789abcdef")
	}
	return env
}

// TestCloudStartsWithTheStacksEnvironment runs Cloud for every function in
// a child process with exactly the stack's environment: a variable Cloud
// requires that the stack does not set makes the Lambda exit during init
// (Cloud exits 1), which fails here.
func TestCloudStartsWithTheStacksEnvironment(t *testing.T) {
	if fn := os.Getenv("WIRE_CLOUD_CHILD"); fn != "" {
		Cloud(fn) // exits 1 on a missing variable
		os.Exit(0)
	}
	for _, f := range spec.Functions {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCloudStartsWithTheStacksEnvironment$")
		cmd.Env = append(stackEnv(f), "WIRE_CLOUD_CHILD="+f.Name, "HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		assert.NoError(t, err, "%s with the stack's environment: %s", f.Name, out)
	}
	// and a missing variable does fail.
	f := spec.FunctionByName(spec.FnProjector)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCloudStartsWithTheStacksEnvironment$")
	cmd.Env = []string{"WIRE_CLOUD_CHILD=" + f.Name, "HOME=" + t.TempDir(), "AWS_REGION=us-east-1"}
	out, err := cmd.CombinedOutput()
	assert.Error(t, err, "projector without its environment")
	assert.Contains(t, string(out), "missing environment variable")
}
