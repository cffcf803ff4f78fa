package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/testbin"
	"github.com/skyledger/skyledger/internal/wire"
)

// TestEndpointModeStockMoto runs the skyledger binary in endpoint mode, as
// the README's endpoint-mode section does, against stock moto through what
// broke it: a cancelled transaction (a duplicate e-mail), a moto restart
// (empty state behind a running runtime) and a runtime restart.
func TestEndpointModeStockMoto(t *testing.T) {
	t.Parallel()
	moto := awstest.StartStockMoto(t)
	bin := testbin.Build(t, "./cmd/skyledger")
	s := &system{t: t, mode: wire.ModeEndpoint, dir: t.TempDir(), prefix: awstest.Prefix(t), endpoint: moto.URL(), bin: bin,
		serialPings: true}
	s.start()
	t.Cleanup(s.stop)

	// 1. A cancelled transaction: the second user with ada's e-mail. moto
	// leaks its events into a stream shard it then replaces; the projector
	// keeps going and the cancelled user never reaches a read model.
	root, _ := s.bootstrap()
	acme := str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Acme Air"})).body, "id")
	user := func(email, name string) map[string]any {
		return map[string]any{"email": email, "password": "Blue-Heron-Cove-71", "role": "pilot", "display_name": name}
	}
	s.must(201, s.call("POST", "/api/tenants/"+acme+"/users", root, user("ada@acme.example", "Ada")))
	s.must(409, s.call("POST", "/api/tenants/"+acme+"/users", root, user("ada@acme.example", "Cancelled")))
	s.must(201, s.call("POST", "/api/tenants/"+acme+"/users", root, user("pat@acme.example", "Pat")))
	names := func() []string {
		r := s.call("GET", "/api/tenants/"+acme+"/users", root, nil)
		var out []string
		items, _ := r.body["items"].([]any)
		for _, it := range items {
			out = append(out, str(it.(map[string]any), "display_name"))
		}
		return out
	}
	s.eventually(func() bool { return len(names()) == 2 }, "the user created after the cancelled transaction is projected")
	assert.ElementsMatch(t, []string{"Ada", "Pat"}, names(), "the cancelled user never reaches the read model")

	// 2. moto restarts with empty state under the running runtime: the
	// runtime creates the tables again (a local endpoint) and the whole
	// black-box flow, which restarts the runtime in its middle, passes.
	moto.Kill()
	moto.Start()
	s.eventually(func() bool {
		// 401 once the tables exist again (503 while they are missing).
		return s.callUnchecked("POST", "/api/auth/login", "", map[string]any{"email": "x@example.com", "password": "nope-nope-nope"}).status == 401
	}, "the runtime serves again after moto restarted")
	flow(t, s)
}
