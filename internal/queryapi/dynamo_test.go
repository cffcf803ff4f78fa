package queryapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// TestQueriesOnDynamoDB runs the list, cursor and ETag paths against the
// DynamoDB adapter (moto).
func TestQueriesOnDynamoDB(t *testing.T) {
	t.Parallel()
	c, prefix := awstest.Tables(t, spec.ReadModel)
	f := newFixtureOn(t, readmodel.NewDynamo(c, readmodel.TableFor(prefix)))

	var ids []string
	query := map[string]string{"limit": "3"}
	for pages := 0; pages < 5; pages++ {
		l := decodeList(t, f.get(t, uAAdmin, "GET /api/tenants/{id}/users", map[string]string{"id": tA}, query))
		for _, it := range l.Items {
			ids = append(ids, it["id"].(string))
		}
		if l.NextCursor == nil {
			break
		}
		query = map[string]string{"limit": "3", "cursor": *l.NextCursor}
	}
	assert.Equal(t, []string{uAAdmin, uAPilot, uAPilot2, uAViewer}, ids)

	resp := f.get(t, uBAdmin, "GET /api/tenants/{id}/users", map[string]string{"id": tB}, map[string]string{"cursor": query["cursor"]})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a cursor of tenant A's listing on tenant B's")

	resp = f.get(t, uAPilot, "GET /api/users/me", nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	p := f.users[uAPilot]
	resp = f.do(t, request(&p, "GET /api/users/me", nil, nil, map[string]string{"if-none-match": resp.Headers["ETag"]}))
	assert.Equal(t, http.StatusNotModified, resp.StatusCode)

	resp = f.get(t, uAPilot, "GET /api/tenants/{id}", map[string]string{"id": tB}, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	l := decodeList(t, f.get(t, uRoot, "GET /api/apikeys", nil, map[string]string{"owner_id": uBPilot}))
	require.Len(t, l.Items, 1)
	assert.Equal(t, uBPilot, l.Items[0]["owner_id"])
	assert.Equal(t, string(domain.RolePlatformAdmin), string(f.users[uRoot].Role))
}
