package queryapi_test

import (
	"testing"

	"github.com/skyledger/skyledger/internal/queryapi"
)

// FuzzCursorOpen: Open never panics, and only what Seal produced for the
// same scope opens.
func FuzzCursorOpen(f *testing.F) {
	c := queryapi.Cursor{Key: cursorKey}
	other := queryapi.Cursor{Key: []byte("another cursor key of 32 bytes..")}
	f.Add(c.Seal("eyJwIjoiYSIsInMiOiJiIn0", "users|tenant#T#users"), "users|tenant#T#users")
	f.Add("", "")
	f.Add(".", "x")
	f.Add("YQ.YQ", "x")
	f.Fuzz(func(t *testing.T, s, scope string) {
		inner, err := c.Open(s, scope)
		if err != nil {
			return
		}
		if inner == "" {
			t.Fatalf("opened an empty cursor: %q", s)
		}
		if _, err := other.Open(s, scope); err == nil {
			t.Fatalf("a cursor opened under two keys: %q", s)
		}
		if _, err := c.Open(s, scope+"x"); err == nil {
			t.Fatalf("a cursor opened under two scopes: %q", s)
		}
	})
}

// FuzzListParams: list query parameters never panic and give 200 or 400.
func FuzzListParams(f *testing.F) {
	f.Add("50", "", "")
	f.Add("0", "abc", "x")
	f.Add("201", ".", "01JVSERAP110T0000000000000")
	f.Add("-1", "YQ.YQ", "")
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, limit, cursor, owner string) {
		p := fx.users[uAAdmin]
		q := map[string]string{"limit": limit, "cursor": cursor}
		if owner != "" {
			q["owner_id"] = owner
		}
		for _, rk := range []string{"GET /api/apikeys", "GET /api/tenants"} {
			resp, err := fx.router.Invoke(t.Context(), request(&p, rk, nil, q, nil))
			if err != nil || (resp.StatusCode != 200 && resp.StatusCode != 400 && resp.StatusCode != 404 && resp.StatusCode != 403) {
				t.Fatalf("%s %v: %d %v %s", rk, q, resp.StatusCode, err, resp.Body)
			}
		}
	})
}
