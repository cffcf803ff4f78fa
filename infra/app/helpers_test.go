package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
)

// fixture is one synthesized stage: the stack handles, the assertions
// Template and the template decoded into plain Go values.
type fixture struct {
	cfg   Config
	stack *Stack
	tmpl  assertions.Template
	doc   map[string]any
}

var (
	assetDir string // placeholder function zips, distinct per function
	webDir   string // a fake web/dist with index.html (used by prod)
	fixMu    sync.Mutex
	fixtures = map[string]*fixture{}
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	silenceNodeBanner()
	defer jsii.Close()
	tmp, err := os.MkdirTemp("", "skyledger-infra-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	assetDir = filepath.Join(tmp, "dist")
	webDir = filepath.Join(tmp, "web")
	if err := writePlaceholders(assetDir, webDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// silenceNodeBanner sets jsii's switches for its Node version banner (as
// scripts/synth.sh does) before the jsii runtime starts.
func silenceNodeBanner() {
	major := "0"
	if out, err := exec.Command("node", "-p", "process.versions.node.split('.')[0]").Output(); err == nil {
		major = strings.TrimSpace(string(out))
	}
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", major)
	os.Setenv("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
	os.Setenv("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
}

// writePlaceholders writes one tiny zip per function (each holding a
// different `bootstrap`, so each gets its own asset) and a web/dist.
func writePlaceholders(assets, web string) error {
	if err := os.MkdirAll(assets, 0o755); err != nil {
		return err
	}
	for _, f := range spec.Functions {
		out, err := os.Create(filepath.Join(assets, f.Name+".zip"))
		if err != nil {
			return err
		}
		zw := zip.NewWriter(out)
		w, err := zw.Create("bootstrap")
		if err == nil {
			_, err = fmt.Fprintf(w, "#!/bin/sh\necho placeholder %s\n", f.Name)
		}
		if err == nil {
			err = zw.Close()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if err := os.MkdirAll(web, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>web</title>"), 0o644)
}

// stageFixture synthesizes a stage once per test binary. Prod gets a web
// directory and an alarm e-mail; dev gets neither (placeholder page).
func stageFixture(t *testing.T, stage string) *fixture {
	t.Helper()
	fixMu.Lock()
	defer fixMu.Unlock()
	if f, ok := fixtures[stage]; ok {
		return f
	}
	cfg := Config{Stage: stage, AssetDir: assetDir, WebDir: filepath.Join(assetDir, "no-web-dist"), Ops: DefaultOps(stage)}
	if stage == StageProd {
		cfg.WebDir = webDir
		cfg.AlarmEmail = "ops@example.com"
	} else {
		cfg.WebOrigins = DevWebOrigins
	}
	f := synthFixture(t, cfg)
	fixtures[stage] = f
	return f
}

// synthFixture validates and synthesizes one Config in an app carrying
// cdk.json's context (the feature flags), as `cdk synth` does.
func synthFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	require.NoError(t, ValidateConfig(cfg))
	app := newApp(t, nil)
	st := NewStack(app, cfg)
	tmpl := assertions.Template_FromStack(st.Stack, nil)
	raw, err := json.Marshal(tmpl.ToJSON())
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	return &fixture{cfg: cfg, stack: st, tmpl: tmpl, doc: doc}
}

// cdkJSONContext is the context of the repository's cdk.json.
func cdkJSONContext(t testing.TB) map[string]any {
	t.Helper()
	root, err := repoRoot()
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	require.NoError(t, err)
	var c struct {
		Context map[string]any `json:"context"`
	}
	require.NoError(t, json.Unmarshal(b, &c))
	return c.Context
}

// newApp is an App with cdk.json's context plus extra.
func newApp(t testing.TB, extra map[string]any) awscdk.App {
	t.Helper()
	ctx := cdkJSONContext(t)
	for k, v := range extra {
		ctx[k] = v
	}
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
}

var stages = []string{StageDev, StageProd}

// lid is the logical id of a construct's CloudFormation resource.
func (f *fixture) lid(c constructs.IConstruct) string {
	el, ok := c.Node().DefaultChild().(awscdk.CfnElement)
	if !ok {
		el, ok = c.(awscdk.CfnElement) // an L1 construct is its own resource
	}
	if !ok {
		panic("no CfnElement under " + *c.Node().Path())
	}
	return *f.stack.GetLogicalId(el)
}

// resource returns the resource with the logical id, failing the test when
// it is missing.
func (f *fixture) resource(t *testing.T, lid string) map[string]any {
	t.Helper()
	r, ok := f.doc["Resources"].(map[string]any)[lid].(map[string]any)
	require.True(t, ok, "resource %s missing", lid)
	return r
}

func (f *fixture) props(t *testing.T, lid string) map[string]any {
	t.Helper()
	p, _ := f.resource(t, lid)["Properties"].(map[string]any)
	require.NotNil(t, p, "resource %s has no Properties", lid)
	return p
}

// ofType returns logical id -> resource for every resource of a type.
func (f *fixture) ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range f.doc["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if rm["Type"] == typ {
			out[id] = rm
		}
	}
	return out
}

// render flattens CloudFormation intrinsics into a readable string:
// {"Ref":X} -> ${X}, {"Fn::GetAtt":[X,A]} -> ${X.A}, Fn::Join -> the joined
// parts. Anything else is JSON.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprint(x)
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok && len(x) == 1 {
			return "${" + ref + "}"
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(x) == 1 && len(ga) == 2 {
			return "${" + render(ga[0]) + "." + render(ga[1]) + "}"
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(x) == 1 && len(j) == 2 {
			parts := j[1].([]any)
			ss := make([]string, len(parts))
			for i, p := range parts {
				ss[i] = render(p)
			}
			return strings.Join(ss, j[0].(string))
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// list turns a string-or-list CloudFormation value into rendered strings.
func list(v any) []string {
	if l, ok := v.([]any); ok {
		out := make([]string, len(l))
		for i, e := range l {
			out[i] = render(e)
		}
		return out
	}
	if v == nil {
		return nil
	}
	return []string{render(v)}
}

// statement is one rendered IAM statement: "A,B on R1|R2" with sorted parts.
func statement(actions, resources []string) string {
	a := append([]string(nil), actions...)
	r := append([]string(nil), resources...)
	sort.Strings(a)
	sort.Strings(r)
	return strings.Join(a, ",") + " on " + strings.Join(r, "|")
}

// assertMatches runs an assertions.Template check (which panics on a
// mismatch) and reports the mismatch as a test failure.
func assertMatches(t *testing.T, what string, check func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	check()
}

func obj(kv ...any) *map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return &m
}
