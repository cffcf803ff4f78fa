// Package invoke runs one Lambda function's handler once, wired as in the
// cloud (the internal/wire builder its functions/<name> main calls) against
// the local storage, with an event read from a file, and prints the
// response, as `sam local invoke` does:
//
//	go run ./cmd/skyledger invoke commands event.json       (embedded store in .data)
//	go run ./cmd/skyledger invoke -generate http > event.json
//
// Embedded mode (the default) opens the data directory's event log, so the
// local runtime (`make run`) must not be running on the same directory (the
// store locks it); the read models and connections are in memory, rebuilt
// from the log for queries. Endpoint mode (AWS_ENDPOINT_URL set, or -mode
// endpoint) uses the DynamoDB tables `make run` creates in that mode.
package invoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/envflag"
	"github.com/skyledger/skyledger/internal/localcloud"
	"github.com/skyledger/skyledger/internal/metrics"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/wire"
)

// Samples are the sample events -generate prints, by kind: golden fixtures
// of the handler packages' tests (paths from the repository root).
var Samples = map[string]string{
	"http":            "internal/commandapi/testdata/post_login.json",
	"http-query":      "internal/queryapi/testdata/get_me.request.json",
	"http-authorizer": "internal/authz/testdata/http_authorizer_request.json",
	"ws-authorizer":   "internal/authz/testdata/ws_connect_authorizer_request.json",
	"ws-connect":      "internal/wsapi/testdata/connect.json",
	"ws-disconnect":   "internal/wsapi/testdata/disconnect.json",
	"ws-message":      "internal/wsapi/testdata/message_subscribe.json",
	"stream":          "internal/projection/testdata/pirep_batch.json",
}

// FunctionSample is the sample kind each function takes.
var FunctionSample = map[string]string{
	spec.FnAuthorizer:   "http-authorizer",
	spec.FnCommands:     "http",
	spec.FnQueries:      "http-query",
	spec.FnProjector:    "stream",
	spec.FnWSConnect:    "ws-connect",
	spec.FnWSDisconnect: "ws-disconnect",
	spec.FnWSDefault:    "ws-message",
}

// Sample returns the sample event of a kind, read from the repository.
func Sample(kind string) ([]byte, error) {
	rel, ok := Samples[kind]
	if !ok {
		return nil, fmt.Errorf("unknown sample %q (want one of %s)", kind, strings.Join(kinds(), ", "))
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(root, rel))
}

func kinds() []string {
	var k []string
	for n := range Samples {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/skyledger/skyledger\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the SkyLedger repository (samples are its test fixtures)")
		}
		dir = parent
	}
}

// Main is `skyledger invoke`: args are the arguments after "invoke".
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	gen := fs.String("generate", "", "print a sample event instead: "+strings.Join(kinds(), "|"))
	dataDir := fs.String("data-dir", envflag.Default("SKYLEDGER_DATA_DIR", ".data"), "embedded mode: the runtime's data directory [SKYLEDGER_DATA_DIR]")
	mode := fs.String("mode", "", "embedded or endpoint (default: endpoint if AWS_ENDPOINT_URL is set) [SKYLEDGER_MODE]")
	prefix := fs.String("table-prefix", envflag.Default("SKYLEDGER_TABLE_PREFIX", "skyledger-local-"), "endpoint mode: table name prefix [SKYLEDGER_TABLE_PREFIX]")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: skyledger invoke [flags] FUNCTION EVENT.json   (EVENT.json \"-\" reads stdin)\n"+
			"       skyledger invoke -generate KIND\nfunctions: %s\n", strings.Join(functionNames(), ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *gen != "" {
		b, err := Sample(*gen)
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errors.New("want FUNCTION and EVENT.json")
	}
	fn, path := fs.Arg(0), fs.Arg(1)
	var event []byte
	var err error
	if path == "-" {
		event, err = io.ReadAll(os.Stdin)
	} else {
		event, err = os.ReadFile(path)
	}
	if err != nil {
		return err
	}
	if *mode == "" {
		*mode = envflag.Default("SKYLEDGER_MODE", "")
	}
	if *mode == "" {
		*mode = wire.DefaultMode()
	}
	log := metrics.NewLogger(stderr, metrics.ParseLevel(os.Getenv(spec.EnvLogLevel)))
	h, closeFn, err := Build(ctx, fn, Options{Mode: *mode, DataDir: *dataDir, TablePrefix: *prefix, Log: log})
	if err != nil {
		return err
	}
	defer closeFn()
	out, err := h(ctx, event)
	if err != nil {
		return fmt.Errorf("%s: function error: %w", fn, err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func functionNames() []string {
	var n []string
	for _, f := range spec.Functions {
		n = append(n, f.Name)
	}
	return n
}

// Options choose the storage a handler is wired to.
type Options struct {
	Mode        string // wire.ModeEmbedded or wire.ModeEndpoint
	DataDir     string // embedded mode
	TablePrefix string // endpoint mode
	Log         *slog.Logger
}

// Handler takes a raw event as Lambda delivers it and returns the response
// value (what the function's main returns to the Lambda runtime).
type Handler func(ctx context.Context, event []byte) (any, error)

// stores are the ports one mode provides.
type stores struct {
	store  events.Store
	keys   pii.KeyStore // data keys of personal data
	models readmodel.Store
	conns  connections.Store
	close  func() error
	// rebuild replays the event log through fn (a projector without
	// notifications) into the in-memory read models.
	rebuild func(ctx context.Context, fn localcloud.ChangeFunc) error
}

func open(ctx context.Context, o Options) (stores, error) {
	switch o.Mode {
	case wire.ModeEmbedded:
		st, err := embedded.Open(filepath.Join(o.DataDir, "events"), embedded.Options{})
		if err != nil {
			return stores{}, fmt.Errorf("open the embedded store in %s (is `make run` using it?): %w", o.DataDir, err)
		}
		keys, err := pii.NewFileKeys(wire.LocalKeysDir(o.DataDir))
		if err != nil {
			_ = st.Close()
			return stores{}, err
		}
		return stores{store: st, keys: keys, models: readmodel.NewEmbedded(), conns: connections.NewEmbedded(), close: st.Close,
			rebuild: func(ctx context.Context, fn localcloud.ChangeFunc) error {
				_, err := localcloud.Replay(ctx, st, math.MaxUint64, 500, 200*time.Millisecond, fn)
				return err
			}}, nil
	case wire.ModeEndpoint:
		cfg, err := wire.AWSConfig(ctx)
		if err != nil {
			return stores{}, err
		}
		db := dynamodb.NewFromConfig(cfg)
		name := func(t spec.Table) string { return spec.TableName(o.TablePrefix, t) }
		ev := dynamo.New(db, name(spec.Events), name(spec.Records))
		return stores{store: ev, keys: &pii.RecordKeys{Records: ev},
			models: readmodel.NewDynamo(db, name(spec.ReadModel)),
			conns:  connections.NewDynamo(db, name(spec.Connections)),
			close:  func() error { return nil }}, nil
	}
	return stores{}, fmt.Errorf("mode %q: want %s or %s", o.Mode, wire.ModeEmbedded, wire.ModeEndpoint)
}

// runtimeURLs are the WebSocket and @connections URLs of the local runtime
// (from <data-dir>/runtime.json when it runs, else its defaults).
func runtimeURLs(dataDir string) (ws, mgmt string) {
	ws, mgmt = "ws://127.0.0.1:8080/ws", "http://127.0.0.1:8081"
	if info, err := localcloud.ReadInfo(dataDir); err == nil {
		ws, mgmt = info.WSURL, info.ManagementURL
	}
	return ws, mgmt
}

// Build wires one function's handler with the same builder its Lambda main
// uses (internal/wire), on this mode's adapters; close releases the storage.
func Build(ctx context.Context, fn string, o Options) (Handler, func() error, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	known := false
	for _, f := range spec.Functions {
		known = known || f.Name == fn
	}
	if !known {
		return nil, nil, fmt.Errorf("unknown function %q (want one of %s)", fn, strings.Join(functionNames(), ", "))
	}
	st, err := open(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	wsURL, mgmtURL := runtimeURLs(o.DataDir)
	a := wire.Adapters{Store: st.store, Keys: st.keys, Models: st.models, Connections: st.conns, Log: o.Log, Metrics: io.Discard,
		// the local runtime's @connections API, if it runs (anonymous: it checks no signature)
		Management: notify.NewClient(aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}, mgmtURL, 4)}
	token := os.Getenv("SKYLEDGER_BOOTSTRAP_TOKEN")
	if token == "" {
		b, _ := os.ReadFile(filepath.Join(o.DataDir, wire.BootstrapTokenFile))
		token = strings.TrimSpace(string(b))
	}
	key, _ := os.ReadFile(filepath.Join(o.DataDir, "cursor-key"))
	if key = bytes.TrimSpace(key); len(key) < wire.MinCursorKeyBytes {
		key = []byte("invoke-cursor-key-not-shared-with-the-runtime")
	}
	// the runtime's master key (created as the runtime would, on first use)
	piiKey, err := wire.LocalPIIKey(o.DataDir)
	if err != nil {
		_ = st.close()
		return nil, nil, err
	}
	s := wire.Settings{WSURL: wsURL, CursorKey: key, PIIMasterKey: piiKey,
		BootstrapToken: func(context.Context) (string, error) { return token, nil }}
	if err := s.Validate(fn); err != nil {
		_ = st.close()
		return nil, nil, err
	}
	var h Handler
	switch fn {
	case spec.FnAuthorizer:
		az := wire.Authorizer(a, s)
		h = func(ctx context.Context, ev []byte) (any, error) { return az(ctx, json.RawMessage(ev)) }
	case spec.FnCommands:
		h = handler(wire.Commands(a, s))
	case spec.FnQueries:
		if st.rebuild != nil {
			if err := st.rebuild(ctx, wire.Rebuilder(wire.Adapters{Models: st.models, Keys: st.keys, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, s)); err != nil {
				_ = st.close()
				return nil, nil, fmt.Errorf("rebuild read models: %w", err)
			}
		}
		h = handler(wire.Queries(a, s))
	case spec.FnProjector:
		h = handler(wire.Projector(a, s))
	case spec.FnWSConnect:
		h = handler(wire.WSConnect(a, s))
	case spec.FnWSDisconnect:
		h = handler(wire.WSDisconnect(a, s))
	case spec.FnWSDefault:
		h = handler(wire.WSDefault(a, s))
	}
	return h, st.close, nil
}

// handler adapts a typed Lambda handler to raw events.
func handler[Req, Resp any](fn func(context.Context, Req) (Resp, error)) Handler {
	return func(ctx context.Context, ev []byte) (any, error) { return typed(ctx, ev, fn) }
}

// typed decodes the event into the handler's request type, as the Lambda
// runtime does, and calls it.
func typed[Req, Resp any](ctx context.Context, ev []byte, fn func(context.Context, Req) (Resp, error)) (any, error) {
	var req Req
	dec := json.NewDecoder(bytes.NewReader(ev))
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("event does not decode as %T: %w", req, err)
	}
	return fn(ctx, req)
}
