package notify

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// opaque hides the reader's type, as the SDK's request stream does.
type opaque struct{ io.Reader }

func TestOneWriteGivesNetHTTPAnInMemoryBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		length   int64
		replaced bool
	}{
		{name: "frame body copied into a bytes.Reader", body: `{"type":"event"}`, length: 16, replaced: true},
		{name: "no body passes through", body: "", length: 0, replaced: false},
		{name: "unknown length passes through", body: "abc", length: -1, replaced: false},
		{name: "oversized body passes through", body: strings.Repeat("x", maxOneWrite+1), length: maxOneWrite + 1, replaced: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			orig := io.NopCloser(opaque{strings.NewReader(tc.body)})
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/@connections/x", orig)
			require.NoError(t, err)
			req.ContentLength = tc.length
			var seen *http.Request
			_, err = oneWrite{next: doFunc(func(r *http.Request) (*http.Response, error) {
				seen = r
				return &http.Response{StatusCode: 200}, nil
			})}.Do(req)
			require.NoError(t, err)
			assert.Equal(t, orig, req.Body, "the caller's request is not modified")
			if !tc.replaced {
				assert.Same(t, req, seen)
				return
			}
			assert.NotSame(t, req, seen)
			got, err := io.ReadAll(seen.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.body, string(got))
			assert.Equal(t, tc.length, seen.ContentLength)
			again, err := seen.GetBody()
			require.NoError(t, err)
			b, _ := io.ReadAll(again)
			assert.True(t, bytes.Equal(got, b))
		})
	}
}
