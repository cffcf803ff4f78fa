package commandapi_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/syncbuf"
	"github.com/skyledger/skyledger/internal/wire"
)

// newLoggedEnv is newEnv with the service's log captured and the bootstrap
// token from token.
func newLoggedEnv(t *testing.T, store func(events.Store) events.Store, token func(context.Context) (string, error)) (*env, *syncbuf.Buffer) {
	t.Helper()
	clk := &clock{}
	base := openStore(t, clk)
	logs := &syncbuf.Buffer{}
	svc := commandapi.New(commandapi.Deps{Modules: wire.CommandModules(),
		Store: store(base), Now: clk.Now, BootstrapToken: token, WSURL: wsURL,
		Hasher: &auth.Hasher{Params: cheapHasher},
		Log:    slog.New(slog.NewJSONHandler(logs, nil)), // no redaction: the call sites must be clean
	})
	return &env{t: t, store: base, clk: clk, router: svc.Router(), authn: &auth.Authenticator{Records: base, Now: clk.Now}}, logs
}

// A failing bootstrap-token source (Secrets Manager) is a 503 whose body
// does not echo the cause; the cause is logged for the operator.
func TestBootstrapTokenSourceErrorIsNotEchoed(t *testing.T) {
	t.Parallel()
	const cause = "AccessDeniedException: not authorized on arn:aws:secretsmanager:eu-west-1:123456789012:secret:skyledger-bootstrap-AbCdEf"
	e, logs := newLoggedEnv(t, func(s events.Store) events.Store { return s },
		func(context.Context) (string, error) { return "", errors.New(cause) })
	resp := e.do(e.req("post_bootstrap"))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, resp.Body)
	assert.Equal(t, "unavailable", decode[errBody](t, resp).Error.Code)
	assert.NotContains(t, resp.Body, "arn:")
	assert.NotContains(t, resp.Body, "AccessDenied")
	assert.NotContains(t, resp.Body, bootstrapToken)
	assert.Contains(t, logs.String(), "skyledger-bootstrap-AbCdEf", "the operator sees the cause")
	assert.Equal(t, 0, e.eventCount())
}

// idemFailingStore fails every read of an idempotency record the way the
// stores do: the error names the record key.
type idemFailingStore struct{ events.Store }

var errRecordsDown = errors.New("records down")

func (s idemFailingStore) GetRecord(ctx context.Context, key string) (events.Record, error) {
	if strings.HasPrefix(key, "idem#") {
		return events.Record{}, fmt.Errorf("get record %s: %w", key, errRecordsDown)
	}
	return s.Store.GetRecord(ctx, key)
}

var hex64 = regexp.MustCompile(`[0-9a-f]{64}`)

// The Idempotency-Key record id (a hash over caller, route and key, from
// which a weak Idempotency-Key could be guessed offline and the sealed
// response opened) never reaches the log or the response through a store
// error.
func TestIdempotencyRecordKeyNotLogged(t *testing.T) {
	t.Parallel()
	e, logs := newLoggedEnv(t, func(s events.Store) events.Store { return idemFailingStore{s} },
		func(context.Context) (string, error) { return bootstrapToken, nil })
	b := e.bootstrap()
	// (router.Invoke directly: docs/openapi.yaml documents no 500s)
	resp, err := e.router.Invoke(context.Background(), e.req("post_apikeys").as(e, b.Key).header("idempotency-key", "retry-0001-abcdef").req)
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, resp.Body)
	assert.NotRegexp(t, hex64, resp.Body)
	out := logs.String()
	require.Contains(t, out, "records down", "the store failure is logged")
	assert.Contains(t, out, "idem#<hash>")
	assert.NotRegexp(t, hex64, out)
	assert.NotContains(t, out, "retry-0001-abcdef")
}
