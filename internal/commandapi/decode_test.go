package commandapi_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/commandapi"
)

type sample struct {
	Name  string  `json:"name"`
	Count int     `json:"count"`
	Flag  *bool   `json:"flag"`
	When  *string `json:"when"`
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, field string
	}{
		{"ok", `{"name":"x","count":2}`, ""},
		{"ok with spaces", "  {\"name\":\"x\"}\n", ""},
		{"empty", ``, "body"},
		{"null", `null`, "body"},
		{"array", `[]`, "body"},
		{"unknown", `{"nme":"x"}`, "nme"},
		{"type", `{"count":"2"}`, "count"},
		{"type bool", `{"flag":"yes"}`, "flag"},
		{"trailing", `{"name":"x"}x`, "body"},
		{"truncated", `{"name":"x"`, "body"},
		{"syntax", `{"name":x}`, "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s sample
			err := commandapi.DecodeJSON([]byte(tc.body), &s)
			if tc.field == "" {
				assert.NoError(t, err)
				return
			}
			var fe *domain.FieldError
			if assert.True(t, errors.As(err, &fe), "%v", err) {
				assert.Equal(t, tc.field, fe.Field)
			}
		})
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"x","count":1}`, `{"flag":true}`, `{"x":1}`, `[`, `{"count":1e400}`, `{"when":null}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var s sample
		err := commandapi.DecodeJSON([]byte(body), &s)
		var fe *domain.FieldError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("%q: not a FieldError: %v", body, err)
		}
		if err != nil && fe.Field == "" {
			t.Fatalf("%q: FieldError without a field", body)
		}
	})
}

// BenchmarkCreateTenant is one command end to end on the embedded store
// (load nothing, decide, append with fsync).
func BenchmarkCreateTenant(b *testing.B) {
	e := newEnv(b)
	bs := e.bootstrap()
	req := e.req("post_tenants").as(e, bs.Key).req
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := e.router.Invoke(b.Context(), req)
		if err != nil || resp.StatusCode != 201 {
			b.Fatalf("%v %d %s", err, resp.StatusCode, resp.Body)
		}
	}
}
