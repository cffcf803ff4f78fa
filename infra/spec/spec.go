// Package spec is the single declaration of SkyLedger's tables, functions,
// HTTP routes, WebSocket routes and stream wiring. The CDK app (infra/app)
// and the local runtime (internal/localcloud) both build from it, so local and
// cloud cannot drift. Pure data: no AWS SDK, no CDK.
package spec

import (
	"time"

	"github.com/skyledger/skyledger/contexts"
	"github.com/skyledger/skyledger/domain"
)

// Attribute types of key attributes.
const (
	S = "S"
	N = "N"
)

// Key is a key attribute.
type Key struct {
	Name string
	Type string // S or N
}

// Index is a global secondary index (projection ALL).
type Index struct {
	Name         string
	PartitionKey Key
	SortKey      *Key
}

// Table is a DynamoDB table. Logical names are stable; physical names get a
// prefix per stage/test (see TableName).
type Table struct {
	Name         string // logical name, also the CDK construct id
	PartitionKey Key
	SortKey      *Key
	Indexes      []Index
	TTLAttribute string // "" = no TTL
	StreamNewImg bool   // DynamoDB Streams with NEW_IMAGE
	EnvVar       string // environment variable carrying the physical name
}

// The tables. Events holds only events (so its stream carries only events);
// Records holds the inline records written in the same transaction.
var (
	Events = Table{
		Name:         "Events",
		PartitionKey: Key{"stream_id", S},
		SortKey:      &Key{"version", N},
		StreamNewImg: true,
		EnvVar:       "EVENTS_TABLE",
	}
	Records = Table{
		Name:         "Records",
		PartitionKey: Key{"pk", S},
		TTLAttribute: "ttl",
		EnvVar:       "RECORDS_TABLE",
	}
	ReadModel = Table{
		Name:         "ReadModel",
		PartitionKey: Key{"pk", S},
		SortKey:      &Key{"sk", S},
		Indexes: []Index{
			{Name: "gsi1", PartitionKey: Key{"gsi1pk", S}, SortKey: &Key{"gsi1sk", S}},
		},
		EnvVar: "READMODEL_TABLE",
	}
	Connections = Table{
		Name:         "Connections",
		PartitionKey: Key{"pk", S},
		SortKey:      &Key{"sk", S},
		Indexes: []Index{
			{Name: "gsi1", PartitionKey: Key{"gsi1pk", S}, SortKey: &Key{"gsi1sk", S}},
		},
		TTLAttribute: "ttl",
		EnvVar:       "CONNECTIONS_TABLE",
	}
)

// Tables is the registry of every table.
var Tables = []Table{Events, Records, ReadModel, Connections}

// TableName is the physical name of a table under a prefix
// ("skyledger-dev-" in the cloud, a random prefix per test).
func TableName(prefix string, t Table) string { return prefix + t.Name }

// Access is what a function may do with a table.
type Access int

const (
	Read Access = iota + 1
	ReadWrite
	StreamRead // the projector's event source
)

// Function names.
const (
	FnAuthorizer   = "authorizer"
	FnCommands     = "commands"
	FnQueries      = "queries"
	FnProjector    = "projector"
	FnWSConnect    = "ws-connect"
	FnWSDisconnect = "ws-disconnect"
	FnWSDefault    = "ws-default"
)

// Environment variables of the functions (besides table EnvVars). A
// secret reaches a Lambda as the ARN of its Secrets Manager secret, read at
// cold start (never as a value in its configuration); the local runtime
// passes the value itself in the variable named after it.
const (
	EnvBootstrapSecretARN = "BOOTSTRAP_SECRET_ARN" // cloud: secret with the one-time bootstrap token (commands)
	EnvBootstrapToken     = "SKYLEDGER_BOOTSTRAP_TOKEN"
	EnvCursorKeySecretARN = "CURSOR_KEY_SECRET_ARN"  // cloud: cursor key, current and previous versions (queries)
	EnvCursorKey          = "CURSOR_KEY"             // local: key that signs and encrypts list cursors
	EnvPIIKeySecretARN    = "PII_KEY_SECRET_ARN"     // cloud: master key of the personal-data keys (commands, projector)
	EnvPIIKey             = "PII_KEY"                // local: the same master key
	EnvOriginSecretARN    = "ORIGIN_SECRET_ARN"      // cloud: origin-verify values CloudFront sends (authorizer)
	EnvWSManagementURL    = "WS_MANAGEMENT_ENDPOINT" // https://{api}.execute-api.{region}.amazonaws.com/{stage}
	EnvWSURL              = "WS_URL"                 // wss://… given to clients in tickets
	EnvFanoutConcurrency  = "FANOUT_CONCURRENCY"
	EnvLogLevel           = "LOG_LEVEL"
)

// Function is one Lambda function.
type Function struct {
	Name     string
	MemoryMB int
	Timeout  time.Duration
	Tables   map[string]Access // logical table name -> access
	// Indexes lists, per logical table name, the GSIs the function may
	// Query. A table absent here grants no index access (base table only).
	Indexes     map[string][]string
	ManagesWS   bool // needs execute-api:ManageConnections on the WebSocket API (+ EnvWSManagementURL)
	ReadsSecret bool // may read the bootstrap token secret (+ EnvBootstrapSecretARN)
	WSURL       bool // gets EnvWSURL (the wss:// URL handed out with tickets)
	CursorKey   bool // gets the cursor key (EnvCursorKeySecretARN; locally EnvCursorKey)
	// PIIKey: gets the personal-data master key (EnvPIIKeySecretARN;
	// locally EnvPIIKey) and reads the data keys in Records: it seals or
	// opens personal fields.
	PIIKey bool
	Env    map[string]string
}

// Functions is the registry of every function.
var Functions = []Function{
	{Name: FnAuthorizer, MemoryMB: 256, Timeout: 5 * time.Second,
		Tables: map[string]Access{Records.Name: ReadWrite}},
	{Name: FnCommands, MemoryMB: 512, Timeout: 15 * time.Second,
		// Connections + ManagesWS: sign-out closes the session's sockets
		Tables:      map[string]Access{Events.Name: ReadWrite, Records.Name: ReadWrite, ReadModel.Name: Read, Connections.Name: ReadWrite},
		Indexes:     map[string][]string{Connections.Name: {"gsi1"}},
		ReadsSecret: true, WSURL: true, ManagesWS: true, PIIKey: true},
	{Name: FnQueries, MemoryMB: 256, Timeout: 10 * time.Second,
		Tables:    map[string]Access{ReadModel.Name: Read, Records.Name: Read},
		Indexes:   map[string][]string{ReadModel.Name: {"gsi1"}},
		CursorKey: true},
	{Name: FnProjector, MemoryMB: 512, Timeout: 60 * time.Second,
		// Records: the data keys that open personal fields
		Tables:    map[string]Access{Events.Name: StreamRead, ReadModel.Name: ReadWrite, Connections.Name: ReadWrite, Records.Name: Read},
		Indexes:   map[string][]string{ReadModel.Name: {"gsi1"}, Connections.Name: {"gsi1"}},
		ManagesWS: true, PIIKey: true},
	{Name: FnWSConnect, MemoryMB: 256, Timeout: 5 * time.Second,
		Tables: map[string]Access{Connections.Name: ReadWrite}}, // the authorizer consumed the ticket
	{Name: FnWSDisconnect, MemoryMB: 256, Timeout: 5 * time.Second,
		Tables: map[string]Access{Connections.Name: ReadWrite}},
	{Name: FnWSDefault, MemoryMB: 256, Timeout: 5 * time.Second,
		// ReadModel: a platform_admin's subscription names an existing tenant
		Tables:    map[string]Access{Connections.Name: ReadWrite, ReadModel.Name: Read},
		ManagesWS: true},
}

// Function returns the declaration of a function by name; it panics on an
// unknown name because names are compile-time constants.
func FunctionByName(name string) Function {
	for _, f := range Functions {
		if f.Name == name {
			return f
		}
	}
	panic("spec: unknown function " + name)
}

// Route is one HTTP API route: a context's declaration (Key is API
// Gateway's "METHOD /path"; Auth runs the authorizer first) and the
// function serving it.
type Route struct {
	domain.Route
	Function string
}

// Routes is every HTTP route: the contexts' routes (contexts.All), each
// served by the function of its side.
var Routes = routes(contexts.Routes())

func routes(in []domain.Route) []Route {
	out := make([]Route, 0, len(in))
	for _, r := range in {
		fn := FnQueries
		if r.Side == domain.SideCommand {
			fn = FnCommands
		}
		out = append(out, Route{Route: r, Function: fn})
	}
	return out
}

// WebSocket API.
const (
	WSRouteSelection = "$request.body.action"
	WSConnect        = "$connect"
	WSDisconnect     = "$disconnect"
	WSDefault        = "$default"
)

// WSRoute is one WebSocket route.
type WSRoute struct {
	Key      string
	Function string
}

// WSRoutes is the registry of WebSocket routes. $connect is guarded by the
// WSAuthorizer function (ticket or Bearer key), which refuses the handshake
// before the $connect function runs.
var WSRoutes = []WSRoute{
	{WSConnect, FnWSConnect},
	{WSDisconnect, FnWSDisconnect},
	{WSDefault, FnWSDefault},
	{"subscribe", FnWSDefault},
	{"unsubscribe", FnWSDefault},
	{"ping", FnWSDefault},
}

// WSAuthorizer is the function that authorizes $connect (a REQUEST
// authorizer). It has no identity source: the credential is either the
// ?ticket= query parameter or the Authorization header, and API Gateway does
// not cache WebSocket authorizer results.
const WSAuthorizer = FnAuthorizer

// WebSocket limits of API Gateway, emulated locally.
const (
	WSMaxFrameBytes   = 128 * 1024
	WSIdleTimeout     = 10 * time.Minute
	WSMaxConnDuration = 2 * time.Hour
)

// StreamSource is the projector's event source mapping on the Events stream.
// The local runtime emulates the same numbers.
type StreamSource struct {
	Function              string
	Table                 string
	BatchSize             int
	BatchingWindow        time.Duration
	BisectOnError         bool
	MaxRetries            int
	MaxRecordAge          time.Duration
	ParallelizationFactor int
	ReportItemFailures    bool
}

// Projector is the Events stream -> projector mapping.
var Projector = StreamSource{
	Function:              FnProjector,
	Table:                 Events.Name,
	BatchSize:             100,
	BatchingWindow:        0,
	BisectOnError:         true,
	MaxRetries:            5,
	MaxRecordAge:          6 * time.Hour,
	ParallelizationFactor: 4,
	ReportItemFailures:    true,
}

// Authorizer settings of the HTTP API. A zero cache TTL means a revoked key
// or deactivated user fails on the very next request, in the cloud as
// locally; HTTP caching is carried by ETag/If-None-Match instead.
const (
	AuthorizerIdentitySource = "$request.header.Authorization"
	AuthorizerCacheTTL       = 0 * time.Second
)

// Stage throttling of both APIs.
const (
	ThrottleRateLimit  = 100
	ThrottleBurstLimit = 200
)
