// Package openapitest validates real HTTP responses against the contract in
// docs/openapi.yaml with kin-openapi (OpenAPI 3.1, JSON Schema 2020-12). Used
// by the handler tests and the end-to-end tests: every response a test
// receives should pass through Validate.
package openapitest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

var (
	once   sync.Once
	doc    *openapi3.T
	docErr error
)

// SpecPath is docs/openapi.yaml in this repository.
func SpecPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", "docs", "openapi.yaml"))
}

// Doc loads and validates the spec once per test binary.
func Doc(tb testing.TB) *openapi3.T {
	tb.Helper()
	once.Do(func() {
		l := openapi3.NewLoader()
		doc, docErr = l.LoadFromFile(SpecPath())
		if docErr == nil {
			docErr = doc.Validate(l.Context)
		}
	})
	if docErr != nil {
		tb.Fatalf("openapitest: %s: %v", SpecPath(), docErr)
	}
	return doc
}

// Check validates a response and returns the violation, if any. path is a
// concrete request path ("/api/users/01J...", optionally with a query) or a
// path template ("/api/users/{id}"); a literal path wins over a template.
// Undocumented statuses and headers declared required but missing fail.
func Check(tb testing.TB, method, path string, status int, headers http.Header, body []byte) error {
	tb.Helper()
	d := Doc(tb)
	u, err := url.Parse(path)
	if err != nil {
		return fmt.Errorf("openapitest: path %q: %w", path, err)
	}
	tmpl, params, item := match(d, u.Path)
	if item == nil {
		return fmt.Errorf("openapitest: %s %s: no such path in %s", method, u.Path, SpecPath())
	}
	op := item.GetOperation(strings.ToUpper(method))
	if op == nil {
		return fmt.Errorf("openapitest: %s %s: method not in the spec", method, tmpl)
	}
	req, _ := http.NewRequest(method, u.String(), nil)
	headers = headers.Clone() // the caller's map is read concurrently by parallel tests
	if headers == nil {
		headers = http.Header{}
	}
	if headers.Get("Content-Type") == "" && len(body) > 0 {
		headers.Set("Content-Type", "application/json")
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params,
			Route: &routers.Route{Spec: d, Path: tmpl, PathItem: item, Method: method, Operation: op}, Options: opts},
		Status: status, Header: headers, Options: opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("openapitest: %s %s -> %d violates %s: %w\nbody: %s", method, tmpl, status, SpecPath(), err, truncate(body))
	}
	return nil
}

// Validate fails the test if the response violates the spec.
func Validate(tb testing.TB, method, path string, status int, headers http.Header, body []byte) {
	tb.Helper()
	if err := Check(tb, method, path, status, headers, body); err != nil {
		tb.Error(err)
	}
}

// ValidateV2 validates an API Gateway payload 2.0 response to req. The route
// template comes from req.RouteKey when set, else from req.RawPath.
func ValidateV2(tb testing.TB, req lambdaevents.APIGatewayV2HTTPRequest, resp lambdaevents.APIGatewayV2HTTPResponse) {
	tb.Helper()
	method, path := req.RequestContext.HTTP.Method, req.RawPath
	if m, p, ok := strings.Cut(req.RouteKey, " "); ok {
		method, path = m, p
		if req.RawPath != "" {
			path = req.RawPath
		}
	}
	h := http.Header{}
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	Validate(tb, method, path, resp.StatusCode, h, []byte(resp.Body))
}

// match finds the path item for a concrete path or a template: an exact key
// first, then the template with the fewest parameters whose segments match.
func match(d *openapi3.T, p string) (string, map[string]string, *openapi3.PathItem) {
	if it := d.Paths.Value(p); it != nil {
		return p, map[string]string{}, it
	}
	keys := d.Paths.InMatchingOrder()
	sort.SliceStable(keys, func(i, j int) bool { return strings.Count(keys[i], "{") < strings.Count(keys[j], "{") })
	seg := strings.Split(strings.Trim(p, "/"), "/")
	for _, k := range keys {
		ks := strings.Split(strings.Trim(k, "/"), "/")
		if len(ks) != len(seg) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i := range ks {
			if strings.HasPrefix(ks[i], "{") && strings.HasSuffix(ks[i], "}") {
				params[strings.Trim(ks[i], "{}")] = seg[i]
			} else if ks[i] != seg[i] {
				ok = false
				break
			}
		}
		if ok {
			return k, params, d.Paths.Value(k)
		}
	}
	return "", nil, nil
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}
