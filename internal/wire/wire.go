// Package wire is the local composition root: it builds every function's
// handler from the handler packages, with embedded adapters (default) or
// DynamoDB adapters (endpoint mode), and hosts them in the local runtime.
// cmd/skyledger and the end-to-end tests start the system through Start.
package wire

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	evstore "github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/authz"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/ddb"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/localcloud"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/queryapi"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/wsapi"
)

// Modes.
const (
	ModeEmbedded = "embedded" // events/embedded file log + in-memory read models
	ModeEndpoint = "endpoint" // DynamoDB tables + DynamoDB Streams at an AWS-compatible endpoint
)

// Config configures a local SkyLedger.
type Config struct {
	Addr           string // HTTP API + WebSocket (/ws); default 127.0.0.1:8080
	ManagementAddr string // @connections API, loopback; default 127.0.0.1:8081
	DataDir        string // default .data
	WebDir         string // web/dist ("" : none)
	BootstrapToken string // "" : generated once and kept in DataDir/bootstrap-token
	Mode           string // ModeEmbedded (default) or ModeEndpoint
	TablePrefix    string // endpoint mode; default "skyledger-local-"
	// AWS is the endpoint-mode configuration; nil loads the default chain
	// (AWS_ENDPOINT_URL, AWS_REGION, credentials; test credentials when
	// an endpoint is set without any).
	AWS      *aws.Config
	WSLimits localcloud.WSLimits
	Stream   spec.StreamSource // zero: spec.Projector
	// InProcessManagement gives the notifier's and wsapi's (unmodified)
	// SDK client a transport that calls the @connections handler without
	// the loopback TCP hop. Default false: real loopback HTTP.
	InProcessManagement bool
	Log                 *slog.Logger
	Now                 func() time.Time
}

// App is a running local SkyLedger.
type App struct {
	RT             *localcloud.Runtime
	Config         Config
	BootstrapToken string
	DeadLetters    *localcloud.DeadLetters
	closers        []func() error
	projector      localcloud.StreamFunc
}

// BootstrapTokenFile holds the generated bootstrap token in the data
// directory (mode 0600).
const BootstrapTokenFile = "bootstrap-token"

// Files inside the data directory.
const (
	fileBootstrapToken = BootstrapTokenFile
	fileCursorKey      = "cursor-key"
	fileCheckpoint     = "projection.checkpoint"
	dirEvents          = "events"
)

func (c *Config) defaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.ManagementAddr == "" {
		c.ManagementAddr = "127.0.0.1:8081"
	}
	if c.DataDir == "" {
		c.DataDir = ".data"
	}
	if c.Mode == "" {
		c.Mode = ModeEmbedded
	}
	if c.TablePrefix == "" {
		c.TablePrefix = "skyledger-local-"
	}
	if c.Stream.Function == "" {
		c.Stream = spec.Projector
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// secretFile returns the content of DataDir/name, creating it with n random
// bytes (hex) on first use.
func secretFile(dir, name, prefix string, n int) (string, error) {
	p := filepath.Join(dir, name)
	if b, err := os.ReadFile(p); err == nil {
		if s := strings.TrimSpace(string(b)); s != "" {
			return s, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	s := prefix + hex.EncodeToString(buf)
	if err := os.WriteFile(p, []byte(s+"\n"), 0o600); err != nil {
		return "", err
	}
	return s, nil
}

// adapters are the storage ports a mode provides.
type adapters struct {
	store evstore.Store
	// expiring holds state that must expire and stay out of the event log
	// (login throttling): nil means store (DynamoDB's Records table has a TTL)
	expiring evstore.Records
	models   readmodel.Store
	conns    connections.Store
	source   localcloud.Source
	rebuild  func(ctx context.Context, fn localcloud.StreamFunc) error // embedded: replay up to the checkpoint
	close    func() error
}

// Start builds and starts everything. Stop it with Shutdown.
func Start(ctx context.Context, cfg Config) (*App, error) {
	cfg.defaults()
	log := cfg.Log
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	app := &App{Config: cfg}
	token := cfg.BootstrapToken
	if token == "" {
		t, err := secretFile(cfg.DataDir, fileBootstrapToken, "bt_", 24)
		if err != nil {
			return nil, fmt.Errorf("bootstrap token: %w", err)
		}
		token = t
	}
	app.BootstrapToken = token
	cursorKey, err := secretFile(cfg.DataDir, fileCursorKey, "", 32)
	if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}

	var ad adapters
	switch cfg.Mode {
	case ModeEmbedded:
		ad, err = embeddedAdapters(cfg)
	case ModeEndpoint:
		ad, err = endpointAdapters(ctx, cfg)
	default:
		err = fmt.Errorf("unknown mode %q", cfg.Mode)
	}
	if err != nil {
		return nil, err
	}
	app.closers = append(app.closers, ad.close)

	rt, err := localcloud.Listen(localcloud.Config{Addr: cfg.Addr, ManagementAddr: cfg.ManagementAddr,
		WebDir: cfg.WebDir, WSLimits: cfg.WSLimits, Log: log,
		// every function refuses bodies above httpapi.MaxBodyBytes (413): the
		// gateway reads no further than that
		HTTPLimits: localcloud.HTTPLimits{MaxBodyBytes: httpapi.MaxBodyBytes}})
	if err != nil {
		_ = ad.close()
		return nil, err
	}
	app.RT = rt

	// The notifier reaches the runtime's @connections API with its
	// unmodified SDK client through the endpoint override. Anonymous
	// credentials: the loopback API checks no signature, and with them the
	// SDK skips SigV4 signing (about a tenth of the CPU per frame).
	// The Lambdas keep the default credential chain and sign.
	awsCfg := aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}
	fanout, _ := strconv.Atoi(os.Getenv(spec.EnvFanoutConcurrency)) // as the Lambda gets it; 0: the notifier's default
	mgmt := notify.NewClient(awsCfg, rt.ManagementURL(), fanout)
	if cfg.InProcessManagement {
		// Same SDK client and endpoint override, minus the loopback TCP hop.
		mgmt = apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) {
			o.BaseEndpoint = aws.String(rt.ManagementURL())
			o.HTTPClient = &http.Client{Transport: rt.NewInProcessTransport()}
			o.Retryer = aws.NopRetryer{}
		})
	}
	notifier := notify.New(notify.Deps{Store: ad.conns, Client: mgmt, Concurrency: fanout, Log: log.With("function", spec.FnProjector)})

	live := projection.New(projection.Deps{Models: ad.models, Notifier: notifier, Log: log.With("function", spec.FnProjector)})
	app.projector = live.Handle
	if ad.rebuild != nil {
		silent := projection.New(projection.Deps{Models: ad.models, Log: log.With("function", spec.FnProjector)})
		start := time.Now()
		if err := ad.rebuild(ctx, silent.Handle); err != nil {
			_ = rt.Shutdown(ctx)
			_ = ad.close()
			return nil, fmt.Errorf("rebuild read models: %w", err)
		}
		log.Info("read models rebuilt from the event log", "duration", time.Since(start).Round(time.Millisecond).String())
	}

	cmds := commandapi.New(commandapi.Deps{Store: ad.store, Expiring: ad.expiring, Now: cfg.Now,
		Sockets: notify.KeySockets{Store: ad.conns, Client: mgmt}, Log: log.With("function", spec.FnCommands),
		BootstrapToken: func(context.Context) (string, error) { return token, nil }, WSURL: rt.WSURL()})
	qs := queryapi.New(queryapi.Deps{Models: ad.models, Records: ad.store, CursorKey: []byte(cursorKey),
		Log: log.With("function", spec.FnQueries)})
	authz := authz.New(authz.Deps{Records: ad.store, Now: cfg.Now, Log: log.With("function", spec.FnAuthorizer)})
	ws := wsapi.New(wsapi.Deps{Store: ad.conns, Client: mgmt, Now: cfg.Now, Log: log.With("function", spec.FnWSDefault),
		TenantExists: wsapi.TenantsIn(ad.models)})

	app.DeadLetters = localcloud.OpenDeadLetters(filepath.Join(cfg.DataDir, localcloud.DeadLetterFile))
	mapping := &localcloud.Mapping{Spec: cfg.Stream, Source: ad.source, Fn: live.Handle, DLQ: app.DeadLetters, Log: log, Now: cfg.Now}

	rt.HandleManagement("POST /_skyledger/deadletter/redrive", http.HandlerFunc(app.serveRedrive))
	rt.Start(localcloud.Functions{
		HTTP: map[string]localcloud.HTTPFunc{
			spec.FnCommands: cmds.Router().Invoke,
			spec.FnQueries:  qs.Router().Invoke,
		},
		Authorizer:   authz.HTTP,
		WSAuthorizer: authz.WebSocket,
		WS: map[string]localcloud.WSFunc{
			spec.FnWSConnect:    ws.Connect,
			spec.FnWSDisconnect: ws.Disconnect,
			spec.FnWSDefault:    ws.Default,
		},
	}, mapping)

	if err := localcloud.WriteInfo(cfg.DataDir, localcloud.Info{PID: os.Getpid(), Mode: cfg.Mode, APIURL: rt.APIURL(),
		WSURL: rt.WSURL(), ManagementURL: rt.ManagementURL()}); err != nil {
		log.Warn("write runtime info", "error", err.Error())
	}
	return app, nil
}

func (a *App) serveRedrive(w http.ResponseWriter, r *http.Request) {
	var in struct {
		IDs []string `json:"ids"`
	}
	if r.ContentLength > 0 {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
			http.Error(w, `{"error":{"code":"validation","message":"body: {\"ids\":[...]}"}}`, http.StatusBadRequest)
			return
		}
	}
	res, err := a.DeadLetters.Redrive(r.Context(), a.projector, in.IDs...)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "internal", "message": err.Error()}})
		return
	}
	_ = json.NewEncoder(w).Encode(res)
}

// Shutdown stops the runtime gracefully (see runtime.Runtime.Shutdown) and
// closes the store.
func (a *App) Shutdown(ctx context.Context) error {
	errs := []error{a.RT.Shutdown(ctx)}
	for _, c := range a.closers {
		errs = append(errs, c())
	}
	_ = os.Remove(filepath.Join(a.Config.DataDir, localcloud.InfoFile))
	return errors.Join(errs...)
}

func embeddedAdapters(cfg Config) (adapters, error) {
	st, err := embedded.Open(filepath.Join(cfg.DataDir, dirEvents), embedded.Options{})
	if err != nil {
		return adapters{}, fmt.Errorf("open embedded store: %w", err)
	}
	src, err := localcloud.NewEmbeddedSource(st, filepath.Join(cfg.DataDir, fileCheckpoint))
	if err != nil {
		_ = st.Close()
		return adapters{}, err
	}
	ad := adapters{store: st, expiring: &auth.MemoryRecords{Now: cfg.Now}, models: readmodel.NewEmbedded(), conns: connections.NewEmbedded(), source: src,
		close: func() error { return errors.Join(src.Close(), st.Close()) }}
	// The embedded read models live in memory: rebuild them at start from
	// the event log up to the projector's checkpoint, without notifying
	// (those notifications went out before the restart). Records after the
	// checkpoint are then delivered live, with notifications.
	ad.rebuild = func(ctx context.Context, fn localcloud.StreamFunc) error {
		upTo := src.Checkpoint()
		got, err := localcloud.Replay(ctx, st, upTo, 500, 2*time.Second, fn)
		if err != nil {
			return err
		}
		if got < upTo {
			cfg.Log.Warn("event log ends before the projector checkpoint (torn tail cut?)", "log_end", got, "checkpoint", upTo)
		}
		return nil
	}
	return ad, nil
}

// AWSConfig loads the endpoint-mode AWS configuration: the default chain,
// with test credentials when AWS_ENDPOINT_URL is set and none are given.
func AWSConfig(ctx context.Context) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{}
	if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		opts = append(opts, config.WithRegion("us-east-1"))
	}
	if os.Getenv("AWS_ENDPOINT_URL") != "" && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	}
	return config.LoadDefaultConfig(ctx, opts...)
}

func endpointAdapters(ctx context.Context, cfg Config) (adapters, error) {
	var awsCfg aws.Config
	if cfg.AWS != nil {
		awsCfg = *cfg.AWS
	} else {
		c, err := AWSConfig(ctx)
		if err != nil {
			return adapters{}, fmt.Errorf("aws config: %w", err)
		}
		awsCfg = c
	}
	db := dynamodb.NewFromConfig(awsCfg)
	if err := ddb.EnsureTables(ctx, db, cfg.TablePrefix, spec.Tables...); err != nil {
		return adapters{}, err
	}
	eventsTable := spec.TableName(cfg.TablePrefix, spec.Events)
	d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(eventsTable)})
	if err != nil {
		return adapters{}, fmt.Errorf("describe %s: %w", eventsTable, err)
	}
	arn := aws.ToString(d.Table.LatestStreamArn)
	if arn == "" {
		return adapters{}, fmt.Errorf("table %s has no stream", eventsTable)
	}
	src := &localcloud.StreamsSource{Client: dynamodbstreams.NewFromConfig(awsCfg), StreamARN: arn,
		Path:    filepath.Join(cfg.DataDir, "streams-"+strings.Trim(cfg.TablePrefix, "-")+".json"),
		Convert: evstore.StreamsToLambdaRecord}
	if err := src.Open(); err != nil {
		return adapters{}, err
	}
	return adapters{
		store:  dynamo.New(db, eventsTable, spec.TableName(cfg.TablePrefix, spec.Records)),
		models: readmodel.NewDynamo(db, spec.TableName(cfg.TablePrefix, spec.ReadModel)),
		conns:  connections.NewDynamo(db, spec.TableName(cfg.TablePrefix, spec.Connections)),
		source: src,
		close:  func() error { return nil },
	}, nil
}

// DefaultMemoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit)
// the local runtime's binaries set unless GOMEMLIMIT is given: the garbage
// collector works harder near it instead of letting garbage (argon2id's
// 19 MiB per hash) double the heap. It is soft: live memory above it is
// never refused.
const DefaultMemoryLimit = 192 << 20

// ApplyMemoryLimit sets DefaultMemoryLimit unless GOMEMLIMIT is set, and
// returns the limit in force.
func ApplyMemoryLimit() int64 {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(DefaultMemoryLimit)
	}
	return debug.SetMemoryLimit(-1)
}
