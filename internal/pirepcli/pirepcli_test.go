package pirepcli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/internal/golden"
	"github.com/skyledger/skyledger/internal/pirepcli"
)

func TestCheckTSV(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, pirepcli.Run([]string{"check", "testdata/reports.tsv"}, &out, &out))
	golden.Equal(t, filepath.Join("testdata", "check-tsv.golden"), out.Bytes())
	assert.Contains(t, out.String(), "agreement with the verdict column: 7/7 (100.0%)")
	assert.Contains(t, out.String(), "7 reports: 4 accepted (1 urgent, 2 with warnings), 3 refused")
}

func TestCheckLines(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, pirepcli.Run([]string{"check", "testdata/reports.txt"}, &out, &out))
	golden.Equal(t, filepath.Join("testdata", "check-lines.golden"), out.Bytes())
	assert.NotContains(t, out.String(), "agreement", "no verdict column, no agreement figure")
	assert.Contains(t, out.String(), "3 reports: 2 accepted (0 urgent, 1 with warnings), 1 refused", "blank lines are skipped")
}

func TestCheckSummaryOnly(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, pirepcli.Run([]string{"check", "-summary", "testdata/reports.tsv"}, &out, &out))
	assert.NotContains(t, out.String(), "line 2:")
	assert.Contains(t, out.String(), "refusals by class:")
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	assert.ErrorContains(t, pirepcli.Run(nil, &out, &out), "usage")
	assert.ErrorContains(t, pirepcli.Run([]string{"frobnicate"}, &out, &out), "unknown command")
	assert.ErrorContains(t, pirepcli.Run([]string{"check"}, &out, &out), "usage")
	assert.Error(t, pirepcli.Run([]string{"check", "testdata/missing.tsv"}, &out, &out))
	assert.ErrorContains(t, pirepcli.Run([]string{"import", "testdata/reports.tsv"}, &out, &out), "usage")
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	a := pirepcli.IdempotencyKey("KDEN UA /OV DEN/TM 1150/FL080/TP B738/TB LGT")
	assert.Equal(t, a, pirepcli.IdempotencyKey("  KDEN UA  /OV DEN/TM 1150/FL080/TP B738/TB LGT "), "whitespace does not change the key")
	assert.NotEqual(t, a, pirepcli.IdempotencyKey("KDEN UA /OV DEN/TM 1151/FL080/TP B738/TB LGT"))
	assert.LessOrEqual(t, len(a), 128)
	assert.GreaterOrEqual(t, len(a), 8)
}

// fakeAPI implements POST /api/pireps as the contract says: bearer key,
// the parser's verdict (400 with the error body), Idempotency-Key replays
// marked with Idempotent-Replayed.
type fakeAPI struct {
	mu      sync.Mutex
	seen    map[string]string // idempotency key -> first response body
	created int
	keys    []string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/pireps" {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer sk_test" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"invalid key"}}`))
		return
	}
	var body struct {
		Raw string `json:"raw"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, key)
	w.Header().Set("Content-Type", "application/json")
	if prev, ok := f.seen[key]; ok && key != "" {
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(prev))
		return
	}
	rep, err := pirep.DecideText(body.Raw, false)
	if err != nil {
		var fe *domain.FieldError
		errors.As(err, &fe)
		b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "validation", "message": fe.Error(), "details": map[string]any{"field": fe.Field}}})
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(b)
		return
	}
	b, _ := json.Marshal(map[string]any{"raw": rep.Encode(), "warnings": rep.Warnings})
	f.seen[key] = string(b)
	f.created++
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(b)
}

func TestImportAgainstTheContract(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{seen: map[string]string{}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)

	var out bytes.Buffer
	require.NoError(t, pirepcli.Run([]string{"import", "testdata/reports.tsv", "-api", srv.URL, "-key", "sk_test"}, &out, &out))
	assert.Equal(t, 4, api.created)
	assert.Contains(t, out.String(), "line 6: refused: raw: /TM at byte 19: invalid time")
	assert.Contains(t, out.String(), "line 8: refused: raw: type at byte 0: not a PIREP")
	assert.Contains(t, out.String(), "7 reports: 4 created, 0 already imported, 3 refused, 0 failed")
	assert.NotContains(t, out.String(), "\r", "no progress bar when stdout is not a terminal")
	for _, k := range api.keys {
		assert.True(t, strings.HasPrefix(k, "pirep-import-"), k)
	}

	// a rerun adds nothing: every accepted report is an idempotent replay
	out.Reset()
	require.NoError(t, pirepcli.Run([]string{"import", "testdata/reports.tsv", "-api", srv.URL, "-key", "sk_test"}, &out, &out))
	assert.Equal(t, 4, api.created)
	assert.Contains(t, out.String(), "7 reports: 0 created, 4 already imported, 3 refused, 0 failed")

	// a bad key stops at the first report instead of failing every line
	out.Reset()
	err := pirepcli.Run([]string{"import", "testdata/reports.tsv", "-api", srv.URL, "-key", "sk_wrong"}, &out, &out)
	require.ErrorContains(t, err, "HTTP 401")
	assert.Contains(t, out.String(), "7 reports: 0 created, 0 already imported, 0 refused, 7 failed")
}

func TestImportUnreachableAPIReportsEachLine(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	var out bytes.Buffer
	err := pirepcli.Run([]string{"import", "testdata/reports.txt", "-api", url, "-key", "sk_test"}, &out, &out)
	require.ErrorContains(t, err, "3 reports failed")
	assert.Equal(t, 3, strings.Count(out.String(), ": failed: "), out.String())
}
