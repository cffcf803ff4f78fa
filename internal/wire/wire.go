// Package wire is SkyLedger's one composition root. Each function is built
// by one builder (Commands, Queries, Authorizer, Projector, WSConnect,
// WSDisconnect, WSDefault) from Adapters and Settings. The Lambda mains call
// them with the DynamoDB adapters and settings Cloud reads from the
// environment; Start calls the same builders with embedded adapters
// (default) or DynamoDB adapters at an endpoint, and hosts them in the local
// runtime (internal/localcloud). cmd/skyledger and the end-to-end tests
// start the system through Start.
package wire

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/ddb"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/localcloud"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// DefaultMode is the mode when none is named: ModeEndpoint when
// AWS_ENDPOINT_URL names an endpoint, else ModeEmbedded.
func DefaultMode() string {
	if os.Getenv("AWS_ENDPOINT_URL") != "" {
		return ModeEndpoint
	}
	return ModeEmbedded
}

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
	// Metrics receives the functions' EMF lines, as stdout does in Lambda
	// (nil: discarded).
	Metrics io.Writer
	Log     *slog.Logger
	Now     func() time.Time
}

// App is a running local SkyLedger.
type App struct {
	RT             *localcloud.Runtime
	Config         Config
	BootstrapToken string
	DeadLetters    *localcloud.DeadLetters
	closers        []func() error
	store          events.Store
	projector      localcloud.StreamFunc
	health         func() StoreHealth // nil: nothing local to report
}

// BootstrapTokenFile holds the generated bootstrap token in the data
// directory (mode 0600).
const BootstrapTokenFile = "bootstrap-token"

// Files inside the data directory.
const (
	fileBootstrapToken = BootstrapTokenFile
	fileCursorKey      = "cursor-key"
	filePIIKey         = pii.MasterKeyFile
	dirKeys            = "keys"
	fileCheckpoint     = localcloud.CheckpointFile
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

// LocalPIIKey returns the local runtime's personal-data master key from
// <dataDir>/pii-key, creating the file (32 random bytes, hex, mode 0600)
// on first use.
func LocalPIIKey(dataDir string) ([]byte, error) {
	material, err := secretFile(dataDir, filePIIKey, "", 32)
	if err != nil {
		return nil, fmt.Errorf("personal-data master key: %w", err)
	}
	k, err := pii.MasterKeyFrom(material)
	if err != nil {
		return nil, fmt.Errorf("personal-data master key %s: %w", filepath.Join(dataDir, filePIIKey), err)
	}
	return k, nil
}

// LocalKeysDir is where the local runtime keeps the data keys.
func LocalKeysDir(dataDir string) string { return filepath.Join(dataDir, dirKeys) }

// adapters are the storage ports a mode provides.
type adapters struct {
	store events.Store
	// expiring holds state that must expire and stay out of the event log
	// (login throttling, tickets): nil means store (the Records table's TTL)
	expiring events.Records
	models   readmodel.Store
	conns    connections.Store
	source   localcloud.Source
	meta     dynamo.StreamMeta                                         // the source's stream, as Lambda records name it
	confirm  bool                                                      // endpoint: drop stream records of cancelled writes
	rebuild  func(ctx context.Context, fn localcloud.ChangeFunc) error // embedded: replay up to the checkpoint
	health   func() StoreHealth                                        // embedded: the store's state
	keys     pii.KeyStore                                              // data keys of personal data
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
	piiKey, err := LocalPIIKey(cfg.DataDir)
	if err != nil {
		return nil, err
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
	app.store = ad.store
	app.health = ad.health

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
	settings := Settings{
		BootstrapToken: func(context.Context) (string, error) { return token, nil },
		WSURL:          rt.WSURL(),
		CursorKey:      []byte(cursorKey),
		PIIMasterKey:   piiKey,
	}
	// The same variable and validation as each Lambda's (see Cloud): one
	// process serves every function, so it needs what any of them needs.
	if settings.FanoutConcurrency, err = notify.ParseConcurrency(os.Getenv(spec.EnvFanoutConcurrency)); err == nil {
		for _, f := range spec.Functions {
			if err = settings.Validate(f.Name); err != nil {
				err = fmt.Errorf("%s: %w", f.Name, err)
				break
			}
		}
	}
	if err != nil {
		_ = rt.Shutdown(ctx)
		_ = ad.close()
		return nil, err
	}
	mgmt := notify.NewClient(awsCfg, rt.ManagementURL(), settings.FanoutConcurrency)
	if cfg.InProcessManagement {
		// Same SDK client and endpoint override, minus the loopback TCP hop.
		mgmt = apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) {
			o.BaseEndpoint = aws.String(rt.ManagementURL())
			o.HTTPClient = &http.Client{Transport: rt.NewInProcessTransport()}
			o.Retryer = aws.NopRetryer{}
		})
	}
	adapters := Adapters{Store: ad.store, Expiring: ad.expiring, Models: ad.models, Connections: ad.conns, Management: mgmt,
		Metrics: cfg.Metrics, Log: log, Now: cfg.Now, Keys: ad.keys}

	settings.ConfirmEvents = ad.confirm
	live := Projector(adapters, settings)
	app.projector = live
	if ad.rebuild != nil {
		start := time.Now()
		if err := ad.rebuild(ctx, Rebuilder(adapters, settings)); err != nil {
			_ = rt.Shutdown(ctx)
			_ = ad.close()
			return nil, fmt.Errorf("rebuild read models: %w", err)
		}
		log.Info("read models rebuilt from the event log", "duration", time.Since(start).Round(time.Millisecond).String())
	}

	app.DeadLetters = localcloud.OpenDeadLetters(filepath.Join(cfg.DataDir, localcloud.DeadLetterFile))
	mapping := &localcloud.Mapping{Spec: cfg.Stream, Source: ad.source, Meta: ad.meta, Fn: live,
		DLQ: app.DeadLetters, Log: log, Now: cfg.Now}

	// The local gateways know which authorizer they call, so they take the
	// typed handlers; Authorizer's payload probe (one Lambda behind both API
	// Gateway authorizers) has nothing to tell apart here and is tested on
	// the golden payloads instead (TestDispatch).
	authorize := authorizer(adapters, settings)
	rt.HandleManagement("POST /_skyledger/deadletter/redrive", http.HandlerFunc(app.serveRedrive))
	rt.HandleAPI("GET "+HealthPath, http.HandlerFunc(app.serveHealth))
	rt.Start(localcloud.Functions{
		HTTP: map[string]localcloud.HTTPFunc{
			spec.FnCommands: Commands(adapters, settings),
			spec.FnQueries:  Queries(adapters, settings),
		},
		Authorizer:   authorize.HTTP,
		WSAuthorizer: authorize.WebSocket,
		WS: map[string]localcloud.WSFunc{
			spec.FnWSConnect:    WSConnect(adapters, settings),
			spec.FnWSDisconnect: WSDisconnect(adapters, settings),
			spec.FnWSDefault:    WSDefault(adapters, settings),
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

// Bootstrapped reports whether POST /api/bootstrap has made the platform.
func (a *App) Bootstrapped(ctx context.Context) (bool, error) {
	return auth.Bootstrapped(ctx, a.store)
}

// Shutdown stops the runtime gracefully (see localcloud.Runtime.Shutdown) and
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
	if r := st.Recovery(); r.CutAt > 0 && !r.OnlyZeros {
		cfg.Log.Warn("event log: torn tail cut", "offset", r.CutAt, "bytes", r.CutBytes)
	}
	// Reconciles the checkpoint with the log: one past the log's end is
	// rewound, so new events never reuse positions it marks as done.
	src, err := localcloud.NewEmbeddedSource(st, filepath.Join(cfg.DataDir, fileCheckpoint))
	if err != nil {
		_ = st.Close()
		return adapters{}, err
	}
	if from, ok := src.Rewound(); ok {
		cfg.Log.Warn("projector checkpoint was past the end of the event log: rewound, read models rebuilt from the log",
			"checkpoint", from, "log_end", src.Checkpoint())
		if err := setAsideDeadLetters(cfg.DataDir, src.Checkpoint(), cfg.Now(), cfg.Log); err != nil {
			_ = src.Close()
			_ = st.Close()
			return adapters{}, err
		}
	}
	// Data keys live one per file, not in the append-only log: erasing a
	// key must remove its bytes from the data directory.
	keys, err := pii.NewFileKeys(LocalKeysDir(cfg.DataDir))
	if err != nil {
		_ = src.Close()
		_ = st.Close()
		return adapters{}, err
	}
	ad := adapters{store: st, expiring: &auth.MemoryRecords{Now: cfg.Now}, models: readmodel.NewEmbedded(), conns: connections.NewEmbedded(), source: src,
		keys:   keys,
		health: embeddedHealth(st),
		meta:   dynamo.StreamMeta{EventSourceARN: localcloud.EmbeddedStreamARN},
		close:  func() error { return errors.Join(src.Close(), st.Close()) }}
	// The embedded read models live in memory: rebuild them at start from
	// the event log up to the projector's checkpoint, without notifying
	// (those notifications went out before the restart). Records after the
	// checkpoint are then delivered live, with notifications.
	ad.rebuild = func(ctx context.Context, fn localcloud.ChangeFunc) error {
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
	streamARN := func(ctx context.Context) (string, error) {
		d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(eventsTable)})
		if err != nil {
			return "", fmt.Errorf("describe %s: %w", eventsTable, err)
		}
		arn := aws.ToString(d.Table.LatestStreamArn)
		if arn == "" {
			return "", fmt.Errorf("table %s has no stream", eventsTable)
		}
		return arn, nil
	}
	arn, err := streamARN(ctx)
	if err != nil {
		return adapters{}, err
	}
	local := isLocalEndpoint(awsCfg)
	src := &localcloud.StreamsSource{Client: dynamodbstreams.NewFromConfig(awsCfg), StreamARN: arn, Rewrite: pii.IsSealedRewrite,
		Path: filepath.Join(cfg.DataDir, "streams-"+strings.Trim(cfg.TablePrefix, "-")+".json"),
		// The stream is gone when the emulator restarted with empty state
		// (or someone deleted the table): on a local endpoint the tables are
		// created again, so the runtime recovers without a restart; against
		// AWS nothing is created behind the operator's back.
		Resolve: func(ctx context.Context) (string, error) {
			if local {
				if err := ddb.EnsureTables(ctx, db, cfg.TablePrefix, spec.Tables...); err != nil {
					return "", err
				}
				cfg.Log.Warn("endpoint mode: tables were missing at the local endpoint and were created again (emulator restarted?)",
					"endpoint", aws.ToString(awsCfg.BaseEndpoint))
			}
			return streamARN(ctx)
		}}
	if err := src.Open(); err != nil {
		return adapters{}, err
	}
	store := dynamo.New(db, eventsTable, spec.TableName(cfg.TablePrefix, spec.Records))
	return adapters{
		store:  store,
		keys:   &pii.RecordKeys{Records: store},
		models: readmodel.NewDynamo(db, spec.TableName(cfg.TablePrefix, spec.ReadModel)),
		conns:  connections.NewDynamo(db, spec.TableName(cfg.TablePrefix, spec.Connections)),
		source: src,
		meta:   dynamo.StreamMeta{EventSourceARN: arn, Region: awsCfg.Region},
		// An emulator may stream writes of a cancelled transaction (moto
		// does); the projector confirms each event against the table.
		confirm: true,
		close:   func() error { return nil },
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

// isLocalEndpoint reports whether the configuration points at an endpoint on
// this machine (an emulator), from BaseEndpoint or AWS_ENDPOINT_URL.
func isLocalEndpoint(c aws.Config) bool {
	ep := aws.ToString(c.BaseEndpoint)
	if ep == "" {
		ep = os.Getenv("AWS_ENDPOINT_URL")
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
