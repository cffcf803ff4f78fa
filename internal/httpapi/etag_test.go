package httpapi_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/internal/httpapi"
)

func TestParseIfMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     int64
		ok       bool
	}{
		{name: "strong", in: `"3"`, want: 3, ok: true},
		{name: "spaces around", in: ` "3" `, want: 3, ok: true},
		{name: "weak never matches", in: `W/"3"`, want: -1, ok: true},
		{name: "leading zero never matches", in: `"03"`, want: -1, ok: true},
		{name: "not a number never matches", in: `"abc"`, want: -1, ok: true},
		{name: "zero never matches", in: `"0"`, want: -1, ok: true},
		{name: "unquoted", in: `3`, ok: false},
		{name: "half quoted", in: `"3`, ok: false},
		{name: "list", in: `"1", "2"`, ok: false},
		{name: "empty weak", in: `W/`, ok: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := httpapi.ParseIfMatch(tc.in)
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

func FuzzParseIfMatch(f *testing.F) {
	for _, s := range []string{`"1"`, `W/"1"`, `1`, `"01"`, `""`, `"`, `W/`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := httpapi.ParseIfMatch(s)
		if ok && v > 0 && httpapi.ETag(v) != s && ` `+httpapi.ETag(v) != s && len(s) < 64 {
			// a positive version only comes from its own canonical tag (modulo spaces)
			if _, err := strconv.Unquote(s); err == nil && s != httpapi.ETag(v) {
				t.Fatalf("%q parsed as %d", s, v)
			}
		}
	})
}
