package wire

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/skyledger/skyledger/events/embedded"
	"github.com/skyledger/skyledger/internal/httpapi"
)

// HealthPath is the local runtime's health endpoint on the API listener.
// It is not part of the API Gateway contract (docs/openapi.yaml): in AWS the
// stores are managed services with their own health.
const HealthPath = "/api/health"

// Health is the body of GET /api/health: 200 when Status is "ok", else 503
// with Retry-After.
type Health struct {
	// Status is "ok", or "degraded" when the store refuses writes (reads
	// still work).
	Status string      `json:"status"`
	Mode   string      `json:"mode"`
	Store  StoreHealth `json:"store"`
}

// StoreHealth is the event store's part of Health.
type StoreHealth struct {
	// Status: embedded.StatusOK, StatusFull (no space: writes answer 503
	// storage_full and each one tries again) or StatusClosed (an I/O error:
	// restart the runtime).
	Status    string `json:"status"`
	LogBytes  *int64 `json:"log_bytes,omitempty"`
	FreeBytes *int64 `json:"free_bytes,omitempty"`
}

func embeddedHealth(st *embedded.Store) func() StoreHealth {
	return func() StoreHealth {
		s := st.State()
		return StoreHealth{Status: s.Status, LogBytes: &s.LogBytes, FreeBytes: s.FreeBytes}
	}
}

func (a *App) serveHealth(w http.ResponseWriter, _ *http.Request) {
	h := Health{Status: "ok", Mode: a.Config.Mode, Store: StoreHealth{Status: embedded.StatusOK}}
	if a.health != nil {
		h.Store = a.health()
	}
	status := http.StatusOK
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if h.Store.Status != embedded.StatusOK {
		h.Status = "degraded"
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", strconv.Itoa(httpapi.StorageFullRetryAfterSeconds))
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(h)
}
