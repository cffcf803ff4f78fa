package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/auditapp"
	"github.com/skyledger/skyledger/internal/authz"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/identityapp"
	"github.com/skyledger/skyledger/internal/metrics"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/pirepapp"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/queryapi"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/wsapi"
)

// Adapters are the ports the functions are built from. The cloud fills them
// with DynamoDB adapters (Cloud), the local runtime with the embedded store
// or an AWS-compatible endpoint (Start). A function uses only the ports its
// spec.Function declares; the others may be nil.
type Adapters struct {
	Store events.Store // events + inline records
	// Expiring holds state that must expire and never enters the event log
	// (login throttling, WebSocket tickets: commands and the authorizer
	// share it); nil: Store (the Records table has a TTL).
	Expiring    events.Records
	Models      readmodel.Store   // read models
	Connections connections.Store // WebSocket connections
	// Management is the @connections client (notifier and wsapi replies).
	Management notify.Client
	// Metrics receives each function's EMF lines (stdout in Lambda).
	Metrics io.Writer
	Log     *slog.Logger
	Now     func() time.Time
	// Keys holds the per-user data keys of personal data (pii.RecordKeys
	// on the Records table in AWS and on an endpoint, pii.FileKeys in the
	// local data directory); commands and projector.
	Keys pii.KeyStore
}

// Settings are every function's non-adapter configuration, with the same
// defaults in the cloud (read from the environment by Cloud) and
// locally. Validate before building.
type Settings struct {
	// BootstrapToken returns the one-time bootstrap token (commands).
	BootstrapToken func(context.Context) (string, error)
	// WSURL is the wss:// URL handed out with tickets (commands).
	WSURL string
	// CursorKey signs list cursors (queries); at least MinCursorKeyBytes.
	CursorKey []byte
	// PreviousCursorKeys still open cursors after a key rotation (the
	// secret's previous version; queries).
	PreviousCursorKeys [][]byte
	// OriginSecrets, when set, make the HTTP authorizer refuse requests
	// without one of them in spec.OriginVerifyHeader (CloudFront sends it;
	// authorizer). Empty locally.
	OriginSecrets []string
	// FanoutConcurrency bounds the simultaneous PostToConnection calls of
	// one projector invocation and sizes the management client's connection
	// pool of every function that has one (projector, ws-default); 0 means
	// notify.DefaultConcurrency.
	FanoutConcurrency int
	// PIIMasterKey (pii.MasterKeyBytes, from pii.MasterKeyFrom) wraps the
	// data keys of personal data (commands, projector).
	PIIMasterKey []byte
	// ConfirmEvents makes the projector project a stream record only if
	// its event is in the Store (a consistent read per event) and drop it
	// otherwise (metric ProjectorDropped). Off in the cloud, where a
	// cancelled transaction never reaches the stream; on against local
	// emulators, which may stream cancelled writes (moto does).
	ConfirmEvents bool
}

// MinCursorKeyBytes is the shortest accepted cursor key.
const MinCursorKeyBytes = 16

// Validate reports the settings a function needs that are missing or bad.
func (s *Settings) Validate(function string) error {
	var errs []error
	f := spec.FunctionByName(function)
	if f.ReadsSecret && s.BootstrapToken == nil {
		errs = append(errs, errors.New("bootstrap token source missing"))
	}
	if f.WSURL && s.WSURL == "" {
		errs = append(errs, fmt.Errorf("%s missing", spec.EnvWSURL))
	}
	if f.CursorKey && len(s.CursorKey) < MinCursorKeyBytes {
		errs = append(errs, fmt.Errorf("%s shorter than %d bytes", spec.EnvCursorKey, MinCursorKeyBytes))
	}
	if f.PIIKey && len(s.PIIMasterKey) != pii.MasterKeyBytes {
		errs = append(errs, fmt.Errorf("%s (or %s) missing: the personal-data master key", spec.EnvPIIKeySecretARN, spec.EnvPIIKey))
	}
	if s.FanoutConcurrency < 0 || s.FanoutConcurrency > notify.MaxConcurrency {
		errs = append(errs, fmt.Errorf("%s out of range 1..%d", spec.EnvFanoutConcurrency, notify.MaxConcurrency))
	}
	if s.FanoutConcurrency == 0 {
		s.FanoutConcurrency = notify.DefaultConcurrency
	}
	return errors.Join(errs...)
}

func (a Adapters) logger(function string) *slog.Logger {
	l := a.Log
	if l == nil {
		l = slog.Default()
	}
	return l.With("function", function)
}

func (a Adapters) metrics(function string) *metrics.Recorder {
	if a.Metrics == nil {
		return nil // discards
	}
	return metrics.New(a.Metrics, function)
}

// Handler types of the functions, as lambda.Start takes them.
type (
	HTTPHandler       = func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error)
	WSHandler         = func(context.Context, lambdaevents.APIGatewayWebsocketProxyRequest) (lambdaevents.APIGatewayProxyResponse, error)
	StreamHandler     = func(context.Context, lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error)
	AuthorizerHandler = func(context.Context, json.RawMessage) (any, error)
	// ChangeHandler is a stream consumer's core (no Lambda shape).
	ChangeHandler = func(context.Context, []events.Change) error
)

// Module is what a context module adds to the functions, next to its
// declaration (domain.Context, listed in contexts.All): its command and
// query handlers, its projections and its notify routes.
type Module struct {
	Commands    func(*commandapi.Service) []commandapi.Route
	Queries     func(*queryapi.Service, *httpapi.Router)
	Projections []projection.Projection
	Notify      []notify.Route
}

// Modules is every context module. Adding a context means adding it here
// (and its declaration to contexts.All).
var Modules = []Module{
	{Commands: identityapp.Commands, Queries: identityapp.Queries, Projections: identityapp.Projections, Notify: identityapp.Notify},
	{Commands: pirepapp.Commands, Queries: pirepapp.Queries, Projections: pirepapp.Projections, Notify: pirepapp.Notify},
	{Queries: auditapp.Queries, Projections: auditapp.Projections},
}

// CommandModules is every module's command routes.
func CommandModules() []func(*commandapi.Service) []commandapi.Route {
	var mods []func(*commandapi.Service) []commandapi.Route
	for _, m := range Modules {
		if m.Commands != nil {
			mods = append(mods, m.Commands)
		}
	}
	return mods
}

// QueryModules is every module's query routes.
func QueryModules() []func(*queryapi.Service, *httpapi.Router) {
	var mods []func(*queryapi.Service, *httpapi.Router)
	for _, m := range Modules {
		if m.Queries != nil {
			mods = append(mods, m.Queries)
		}
	}
	return mods
}

// Commands builds the commands function (every mutation route).
func Commands(a Adapters, s Settings) HTTPHandler {
	d := commandapi.Deps{Store: a.Store, Expiring: a.Expiring, Now: a.Now, Log: a.logger(spec.FnCommands),
		BootstrapToken: s.BootstrapToken, WSURL: s.WSURL, Modules: CommandModules()}
	if codec, up := PersonalData(a, s); codec != nil {
		d.PII, d.Upcasters = codec, up
	}
	if a.Connections != nil && a.Management != nil {
		d.Sockets = notify.KeySockets{Store: a.Connections, Client: a.Management} // sign-out closes them
	}
	return commandapi.New(d).Router().Invoke
}

// Queries builds the queries function (every read route).
func Queries(a Adapters, s Settings) HTTPHandler {
	return queryapi.New(queryapi.Deps{Models: a.Models, Records: a.Store, CursorKey: s.CursorKey,
		PreviousCursorKeys: s.PreviousCursorKeys, Log: a.logger(spec.FnQueries), Modules: QueryModules()}).Router().Invoke
}

// Authorizer builds the authorizer function. One handler serves both API
// Gateway authorizers, told apart by the payload: HTTP API payload 2.0
// carries "version":"2.0", a WebSocket REQUEST authorizer a methodArn.
func Authorizer(a Adapters, s Settings) AuthorizerHandler {
	h := authorizer(a, s)
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("authorizer payload: %w", err)
		}
		if probe.Version == "2.0" {
			var req lambdaevents.APIGatewayV2CustomAuthorizerV2Request
			if err := json.Unmarshal(raw, &req); err != nil {
				return nil, fmt.Errorf("http authorizer payload: %w", err)
			}
			return h.HTTP(ctx, req)
		}
		var req lambdaevents.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, fmt.Errorf("ws authorizer payload: %w", err)
		}
		return h.WebSocket(ctx, req)
	}
}

func authorizer(a Adapters, s Settings) *authz.Handler {
	d := authz.Deps{Records: a.Store, Tickets: a.Expiring, Now: a.Now, Log: a.logger(spec.FnAuthorizer)}
	if len(s.OriginSecrets) > 0 {
		d.OriginSecrets, d.OriginHeader, d.PublicRoutes = s.OriginSecrets, spec.OriginVerifyHeader, map[string]bool{}
		for _, r := range spec.Routes {
			if !r.Auth {
				d.PublicRoutes[r.Key()] = true
			}
		}
	}
	return authz.New(d)
}

// NotifyRoutes is every context's channel table.
func NotifyRoutes() []notify.Route {
	var routes []notify.Route
	for _, m := range Modules {
		routes = append(routes, m.Notify...)
	}
	return routes
}

// Notifier builds the projector's WebSocket notifier.
func Notifier(a Adapters, s Settings) *notify.Notifier {
	return notify.New(notify.Deps{Store: a.Connections, Client: a.Management, Log: a.logger(spec.FnProjector), Routes: NotifyRoutes(),
		Metrics: a.metrics(spec.FnProjector), Concurrency: s.FanoutConcurrency})
}

// Projector builds the projector function: read models, then notifications.
func Projector(a Adapters, s Settings) StreamHandler {
	_, up := PersonalData(a, s)
	d := projection.Deps{Models: a.Models, Notifier: Notifier(a, s), Metrics: a.metrics(spec.FnProjector),
		Projections: Projections(), Log: a.logger(spec.FnProjector), Upcasters: up, Rewrite: pii.IsSealedRewrite}
	if s.ConfirmEvents {
		d.Confirm = a.Store
	}
	return projection.New(d).Handle
}

// Projections is every context's projections, in the order they run for
// one event.
func Projections() []projection.Projection {
	var out []projection.Projection
	for _, m := range Modules {
		out = append(out, m.Projections...)
	}
	return out
}

// Rebuilder builds the projector's core without notifications, for
// rebuilding read models from the log (the notifications went out the
// first time). It takes changes, not the Lambda shape: a rebuild is no
// stream delivery.
func Rebuilder(a Adapters, s Settings) ChangeHandler {
	_, up := PersonalData(a, s)
	return projection.New(projection.Deps{Models: a.Models, Projections: Projections(), Log: a.logger(spec.FnProjector),
		Upcasters: up}).Project
}

// PersonalData builds the personal-data codec and the upcaster registry
// every reader applies (nil, nil without a key store or master key: events
// are then stored and read as decided). The identity context registers its
// upcasters here: user.created and user.profile_updated, schema 1
// (plaintext) and schema 2 (sealed).
func PersonalData(a Adapters, s Settings) (*pii.Codec, *events.Upcasters) {
	if a.Keys == nil || len(s.PIIMasterKey) == 0 {
		return nil, nil
	}
	m, err := pii.NewMaster(s.PIIMasterKey)
	if err != nil {
		// Validate refuses such settings before any builder runs
		panic("wire: " + err.Error())
	}
	codec := &pii.Codec{Keys: a.Keys, Master: m}
	up := &events.Upcasters{}
	codec.Register(up)
	return codec, up
}

func ws(a Adapters, function string) *wsapi.Handler {
	d := wsapi.Deps{Store: a.Connections, Client: a.Management, Now: a.Now,
		Log: a.logger(function), Metrics: a.metrics(function)}
	if a.Models != nil {
		d.TenantExists = identityapp.TenantExists(a.Models) // a platform_admin subscribes to existing tenants only
	}
	return wsapi.New(d)
}

// WSConnect builds the $connect function.
func WSConnect(a Adapters, _ Settings) WSHandler { return ws(a, spec.FnWSConnect).Connect }

// WSDisconnect builds the $disconnect function.
func WSDisconnect(a Adapters, _ Settings) WSHandler { return ws(a, spec.FnWSDisconnect).Disconnect }

// WSDefault builds the subscribe/unsubscribe/ping/$default function.
func WSDefault(a Adapters, _ Settings) WSHandler { return ws(a, spec.FnWSDefault).Default }
