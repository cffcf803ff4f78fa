package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/projection"
	"github.com/skyledger/skyledger/internal/readmodel"
	"github.com/skyledger/skyledger/internal/syncbuf"
	"github.com/skyledger/skyledger/internal/wire"
)

// The person erased: nothing of these may survive anywhere.
const (
	erasedEmail  = "patricia.erasable@acme.example"
	erasedName   = "Patricia Erasable"
	erasedName2  = "Patricia Second" // the same address registered again, then erased too
	erasedPass   = "Red-Kestrel-Glide-42"
	erasedPass2  = "Blue-Kestrel-Dawn-77"
	keptPIREPRaw = "DEN UA /OV DEN/TM 1200/FL080/TP C172/TB LGT"
)

var erasedTerms = []string{erasedEmail, erasedName, erasedName2, "patricia.erasable"}

// assertNoPersonalData fails when any erased term appears in b.
func assertNoPersonalData(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, term := range erasedTerms {
		assert.False(t, bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(term))), "%s contains %q", where, term)
	}
}

func TestEraseEmbedded(t *testing.T) {
	t.Parallel()
	logs := &syncbuf.Buffer{}
	s := &system{t: t, mode: wire.ModeEmbedded, dir: t.TempDir(), logw: logs}
	s.start()
	t.Cleanup(s.stop)
	acme, patID := eraseFlow(t, s)

	// a restart rebuilds the read models from the log: still erased
	require.True(t, s.restart())
	ops := s.login("ops@acme.example", "Blue-Heron-Cove-71")
	s.eventually(func() bool {
		return str(s.must(200, s.call("GET", "/api/users/"+patID, ops, nil)).body, "email") == "[erased]"
	}, "the rebuilt user view is erased")
	assertNoPersonalData(t, "user list after restart", s.must(200, s.call("GET", "/api/tenants/"+acme+"/users", ops, nil)).raw)
	assertNoPersonalData(t, "audit export after restart", s.must(200, s.callUnchecked("GET", "/api/audit?format=ndjson", ops, nil)).raw)
	s.stop()

	// the whole log replayed (cmd/replay's path: the data directory's
	// master key and data keys) into a read-model dump in the data dir
	st, err := embedded.Open(filepath.Join(s.dir, "events"), embedded.Options{})
	require.NoError(t, err)
	mk, err := wire.LocalPIIKey(s.dir) // exists: the runtime created it
	require.NoError(t, err)
	_, up := wire.PersonalData(wire.Adapters{Keys: &pii.FileKeys{Dir: wire.LocalKeysDir(s.dir)}}, wire.Settings{PIIMasterKey: mk})
	dump := readmodel.NewEmbedded()
	n, err := projection.New(projection.Deps{Models: dump, Projections: wire.Projections(), Upcasters: up}).Rebuild(context.Background(), st, 7)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	assert.Greater(t, n, 15)
	var buf bytes.Buffer
	require.NoError(t, dump.Dump(&buf))
	require.NoError(t, os.WriteFile(filepath.Join(s.dir, "replayed.jsonl"), buf.Bytes(), 0o600))
	assert.Contains(t, buf.String(), `"email":"[erased]"`)
	assert.Contains(t, buf.String(), patID, "ids stay")
	assert.Contains(t, buf.String(), keptPIREPRaw, "other history stays")
	assertNoPersonalData(t, "replayed read models", buf.Bytes())

	// grep -r over the data directory: no file holds the person
	files := 0
	require.NoError(t, filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		files++
		assertNoPersonalData(t, p, b)
		return nil
	}))
	assert.GreaterOrEqual(t, files, 4, "events.log, pii-key, keys, the dump at least")
	assert.NotEmpty(t, logs.String())
	assertNoPersonalData(t, "log lines", []byte(logs.String()))
}

// TestEraseEndpoint runs the flow on DynamoDB (moto) and then scans every
// table the system wrote: Events (sealed), Records (no key material, no
// reservation of the address), ReadModel (erased).
func TestEraseEndpoint(t *testing.T) {
	t.Parallel()
	logs := &syncbuf.Buffer{}
	s := &system{t: t, mode: wire.ModeEndpoint, dir: t.TempDir(), prefix: awstest.Prefix(t), logw: logs}
	s.start()
	t.Cleanup(s.stop)
	_, patID := eraseFlow(t, s)
	s.stop()

	c := awstest.DynamoDB(t)
	for _, tbl := range []spec.Table{spec.Events, spec.Records, spec.ReadModel} {
		name := spec.TableName(s.prefix, tbl)
		var all []map[string]any
		p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(name)})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			require.NoError(t, err)
			for _, it := range page.Items {
				var m map[string]any
				require.NoError(t, attributevalue.UnmarshalMap(it, &m))
				all = append(all, m)
			}
		}
		b, err := json.Marshal(all)
		require.NoError(t, err)
		require.NotEmpty(t, all, name)
		assertNoPersonalData(t, "table "+name, b)
		if tbl.Name == spec.Records.Name {
			assert.Contains(t, string(b), "datakey#"+patID, "the tombstone stays")
		}
	}
	assertNoPersonalData(t, "log lines", []byte(logs.String()))
}

// eraseFlow uses a person (PIREP, API key, password change, audit export),
// checks who may erase, deactivates and erases, registers the address
// again and erases that user too; it returns the tenant and the first
// user's id. Every read it makes must show the person as "[erased]".
func eraseFlow(t *testing.T, s *system) (acme, patID string) {
	root, _ := s.bootstrap()
	acme = str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Acme Air"})).body, "id")
	other := str(s.must(201, s.call("POST", "/api/tenants", root, map[string]any{"name": "Other Air"})).body, "id")
	mk := func(tenant, email, pass, role, name string) string {
		return str(s.must(201, s.call("POST", "/api/tenants/"+tenant+"/users", root, map[string]any{"email": email,
			"password": pass, "role": role, "display_name": name})).body, "id")
	}
	mk(acme, "ops@acme.example", "Blue-Heron-Cove-71", "tenant_admin", "Ops")
	mk(acme, "vic@acme.example", "Grey-Heron-Lake-19", "viewer", "Vic")
	mk(other, "olly@other.example", "Green-Finch-Dawn-33", "tenant_admin", "Olly")
	patID = mk(acme, erasedEmail, erasedPass, "pilot", erasedName)
	ops := s.login("ops@acme.example", "Blue-Heron-Cove-71")
	vic := s.login("vic@acme.example", "Grey-Heron-Lake-19")
	olly := s.login("olly@other.example", "Green-Finch-Dawn-33")

	// the person uses the system
	pat := s.login(erasedEmail, erasedPass)
	pirepID := str(s.must(201, s.call("POST", "/api/pireps", pat, map[string]any{"raw": keptPIREPRaw})).body, "id")
	s.must(201, s.call("POST", "/api/apikeys", pat, map[string]any{"name": "efb"}))
	s.must(204, s.call("POST", "/api/auth/password", pat, map[string]any{"old_password": erasedPass, "new_password": erasedPass + "!"}))
	me := s.must(200, s.call("GET", "/api/users/"+patID, ops, nil))
	require.Equal(t, erasedEmail, str(me.body, "email"), "sealed in the log, open to readers")
	var csvBefore []byte
	s.eventually(func() bool {
		csvBefore = s.must(200, s.call("GET", "/api/audit?format=csv", ops, nil)).raw
		return bytes.Contains(csvBefore, []byte(erasedName))
	}, "the person is in the trail before erasure")

	erase := func(key, id string, hdr ...string) resp {
		return s.call("POST", "/api/users/"+id+"/erase", key, nil, hdr...)
	}
	s.must(409, erase(ops, patID))                        // still active
	s.must(403, erase(pat, patID))                        // pilots may not; and nobody erases itself
	s.must(403, erase(vic, patID))                        // viewers may not
	s.must(404, erase(olly, patID))                       // another tenant's user does not exist for its admin
	s.must(404, erase(ops, "01JDA00000000000000000NONE")) // no such user
	s.must(200, s.call("PATCH", "/api/users/"+patID, ops, map[string]any{"status": "deactivated"}))
	s.must(412, erase(ops, patID, "If-Match", `"1"`))
	r := s.must(200, erase(ops, patID))
	assert.Equal(t, "[erased]", str(r.body, "email"))
	assert.Equal(t, "[erased]", str(r.body, "display_name"))
	assert.Equal(t, "erased", str(r.body, "status"))
	assert.Equal(t, "pilot", str(r.body, "role"), "the role stays")
	assert.Equal(t, patID, str(r.body, "id"))
	s.must(200, erase(root, patID)) // again: nothing new, 200
	s.must(409, s.call("PATCH", "/api/users/"+patID, ops, map[string]any{"status": "active"}))
	s.must(401, s.call("POST", "/api/auth/login", "", map[string]any{"email": erasedEmail, "password": erasedPass + "!"}))

	// every read shows the person erased
	s.eventually(func() bool {
		return str(s.must(200, s.call("GET", "/api/users/"+patID, ops, nil)).body, "status") == "erased"
	}, "the user view is erased")
	assertNoPersonalData(t, "GET user", s.must(200, s.call("GET", "/api/users/"+patID, ops, nil)).raw)
	assertNoPersonalData(t, "user list", s.must(200, s.call("GET", "/api/tenants/"+acme+"/users", ops, nil)).raw)
	var trail resp
	s.eventually(func() bool {
		trail = s.must(200, s.call("GET", "/api/audit?limit=200&stream_id=user-"+patID, ops, nil))
		return strings.Contains(string(trail.raw), "user.erased")
	}, "user.erased reaches the trail")
	assertNoPersonalData(t, "audit trail", trail.raw)
	assert.Contains(t, string(trail.raw), `"role":"pilot"`, "the rest of the history stays")
	assert.Contains(t, string(trail.raw), "erased the personal data of [erased]")
	for _, f := range []string{"csv", "ndjson"} {
		exp := s.must(200, s.callUnchecked("GET", "/api/audit?format="+f, ops, nil))
		assertNoPersonalData(t, "audit export "+f, exp.raw)
		assert.Contains(t, string(exp.raw), patID, "ids stay in the %s export", f)
	}
	rep := s.must(200, s.call("GET", "/api/pireps/"+pirepID, ops, nil))
	assert.Equal(t, patID, str(rep.body, "submitted_by"), "the PIREP stays, by id")

	// the address can be registered again, and that user erased as well
	again := mk(acme, erasedEmail, erasedPass2, "viewer", erasedName2)
	require.NotEqual(t, patID, again)
	s.login(erasedEmail, erasedPass2)
	s.must(200, s.call("PATCH", "/api/users/"+again, ops, map[string]any{"status": "deactivated"}))
	s.must(200, erase(ops, again))
	s.eventually(func() bool {
		return str(s.must(200, s.call("GET", "/api/users/"+again, ops, nil)).body, "email") == "[erased]"
	}, "the second user is erased too")
	s.eventually(func() bool {
		return strings.Contains(string(s.must(200, s.call("GET", "/api/audit?limit=200&stream_id=user-"+again, ops, nil)).raw), "user.erased")
	}, "the second erasure reaches the trail")
	assertNoPersonalData(t, "user list", s.must(200, s.call("GET", "/api/tenants/"+acme+"/users", ops, nil)).raw)
	assertNoPersonalData(t, "audit export", s.must(200, s.callUnchecked("GET", "/api/audit?format=ndjson", ops, nil)).raw)
	return acme, patID
}
