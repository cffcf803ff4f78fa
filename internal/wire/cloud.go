package wire

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/connections"
	"github.com/skyledger/skyledger/internal/lambdaenv"
	"github.com/skyledger/skyledger/internal/notify"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// Cloud reads function's Lambda environment and builds its DynamoDB
// adapters and settings: only the tables, secret and URLs its spec.Function
// declares are required. Anything missing or invalid fails fast (one log
// line naming the variable, exit 1) during init, so a misconfigured function
// never serves a request. The bootstrap secret is read on the first bootstrap
// request and cached; the cursor key (queries) and the origin secret
// (authorizer) are read from Secrets Manager during init.
func Cloud(function string) (Adapters, Settings) {
	env := lambdaenv.New(function)
	f := spec.FunctionByName(function)
	// Only tables read or written through the API get an environment
	// variable (infra/app sets exactly those); the projector's StreamRead
	// of Events arrives as its events.
	table := func(t spec.Table) string {
		if acc, ok := f.Tables[t.Name]; !ok || (acc != spec.Read && acc != spec.ReadWrite) {
			return ""
		}
		return env.Require(t.EnvVar)
	}
	cloud := env.AWS(context.Background())
	// one Secrets Manager client for every secret this function reads
	secretsManager := sync.OnceValue(func() *secretsmanager.Client { return secretsmanager.NewFromConfig(cloud.Config) })
	db := cloud.DynamoDB
	a := Adapters{Log: env.Log, Metrics: os.Stdout}
	if ev, rec := table(spec.Events), table(spec.Records); rec != "" {
		a.Store = dynamo.New(db, ev, rec)
	}
	if t := table(spec.ReadModel); t != "" {
		a.Models = readmodel.NewDynamo(db, t)
	}
	if t := table(spec.Connections); t != "" {
		a.Connections = connections.NewDynamo(db, t)
	}

	var s Settings
	var err error
	if s.FanoutConcurrency, err = notify.ParseConcurrency(env.Optional(spec.EnvFanoutConcurrency)); err != nil {
		env.Fail("bad environment", "var", spec.EnvFanoutConcurrency, "error", err.Error())
	}
	if f.ManagesWS {
		a.Management = notify.NewClient(cloud.Config, env.Require(spec.EnvWSManagementURL), s.FanoutConcurrency)
	}
	if f.WSURL {
		s.WSURL = env.Require(spec.EnvWSURL)
	}
	if f.CursorKey {
		// Cloud: the key's current and previous versions come from Secrets
		// Manager (never the function's configuration); the previous one
		// keeps cursors valid through a rotation. Locally: the variable.
		if arn := env.Optional(spec.EnvCursorKeySecretARN); arn != "" {
			cur, prev := env.SecretVersions(context.Background(), secretsManager(), arn)
			s.CursorKey = []byte(cur)
			if len(prev) >= MinCursorKeyBytes {
				s.PreviousCursorKeys = [][]byte{[]byte(prev)}
			}
		} else {
			s.CursorKey = []byte(env.Require(spec.EnvCursorKey))
		}
	}
	// Behind CloudFront (originSecret) the authorizer accepts only requests
	// carrying the origin secret, current or previous.
	if arn := env.Optional(spec.EnvOriginSecretARN); arn != "" && function == spec.FnAuthorizer {
		cur, prev := env.SecretVersions(context.Background(), secretsManager(), arn)
		s.OriginSecrets = []string{cur}
		if prev != "" {
			s.OriginSecrets = append(s.OriginSecrets, prev)
		}
	}
	if f.PIIKey {
		// Cloud: the master key from Secrets Manager; locally the variable.
		material := ""
		if arn := env.Optional(spec.EnvPIIKeySecretARN); arn != "" {
			material = env.Secret(context.Background(), secretsManager(), arn) // never rotated
		} else {
			material = env.Require(spec.EnvPIIKey)
		}
		k, err := pii.MasterKeyFrom(material)
		if err != nil {
			env.Fail("bad environment", "var", spec.EnvPIIKeySecretARN, "error", err.Error())
		}
		s.PIIMasterKey = k
		if a.Store != nil {
			a.Keys = &pii.RecordKeys{Records: a.Store}
		}
	}
	if f.ReadsSecret {
		switch arn, local := env.Optional(spec.EnvBootstrapSecretARN), env.Optional(spec.EnvBootstrapToken); {
		case arn != "":
			s.BootstrapToken = (&secretToken{client: secretsManager(), arn: arn}).Get
		case local != "":
			s.BootstrapToken = func(context.Context) (string, error) { return local, nil }
		default:
			env.Fail("missing environment", "need", spec.EnvBootstrapSecretARN+" or "+spec.EnvBootstrapToken)
		}
	}
	if err := s.Validate(function); err != nil {
		env.Fail("bad environment", "error", err.Error())
	}
	return a, s
}

// secretToken reads the bootstrap token from Secrets Manager once and caches
// it for the life of the execution environment (a failure is not cached).
type secretToken struct {
	client lambdaenv.SecretGetter
	arn    string

	mu    sync.Mutex
	value string
}

func (s *secretToken) Get(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.value != "" {
		return s.value, nil
	}
	// a bootstrap request waits on this read: a tighter bound than init's
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	v, err := lambdaenv.Secret(ctx, s.client, s.arn)
	if err != nil {
		return "", fmt.Errorf("bootstrap token: %w", err)
	}
	s.value = v
	return s.value, nil
}
