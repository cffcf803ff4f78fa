// Package httpapitest holds checks shared by the tests of the API
// functions' routers.
package httpapitest

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/contexts"
	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/httpapi"
)

// AssertServesDeclared checks that r serves exactly the routes the contexts
// declare for side: none missing, none extra.
func AssertServesDeclared(t testing.TB, r *httpapi.Router, side domain.Side) bool {
	t.Helper()
	var want []string
	for _, rt := range contexts.Routes() {
		if rt.Side == side {
			want = append(want, rt.Key())
		}
	}
	got := r.RouteKeys()
	slices.Sort(want)
	slices.Sort(got)
	return assert.Equal(t, want, got)
}
